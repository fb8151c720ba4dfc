/**
 * TEST SUPPORT ONLY: a small consortium for the contracts' tests — two sites, their
 * administrators and lakes, a doctor, three patients with Ed25519 keys — registered on a fresh
 * ledger, and builders of rules, requests and deliveries.
 *
 * `newLedger` is the one place that picks the ledger the tests run on: the in-memory double by
 * default; `useLedgerFactory` swaps in another (contracts-on-engine.test.ts runs these same tests
 * on the embedded engine through engine-ledger.ts).
 */

import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { AccessRequest, Rule, SitePolicy } from "../../access/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { serumsContracts } from "./index.ts";
import type { Delivery } from "./payloads.ts";
import { publicKeyToBase64, signPatientRule } from "./signatures.ts";
import { memoryLedger, type TestCaller, type TestLedger, type TestLedgerFactory } from "./test-context.ts";

let currentFactory: TestLedgerFactory = memoryLedger;

/** Picks the ledger later `consortium()` calls run on (engine-ledger.ts gives the engine's). */
export function useLedgerFactory(factory: TestLedgerFactory = memoryLedger): void {
  currentFactory = factory;
}

export const newLedger: TestLedgerFactory = (contracts) => currentFactory(contracts);

export const EDINBURGH = "edinburgh";
export const BARCELONA = "barcelona";

export const ids = {
  adminEd: "srm-ad00-0000-0000-0ed1",
  adminBa: "srm-ad00-0000-0000-0ba1",
  lakeEd: "srm-1ake-0000-0000-0ed1",
  lakeBa: "srm-1ake-0000-0000-0ba1",
  doctorEd: "srm-d0c7-0000-0000-0ed1",
  doctorBa: "srm-d0c7-0000-0000-0ba1",
  patientA: "srm-7k3m-9qx2-hv4t-8dpa",
  patientB: "srm-2b4c-6d8e-0f1g-3h5j",
  patientC: "srm-9c9c-9c9c-9c9c-9c9c",
} as const;

export const callers = {
  adminEd: { serumsId: ids.adminEd, site: EDINBURGH, role: "administrator" },
  adminBa: { serumsId: ids.adminBa, site: BARCELONA, role: "administrator" },
  lakeEd: { serumsId: ids.lakeEd, site: EDINBURGH, role: "lake" },
  lakeBa: { serumsId: ids.lakeBa, site: BARCELONA, role: "lake" },
  doctorEd: {
    serumsId: ids.doctorEd,
    site: EDINBURGH,
    role: "doctor",
    department: "oncology",
    country: "GB",
  },
  patientA: { serumsId: ids.patientA, site: EDINBURGH, role: "patient" },
  patientB: { serumsId: ids.patientB, site: EDINBURGH, role: "patient" },
  patientC: { serumsId: ids.patientC, site: BARCELONA, role: "patient" },
} satisfies Record<string, TestCaller>;

export interface Consortium {
  ledger: TestLedger;
  /** Each registered person's private key. */
  keys: Record<keyof typeof ids, KeyObject>;
}

export function newKey(): KeyObject {
  return generateKeyPairSync("ed25519").privateKey;
}

/** A fresh private key for each person of `ids`. */
export function newKeys(): Consortium["keys"] {
  return Object.fromEntries(Object.keys(ids).map((name) => [name, newKey()])) as Consortium["keys"];
}

/** A fresh ledger with every identity of `ids` registered by its site's administrator. */
export async function consortium(keys: Consortium["keys"] = newKeys()): Promise<Consortium> {
  const ledger = await newLedger(serumsContracts());
  const people: [
    keyof typeof ids,
    "patient" | "staff" | "service",
    string,
    string,
    Record<string, string>,
  ][] = [
    ["adminEd", "staff", "administrator", EDINBURGH, { country: "GB" }],
    ["adminBa", "staff", "administrator", BARCELONA, { country: "ES" }],
    ["lakeEd", "service", "lake", EDINBURGH, {}],
    ["lakeBa", "service", "lake", BARCELONA, {}],
    ["doctorEd", "staff", "doctor", EDINBURGH, { department: "oncology", country: "GB" }],
    ["doctorBa", "staff", "doctor", BARCELONA, { department: "oncology", country: "ES" }],
    ["patientA", "patient", "patient", EDINBURGH, {}],
    ["patientB", "patient", "patient", EDINBURGH, {}],
    ["patientC", "patient", "patient", BARCELONA, {}],
  ];
  // Registered concurrently (on the engine: a block or two instead of nine; in memory, in order).
  const registrations = people.map(([name, kind, role, site, extra]) => {
    const identity = {
      serumsId: ids[name],
      kind,
      role,
      site,
      ...extra,
      publicKey: publicKeyToBase64(keys[name]),
    };
    const admin = site === EDINBURGH ? callers.adminEd : callers.adminBa;
    return ledger.submit(admin, "identities", "register", [canonicalJson(identity)]);
  });
  await Promise.all(registrations);
  return { ledger, keys };
}

