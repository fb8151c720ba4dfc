/**
 * `serums ledger verify` for one peer: replays its whole stored chain from genesis and checks
 * everything against the replay — each stored block hash, previousHash link, dataHash and orderer
 * signature and time; every transaction's creator (its certificate's validity and revocation as of
 * its block), timestamp, signatures and endorsements against the policy; the
 * stored validation codes; and that world state, key history, the transaction index and the
 * event logs are exactly what the valid transactions produce. A direct edit of any row is found
 * and named by the first block and transaction it concerns.
 */
import { SerumsError } from "../../errors/index.ts";
import { blockHash } from "./block.ts";
import type { Consortium } from "./consortium-config.ts";
import { compareKeys } from "./encoding.ts";
import type { PeerStore, StoredBlock } from "./peer-store.ts";
import { decodeRevocationList, REVOCATIONS_KEY, type RevocationList } from "./revocation.ts";
import { formatVersion, sameVersion, type Version } from "./rw-set.ts";
import {
  type ChainTip,
  checkBlockHeader,
  type HistoryRow,
  type LogRow,
  type StateView,
  validateBlock,
} from "./validate-block.ts";
import { checkTransaction, parseTransaction, transactionSignatureChecks } from "./validate-transaction.ts";
import { Verifier } from "./verifier.ts";

export interface VerifyProblem {
  block: number;
  tx?: number;
  txId?: string;
  reason: string;
}

export interface PeerReport {
  site: string;
  ok: boolean;
  /** blocks checked */
  height: number;
  /** the first problem, by block then transaction */
  problem?: VerifyProblem;
  /** how many problems were found in all */
  problems: number;
}

/** World state rebuilt in memory, with the range scans validation needs. */
class ReplayState implements StateView {
  readonly entries = new Map<string, { value: string; version: Version }>();
  readonly txIds = new Map<string, { block: number; tx: number; code: string }>();
  #sorted: string[] | null = null;

  async versions(keys: readonly string[]): Promise<Map<string, Version | null>> {
    return new Map(keys.map((k) => [k, this.entries.get(k)?.version ?? null]));
  }

  async range(start: string, end: string): Promise<{ key: string; version: Version }[]> {
    this.#sorted ??= [...this.entries.keys()].sort(compareKeys);
    const keys = this.#sorted;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(keys[mid]!, start) < 0) lo = mid + 1;
      else hi = mid;
    }
    const out: { key: string; version: Version }[] = [];
    for (let i = lo; i < keys.length && (end === "" || compareKeys(keys[i]!, end) < 0); i++) {
      out.push({ key: keys[i]!, version: this.entries.get(keys[i]!)!.version });
    }
    return out;
  }

  async committedTxIds(txIds: readonly string[]): Promise<Set<string>> {
    return new Set(txIds.filter((id) => this.txIds.has(id)));
  }

  /** The revocation list as replayed so far: as it was at the block being checked. */
  async revocations(): Promise<RevocationList> {
    return decodeRevocationList(this.entries.get(REVOCATIONS_KEY)?.value);
  }

  set(key: string, value: string | null, version: Version): void {
    if (value === null) {
      if (this.entries.delete(key)) this.#sorted = null;
    } else {
      if (!this.entries.has(key)) this.#sorted = null;
      this.entries.set(key, { value, version });
    }
  }
}

/** Transactions whose signatures are verified ahead, at once, while the blocks before are checked. */
const PREFETCH_TRANSACTIONS = 2_000;

/** Consecutive blocks holding about PREFETCH_TRANSACTIONS transactions each. */
function runsOf(batch: readonly StoredBlock[]): StoredBlock[][] {
  const runs: StoredBlock[][] = [[]];
  let count = 0;
  for (const stored of batch) {
    if (count >= PREFETCH_TRANSACTIONS) {
      runs.push([]);
      count = 0;
    }
    runs.at(-1)!.push(stored);
    count += Array.isArray(stored.block.transactions) ? stored.block.transactions.length : 0;
  }
  return runs;
}

