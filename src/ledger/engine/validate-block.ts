/**
 * Validation of a block as every peer does it before commit. First the block itself: its number
 * follows our height, previousHash is our last block's hash, dataHash is the Merkle root of its
 * data, the orderer signed its header, its time is not before the previous block's — any failure
 * refuses the whole block (TAMPERED). Then each transaction in order: the state-free checks
 * (validate-transaction.ts), its timestamp within the consortium's bound of the block's time,
 * its creator's certificate not revoked (the list as of this point of the chain, revocation.ts),
 * no earlier transaction with its ID, only the system contract's checked config updates writing
 * system keys, and MVCC — every version read is still the current one, counting the writes of
 * earlier valid transactions of the same block, and every range read gives the same keys and
 * versions again. The outcome is a validation code per transaction and the writes, history rows
 * and log entries of the valid ones; the caller commits them. Decisions only: state comes
 * through a StateView.
 */
import { SerumsError } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import {
  type Block,
  blockHash,
  checkBlockShape,
  computeDataHash,
  verifyOrdererSignature,
  ZERO_HASH,
} from "./block.ts";
import type { Consortium } from "./consortium-config.ts";
import { compareKeys } from "./encoding.ts";
import type { ProposalResponse } from "./envelope.ts";
import type { Proposal } from "./proposal.ts";
import {
  checkRevocation,
  encodeRevocationList,
  isSystemKey,
  REVOCATIONS_KEY,
  type RevocationList,
  revokedProblem,
  SYSTEM_CONTRACT,
  withRevocation,
} from "./revocation.ts";
import { formatVersion, sameVersion, type Version } from "./rw-set.ts";
import { blockTimeProblem } from "./timestamps.ts";
import {
  checkParsedTransaction,
  parseTransaction,
  transactionSignatureChecks,
  type ValidationCode,
} from "./validate-transaction.ts";
import type { Verifier } from "./verifier.ts";

/** Committed state as of the block before this one. */
export interface StateView {
  /** The committed version of each key (null when absent); one entry per key asked. */
  versions(keys: readonly string[]): Promise<Map<string, Version | null>>;
  /** Committed keys with start ≤ key < end ("" = unbounded), in byte order. */
  range(start: string, end: string): Promise<{ key: string; version: Version }[]>;
  /** Which of these IDs an earlier block already holds. */
  committedTxIds(txIds: readonly string[]): Promise<Set<string>>;
  /** The certificate revocation list in committed state (revocation.ts). */
  revocations(): Promise<RevocationList>;
}

export interface TxOutcome {
  index: number;
  txId: string | null;
  code: ValidationCode;
  reason: string;
  /** Whether the creator's certificate and signature checked out (so the ID is the creator's). */
  authenticated: boolean;
  proposal?: Proposal;
  response?: ProposalResponse;
}

export interface HistoryRow {
  key: string;
  block: number;
  tx: number;
  txId: string;
  /** base64, null for a delete */
  value: string | null;
  timestamp: string;
}

export interface LogRow {
  name: string;
  /** base64 of the entry bytes */
  payload: string;
  txId: string;
  block: number;
  tx: number;
}

export interface BlockValidation {
  block: Block;
  hash: string;
  outcomes: TxOutcome[];
  /** The final value of each key written by the block's valid transactions (null: deleted). */
  writes: Map<string, { value: string | null; version: Version }>;
  history: HistoryRow[];
  logs: LogRow[];
}

export interface ChainTip {
  height: number;
  lastHash: string;
  /** The last block's time ("" before genesis). */
  lastTime: string;
}

/** Refuses a block that does not extend our chain or whose hashes or signature are wrong. */
export function checkBlockHeader(value: unknown, tip: ChainTip, consortium: Consortium): Block {
  const block = checkBlockShape(value);
  const n = block.header.number;
  const refuse = (what: string): never => {
    throw new SerumsError("TAMPERED", `block ${n} refused: ${what}`, { path: `block ${n}` });
  };
  if (n !== tip.height) refuse(`its number is ${n}, but the next block of this chain is ${tip.height}`);
  const expectedPrevious = n === 0 ? ZERO_HASH : tip.lastHash;
  if (block.header.previousHash !== expectedPrevious) {
    refuse(`previousHash ${block.header.previousHash.slice(0, 16)}… is not the hash of block ${n - 1}`);
  }
  if (computeDataHash(block) !== block.header.dataHash) refuse("dataHash is not the Merkle root of its data");
  if (!verifyOrdererSignature(block, consortium.ordererKey))
    refuse("the orderer's signature does not verify");
  if (n > 0 && !(Date.parse(block.header.time) >= Date.parse(tip.lastTime))) {
    refuse(`its time ${block.header.time} is before block ${n - 1}'s time ${tip.lastTime || "(unknown)"}`);
  }
  if (n === 0) {
    if (!block.config || canonicalJson(block.config) !== canonicalJson(consortium.config)) {
      refuse("the genesis block does not carry this consortium's config");
    }
    if (block.transactions.length > 0) refuse("the genesis block holds transactions");
  } else if (block.config !== undefined) {
    refuse("only the genesis block carries a config");
  }
  return block;
}

