/**
 * TEST SUPPORT ONLY: the contracts' TestLedger on the embedded engine — an EmbeddedNetwork of
 * three sites (Edinburgh GB, Barcelona ES, Zuyderland NL) with majority endorsement, each peer on
 * its own store (a fresh in-memory SQLite database, or its own PostgreSQL schema), running the
 * real contracts. A test's caller becomes an identity issued by its site's CA; every submit is
 * endorsed by a majority, ordered, and waited for until committed on every peer.
 *
 * The clock is the in-memory double's (test-context.ts): 2025-03-01T09:00:00Z, one second more
 * for each call, settable; it becomes the proposal's timestamp, which is what contracts read.
 * So the same calls on both ledgers see the same times, and their results can be compared.
 */
import { randomBytes } from "node:crypto";
import { openStore, PostgresStore, type Store } from "../../store/index.ts";
import type { EngineUnderTest } from "../../store/test-engines.ts";
import { canonicalJson } from "../canonical-json.ts";
import type { LedgerKV } from "../contract-context.ts";
import type { Signer } from "../engine/certificate.ts";
import { createConsortium, issueIdentity, type LocalConsortium } from "../engine/consortium-keys.ts";
import { assembleEnvelope, parseResponse } from "../engine/envelope.ts";
import { EmbeddedNetwork } from "../engine/network.ts";
import { ledgerMigrations, valueBytes } from "../engine/peer-store.ts";
import { storeFactory } from "../engine/test-support.ts";
import { serumsContracts } from "./index.ts";
import type { LedgerClient } from "./ledger-service.ts";
import type { TestCaller, TestLedger, TestLedgerFactory, TestTransaction } from "./test-context.ts";

export const ENGINE_SITES = [
  { id: "edinburgh", name: "NHS Lothian", country: "GB" },
  { id: "barcelona", name: "Hospital Clínic", country: "ES" },
  { id: "zuyderland", name: "Zuyderland MC", country: "NL" },
];

export interface EngineLedger extends TestLedger {
  readonly network: EmbeddedNetwork;
  readonly local: LocalConsortium;
  /** The certificate-holding signer a test caller acts as (issued once, by its site's CA). */
  signer(caller: TestCaller): Signer;
  /** The next proposal timestamp of the shared clock (advances it by a second). */
  tick(): Date;
  /** Closes the network and drops its stores. */
  close(): Promise<void>;
}

export interface EngineLedgerOptions {
  contracts?: readonly object[];
  /** Orderer batch wait (default 1 ms: tests stay quick, concurrent orders still share a block). */
  maxWaitMs?: number;
  /** Stores that survive a peer's stop (SQLite files, PostgreSQL schemas), so a peer can restart. */
  reopenable?: boolean;
}

const decoder = new TextDecoder();
const CERTIFICATES_ISSUED = "2025-01-01T00:00:00.000Z";
const CLOCK_START = Date.parse("2025-03-01T09:00:00.000Z");

/**
 * Per-site stores, opened and migrated up front (in parallel): an in-memory SQLite database each,
 * or one PostgreSQL schema each. The network's `openStore` hands each peer its own.
 */
async function siteStores(
  engine: EngineUnderTest,
  sites: readonly string[],
): Promise<{ open: (site: string) => Promise<Store>; dispose: () => Promise<void> }> {
  const ready = new Map<string, Store>();
  const take = async (site: string): Promise<Store> => {
    const store = ready.get(site);
    if (!store) throw new Error(`the test store of ${site} was opened already (no restarts here)`);
    ready.delete(site);
    return store;
  };
  if (engine.engine === "sqlite") {
    for (const site of sites) {
      ready.set(site, await openStore({ sqlitePath: ":memory:" }, { migrations: ledgerMigrations }));
    }
    return { open: take, dispose: async () => undefined };
  }
  const url = engine.url!;
  const prefix = `serums_contracts_${randomBytes(4).toString("hex")}`;
  const schemas = sites.map((site) => `${prefix}_${site}`);
  const admin = new PostgresStore(url);
  await admin.exec(schemas.map((schema) => `CREATE SCHEMA ${schema};`).join("\n"));
  await admin.close();
  const stores = await Promise.all(
    schemas.map((schema) =>
      openStore({ databaseUrl: url, sqlitePath: "" }, { schema, migrations: ledgerMigrations }),
    ),
  );
  for (const [i, site] of sites.entries()) ready.set(site, stores[i]!);
  return {
    open: take,
    async dispose() {
      for (const store of ready.values()) await store.close();
      const cleanup = new PostgresStore(url);
      await cleanup.exec(`DROP SCHEMA IF EXISTS ${schemas.join(", ")} CASCADE`);
      await cleanup.close();
    },
  };
}