/** A site rule of `site` (default: Edinburgh's doctors may read everything for treatment). */
export function siteRule(overrides: Partial<Rule> = {}): Rule {
  return {
    id: "doctors-treat",
    version: 1,
    kind: "site",
    author: EDINBURGH,
    effect: "permit",
    patient: "*",
    actor: { role: "doctor" },
    data: ["*"],
    purposes: ["treatment", "emergency"],
    status: "active",
    ...overrides,
  };
}

/** A patient's own rule (default: patient A lets oncology read events for treatment). */
export function patientRule(overrides: Partial<Rule> = {}): Rule {
  const patient = overrides.patient ?? ids.patientA;
  return {
    id: "oncology-events",
    version: 1,
    kind: "patient",
    author: patient,
    effect: "permit",
    patient,
    actor: { department: "oncology" },
    data: ["event"],
    purposes: ["treatment"],
    status: "active",
    ...overrides,
  };
}

/** A site's policy: "my treating site may read my record for treatment". */
export function treatingSitePolicy(site: string = EDINBURGH): SitePolicy {
  return {
    patientDefaults: [
      {
        id: "default-treating-site",
        version: 1,
        kind: "patient",
        author: site,
        effect: "permit",
        patient: "*",
        actor: { site },
        data: ["*"],
        purposes: ["treatment"],
        status: "active",
      },
    ],
  };
}

/** Publishes `rule` as patient `name`, signed with their key; resolves to the result text. */
export function publishSigned(
  c: Consortium,
  name: "patientA" | "patientB" | "patientC",
  rule: Rule,
): Promise<string> {
  return c.ledger.submit(callers[name], "rules", "publishPatientRule", [
    canonicalJson(rule),
    signPatientRule(rule, c.keys[name]),
  ]);
}

/** An access request by Edinburgh's doctor for patient A. */
export function request(overrides: Partial<AccessRequest> = {}): Omit<AccessRequest, "at"> {
  return {
    requester: {
      serumsId: ids.doctorEd,
      role: "doctor",
      site: EDINBURGH,
      department: "oncology",
      country: "GB",
    },
    patient: ids.patientA,
    categories: ["event:chemotherapy_cycle", "person"],
    purpose: "treatment",
    ...overrides,
  };
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A well-formed delivery of patient A's record under the access decision `accessTxId`. */
export function delivery(accessTxId: string, overrides: Partial<Delivery> = {}): Delivery {
  return {
    deliveryId: "delivery-0001",
    patient: ids.patientA,
    accessTxId,
    steps: [
      { step: "request", at: "2025-03-01T10:00:00.000Z", sha256: sha256("request") },
      {
        step: "fetch",
        at: "2025-03-01T10:00:01.000Z",
        sha256: sha256("chemocare rows"),
        source: "chemocare",
      },
      { step: "fetch", at: "2025-03-01T10:00:01.500Z", sha256: sha256("trak rows"), source: "trak" },
      { step: "map", at: "2025-03-01T10:00:02.000Z", sha256: sha256("record") },
      { step: "mask", at: "2025-03-01T10:00:03.000Z", sha256: sha256("masked record") },
      { step: "encrypt", at: "2025-03-01T10:00:04.000Z", sha256: sha256("ciphertext") },
      { step: "deliver", at: "2025-03-01T10:00:05.000Z", sha256: sha256("ciphertext") },
    ],
    ...overrides,
  };
}

/** Asserts that `promise` rejects with a SerumsError of `code` whose message matches `message`. */
export async function rejects(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<SerumsError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SerumsError, `expected a SerumsError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** The JSON values of every committed write, for scanning what reached the ledger. */
export function writtenValues(ledger: TestLedger): { key: string; value: unknown }[] {
  return ledger
    .transactions()
    .flatMap((tx) => tx.writes)
    .map(({ key, value }) => ({ key, value: JSON.parse(new TextDecoder().decode(value)) as unknown }));
}