/** The keys written so far by the block's valid transactions, in byte order, for range checks. */
class PendingKeys {
  readonly versions = new Map<string, Version | null>();
  readonly #sorted: string[] = [];

  #lowerBound(key: string): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(this.#sorted[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(key: string, version: Version | null): void {
    if (!this.versions.has(key)) this.#sorted.splice(this.#lowerBound(key), 0, key);
    this.versions.set(key, version);
  }

  /** Written keys with start ≤ key < end ("" = unbounded), in byte order. */
  inRange(start: string, end: string): string[] {
    const out: string[] = [];
    for (let i = this.#lowerBound(start); i < this.#sorted.length; i++) {
      const key = this.#sorted[i]!;
      if (end !== "" && compareKeys(key, end) >= 0) break;
      out.push(key);
    }
    return out;
  }
}

/** What a range read would see now: the committed keys, with the block's earlier writes applied. */
function expectedRange(
  committed: readonly { key: string; version: Version }[],
  pending: PendingKeys,
  start: string,
  end: string,
): readonly { key: string; version: Version }[] {
  const written = pending.inRange(start, end);
  if (written.length === 0) return committed;
  // Merge two sorted lists: a written key replaces (or deletes) the committed one.
  const out: { key: string; version: Version }[] = [];
  let c = 0;
  for (const key of written) {
    while (c < committed.length && compareKeys(committed[c]!.key, key) < 0) out.push(committed[c++]!);
    if (c < committed.length && committed[c]!.key === key) c++;
    const version = pending.versions.get(key)!;
    if (version !== null) out.push({ key, version });
  }
  while (c < committed.length) out.push(committed[c++]!);
  return out;
}

