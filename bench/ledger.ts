/**
 * The ledger (issue 4's bars), on an embedded network of three sites with majority endorsement,
 * each peer on its own store (SQLite files in a temporary folder; PostgreSQL schemas when
 * SERUMS_BENCH_PG_URL is set), running the real Serums contracts. Patients, site rules, site
 * policies and some patients' own rules are put on the ledger first, untimed.
 *
 * 1. Throughput: N `access.decide` transactions — the lake's access decisions for varied
 *    requesters, patients, categories and purposes — submitted concurrently (many in flight, so
 *    the orderer's blocks fill), in committed transactions per second (committed VALID on all
 *    three peers), and the p50 and p99 latency from submit to commit. Every one must commit VALID
 *    or the bench fails. The baseline is what storing the same access-log entries costs without
 *    a ledger: the same N entries (key and JSON value, read back from the world state) inserted
 *    into one table of one store, in batches the size of a block, one transaction per batch. The
 *    throughput ratio is ledger tx/s ÷ insert rows/s; the latencies are against one batch insert.
 *    Bar: ≥ 3,000 tx/s. The orderer cuts blocks at 1,000 transactions or 50 ms after the first
 *    (the consortium default is 500 / 20 ms): each block is one durable store transaction on each
 *    peer, so larger blocks under load mean fewer fsyncs per transaction. Ed25519 signing and
 *    verification run on the engine's signature pool (one worker thread per core).
 * 2. Verify: `network.verify()` (every peer replays its whole chain: hashes, signatures,
 *    endorsements, MVCC, and compares its tables) over the chain just committed, in ledger
 *    transactions per second, against reading the same blocks back from every peer's store and
 *    hashing their bytes once with SHA-256 (the I/O + hash floor). The audit's peers share one
 *    fresh verifier, so a signature over identical bytes is verified once (on the pool) and one
 *    over changed bytes afresh. Each transaction carries three Ed25519 signatures (the creator's
 *    and two endorsements), so verify cannot beat (Ed25519 verifications/s of the machine) / 3.
 *    Bar: ≥ 30,000 tx/s.
 * 3. `decide` with 1,000 rules in force for the request (900 site rules of the requester's site
 *    for many roles and departments, some expired; 100 of the patient's own rules), most not
 *    applicable; the site's rules for other patients come on top and are never read — the
 *    contract reads site rules by index (patient, role, department; site-rule-index.ts): a committed decide transaction one at a time (endorse,
 *    order, cut the block at once, commit on every peer), p50 in ms, against the pure `decide`
 *    of src/access on the same rules and request (p50 over many calls). The ledger's decision
 *    is checked to be the pure function's.
 *
 * `--quick` shrinks every count (and the rules in force) to a smoke run.
 */
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { AccessRequest, Rule } from "../src/access/index.ts";
import { decide } from "../src/access/index.ts";
import { treatingSitePolicy } from "../src/ledger/contracts/test-fixtures.ts";
import {
  assembleEnvelope,
  canonicalJson,
  createConsortium,
  EmbeddedNetwork,
  issueIdentity,
  type LocalConsortium,
  publicKeyToBase64,
  type Signer,
  serumsContracts,
  signPatientRule,
} from "../src/ledger/index.ts";
import { type SiteStores, scratchSiteStores } from "../src/store/test-engines.ts";
import {
  type BenchEngine,
  type BenchOptions,
  describeEngine,
  type Metric,
  median,
  metric,
  progress,
  quantile,
  withBenchStore,
} from "./harness.ts";

const BENCH = "ledger";
/** The bars the issue sets. */
export const LEDGER_TPS_BAR = 3_000;
export const VERIFY_TPS_BAR = 30_000;

const EDINBURGH = "edinburgh";
const BARCELONA = "barcelona";
const SITES = [
  { id: EDINBURGH, name: "NHS Lothian", country: "GB" },
  { id: BARCELONA, name: "Hospital Clínic", country: "ES" },
  { id: "zuyderland", name: "Zuyderland MC", country: "NL" },
];

