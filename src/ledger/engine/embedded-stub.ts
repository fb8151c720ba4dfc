/**
 * The LedgerStub a contract runs against on the embedded engine. It reads the peer's committed
 * world state (as Fabric's simulator does, reads do not see this transaction's own writes),
 * records the read/write set and range reads, and collects events. Nothing is written until the
 * transaction is ordered, validated and committed.
 */
import { SerumsError } from "../../errors/index.ts";
import { createCompositeKey, isCompositeKey, partialKeyRange, splitCompositeKey } from "../composite-key.ts";
import type { LedgerKeyModification, LedgerKV, LedgerStub } from "../contract-context.ts";
import { checkKey, toBase64 } from "./encoding.ts";
import type { ContractEvent } from "./envelope.ts";
import type { Proposal } from "./proposal.ts";
import { isSystemKey, SYSTEM_CONTRACT } from "./revocation.ts";
import { RWSetBuilder, type Version } from "./rw-set.ts";

export interface StateEntry {
  key: string;
  value: Uint8Array;
  version: Version;
}

export interface HistoryEntry extends LedgerKeyModification {
  timestamp: Date;
  block: number;
  tx: number;
}

/** Committed state, as a peer's store provides it. */
export interface StateReader {
  get(key: string): Promise<StateEntry | undefined>;
  /** Entries with start ≤ key < end in byte order; end "" = unbounded. */
  range(start: string, end: string): Promise<StateEntry[]>;
  /** Newest first. */
  history(key: string): Promise<HistoryEntry[]>;
}

/** A contract writes any key but the engine's system keys (revocation.ts), which validators refuse too. */
function checkWritable(key: string): void {
  checkKey(key);
  if (isSystemKey(key)) {
    throw new SerumsError(
      "FORBIDDEN",
      `key ${JSON.stringify(key)} is a system key of the ledger; only config updates (${SYSTEM_CONTRACT}) write it`,
    );
  }
}

/** Fabric's substitute for an empty start key: ranges over simple keys skip composite ones. */
const EMPTY_KEY_SUBSTITUTE = "\u0001";

export class EmbeddedStub implements LedgerStub {
  readonly rwset = new RWSetBuilder();
  readonly events: ContractEvent[] = [];
  readonly #proposal: Proposal;
  readonly #reader: StateReader;

  constructor(proposal: Proposal, reader: StateReader) {
    this.#proposal = proposal;
    this.#reader = reader;
  }

  getTxID(): string {
    return this.#proposal.txId;
  }

  getChannelID(): string {
    return this.#proposal.channel;
  }

  getDateTimestamp(): Date {
    return new Date(this.#proposal.timestamp);
  }

  async getState(key: string): Promise<Uint8Array> {
    checkKey(key);
    const entry = await this.#reader.get(key);
    this.rwset.read(key, entry?.version ?? null);
    return entry?.value ?? new Uint8Array(0);
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    checkWritable(key);
    if (!(value instanceof Uint8Array)) {
      throw new SerumsError(
        "BAD_REQUEST",
        `putState(${JSON.stringify(key)}) was given a ${typeof value}; values are bytes`,
      );
    }
    this.rwset.write(key, toBase64(value));
  }

  async deleteState(key: string): Promise<void> {
    checkWritable(key);
    this.rwset.delete(key);
  }

  getStateByRange(startKey: string, endKey: string): AsyncIterable<LedgerKV> {
    for (const key of [startKey, endKey]) {
      if (typeof key !== "string") throw new SerumsError("BAD_REQUEST", "range keys are text");
      if (isCompositeKey(key)) {
        throw new SerumsError(
          "BAD_REQUEST",
          "getStateByRange takes simple keys; use getStateByPartialCompositeKey for composite keys",
        );
      }
    }
    return this.#range(startKey === "" ? EMPTY_KEY_SUBSTITUTE : startKey, endKey);
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): AsyncIterable<LedgerKV> {
    const [start, end] = partialKeyRange(objectType, attributes);
    return this.#range(start, end);
  }

  async *#range(start: string, end: string): AsyncGenerator<LedgerKV> {
    // The whole range is read and recorded at once, so validation re-checks exactly what the
    // simulation could have seen, however far the contract iterates.
    const entries = await this.#reader.range(start, end);
    this.rwset.range({ start, end, reads: entries.map((e) => ({ key: e.key, version: e.version })) });
    for (const entry of entries) yield { key: entry.key, value: entry.value };
  }

  async *getHistoryForKey(key: string): AsyncGenerator<LedgerKeyModification> {
    checkKey(key);
    for (const entry of await this.#reader.history(key)) yield entry;
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return createCompositeKey(objectType, attributes);
  }

  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    return splitCompositeKey(compositeKey);
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== "string" || name === "")
      throw new SerumsError("BAD_REQUEST", "an event needs a name");
    if (!(payload instanceof Uint8Array))
      throw new SerumsError("BAD_REQUEST", `event ${name}'s payload is not bytes`);
    this.events.push({ name, payload: toBase64(payload) });
  }
}