/** Validates a block whose header already passed checkBlockHeader. */
export async function validateBlock(
  block: Block,
  consortium: Consortium,
  view: StateView,
  verifier: Verifier,
): Promise<BlockValidation> {
  const number = block.header.number;
  // The state-free checks: those the verifier has not made of these very texts are parsed, have
  // their signatures verified all at once (in parallel), and are checked.
  const known = block.transactions.map((text) => verifier.transaction(text, consortium));
  const parsed = block.transactions.map((text, i) => (known[i] ? undefined : parseTransaction(text)));
  await verifier.prefetch(
    parsed.flatMap((p) => (p ? transactionSignatureChecks(p, consortium, verifier) : [])),
  );
  const outcomes: TxOutcome[] = block.transactions.map((text, index) => {
    let check = known[index];
    if (!check) {
      check = checkParsedTransaction(parsed[index]!, consortium, verifier);
      verifier.rememberTransaction(text, consortium, check);
    }
    return { index, ...check };
  });
  const candidates = outcomes.filter((o) => o.code === "VALID");
  const committed = await view.committedTxIds(candidates.map((o) => o.txId!));
  const readKeys = new Set<string>();
  for (const o of candidates) for (const read of o.response!.rwset.reads) readKeys.add(read.key);
  const versions = await view.versions([...readKeys]);
  let revocations = await view.revocations();

  const pending = new PendingKeys();
  // One read of each distinct range per block: the committed state does not change within it.
  const ranges = new Map<string, Promise<{ key: string; version: Version }[]>>();
  const committedRange = (start: string, end: string) => {
    const id = `${start}\u0000\u0000${end}`;
    let read = ranges.get(id);
    if (read === undefined) {
      read = view.range(start, end);
      ranges.set(id, read);
    }
    return read;
  };
  const seen = new Set<string>();
  const writes = new Map<string, { value: string | null; version: Version }>();
  const history: HistoryRow[] = [];
  const logs: LogRow[] = [];
  for (const outcome of outcomes) {
    if (outcome.authenticated) {
      // An authenticated ID already used earlier in this block, even by an invalid transaction.
      if (seen.has(outcome.txId!) && outcome.code === "VALID") {
        outcome.code = "DUPLICATE_TXID";
        outcome.reason = `transaction ${outcome.txId} appears earlier in block ${number}`;
      }
      seen.add(outcome.txId!);
    }
    if (outcome.code !== "VALID") continue;
    const txId = outcome.txId!;
    const late = blockTimeProblem(outcome.proposal!.timestamp, block.header.time, consortium.maxClockSkewMs);
    if (late) {
      outcome.code = "BAD_TIMESTAMP";
      outcome.reason = `transaction ${txId}: ${late}`;
      continue;
    }
    const revoked = revokedProblem(outcome.proposal!.creator, revocations);
    if (revoked) {
      outcome.code = "BAD_CREATOR";
      outcome.reason = `transaction ${txId}: ${revoked}`;
      continue;
    }
    if (committed.has(txId)) {
      outcome.code = "DUPLICATE_TXID";
      outcome.reason = `transaction ${txId} is already on the ledger (a replay)`;
      continue;
    }
    const rwset = outcome.response!.rwset;
    const now = (key: string) =>
      pending.versions.has(key) ? pending.versions.get(key)! : (versions.get(key) ?? null);
    const conflict = rwset.reads.find((read) => !sameVersion(now(read.key), read.version));
    if (conflict) {
      const current = now(conflict.key);
      outcome.code = "MVCC_READ_CONFLICT";
      outcome.reason = `transaction ${txId} read a key at version ${formatVersion(conflict.version)}, but it is now at ${formatVersion(current)}`;
      continue;
    }
    let phantom = false;
    for (const range of rwset.ranges) {
      const expected = expectedRange(
        await committedRange(range.start, range.end),
        pending,
        range.start,
        range.end,
      );
      const same =
        expected.length === range.reads.length &&
        expected.every(
          (e, i) => e.key === range.reads[i]!.key && sameVersion(e.version, range.reads[i]!.version),
        );
      if (!same) {
        phantom = true;
        break;
      }
    }
    if (phantom) {
      outcome.code = "PHANTOM_READ_CONFLICT";
      outcome.reason = `transaction ${txId} ran a range query whose keys were since inserted, deleted or changed`;
      continue;
    }
    const update = configUpdate(outcome, consortium, verifier, revocations);
    if (typeof update === "string") {
      outcome.code = "BAD_CONFIG_UPDATE";
      outcome.reason = `transaction ${txId}: ${update}`;
      continue;
    }
    if (update) revocations = update;
    const version: Version = [number, outcome.index];
    const timestamp = outcome.proposal!.timestamp;
    for (const write of rwset.writes) {
      const value = write.isDelete ? null : write.value!;
      pending.set(write.key, value === null ? null : version);
      writes.set(write.key, { value, version });
      history.push({ key: write.key, block: number, tx: outcome.index, txId, value, timestamp });
    }
    for (const event of outcome.response!.events) {
      if (event.name.startsWith("log:")) {
        logs.push({ name: event.name, payload: event.payload, txId, block: number, tx: outcome.index });
      }
    }
  }
  return { block, hash: blockHash(block.header), outcomes, writes, history, logs };
}

/**
 * A transaction's config update, checked again at validation (endorsers are not trusted with
 * it): the new revocation list when it is the system contract's revocation, exactly as
 * checkRevocation allows against the list in force; undefined when it touches no system key;
 * otherwise why it is refused.
 */
function configUpdate(
  outcome: TxOutcome,
  consortium: Consortium,
  verifier: Verifier,
  revocations: RevocationList,
): RevocationList | string | undefined {
  const proposal = outcome.proposal!;
  const { writes, reads } = outcome.response!.rwset;
  if (proposal.contract !== SYSTEM_CONTRACT) {
    const system = writes.find((w) => isSystemKey(w.key));
    return system
      ? `contract ${proposal.contract} wrote a system key, which only config updates may`
      : undefined;
  }
  let next: RevocationList;
  try {
    next = withRevocation(revocations, checkRevocation(proposal, consortium, verifier, revocations));
  } catch (error) {
    return (error as Error).message;
  }
  const write = writes[0];
  if (
    writes.length !== 1 ||
    write?.key !== REVOCATIONS_KEY ||
    write.isDelete === true ||
    write.value !== encodeRevocationList(next) ||
    !reads.some((r) => r.key === REVOCATIONS_KEY) ||
    outcome.response!.events.length > 0
  ) {
    return "the endorsed writes are not this revocation added to the revocation list in force";
  }
  return next;
}