/** The bench's sizes; `ledgerBench`'s second argument overrides some (to time one part alone). */
export interface Scale {
  /** Patients registered for the throughput run (half at each of two sites). */
  patients: number;
  /** Decide transactions in the throughput run. */
  transactions: number;
  /** Transactions kept in flight. */
  inFlight: number;
  /** Plain-insert repetitions of the baseline; the median is reported. */
  insertRepetitions: number;
  /** network.verify() and read-and-hash repetitions; the median is reported. */
  verifyRepetitions: number;
  /**
   * Rules in force for the one-at-a-time decide: the requester site's (for any patient; its rules
   * for other patients come on top, and the contract's index keeps them out of its reads) and
   * the patient's.
   */
  siteRules: number;
  patientRules: number;
  decideWarmUp: number;
  decideIterations: number;
  pureIterations: number;
  /** The orderer's block cutting: at most this many transactions, or this long after the first. */
  batch: { maxTransactions: number; maxWaitMs: number };
}

const FULL: Scale = {
  patients: 1000,
  transactions: 20_000,
  inFlight: 2000,
  insertRepetitions: 3,
  verifyRepetitions: 1,
  siteRules: 900,
  patientRules: 100,
  decideWarmUp: 20,
  decideIterations: 200,
  pureIterations: 5000,
  batch: { maxTransactions: 1000, maxWaitMs: 50 },
};
const QUICK: Scale = {
  patients: 8,
  transactions: 60,
  inFlight: 30,
  insertRepetitions: 1,
  verifyRepetitions: 1,
  siteRules: 18,
  patientRules: 6,
  decideWarmUp: 2,
  decideIterations: 5,
  pureIterations: 50,
  batch: { maxTransactions: 500, maxWaitMs: 20 },
};

// ---- identities -----------------------------------------------------------------------------

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/** A distinct Serums ID per (kind, n): "srm-" and four groups of four Crockford characters. */
function serumsId(kind: number, n: number): string {
  let digits = "";
  let rest = n;
  for (let i = 0; i < 15; i++) {
    digits = CROCKFORD[rest % 32]! + digits;
    rest = Math.floor(rest / 32);
  }
  const all = CROCKFORD[kind % 32]! + digits;
  return `srm-${all.slice(0, 4)}-${all.slice(4, 8)}-${all.slice(8, 12)}-${all.slice(12, 16)}`;
}

const KIND = { staff: 1, patient: 2, service: 3, other: 4 } as const;

interface Patient {
  serumsId: string;
  site: string;
  key: KeyObject;
}

// ---- stores: one per site -------------------------------------------------------------------

function siteStores(engine: BenchEngine): SiteStores {
  return scratchSiteStores(engine, "serums_bench_ledger");
}

// ---- helpers --------------------------------------------------------------------------------

/** Runs `work(i)` for i in [0, count) with at most `limit` running at once; the first error is rethrown after all settle. */
async function pool(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        await work(i);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  if (errors.length > 0) {
    const first = errors[0] as Error;
    throw new Error(
      `${errors.length} of ${count} transactions failed; the first: ${first?.message ?? String(first)}`,
      { cause: first },
    );
  }
}

const ms = (x: number) => x.toFixed(x < 1 ? 3 : 2);

// ---- the ledger's contents ------------------------------------------------------------------

interface Ledger {
  consortium: LocalConsortium;
  network: EmbeddedNetwork;
  admins: Record<string, Signer>;
  lakes: Record<string, Signer>;
}

/** Edinburgh's handful of site rules for the throughput run. */
function edinburghRules(): Rule[] {
  const rule = (
    id: string,
    effect: Rule["effect"],
    actor: Rule["actor"],
    data: string[],
    purposes: string[],
  ) =>
    ({
      id,
      version: 1,
      kind: "site",
      author: EDINBURGH,
      effect,
      patient: "*",
      actor,
      data,
      purposes,
      status: "active",
    }) satisfies Rule;
  return [
    rule("doctors-treat", "permit", { role: "doctor" }, ["*"], ["treatment", "emergency"]),
    rule("nurses-treat", "permit", { role: "nurse" }, ["event", "person"], ["treatment"]),
    rule("pharmacy-medicines", "permit", { department: "pharmacy" }, ["object:medicine"], ["treatment"]),
    rule("researchers", "permit", { role: "researcher" }, ["event", "object"], ["research"]),
    rule("no-identity-for-research", "deny", {}, ["person"], ["research"]),
    rule("no-insurance", "deny", {}, ["*"], ["insurance"]),
  ];
}

