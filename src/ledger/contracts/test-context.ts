/**
 * TEST SUPPORT ONLY — not a ledger. A small in-memory LedgerStub/LedgerContext on which the
 * contracts' unit tests run while the embedded engine is being built: one state map read in
 * UTF-8 byte order (as Fabric's state database orders keys), each key's history newest first,
 * composite keys by ../composite-key.ts, events captured. Like Fabric's simulator, a transaction
 * reads committed state only (never its own writes), and its writes are committed only when its
 * function succeeds. There is no endorsement, ordering, MVCC check or persistence.
 *
 * Tests use the `TestLedger` interface and get one from a `TestLedgerFactory`, so the same tests
 * can run on the embedded engine once it exists: give them a factory that wraps it.
 */
import { createHash } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import { createCompositeKey, partialKeyRange, splitCompositeKey } from "../composite-key.ts";
import type {
  LedgerClientIdentity,
  LedgerContext,
  LedgerKeyModification,
  LedgerKV,
  LedgerStub,
} from "../contract-context.ts";
import type { LedgerClient } from "./ledger-service.ts";

/** Who calls: what a client identity says (on Fabric: the certificate's MSP ID and attributes). */
export interface TestCaller {
  serumsId: string;
  site: string;
  role: string;
  department?: string;
  country?: string;
}

export interface TestEvent {
  name: string;
  payload: Uint8Array;
}

/** A committed transaction: what it wrote and the events it emitted (every setEvent call). */
export interface TestTransaction {
  txId: string;
  contract: string;
  fn: string;
  writes: LedgerKV[];
  events: TestEvent[];
}

export interface TestLedger {
  /** Runs `contract.fn` as `caller` in a transaction; commits its writes if it succeeds. */
  submit(caller: TestCaller, contract: string, fn: string, args: string[]): Promise<string>;
  /** Runs `contract.fn` as `caller` as a query: its writes (if any) are dropped. */
  evaluate(caller: TestCaller, contract: string, fn: string, args: string[]): Promise<string>;
  /** Committed transactions, oldest first. */
  transactions(): readonly TestTransaction[];
  /** The current state, in key order. */
  state(): LedgerKV[];
  /** A LedgerClient that calls as `caller` (for LedgerService). */
  client(caller: TestCaller): LedgerClient;
  /** The timestamp of the next transactions (each later one is a second later). */
  setTime(iso: string): void;
}

export type TestLedgerFactory = (contracts: readonly object[]) => Promise<TestLedger>;

const encoder = new TextEncoder();