/** Verifies, on the signature pool, every signature the blocks' transactions carry. */
function prefetchRun(run: readonly StoredBlock[], consortium: Consortium, verifier: Verifier): Promise<void> {
  const checks = run.flatMap((stored) =>
    (Array.isArray(stored.block.transactions) ? stored.block.transactions : []).flatMap((text) =>
      transactionSignatureChecks(parseTransaction(text), consortium, verifier),
    ),
  );
  return verifier.prefetch(checks);
}

function earliest(problems: VerifyProblem[]): VerifyProblem | undefined {
  return [...problems].sort((a, b) => a.block - b.block || (a.tx ?? -1) - (b.tx ?? -1))[0];
}

/**
 * Verifies one peer's store. `verifier` may be shared by the peers of one audit: it remembers
 * signatures by their exact bytes, so identical transactions are verified once and a peer whose
 * bytes differ has them verified afresh.
 */
export async function verifyPeerStore(
  site: string,
  store: PeerStore,
  consortium: Consortium,
  verifier: Verifier = new Verifier(),
): Promise<PeerReport> {
  const state = new ReplayState();
  const history: HistoryRow[] = [];
  const logs: (LogRow & { index: number })[] = [];
  const logSizes = new Map<string, number>();
  const certs = verifier;
  let tip: ChainTip = { height: 0, lastHash: "", lastTime: "" };
  const report = (problem: VerifyProblem, count = 1): PeerReport => ({
    site,
    ok: false,
    height: tip.height,
    problem,
    problems: count,
  });

  for (;;) {
    let batch: Awaited<ReturnType<PeerStore["readBlocks"]>>;
    try {
      batch = await store.readBlocks(tip.height, 200);
    } catch (error) {
      return report({ block: tip.height, reason: (error as Error).message });
    }
    if (batch.length === 0) break;
    // The signatures of the next run of blocks are verified on the pool while this run is checked.
    const runs = runsOf(batch);
    let ahead = prefetchRun(runs[0]!, consortium, certs);
    for (const [r, run] of runs.entries()) {
      const current = ahead;
      if (r + 1 < runs.length) ahead = prefetchRun(runs[r + 1]!, consortium, certs);
      await current;
      for (const stored of run) {
        const number = stored.block.header?.number;
        if (number !== tip.height)
          return report({ block: tip.height, reason: `block ${tip.height} is missing` });
        if (blockHash(stored.block.header) !== stored.hash) {
          return report({ block: number, reason: "the stored block hash is not the hash of its header" });
        }
        try {
          checkBlockHeader(stored.block, tip, consortium);
        } catch (error) {
          const reason = error instanceof SerumsError ? error.message : String(error);
          // Name the first transaction that no longer verifies, when one does not.
          const bad = stored.block.transactions.findIndex(
            (text, i) =>
              checkTransaction(text, consortium, certs).code !== stored.codes[i] &&
              stored.codes[i] === "VALID",
          );
          return report(
            bad >= 0
              ? { block: number, tx: bad, reason: `${reason}; transaction ${bad} no longer verifies` }
              : { block: number, reason },
          );
        }
        const validation = await validateBlock(stored.block, consortium, state, certs);
        if (stored.codes.length !== validation.outcomes.length) {
          return report({
            block: number,
            reason: `${stored.codes.length} validation codes stored for ${validation.outcomes.length} transactions`,
          });
        }
        for (const outcome of validation.outcomes) {
          if (stored.codes[outcome.index] !== outcome.code) {
            return report({
              block: number,
              tx: outcome.index,
              ...(outcome.txId ? { txId: outcome.txId } : {}),
              reason: `the stored validation code is ${stored.codes[outcome.index]}, but replay gives ${outcome.code}${outcome.reason ? ` (${outcome.reason})` : ""}`,
            });
          }
          if (outcome.authenticated && !state.txIds.has(outcome.txId!)) {
            state.txIds.set(outcome.txId!, { block: number, tx: outcome.index, code: outcome.code });
          }
        }
        for (const [key, write] of validation.writes) state.set(key, write.value, write.version);
        history.push(...validation.history);
        for (const row of validation.logs) {
          const index = logSizes.get(row.name) ?? 0;
          logSizes.set(row.name, index + 1);
          logs.push({ ...row, index });
        }
        tip = { height: number + 1, lastHash: validation.hash, lastTime: stored.block.header.time };
      }
    }
  }
  if (tip.height === 0) return report({ block: 0, reason: "the peer holds no genesis block" });

  const problems = await compareTables(store, state, history, logs);
  const first = earliest(problems);
  return first ? report(first, problems.length) : { site, ok: true, height: tip.height, problems: 0 };
}