/** A patient's own rules (every fourth patient has some). */
function ownRules(patient: string, n: number): Rule[] {
  const rules: Rule[] = [
    {
      id: "oncology-events",
      version: 1,
      kind: "patient",
      author: patient,
      effect: "permit",
      patient,
      actor: { department: "oncology" },
      data: ["event", "object:medicine"],
      purposes: ["treatment"],
      status: "active",
    },
  ];
  if (n % 2 === 0) {
    rules.push({
      id: "no-measurements",
      version: 1,
      kind: "patient",
      author: patient,
      effect: "deny",
      patient,
      actor: {},
      data: ["satellite:body_measurements"],
      purposes: ["*"],
      status: "active",
    });
  }
  return rules;
}

const REQUESTERS = [
  { role: "doctor", department: "oncology" },
  { role: "doctor", department: "cardiology" },
  { role: "nurse", department: "oncology" },
  { role: "pharmacist", department: "pharmacy" },
  { role: "researcher", department: "research" },
];
const CATEGORY_SETS = [
  ["event:chemotherapy_cycle", "person"],
  ["event", "object:medicine", "satellite:body_measurements"],
  ["person"],
  ["event:chemotherapy_cycle", "object:medicine"],
  ["*"],
];
const PURPOSES = ["treatment", "treatment", "treatment", "research", "emergency", "insurance"];

/** The i-th access request of the throughput run: Edinburgh's lake asks for one of its users. */
function throughputRequest(i: number, patients: readonly Patient[]): Omit<AccessRequest, "at"> {
  const who = REQUESTERS[i % REQUESTERS.length]!;
  const purpose = PURPOSES[(i * 7) % PURPOSES.length]!;
  const request: Omit<AccessRequest, "at"> = {
    requester: {
      serumsId: serumsId(KIND.staff, i % 97),
      role: who.role,
      site: EDINBURGH,
      department: who.department,
      country: "GB",
    },
    patient: patients[(i * 31) % patients.length]!.serumsId,
    categories: CATEGORY_SETS[(i * 3) % CATEGORY_SETS.length]!,
    purpose,
  };
  if (purpose === "emergency" && i % 2 === 0) request.reason = "unconscious on arrival, no records at hand";
  return request;
}

async function openLedger(stores: ReturnType<typeof siteStores>, scale: Scale): Promise<Ledger> {
  const consortium = createConsortium({ sites: SITES, batch: scale.batch });
  const network = await EmbeddedNetwork.open({
    config: consortium.config,
    contracts: serumsContracts(),
    openStore: stores.open,
    peerKeys: Object.fromEntries(Object.entries(consortium.siteKeys).map(([site, k]) => [site, k.peerKey])),
    ordererKey: consortium.ordererKey,
  });
  const admins: Record<string, Signer> = {};
  const lakes: Record<string, Signer> = {};
  SITES.forEach((site, i) => {
    const caKey = consortium.siteKeys[site.id]!.caKey;
    admins[site.id] = issueIdentity(caKey, {
      serumsId: serumsId(KIND.service, 100 + i),
      site: site.id,
      role: "administrator",
      country: site.country,
    });
    lakes[site.id] = issueIdentity(caKey, {
      serumsId: serumsId(KIND.service, 200 + i),
      site: site.id,
      role: "lake",
    });
  });
  return { consortium, network, admins, lakes };
}

async function submit(
  ledger: Ledger,
  signer: Signer,
  contract: string,
  fn: string,
  args: string[],
): Promise<string> {
  return (await ledger.network.submit(signer, contract, fn, args)).result;
}

async function registerPatients(ledger: Ledger, patients: readonly Patient[]): Promise<void> {
  await pool(patients.length, 500, async (i) => {
    const p = patients[i]!;
    const identity = {
      serumsId: p.serumsId,
      kind: "patient",
      role: "patient",
      site: p.site,
      publicKey: publicKeyToBase64(p.key),
    };
    await submit(ledger, ledger.admins[p.site]!, "identities", "register", [canonicalJson(identity)]);
  });
}