function byteOrder(a: string, b: string): number {
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

class MemoryStub implements LedgerStub {
  readonly writes = new Map<string, Uint8Array | null>();
  readonly events: TestEvent[] = [];
  readonly #state: ReadonlyMap<string, Uint8Array>;
  readonly #history: ReadonlyMap<string, LedgerKeyModification[]>;
  readonly #txId: string;
  readonly #time: Date;

  constructor(
    state: ReadonlyMap<string, Uint8Array>,
    history: ReadonlyMap<string, LedgerKeyModification[]>,
    txId: string,
    time: Date,
  ) {
    this.#state = state;
    this.#history = history;
    this.#txId = txId;
    this.#time = time;
  }

  getTxID(): string {
    return this.#txId;
  }

  getChannelID(): string {
    return "serums-test";
  }

  getDateTimestamp(): Date {
    return new Date(this.#time);
  }

  async getState(key: string): Promise<Uint8Array> {
    return this.#state.get(key) ?? new Uint8Array(0);
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    if (!(value instanceof Uint8Array) || value.length === 0) {
      throw new SerumsError("LEDGER", `putState(${JSON.stringify(key)}) needs non-empty bytes`);
    }
    this.writes.set(key, Uint8Array.from(value));
  }

  async deleteState(key: string): Promise<void> {
    this.writes.set(key, null);
  }

  async *getStateByRange(startKey: string, endKey: string): AsyncIterable<LedgerKV> {
    const keys = [...this.#state.keys()]
      .filter((key) => byteOrder(key, startKey) >= 0 && (endKey === "" || byteOrder(key, endKey) < 0))
      .sort(byteOrder);
    for (const key of keys) yield { key, value: this.#state.get(key)! };
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): AsyncIterable<LedgerKV> {
    const [start, end] = partialKeyRange(objectType, attributes);
    return this.getStateByRange(start, end);
  }

  async *getHistoryForKey(key: string): AsyncIterable<LedgerKeyModification> {
    for (const modification of this.#history.get(key) ?? []) yield modification;
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return createCompositeKey(objectType, attributes);
  }

  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    return splitCompositeKey(compositeKey);
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.events.push({ name, payload: Uint8Array.from(payload) });
  }
}

function clientIdentity(caller: TestCaller): LedgerClientIdentity {
  const attributes: Record<string, string | undefined> = {
    serums_id: caller.serumsId,
    role: caller.role,
    department: caller.department,
    country: caller.country,
  };
  return {
    getID: () => caller.serumsId,
    getMSPID: () => caller.site,
    getAttributeValue: (name) => attributes[name] ?? null,
  };
}

type ContractFunction = (ctx: LedgerContext, ...args: string[]) => Promise<unknown>;

/** Fabric's rule: a contract's functions are its class's own methods, minus the constructor and "_" names. */
function contractFunction(contracts: readonly object[], contract: string, fn: string): ContractFunction {
  const instance = contracts.find((c) => (c as { getName?: () => string }).getName?.() === contract);
  if (!instance) throw new SerumsError("NOT_FOUND", `no contract ${JSON.stringify(contract)}`);
  const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
  const method = Object.hasOwn(prototype, fn) ? prototype[fn] : undefined;
  if (fn === "constructor" || fn.startsWith("_") || typeof method !== "function") {
    throw new SerumsError("NOT_FOUND", `contract ${contract} has no function ${JSON.stringify(fn)}`);
  }
  return (method as ContractFunction).bind(instance);
}

class MemoryLedger implements TestLedger {
  readonly #contracts: readonly object[];
  readonly #state = new Map<string, Uint8Array>();
  readonly #history = new Map<string, LedgerKeyModification[]>();
  readonly #transactions: TestTransaction[] = [];
  #count = 0;
  #time = Date.parse("2025-03-01T09:00:00.000Z");

  constructor(contracts: readonly object[]) {
    this.#contracts = contracts;
  }

  async #run(
    caller: TestCaller,
    contract: string,
    fn: string,
    args: string[],
    commit: boolean,
  ): Promise<string> {
    const call = contractFunction(this.#contracts, contract, fn);
    this.#count += 1;
    const txId = createHash("sha256").update(`memory-ledger-tx-${this.#count}`).digest("hex");
    const stub = new MemoryStub(this.#state, this.#history, txId, new Date(this.#time));
    this.#time += 1000;
    const result = await call({ stub, clientIdentity: clientIdentity(caller) }, ...args);
    if (typeof result !== "string")
      throw new SerumsError("LEDGER", `${contract}.${fn} returned a ${typeof result}`);
    if (commit) this.#commit(txId, contract, fn, stub);
    return result;
  }

  #commit(txId: string, contract: string, fn: string, stub: MemoryStub): void {
    const writes: LedgerKV[] = [];
    for (const [key, value] of stub.writes) {
      const modifications = this.#history.get(key) ?? [];
      modifications.unshift({ txId, value: value ?? new Uint8Array(0), isDelete: value === null });
      this.#history.set(key, modifications);
      if (value === null) this.#state.delete(key);
      else {
        this.#state.set(key, value);
        writes.push({ key, value });
      }
    }
    this.#transactions.push({ txId, contract, fn, writes, events: stub.events });
  }

  submit(caller: TestCaller, contract: string, fn: string, args: string[]): Promise<string> {
    return this.#run(caller, contract, fn, args, true);
  }

  evaluate(caller: TestCaller, contract: string, fn: string, args: string[]): Promise<string> {
    return this.#run(caller, contract, fn, args, false);
  }

  transactions(): readonly TestTransaction[] {
    return this.#transactions;
  }

  state(): LedgerKV[] {
    return [...this.#state.keys()].sort(byteOrder).map((key) => ({ key, value: this.#state.get(key)! }));
  }

  client(caller: TestCaller): LedgerClient {
    return {
      submit: (contract, fn, args) => this.submit(caller, contract, fn, args),
      evaluate: (contract, fn, args) => this.evaluate(caller, contract, fn, args),
    };
  }

  setTime(iso: string): void {
    this.#time = Date.parse(iso);
  }
}

/** A fresh in-memory ledger running `contracts`. */
export const memoryLedger: TestLedgerFactory = async (contracts) => new MemoryLedger(contracts);
