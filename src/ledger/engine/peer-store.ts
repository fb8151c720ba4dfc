/**
 * A peer's persistence, through the Store API: blocks with their validation codes, world state
 * (key → value, version), per-key history, the transaction index and the event logs. Keys are
 * stored as the hex of their UTF-8 bytes in a byte-ordered column (SQLite's BINARY collation,
 * PostgreSQL's COLLATE "C"), so composite keys with U+0000 are held and range-ordered exactly as
 * their bytes. Values are base64 text. One block's changes are one store transaction.
 */
import type { Executor, Migration, SqlValue, Store } from "../../store/index.ts";
import { type Block, decodeBlock, encodeBlock } from "./block.ts";
import { fromBase64, hexToKey, keyToHex } from "./encoding.ts";
import type { Version } from "./rw-set.ts";
import type { BlockValidation, LogRow } from "./validate-block.ts";
import type { ValidationCode } from "./validate-transaction.ts";

function schema(keyType: string, withoutRowid: string): string {
  return `
CREATE TABLE ledger_blocks (
  number BIGINT PRIMARY KEY, hash TEXT NOT NULL, header TEXT NOT NULL, body TEXT NOT NULL,
  metadata TEXT NOT NULL, codes TEXT NOT NULL);
CREATE TABLE ledger_world_state (
  key ${keyType} PRIMARY KEY, value TEXT NOT NULL, block BIGINT NOT NULL, tx BIGINT NOT NULL)${withoutRowid};
CREATE TABLE ledger_key_history (
  key ${keyType} NOT NULL, block BIGINT NOT NULL, tx BIGINT NOT NULL, tx_id TEXT NOT NULL,
  value TEXT, is_delete BIGINT NOT NULL, ts TEXT NOT NULL, PRIMARY KEY (key, block, tx))${withoutRowid};
CREATE TABLE ledger_tx_index (
  tx_id TEXT PRIMARY KEY, block BIGINT NOT NULL, tx BIGINT NOT NULL, code TEXT NOT NULL)${withoutRowid};
CREATE TABLE ledger_logs (
  name TEXT NOT NULL, idx BIGINT NOT NULL, tx_id TEXT NOT NULL, block BIGINT NOT NULL, tx BIGINT NOT NULL,
  entry TEXT NOT NULL, PRIMARY KEY (name, idx));
CREATE INDEX ledger_logs_tx ON ledger_logs (tx_id);`;
}

export const ledgerMigrations: readonly Migration[] = [
  {
    id: "ledger/001-peer",
    sql: { sqlite: schema("TEXT", " WITHOUT ROWID"), postgres: schema('TEXT COLLATE "C"', "") },
  },
];

export const LEDGER_TABLES = [
  "ledger_blocks",
  "ledger_world_state",
  "ledger_key_history",
  "ledger_tx_index",
  "ledger_logs",
] as const;

export interface StoredBlock {
  block: Block;
  hash: string;
  codes: ValidationCode[];
}

export interface StateRow {
  key: string;
  value: string;
  version: Version;
}

export interface HistoryRecord {
  key: string;
  block: number;
  tx: number;
  txId: string;
  value: string | null;
  isDelete: boolean;
  timestamp: string;
}

export interface TxRecord {
  txId: string;
  block: number;
  tx: number;
  code: ValidationCode;
}

interface RawBlock {
  number: number;
  hash: string;
  header: string;
  body: string;
  metadata: string;
  codes: string;
}

function toStoredBlock(row: RawBlock): StoredBlock {
  const number = Number(row.number);
  return {
    block: decodeBlock(number, row),
    hash: row.hash,
    codes: JSON.parse(row.codes) as ValidationCode[],
  };
}

interface RawState {
  key: string;
  value: string;
  block: number;
  tx: number;
}

function toState(row: RawState): StateRow {
  return { key: hexToKey(row.key), value: row.value, version: [Number(row.block), Number(row.tx)] };
}