async function publishPatientRules(ledger: Ledger, patient: Patient, rules: readonly Rule[]): Promise<void> {
  await pool(rules.length, 500, async (i) => {
    const rule = rules[i]!;
    await submit(ledger, ledger.lakes[patient.site]!, "rules", "publishPatientRule", [
      canonicalJson(rule),
      signPatientRule(rule, patient.key),
    ]);
  });
}

function newPatient(n: number, site: string): Patient {
  return { serumsId: serumsId(KIND.patient, n), site, key: generateKeyPairSync("ed25519").privateKey };
}

// ---- 1. throughput --------------------------------------------------------------------------

interface Throughput {
  txPerS: number;
  latencies: number[];
  blocks: number;
}

async function throughput(ledger: Ledger, patients: readonly Patient[], scale: Scale): Promise<Throughput> {
  const { network } = ledger;
  const lake = ledger.lakes[EDINBURGH]!;
  const bodies = Array.from({ length: scale.transactions }, (_, i) =>
    canonicalJson(throughputRequest(i, patients)),
  );
  const latencies = new Array<number>(scale.transactions);
  const heightBefore = network.peer(EDINBURGH).height;
  const start = performance.now();
  await pool(scale.transactions, scale.inFlight, async (i) => {
    const t0 = performance.now();
    await network.submit(lake, "access", "decide", [bodies[i]!]);
    latencies[i] = performance.now() - t0;
  });
  const elapsed = performance.now() - start;
  return {
    txPerS: (scale.transactions * 1000) / elapsed,
    latencies,
    blocks: network.peer(EDINBURGH).height - heightBefore,
  };
}

/** Every transaction on every peer's chain is VALID, and there are `expected` of them. */
async function checkAllValid(ledger: Ledger, expected: number): Promise<void> {
  for (const site of ledger.network.runningSites) {
    const rows = await ledger.network
      .peer(site)
      .store.store.all<{ code: string; n: number }>(
        "SELECT code, COUNT(*) AS n FROM ledger_tx_index GROUP BY code ORDER BY code",
      );
    const counts = Object.fromEntries(rows.map((r) => [r.code, Number(r.n)]));
    if (Object.keys(counts).some((code) => code !== "VALID") || counts.VALID !== expected) {
      throw new Error(
        `the peer of ${site} holds ${JSON.stringify(counts)}; expected ${expected} VALID transactions and nothing else`,
      );
    }
  }
}

/** The access-log entries on the ledger as (key, JSON text): what the baseline stores. */
async function accessEntries(ledger: Ledger): Promise<[string, string][]> {
  const state = await ledger.network.peer(EDINBURGH).store.readAllState();
  return state
    .filter((row) => row.key.startsWith("\u0000serums.access\u0000"))
    .map((row) => [row.key.replaceAll("\u0000", "/"), Buffer.from(row.value, "base64").toString("utf8")]);
}

const LOG_TABLE = "bench_access_log";
const LOG_COLUMNS = [
  { name: "key", type: "text" as const },
  { name: "entry", type: "text" as const },
];

interface PlainInsert {
  rowsPerS: number;
  batchMs: number[];
}

/** The baseline: the entries inserted into one table, block-sized batches, one transaction each. */
async function plainInsert(
  engine: BenchEngine,
  entries: readonly [string, string][],
  batchSize: number,
  repetitions: number,
): Promise<PlainInsert> {
  const rates: number[] = [];
  const batchMs: number[] = [];
  await withBenchStore(engine, [], async (store) => {
    for (let r = 0; r < repetitions; r++) {
      await store.exec(`DROP TABLE IF EXISTS ${LOG_TABLE}`);
      await store.exec(`CREATE TABLE ${LOG_TABLE} (key TEXT PRIMARY KEY, entry TEXT NOT NULL)`);
      const start = performance.now();
      for (let at = 0; at < entries.length; at += batchSize) {
        const batch = entries.slice(at, at + batchSize);
        const t0 = performance.now();
        await store.transaction((tx) => tx.insertMany(LOG_TABLE, LOG_COLUMNS, batch));
        batchMs.push(performance.now() - t0);
      }
      rates.push((entries.length * 1000) / (performance.now() - start));
    }
  });
  return { rowsPerS: median(rates), batchMs };
}