class EngineTestLedger implements EngineLedger {
  readonly network: EmbeddedNetwork;
  readonly local: LocalConsortium;
  readonly #dispose: () => Promise<void>;
  readonly #signers = new Map<string, Signer>();
  readonly #transactions: TestTransaction[] = [];
  #state: LedgerKV[] = [];
  #time = CLOCK_START;

  constructor(network: EmbeddedNetwork, local: LocalConsortium, dispose: () => Promise<void>) {
    this.network = network;
    this.local = local;
    this.#dispose = dispose;
  }

  signer(caller: TestCaller): Signer {
    const request = {
      serumsId: caller.serumsId,
      site: caller.site,
      role: caller.role,
      ...(caller.department === undefined ? {} : { department: caller.department }),
      ...(caller.country === undefined ? {} : { country: caller.country }),
    };
    const cacheKey = canonicalJson(request);
    let signer = this.#signers.get(cacheKey);
    if (!signer) {
      const ca = this.local.siteKeys[caller.site]?.caKey;
      if (!ca) throw new Error(`test caller of unknown site ${caller.site}`);
      // Issued before the shared clock's start, so a certificate is never used before its issue.
      signer = issueIdentity(ca, { ...request, issuedAt: new Date(CERTIFICATES_ISSUED) });
      this.#signers.set(cacheKey, signer);
    }
    return signer;
  }

  /** The shared clock's current time (the endorsers' clock: proposals are timestamped by it). */
  now(): number {
    return this.#time;
  }

  tick(): Date {
    const at = new Date(this.#time);
    this.#time += 1000;
    return at;
  }

  async submit(caller: TestCaller, contract: string, fn: string, args: string[]): Promise<string> {
    const signed = this.network.proposal(this.signer(caller), contract, fn, args, { timestamp: this.tick() });
    const responses = await this.network.endorse(signed);
    const envelope = assembleEnvelope(signed, responses);
    const response = parseResponse(envelope.response);
    const { txId } = await this.network.order(envelope);
    this.#transactions.push({
      txId,
      contract,
      fn,
      writes: response.rwset.writes.flatMap((w) =>
        w.isDelete ? [] : [{ key: w.key, value: valueBytes(w.value!) }],
      ),
      events: response.events.map((e) => ({ name: e.name, payload: valueBytes(e.payload) })),
    });
    const peer = this.network.peer(this.network.runningSites[0]!);
    this.#state = (await peer.store.readAllState()).map((row) => ({
      key: row.key,
      value: valueBytes(row.value),
    }));
    return response.result;
  }

  evaluate(caller: TestCaller, contract: string, fn: string, args: string[]): Promise<string> {
    return this.network.evaluate(this.signer(caller), contract, fn, args, { timestamp: this.tick() });
  }

  transactions(): readonly TestTransaction[] {
    return this.#transactions;
  }

  state(): LedgerKV[] {
    return this.#state;
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

  async close(): Promise<void> {
    try {
      await this.network.close();
    } finally {
      await this.#dispose();
    }
  }
}

/** A fresh three-site network on `engine`, running `contracts` (default: the Serums contracts). */
export async function openEngineLedger(
  engine: EngineUnderTest,
  options: EngineLedgerOptions = {},
): Promise<EngineLedger> {
  const local = createConsortium({
    sites: ENGINE_SITES,
    endorsementPolicy: "majority",
    batch: { maxTransactions: 50, maxWaitMs: options.maxWaitMs ?? 1 },
  });
  const stores = options.reopenable
    ? storeFactory(engine)
    : await siteStores(
        engine,
        ENGINE_SITES.map((s) => s.id),
      );
  let network: EmbeddedNetwork;
  let ledger: EngineTestLedger | undefined;
  try {
    network = await EmbeddedNetwork.open({
      // The shared clock from the start: the genesis block too is stamped with its time.
      clock: () => ledger?.now() ?? CLOCK_START,
      config: local.config,
      contracts: options.contracts ?? serumsContracts(),
      openStore: stores.open,
      peerKeys: Object.fromEntries(Object.entries(local.siteKeys).map(([site, k]) => [site, k.peerKey])),
      ordererKey: local.ordererKey,
    });
  } catch (error) {
    await stores.dispose();
    throw error;
  }
  ledger = new EngineTestLedger(network, local, stores.dispose);
  return ledger;
}

/**
 * A TestLedgerFactory on `engine` that remembers what it opened, for test-fixtures.ts's
 * `useLedgerFactory`; `closeAll` (in an `after` hook) closes every network it opened.
 */
export function engineLedgerFactory(engine: EngineUnderTest): {
  factory: TestLedgerFactory;
  closeAll: () => Promise<void>;
} {
  const opened: EngineLedger[] = [];
  return {
    factory: async (contracts) => {
      const ledger = await openEngineLedger(engine, { contracts });
      opened.push(ledger);
      return ledger;
    },
    async closeAll() {
      const all = opened.splice(0);
      for (const ledger of all) await ledger.close();
    },
  };
}

/** Text of a ledger value, for assertions. */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
