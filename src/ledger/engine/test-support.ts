/**
 * For the engine's tests: a small key-value contract, a three-site consortium, and networks on
 * stores that survive a restart (SQLite files in a temporary folder, or one PostgreSQL schema
 * per site).
 */
import { randomBytes } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import type { Store } from "../../store/index.ts";
import { type EngineUnderTest, type SiteStores, scratchSiteStores } from "../../store/test-engines.ts";
import type { LedgerContext } from "../contract-context.ts";
import type { Signer } from "./certificate.ts";
import {
  createConsortium,
  issueIdentity,
  type LocalConsortium,
  type NewConsortium,
} from "./consortium-keys.ts";
import { EmbeddedNetwork, type EmbeddedNetworkOptions } from "./network.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

/** A key-value contract exercising every part of the stub. */
export class KvContract {
  readonly name = "kv";

  async put(ctx: LedgerContext, key: string, value: string): Promise<string> {
    await ctx.stub.putState(key, bytes(value));
    return value;
  }

  async get(ctx: LedgerContext, key: string): Promise<string> {
    return text(await ctx.stub.getState(key));
  }

  async del(ctx: LedgerContext, key: string): Promise<string> {
    await ctx.stub.deleteState(key);
    return "";
  }

  /** Reads a counter and writes it plus one: two of these on one key conflict. */
  async increment(ctx: LedgerContext, key: string): Promise<string> {
    const next = Number(text(await ctx.stub.getState(key)) || "0") + 1;
    await ctx.stub.putState(key, bytes(String(next)));
    return String(next);
  }

  async putComposite(
    ctx: LedgerContext,
    objectType: string,
    attributes: string,
    value: string,
  ): Promise<string> {
    const key = ctx.stub.createCompositeKey(objectType, JSON.parse(attributes) as string[]);
    await ctx.stub.putState(key, bytes(value));
    return key;
  }

  /** The attributes of every composite key under a partial key, in ledger order. */
  async listComposite(ctx: LedgerContext, objectType: string, attributes: string): Promise<string> {
    const found: string[][] = [];
    for await (const kv of ctx.stub.getStateByPartialCompositeKey(
      objectType,
      JSON.parse(attributes) as string[],
    )) {
      found.push(ctx.stub.splitCompositeKey(kv.key).attributes);
    }
    return JSON.stringify(found);
  }

  /** Counts the simple keys in [start, end) and records the count: a range read that can be phantom. */
  async countRange(ctx: LedgerContext, start: string, end: string, into: string): Promise<string> {
    let n = 0;
    for await (const _kv of ctx.stub.getStateByRange(start, end)) n++;
    await ctx.stub.putState(into, bytes(String(n)));
    return String(n);
  }

  async history(ctx: LedgerContext, key: string): Promise<string> {
    const changes: { txId: string; value: string; isDelete: boolean }[] = [];
    for await (const m of ctx.stub.getHistoryForKey(key)) {
      changes.push({ txId: m.txId, value: text(m.value), isDelete: m.isDelete });
    }
    return JSON.stringify(changes);
  }

  async whoami(ctx: LedgerContext): Promise<string> {
    const id = ctx.clientIdentity;
    return JSON.stringify({
      id: id.getID(),
      msp: id.getMSPID(),
      role: id.getAttributeValue("role"),
      department: id.getAttributeValue("department"),
      country: id.getAttributeValue("country"),
      txId: ctx.stub.getTxID(),
      channel: ctx.stub.getChannelID(),
      time: ctx.stub.getDateTimestamp().toISOString(),
    });
  }

  /** Appends an entry to a Merkle log and records it under a key. */
  async log(ctx: LedgerContext, logName: string, entry: string): Promise<string> {
    ctx.stub.setEvent(`log:${logName}`, bytes(entry));
    ctx.stub.setEvent("other", bytes("not logged"));
    await ctx.stub.putState(`logged/${ctx.stub.getTxID()}`, bytes(entry));
    return entry;
  }

  async refuse(ctx: LedgerContext, key: string): Promise<string> {
    await ctx.stub.putState(key, bytes("should not be written"));
    throw new SerumsError("FORBIDDEN", `refused to write ${key}`);
  }

  async crash(_ctx: LedgerContext): Promise<string> {
    throw new Error("contract crashed");
  }

  /** Not deterministic: endorsers disagree. */
  async random(ctx: LedgerContext, key: string): Promise<string> {
    const value = randomBytes(8).toString("hex");
    await ctx.stub.putState(key, bytes(value));
    return value;
  }

  _hidden(): string {
    return "never callable";
  }
}

export const TEST_SITES = [
  { id: "edinburgh", name: "NHS Lothian", country: "GB" },
  { id: "barcelona", name: "Hospital Clínic", country: "ES" },
  { id: "zuyderland", name: "Zuyderland MC", country: "NL" },
];

export function testConsortium(overrides: Partial<NewConsortium> = {}): LocalConsortium {
  return createConsortium({ sites: TEST_SITES, batch: { maxTransactions: 50, maxWaitMs: 5 }, ...overrides });
}

export function testSigner(consortium: LocalConsortium, site = "edinburgh", role = "doctor"): Signer {
  return issueIdentity(consortium.siteKeys[site]!.caKey, {
    serumsId: `user-${randomBytes(4).toString("hex")}`,
    site,
    role,
    department: "oncology",
    country: "GB",
    // Issued a day ago, so that proposals dated a little in the past are not before its issue.
    issuedAt: new Date(Date.now() - 86_400_000),
  });
}

export interface TestNetwork {
  consortium: LocalConsortium;
  network: EmbeddedNetwork;
  alice: Signer;
  openStore: (site: string) => Promise<Store>;
  /** Closes the network and opens a new one on the same stores. */
  reopen(): Promise<EmbeddedNetwork>;
  dispose(): Promise<void>;
}

/** Per-site stores that survive close: files for SQLite, schemas for PostgreSQL. */
export function storeFactory(engine: EngineUnderTest): SiteStores {
  return scratchSiteStores(engine, "serums_ledger");
}

export async function openTestNetwork(
  engine: EngineUnderTest,
  overrides: Partial<NewConsortium> = {},
  contracts: object[] = [new KvContract()],
  networkOptions: Pick<EmbeddedNetworkOptions, "clock" | "maxClockSkewMs"> = {},
): Promise<TestNetwork> {
  const consortium = testConsortium(overrides);
  const stores = storeFactory(engine);
  const options = {
    ...networkOptions,
    config: consortium.config,
    contracts,
    openStore: stores.open,
    peerKeys: Object.fromEntries(Object.entries(consortium.siteKeys).map(([site, k]) => [site, k.peerKey])),
    ordererKey: consortium.ordererKey,
  };
  const result: TestNetwork = {
    consortium,
    network: await EmbeddedNetwork.open(options),
    alice: testSigner(consortium),
    openStore: stores.open,
    async reopen() {
      await result.network.close();
      result.network = await EmbeddedNetwork.open(options);
      return result.network;
    },
    async dispose() {
      await result.network.close().catch(() => undefined);
      await stores.dispose();
    },
  };
  return result;
}