// ---- 2. verify ------------------------------------------------------------------------------

/** Transactions on the chain (every block), counted from one peer. */
async function chainTransactions(ledger: Ledger): Promise<number> {
  const peer = ledger.network.peer(EDINBURGH);
  let count = 0;
  for (let from = 0; ; ) {
    const blocks = await peer.readBlocks(from, 500);
    if (blocks.length === 0) return count;
    for (const b of blocks) count += b.block.transactions.length;
    from = blocks.at(-1)!.block.header.number + 1;
  }
}

/** The floor of verify: every peer's blocks read back from its store and hashed once. */
async function readAndHash(ledger: Ledger): Promise<number> {
  let bytes = 0;
  for (const site of ledger.network.runningSites) {
    const store = ledger.network.peer(site).store.store;
    for (let from = 0; ; ) {
      const rows = await store.all<{
        number: number;
        header: string;
        body: string;
        metadata: string;
        codes: string;
      }>(
        "SELECT number, header, body, metadata, codes FROM ledger_blocks WHERE number >= $1 ORDER BY number LIMIT 200",
        [from],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const hash = createHash("sha256");
        hash.update(row.header).update(row.body).update(row.metadata).update(row.codes);
        bytes += hash.digest().length;
      }
      from = Number(rows.at(-1)!.number) + 1;
    }
  }
  return bytes;
}

// ---- 3. decide with many rules in force -----------------------------------------------------

const ROLES = [
  "doctor",
  "nurse",
  "pharmacist",
  "radiographer",
  "physiotherapist",
  "dietitian",
  "researcher",
  "clerk",
  "psychologist",
  "social-worker",
];
const DEPARTMENTS = [
  "oncology",
  "cardiology",
  "haematology",
  "radiology",
  "surgery",
  "paediatrics",
  "neurology",
  "gastroenterology",
  "emergency",
  "pharmacy",
  "research",
];
const RULE_PURPOSES = ["treatment", "research", "audit", "insurance", "emergency", "teaching"];
const CATEGORIES = [
  "person",
  "event",
  "event:chemotherapy_cycle",
  "event:radiotherapy",
  "event:surgery",
  "object:medicine",
  "object:diagnosis",
  "satellite:body_measurements",
  "satellite:lab_results",
  "location",
];

const pickN = <T>(list: readonly T[], i: number, n: number): T[] =>
  Array.from(new Set(Array.from({ length: n }, (_, k) => list[(i + k * 3) % list.length]!)));

/** Barcelona's many site rules: most for other roles, departments or purposes; some for other patients; some expired. */
function manySiteRules(count: number, others: readonly string[]): Rule[] {
  const rules: Rule[] = [];
  // `count` rules for any patient (in force for the request), besides some for other patients.
  for (let i = 0, forAny = 0; forAny < count; i++) {
    const actor: Rule["actor"] = {};
    if (i % 17 !== 0) actor.role = ROLES[i % ROLES.length]!;
    if (i % 3 !== 0) actor.department = DEPARTMENTS[(i * 7) % DEPARTMENTS.length]!;
    if (i % 11 === 0) actor.country = i % 2 === 0 ? "ES" : "FR";
    const rule: Rule = {
      id: `site-rule-${String(i).padStart(4, "0")}`,
      version: 1,
      kind: "site",
      author: BARCELONA,
      effect: i % 9 === 4 ? "deny" : "permit",
      patient: i % 13 === 5 ? others[i % others.length]! : "*",
      actor,
      data: pickN(CATEGORIES, i, 1 + (i % 3)),
      purposes: pickN(RULE_PURPOSES, i * 5, 1 + (i % 2)),
      status: "active",
    };
    if (rule.patient === "*") forAny++;
    if (i % 5 === 2) rule.period = { from: "2019-01-01T00:00:00Z", until: "2021-01-01T00:00:00Z" };
    else if (i % 5 === 3) rule.period = { from: "2024-01-01T00:00:00Z" };
    rules.push(rule);
  }
  // What makes the request below a real decision: oncology doctors treat; nobody reads lab results for audit.
  if (count > 1) {
    rules[0] = {
      ...rules[0]!,
      effect: "permit",
      patient: "*",
      actor: { role: "doctor", department: "oncology" },
      data: ["*"],
      purposes: ["treatment", "emergency"],
    };
    delete rules[0]!.period;
  }
  return rules;
}