async function compareTables(
  store: PeerStore,
  state: ReplayState,
  history: readonly HistoryRow[],
  logs: readonly (LogRow & { index: number })[],
): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  const at = (version: Version, reason: string): VerifyProblem => ({
    block: version[0],
    tx: version[1],
    reason,
  });

  const seen = new Set<string>();
  for (const row of await store.readAllState()) {
    seen.add(row.key);
    const expected = state.entries.get(row.key);
    if (!expected)
      problems.push(
        at(row.version, "world state holds a key no valid transaction wrote (or one deleted since)"),
      );
    else if (!sameVersion(expected.version, row.version))
      problems.push(
        at(
          expected.version,
          `world state holds a key at version ${formatVersion(row.version)}; replay gives ${formatVersion(expected.version)}`,
        ),
      );
    else if (expected.value !== row.value)
      problems.push(at(expected.version, "world state holds a value this transaction did not write"));
  }
  for (const [key, expected] of state.entries) {
    if (!seen.has(key)) problems.push(at(expected.version, "world state lacks a key this transaction wrote"));
  }

  const expectedHistory = new Map(history.map((h) => [`${h.block}/${h.tx}/${h.key}`, h]));
  for (const row of await store.readAllHistory()) {
    const id = `${row.block}/${row.tx}/${row.key}`;
    const expected = expectedHistory.get(id);
    expectedHistory.delete(id);
    const version: Version = [row.block, row.tx];
    if (!expected) problems.push(at(version, "key history holds a change no valid transaction made"));
    else if (
      expected.txId !== row.txId ||
      expected.value !== row.value ||
      (expected.value === null) !== row.isDelete ||
      expected.timestamp !== row.timestamp
    )
      problems.push(at(version, "key history differs from what this transaction wrote"));
  }
  for (const missing of expectedHistory.values())
    problems.push(at([missing.block, missing.tx], "key history lacks a change of this transaction"));

  const stored = await store.readAllTransactions();
  const storedIds = new Set<string>();
  for (const row of stored) {
    storedIds.add(row.txId);
    const expected = state.txIds.get(row.txId);
    if (!expected)
      problems.push({
        block: row.block,
        tx: row.tx,
        txId: row.txId,
        reason: "the transaction index lists an ID no block holds",
      });
    else if (expected.block !== row.block || expected.tx !== row.tx || expected.code !== row.code)
      problems.push({
        block: expected.block,
        tx: expected.tx,
        txId: row.txId,
        reason: "the transaction index entry differs from the block",
      });
  }
  for (const [txId, expected] of state.txIds) {
    if (!storedIds.has(txId))
      problems.push({
        block: expected.block,
        tx: expected.tx,
        txId,
        reason: "the transaction index lacks this transaction",
      });
  }

  const expectedLogs = new Map(logs.map((l) => [`${l.name}/${l.index}`, l]));
  for (const row of await store.readLogs()) {
    const id = `${row.name}/${row.index}`;
    const expected = expectedLogs.get(id);
    expectedLogs.delete(id);
    if (!expected)
      problems.push({
        block: row.block,
        tx: row.tx,
        reason: `log ${row.name} holds an entry no valid transaction made`,
      });
    else if (
      expected.payload !== row.payload ||
      expected.txId !== row.txId ||
      expected.block !== row.block ||
      expected.tx !== row.tx
    )
      problems.push({
        block: expected.block,
        tx: expected.tx,
        reason: `log ${row.name} entry ${row.index} differs from the event this transaction emitted`,
      });
  }
  for (const missing of expectedLogs.values())
    problems.push({
      block: missing.block,
      tx: missing.tx,
      reason: `log ${missing.name} lacks entry ${missing.index}`,
    });
  return problems;
}