/** Inserts rows: one prepared statement per row on SQLite, one unnest statement on PostgreSQL. */
async function insertRows(
  tx: Executor,
  table: string,
  columns: readonly { name: string; type: "text" | "bigint" }[],
  rows: readonly (readonly SqlValue[])[],
  conflict = "",
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((c) => c.name).join(", ");
  if (tx.engine === "postgres") {
    const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(", ");
    const values = columns.map((_, i) => rows.map((r) => r[i] as SqlValue));
    await tx.run(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${conflict}`, values);
    return;
  }
  const sql = `INSERT INTO ${table} (${names}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")}) ${conflict}`;
  for (const row of rows) await tx.run(sql, row);
}

const T = "text" as const;
const B = "bigint" as const;

export class PeerStore {
  readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async tip(): Promise<{ height: number; lastHash: string; lastTime: string }> {
    const row = await this.store.get<{ number: number; hash: string; header: string }>(
      "SELECT number, hash, header FROM ledger_blocks ORDER BY number DESC LIMIT 1",
    );
    if (!row) return { height: 0, lastHash: "", lastTime: "" };
    let lastTime = "";
    try {
      const time = (JSON.parse(row.header) as { time?: unknown }).time;
      if (typeof time === "string") lastTime = time;
    } catch {
      // A malformed header is refused when the chain is verified; the tip is only a hint here.
    }
    return { height: Number(row.number) + 1, lastHash: row.hash, lastTime };
  }

  async readBlock(number: number): Promise<StoredBlock | undefined> {
    const row = await this.store.get<RawBlock>("SELECT * FROM ledger_blocks WHERE number = $1", [number]);
    return row ? toStoredBlock(row) : undefined;
  }

  /** Blocks from `from` (inclusive), at most `limit`, in order. */
  async readBlocks(from: number, limit: number): Promise<StoredBlock[]> {
    const rows = await this.store.all<RawBlock>(
      "SELECT * FROM ledger_blocks WHERE number >= $1 ORDER BY number LIMIT $2",
      [from, limit],
    );
    return rows.map(toStoredBlock);
  }

  async getState(key: string): Promise<StateRow | undefined> {
    const row = await this.store.get<RawState>(
      "SELECT key, value, block, tx FROM ledger_world_state WHERE key = $1",
      [keyToHex(key)],
    );
    return row ? toState(row) : undefined;
  }

  async getVersions(keys: readonly string[]): Promise<Map<string, Version | null>> {
    const found = new Map<string, Version | null>(keys.map((k) => [k, null]));
    if (keys.length === 0) return found;
    if (this.store.engine === "postgres") {
      const rows = await this.store.all<RawState>(
        "SELECT key, block, tx FROM ledger_world_state WHERE key = ANY($1::text[])",
        [keys.map(keyToHex)],
      );
      for (const row of rows) found.set(hexToKey(row.key), [Number(row.block), Number(row.tx)]);
      return found;
    }
    // One statement for the whole list (SQLite has no array parameters; json_each stands in).
    const rows = await this.store.all<RawState>(
      "SELECT key, block, tx FROM ledger_world_state WHERE key IN (SELECT value FROM json_each($1))",
      [JSON.stringify(keys.map(keyToHex))],
    );
    for (const row of rows) found.set(hexToKey(row.key), [Number(row.block), Number(row.tx)]);
    return found;
  }

  /** start ≤ key < end in byte order; end "" = unbounded. */
  async getRange(start: string, end: string): Promise<StateRow[]> {
    const rows =
      end === ""
        ? await this.store.all<RawState>(
            "SELECT key, value, block, tx FROM ledger_world_state WHERE key >= $1 ORDER BY key",
            [keyToHex(start)],
          )
        : await this.store.all<RawState>(
            "SELECT key, value, block, tx FROM ledger_world_state WHERE key >= $1 AND key < $2 ORDER BY key",
            [keyToHex(start), keyToHex(end)],
          );
    return rows.map(toState);
  }

  /** Newest first. */
  async getHistory(key: string): Promise<HistoryRecord[]> {
    const rows = await this.store.all<Record<string, unknown>>(
      "SELECT * FROM ledger_key_history WHERE key = $1 ORDER BY block DESC, tx DESC",
      [keyToHex(key)],
    );
    return rows.map(toHistory);
  }

  async committedTxIds(txIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (txIds.length === 0) return found;
    if (this.store.engine === "postgres") {
      const rows = await this.store.all<{ tx_id: string }>(
        "SELECT tx_id FROM ledger_tx_index WHERE tx_id = ANY($1::text[])",
        [[...txIds]],
      );
      for (const row of rows) found.add(row.tx_id);
      return found;
    }
    const rows = await this.store.all<{ tx_id: string }>(
      "SELECT tx_id FROM ledger_tx_index WHERE tx_id IN (SELECT value FROM json_each($1))",
      [JSON.stringify(txIds)],
    );
    for (const row of rows) found.add(row.tx_id);
    return found;
  }

  async getTransaction(txId: string): Promise<TxRecord | undefined> {
    const row = await this.store.get<{ tx_id: string; block: number; tx: number; code: ValidationCode }>(
      "SELECT * FROM ledger_tx_index WHERE tx_id = $1",
      [txId],
    );
    return row
      ? { txId: row.tx_id, block: Number(row.block), tx: Number(row.tx), code: row.code }
      : undefined;
  }

  async readLogs(): Promise<(LogRow & { index: number })[]> {
    const rows = await this.store.all<Record<string, unknown>>(
      "SELECT name, idx, tx_id, block, tx, entry FROM ledger_logs ORDER BY name, idx",
    );
    return rows.map((r) => ({
      name: r.name as string,
      index: Number(r.idx),
      txId: r.tx_id as string,
      block: Number(r.block),
      tx: Number(r.tx),
      payload: r.entry as string,
    }));
  }

  async readAllState(): Promise<StateRow[]> {
    return (
      await this.store.all<RawState>("SELECT key, value, block, tx FROM ledger_world_state ORDER BY key")
    ).map(toState);
  }

  async readAllHistory(): Promise<HistoryRecord[]> {
    const rows = await this.store.all<Record<string, unknown>>(
      "SELECT * FROM ledger_key_history ORDER BY block, tx, key",
    );
    return rows.map(toHistory);
  }

  async readAllTransactions(): Promise<TxRecord[]> {
    const rows = await this.store.all<{ tx_id: string; block: number; tx: number; code: ValidationCode }>(
      "SELECT * FROM ledger_tx_index ORDER BY block, tx",
    );
    return rows.map((r) => ({ txId: r.tx_id, block: Number(r.block), tx: Number(r.tx), code: r.code }));
  }

  /** Commits one validated block — block, codes, state, history, index, logs — in one transaction. */
  async commit(validation: BlockValidation, logIndexes: readonly number[]): Promise<void> {
    const { block, outcomes } = validation;
    const number = block.header.number;
    const parts = encodeBlock(block);
    await this.store.transaction(async (tx) => {
      await tx.run(
        "INSERT INTO ledger_blocks (number, hash, header, body, metadata, codes) VALUES ($1, $2, $3, $4, $5, $6)",
        [
          number,
          validation.hash,
          parts.header,
          parts.body,
          parts.metadata,
          JSON.stringify(outcomes.map((o) => o.code)),
        ],
      );
      const txRows = outcomes.filter((o) => o.authenticated).map((o) => [o.txId, number, o.index, o.code]);
      await insertRows(
        tx,
        "ledger_tx_index",
        [
          { name: "tx_id", type: T },
          { name: "block", type: B },
          { name: "tx", type: B },
          { name: "code", type: T },
        ],
        txRows,
        "ON CONFLICT DO NOTHING",
      );
      const upserts: SqlValue[][] = [];
      const deletes: string[] = [];
      for (const [key, write] of validation.writes) {
        if (write.value === null) deletes.push(keyToHex(key));
        else upserts.push([keyToHex(key), write.value, write.version[0], write.version[1]]);
      }
      await insertRows(
        tx,
        "ledger_world_state",
        [
          { name: "key", type: T },
          { name: "value", type: T },
          { name: "block", type: B },
          { name: "tx", type: B },
        ],
        upserts,
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, block = excluded.block, tx = excluded.tx",
      );
      if (deletes.length > 0) {
        if (tx.engine === "postgres")
          await tx.run("DELETE FROM ledger_world_state WHERE key = ANY($1::text[])", [deletes]);
        else for (const key of deletes) await tx.run("DELETE FROM ledger_world_state WHERE key = $1", [key]);
      }
      await insertRows(
        tx,
        "ledger_key_history",
        [
          { name: "key", type: T },
          { name: "block", type: B },
          { name: "tx", type: B },
          { name: "tx_id", type: T },
          { name: "value", type: T },
          { name: "is_delete", type: B },
          { name: "ts", type: T },
        ],
        validation.history.map((h) => [
          keyToHex(h.key),
          h.block,
          h.tx,
          h.txId,
          h.value,
          h.value === null ? 1 : 0,
          h.timestamp,
        ]),
      );
      await insertRows(
        tx,
        "ledger_logs",
        [
          { name: "name", type: T },
          { name: "idx", type: B },
          { name: "tx_id", type: T },
          { name: "block", type: B },
          { name: "tx", type: B },
          { name: "entry", type: T },
        ],
        validation.logs.map((l, i) => [l.name, logIndexes[i]!, l.txId, l.block, l.tx, l.payload]),
      );
    });
  }

  /** Deletes every ledger row (before a rebuild), in one transaction. */
  async wipe(): Promise<void> {
    await this.store.transaction(async (tx) => {
      for (const table of LEDGER_TABLES) await tx.run(`DELETE FROM ${table}`);
    });
  }
}

function toHistory(r: Record<string, unknown>): HistoryRecord {
  return {
    key: hexToKey(r.key as string),
    block: Number(r.block),
    tx: Number(r.tx),
    txId: r.tx_id as string,
    value: (r.value as string | null) ?? null,
    isDelete: Number(r.is_delete) === 1,
    timestamp: r.ts as string,
  };
}

/** A stored base64 value as bytes. */
export function valueBytes(value: string): Uint8Array {
  return fromBase64(value, "stored value");
}