/** The patient's many own rules: for named users, roles, departments; a few denies, one narrow. */
function manyPatientRules(patient: string, count: number): Rule[] {
  const rules: Rule[] = [];
  for (let i = 0; i < count; i++) {
    const actor: Rule["actor"] =
      i % 4 === 0
        ? { user: serumsId(KIND.staff, 1000 + i) }
        : i % 4 === 1
          ? { role: ROLES[(i + 1) % ROLES.length]! }
          : { department: DEPARTMENTS[(i * 5 + 1) % DEPARTMENTS.length]! };
    const data =
      i % 10 === 7
        ? [`event:chemotherapy_cycle:${createHash("sha256").update(String(i)).digest("hex").slice(0, 32)}`]
        : pickN(CATEGORIES, i * 7, 1 + (i % 2));
    const rule: Rule = {
      id: `own-rule-${String(i).padStart(3, "0")}`,
      version: 1,
      kind: "patient",
      author: patient,
      effect: i % 7 === 3 ? "deny" : "permit",
      patient,
      actor,
      data,
      purposes: pickN(RULE_PURPOSES, i, 1 + (i % 3)),
      status: "active",
    };
    if (i % 6 === 5) rule.period = { until: "2022-06-01T00:00:00Z" };
    rules.push(rule);
  }
  if (count > 2) {
    rules[0] = {
      ...rules[0]!,
      effect: "permit",
      actor: { department: "oncology" },
      data: ["event", "object"],
      purposes: ["treatment"],
    };
    delete rules[0]!.period;
    rules[1] = {
      ...rules[1]!,
      effect: "deny",
      actor: {},
      data: ["event:chemotherapy_cycle:0f3a9c"],
      purposes: ["*"],
    };
    delete rules[1]!.period;
  }
  return rules;
}

function manyRulesRequest(patient: string): Omit<AccessRequest, "at"> {
  return {
    requester: {
      serumsId: serumsId(KIND.staff, 5),
      role: "doctor",
      site: BARCELONA,
      department: "oncology",
      country: "ES",
    },
    patient,
    categories: ["event:chemotherapy_cycle", "person", "object:medicine", "satellite:body_measurements"],
    purpose: "treatment",
  };
}

interface ManyRules {
  ledgerMs: number[];
  submitMs: number[];
  pureMs: number[];
  rulesInForce: number;
  applicable: number;
}

