/**
 * The floor under the ingest benchmark: the rows a load wrote into the vault (hubs, links,
 * satellite rows, identifiers), inserted again into a fresh vault as plain rows — no reading,
 * mapping, hashing, matching or lookups, only the writes the vault cannot avoid, through the
 * same `insertMany` in batches as the flat baseline. Ingest can never be faster than this, so
 * its ratio to the flat insert bounds the ingest ratio from above.
 *
 * Rows are written in a seeded random order within each table, as a load meets them (their hash
 * keys are random); rows read back in key order would insert faster than any real load could.
 */
import type { ColumnDef, SqlValue, Store } from "../src/store/index.ts";

/** In foreign-key order: identifiers refer to persons. */
const VAULT_TABLES = [
  "hub_person",
  "hub_object",
  "hub_location",
  "hub_event",
  "person_identifier",
  "link",
  "satellite",
] as const;

export interface VaultTableRows {
  table: string;
  columns: ColumnDef[];
  rows: SqlValue[][];
}

/** A small deterministic generator (mulberry32) for the shuffle. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const next = random(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Every row of the vault's tables, in a seeded random order per table. */
export async function readVaultRows(store: Store): Promise<VaultTableRows[]> {
  const tables: VaultTableRows[] = [];
  for (const [index, table] of VAULT_TABLES.entries()) {
    const rows = await store.all(`SELECT * FROM ${table}`);
    if (rows.length === 0) continue;
    const names = Object.keys(rows[0]!);
    const columns: ColumnDef[] = names.map((name) => ({
      name,
      type: typeof rows[0]![name] === "number" || typeof rows[0]![name] === "bigint" ? "bigint" : "text",
    }));
    const values = rows.map((row) => names.map((name) => row[name] as SqlValue));
    tables.push({ table, columns, rows: shuffled(values, index + 1) });
  }
  return tables;
}

export function vaultRowCount(tables: readonly VaultTableRows[]): number {
  return tables.reduce((sum, t) => sum + t.rows.length, 0);
}

/** Inserts the rows into `store` (a fresh vault) in batches, in one transaction. */
export async function insertVaultRows(
  store: Store,
  tables: readonly VaultTableRows[],
  batchSize: number,
): Promise<void> {
  await store.transaction(async (tx) => {
    for (const { table, columns, rows } of tables) {
      for (let start = 0; start < rows.length; start += batchSize) {
        await tx.insertMany(table, columns, rows.slice(start, start + batchSize));
      }
    }
  });
}
