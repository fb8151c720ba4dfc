import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { splitCompositeKey } from "../composite-key.ts";
import { KEY_TYPES } from "./ledger-keys.ts";
import { LedgerService } from "./ledger-service.ts";
import { signPatientRule, signRuleRevocation } from "./signatures.ts";
import {
  callers,
  consortium,
  delivery,
  ids,
  patientRule,
  request,
  siteRule,
  treatingSitePolicy,
  writtenValues,
} from "./test-fixtures.ts";

const RULE = [
  "id",
  "version",
  "kind",
  "author",
  "effect",
  "patient",
  "actor",
  "data",
  "purposes",
  "period",
  "status",
];
const ACTOR = ["user", "role", "department", "site", "country"];
const PERIOD = ["from", "until"];
const STAMP = ["at", "txId", "by"];

/** The field names (at any depth) each kind of state may hold. */
const ALLOWED_FIELDS: Record<string, string[]> = {
  [KEY_TYPES.identity]: [
    "serumsId",
    "kind",
    "role",
    "site",
    "department",
    "country",
    "publicKey",
    "version",
    "at",
    "txId",
  ],
  [KEY_TYPES.siteRule]: ["rule", "signature", ...STAMP, ...RULE, ...ACTOR, ...PERIOD],
  [KEY_TYPES.patientRule]: ["rule", "signature", ...STAMP, ...RULE, ...ACTOR, ...PERIOD],
  [KEY_TYPES.ruleIndex]: [],
  [KEY_TYPES.siteRuleApplies]: ["rule", "signature", ...STAMP, ...RULE, ...ACTOR, ...PERIOD],
  [KEY_TYPES.policy]: [
    "site",
    "version",
    "policy",
    "patientDefaults",
    ...STAMP,
    ...RULE,
    ...ACTOR,
    ...PERIOD,
  ],
  [KEY_TYPES.access]: [
    "txId",
    "at",
    "requester",
    "patient",
    "purpose",
    "asked",
    "allowed",
    "denied",
    "breakGlass",
    "reasonSha256",
    "exclusions",
    "category",
    "except",
    "decidingRules",
    "serumsId",
    "role",
    "site",
    "department",
    "country",
    "id",
    "version",
  ],
  [KEY_TYPES.provenance]: [
    "deliveryId",
    "patient",
    "accessTxId",
    "steps",
    "step",
    "sha256",
    "source",
    "site",
    ...STAMP,
  ],
};

function fieldNames(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) fieldNames(item, into);
  else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      into.add(key);
      fieldNames(inner, into);
    }
  }
  return into;
}

function strings(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (value !== null && typeof value === "object")
    for (const inner of Object.values(value)) strings(inner, into);
  return into;
}

describe("what reaches the ledger", () => {
  test("only the documented fields, only codes, IDs, times, hashes and keys: no names, no free text", async () => {
    const c = await consortium();
    const admin = new LedgerService(c.ledger.client(callers.adminEd));
    const lake = new LedgerService(c.ledger.client(callers.lakeEd));
    await admin.publishSiteRule(siteRule({ period: { from: "2025-01-01T00:00:00Z" } }));
    await admin.setSitePolicy(treatingSitePolicy());
    const rule = patientRule();
    await lake.publishPatientRule(rule, signPatientRule(rule, c.keys.patientA));
    const decision = await lake.decide(request());
    await lake.decide(
      request({ purpose: "emergency", reason: "Collapsed at home, Mrs Jane Doe's daughter called" }),
    );
    await lake.notarise(delivery(decision.txId));
    await lake.revokePatientRule(ids.patientA, rule.id, signRuleRevocation(rule.id, 1, c.keys.patientA));

    const written = writtenValues(c.ledger);
    const seenTypes = new Set<string>();
    for (const { key, value } of written) {
      const { objectType, attributes } = splitCompositeKey(key);
      seenTypes.add(objectType);
      const allowed = ALLOWED_FIELDS[objectType];
      assert.ok(allowed, `unexpected kind of state ${JSON.stringify(objectType)}`);
      const extra = [...fieldNames(value)].filter((name) => !allowed.includes(name));
      assert.deepEqual(extra, [], `${objectType} holds fields beyond the documented ones`);
      for (const text of [...attributes, ...strings(value)]) {
        assert.doesNotMatch(
          text,
          /\s/,
          `${objectType}: a value with white space (free text?) ${JSON.stringify(text)}`,
        );
        assert.doesNotMatch(text, /Jane|Doe|Collapsed/);
      }
    }
    assert.deepEqual(
      [...seenTypes].sort(),
      Object.values(KEY_TYPES).sort(),
      "the scenario wrote every kind of state",
    );
  });
});