async function decideManyRules(ledger: Ledger, scale: Scale): Promise<ManyRules> {
  const { network } = ledger;
  const patient = newPatient(900_000, BARCELONA);
  const others = Array.from({ length: 20 }, (_, i) => serumsId(KIND.other, i));
  await registerPatients(ledger, [patient]);
  const siteRules = manySiteRules(scale.siteRules, others);
  const patientRules = manyPatientRules(patient.serumsId, scale.patientRules);
  await pool(siteRules.length, 500, async (i) => {
    await submit(ledger, ledger.admins[BARCELONA]!, "rules", "publishSiteRule", [
      canonicalJson(siteRules[i]!),
    ]);
  });
  await publishPatientRules(ledger, patient, patientRules);
  const policy = treatingSitePolicy(BARCELONA);
  const inForce = [
    ...siteRules.filter((r) => r.patient === "*" || r.patient === patient.serumsId),
    ...patientRules,
  ].sort((a, b) =>
    a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind === "site" ? -1 : 1,
  );

  const lake = ledger.lakes[BARCELONA]!;
  const body = canonicalJson(manyRulesRequest(patient.serumsId));
  /** One committed decide: endorse, order, cut the block now, wait for every peer's commit. */
  const ledgerDecide = async (): Promise<string> => {
    const signed = network.proposal(lake, "access", "decide", [body]);
    const envelope = assembleEnvelope(signed, await network.endorse(signed));
    const ordered = network.order(envelope);
    network.flush();
    await ordered;
    return (JSON.parse(envelope.response) as { result: string }).result;
  };

  // The ledger decides as the pure function does.
  const first = JSON.parse(await ledgerDecide()) as { txId: string; at: string } & Record<string, unknown>;
  const { txId: _txId, at, ...decision } = first;
  const request: AccessRequest = { ...manyRulesRequest(patient.serumsId), at };
  const expected = decide(request, inForce, policy);
  if (canonicalJson(decision) !== canonicalJson(expected)) {
    throw new Error(
      `the ledger's decision differs from src/access's decide on the same rules:\n${canonicalJson(decision)}\n${canonicalJson(expected)}`,
    );
  }
  const applicable = new Set(expected.categories.flatMap((c) => c.rules.map((r) => r.id))).size;

  const ledgerMs: number[] = [];
  for (let i = 0; i < scale.decideWarmUp; i++) await ledgerDecide();
  for (let i = 0; i < scale.decideIterations; i++) {
    const t0 = performance.now();
    await ledgerDecide();
    ledgerMs.push(performance.now() - t0);
  }
  // As a lake sees it on an idle network: submit, whose block the orderer cuts after maxWaitMs.
  const submitMs: number[] = [];
  for (let i = 0; i < Math.min(20, scale.decideIterations); i++) {
    const t0 = performance.now();
    await network.submit(lake, "access", "decide", [body]);
    submitMs.push(performance.now() - t0);
  }

  const pureMs: number[] = [];
  for (let i = 0; i < Math.min(500, scale.pureIterations); i++) decide(request, inForce, policy);
  for (let i = 0; i < scale.pureIterations; i++) {
    const t0 = performance.now();
    decide(request, inForce, policy);
    pureMs.push(performance.now() - t0);
  }
  return { ledgerMs, submitMs, pureMs, rulesInForce: inForce.length, applicable };
}

// ---- the bench ------------------------------------------------------------------------------

async function benchEngine(engine: BenchEngine, scale: Scale): Promise<Metric[]> {
  const name = describeEngine(engine);
  const e = engine.engine;
  const stores = siteStores(engine);
  let ledger: Ledger | undefined;
  try {
    ledger = await openLedger(stores, scale);
    const { network } = ledger;

    // Untimed: patients, site rules and policies, some patients' own rules.
    const setupStart = performance.now();
    const patients = Array.from({ length: scale.patients }, (_, i) =>
      newPatient(i, i % 2 === 0 ? EDINBURGH : BARCELONA),
    );
    await registerPatients(ledger, patients);
    for (const rule of edinburghRules())
      await submit(ledger, ledger.admins[EDINBURGH]!, "rules", "publishSiteRule", [canonicalJson(rule)]);
    for (const site of [EDINBURGH, BARCELONA])
      await submit(ledger, ledger.admins[site]!, "rules", "setSitePolicy", [
        canonicalJson(treatingSitePolicy(site)),
      ]);
    const withRules = patients.filter((_, i) => i % 4 === 1);
    await pool(withRules.length, 100, (i) =>
      publishPatientRules(ledger!, withRules[i]!, ownRules(withRules[i]!.serumsId, i)),
    );
    const setupTx = await chainTransactions(ledger);
    progress(
      `ledger ${name}: set up ${patients.length} patients, ${withRules.length} with rules of their own, in ${((performance.now() - setupStart) / 1000).toFixed(1)} s (${setupTx} transactions)`,
    );

    // 1. Throughput.
    const run = await throughput(ledger, patients, scale);
    await network.settle();
    await checkAllValid(ledger, setupTx + scale.transactions);
    const entries = await accessEntries(ledger);
    if (entries.length !== scale.transactions) {
      throw new Error(`${entries.length} access-log entries on the ledger; expected ${scale.transactions}`);
    }
    const batchSize = ledger.consortium.config.batch.maxTransactions;
    const plain = await plainInsert(engine, entries, batchSize, scale.insertRepetitions);
    const p50 = quantile(run.latencies, 0.5);
    const p99 = quantile(run.latencies, 0.99);
    const base50 = quantile(plain.batchMs, 0.5);
    const base99 = quantile(plain.batchMs, 0.99);
    progress(
      `ledger ${name}: ${scale.transactions} decide transactions, ${scale.inFlight} in flight, committed VALID on all 3 peers in ${run.blocks} blocks (${(scale.transactions / run.blocks).toFixed(0)} tx/block): ${run.txPerS.toFixed(0)} tx/s, submit→commit p50 ${ms(p50)} ms, p99 ${ms(p99)} ms; plain insert of the ${entries.length} entries ${plain.rowsPerS.toFixed(0)} rows/s, a ${Math.min(batchSize, entries.length)}-row batch p50 ${ms(base50)} ms, p99 ${ms(base99)} ms — bar ≥ ${LEDGER_TPS_BAR} tx/s: ${run.txPerS >= LEDGER_TPS_BAR ? "met" : "NOT met"}`,
    );

    // 2. Verify.
    const chainTx = await chainTransactions(ledger);
    const verifyMs: number[] = [];
    for (let r = 0; r < scale.verifyRepetitions; r++) {
      const t0 = performance.now();
      const reports = await network.verify();
      verifyMs.push(performance.now() - t0);
      const bad = reports.find((report) => !report.ok);
      if (bad) throw new Error(`verify found a problem on ${bad.site}: ${JSON.stringify(bad.problem)}`);
    }
    const hashMs: number[] = [];
    for (let r = 0; r < scale.verifyRepetitions + 1; r++) {
      const t0 = performance.now();
      await readAndHash(ledger);
      hashMs.push(performance.now() - t0);
    }
    const verifyTps = (chainTx * 1000) / median(verifyMs);
    const hashTps = (chainTx * 1000) / median(hashMs);
    const peers = network.runningSites.length;
    progress(
      `ledger ${name}: verify of ${peers} peers × ${network.peer(EDINBURGH).height} blocks, ${chainTx} transactions: ${ms(median(verifyMs))} ms, ${verifyTps.toFixed(0)} tx/s (${(verifyTps * peers).toFixed(0)} peer-tx/s); reading and hashing the same blocks ${ms(median(hashMs))} ms, ${hashTps.toFixed(0)} tx/s — bar ≥ ${VERIFY_TPS_BAR} tx/s: ${verifyTps >= VERIFY_TPS_BAR ? "met" : `NOT met${verifyTps * peers >= VERIFY_TPS_BAR ? " (met per peer)" : ""}`}`,
    );

    // 3. decide with many rules in force.
    const many = await decideManyRules(ledger, scale);
    const ledger50 = quantile(many.ledgerMs, 0.5);
    const pure50 = quantile(many.pureMs, 0.5);
    progress(
      `ledger ${name}: decide with ${many.rulesInForce} rules in force (${many.applicable} named by the decision): committed one at a time p50 ${ms(ledger50)} ms, p99 ${ms(quantile(many.ledgerMs, 0.99))} ms; submit() with the orderer's ${ledger.consortium.config.batch.maxWaitMs} ms batch wait p50 ${ms(quantile(many.submitMs, 0.5))} ms; pure decide p50 ${ms(pure50)} ms, p99 ${ms(quantile(many.pureMs, 0.99))} ms`,
    );

    return [
      metric(BENCH, `${e}.decide_tx_per_s_vs_plain_insert`, run.txPerS, plain.rowsPerS, "tx/s"),
      metric(BENCH, `${e}.submit_to_commit_p50_ms_vs_plain_batch`, p50, base50, "ms"),
      metric(BENCH, `${e}.submit_to_commit_p99_ms_vs_plain_batch`, p99, base99, "ms"),
      metric(BENCH, `${e}.verify_tx_per_s_vs_read_and_hash`, verifyTps, hashTps, "tx/s"),
      metric(BENCH, `${e}.decide_1000_rules_p50_ms_vs_pure_decide`, ledger50, pure50, "ms"),
    ];
  } finally {
    await ledger?.network.close().catch(() => undefined);
    await stores.dispose();
  }
}

export async function ledgerBench(options: BenchOptions, overrides: Partial<Scale> = {}): Promise<Metric[]> {
  const scale = { ...(options.quick ? QUICK : FULL), ...overrides };
  const metrics: Metric[] = [];
  for (const engine of options.engines) metrics.push(...(await benchEngine(engine, scale)));
  return metrics;
}
