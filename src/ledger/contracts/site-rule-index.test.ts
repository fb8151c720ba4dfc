import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { AccessRequest, Rule } from "../../access/index.ts";
import { decide } from "../../access/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { splitCompositeKey } from "../composite-key.ts";
import { KEY_TYPES } from "./ledger-keys.ts";
import type { DecideResult, RuleHistory, StoredRule } from "./payloads.ts";
import { applicableScopes } from "./site-rule-index.ts";
import {
  type Consortium,
  callers,
  consortium,
  EDINBURGH,
  ids,
  patientRule,
  publishSigned,
  request,
  siteRule,
  treatingSitePolicy,
} from "./test-fixtures.ts";

const decoder = new TextDecoder();

/** The index as stored: each entry's attributes and the rule it holds. */
function indexEntries(c: Consortium): { attributes: string[]; rule: Rule }[] {
  return c.ledger
    .state()
    .filter(({ key }) => splitCompositeKey(key).objectType === KEY_TYPES.siteRuleApplies)
    .map(({ key, value }) => ({
      attributes: splitCompositeKey(key).attributes,
      rule: (JSON.parse(decoder.decode(value)) as StoredRule).rule,
    }));
}

async function ask(c: Consortium, body: Omit<AccessRequest, "at">): Promise<DecideResult> {
  return JSON.parse(await c.ledger.submit(callers.lakeEd, "access", "decide", [canonicalJson(body)]));
}

const publish = (c: Consortium, rule: Rule) =>
  c.ledger.submit(callers.adminEd, "rules", "publishSiteRule", [canonicalJson(rule)]);

describe("site rules by whom they can apply to", () => {
  test("scopes: open and the requester's own value of patient, role and department", () => {
    const requester = { serumsId: ids.doctorEd, site: EDINBURGH, role: "doctor", department: "oncology" };
    assert.deepEqual(applicableScopes(EDINBURGH, requester, ids.patientA), [
      [EDINBURGH, "*", "*", "*"],
      [EDINBURGH, "*", "*", "oncology"],
      [EDINBURGH, "*", "doctor", "*"],
      [EDINBURGH, "*", "doctor", "oncology"],
      [EDINBURGH, ids.patientA, "*", "*"],
      [EDINBURGH, ids.patientA, "*", "oncology"],
      [EDINBURGH, ids.patientA, "doctor", "*"],
      [EDINBURGH, ids.patientA, "doctor", "oncology"],
    ]);
    // No department: rules that name one cannot apply, so their ranges are not read.
    const { department: _d, ...noDepartment } = requester;
    assert.equal(applicableScopes(EDINBURGH, noDepartment, ids.patientA).length, 4);
  });

  test("an entry follows its rule: written when active, moved by a new version, removed by revocation", async () => {
    const c = await consortium();
    await publish(c, siteRule({ id: "r1", actor: { role: "nurse" } }));
    assert.deepEqual(indexEntries(c), [
      {
        attributes: [EDINBURGH, "*", "nurse", "*", "r1"],
        rule: siteRule({ id: "r1", actor: { role: "nurse" } }),
      },
    ]);
    const v2 = siteRule({
      id: "r1",
      version: 2,
      patient: ids.patientA,
      actor: { role: "doctor", department: "oncology" },
    });
    await publish(c, v2);
    assert.deepEqual(indexEntries(c), [
      { attributes: [EDINBURGH, ids.patientA, "doctor", "oncology", "r1"], rule: v2 },
    ]);
    await c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["r1"]);
    assert.deepEqual(indexEntries(c), [], "a revoked rule leaves the index");
    // Its history and the site's list still hold every version.
    const history: RuleHistory = JSON.parse(
      await c.ledger.evaluate(callers.adminEd, "rules", "ruleHistory", ["r1"]),
    );
    assert.deepEqual(
      history.versions.map((v) => [v.rule.version, v.rule.status]),
      [
        [1, "active"],
        [2, "active"],
        [3, "revoked"],
      ],
    );
    const listed = JSON.parse(await c.ledger.evaluate(callers.adminEd, "rules", "siteRules", [EDINBURGH]));
    assert.equal(listed.rules[0].rule.status, "revoked");
    // Republished after revocation: back in the index.
    await publish(c, siteRule({ id: "r1", version: 4 }));
    assert.deepEqual(
      indexEntries(c).map((e) => e.attributes),
      [[EDINBURGH, "*", "doctor", "*", "r1"]],
    );
  });

  test("a revoked rule stops deciding; a rule for another role never did", async () => {
    const c = await consortium();
    await c.ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]);
    await publish(c, siteRule({ id: "nurses", actor: { role: "nurse" } }));
    assert.deepEqual((await ask(c, request())).allowed, [], "the nurses' rule does not let a doctor in");
    await publish(c, siteRule());
    assert.deepEqual((await ask(c, request())).allowed, ["event:chemotherapy_cycle", "person"]);
    await c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["doctors-treat"]);
    assert.deepEqual((await ask(c, request())).allowed, [], "revoked: default deny");
  });
});

// ---- the ledger decides as src/access does on every rule of the site ------------------------

const ROLES = ["doctor", "nurse", "clerk"];
const DEPARTMENTS = ["oncology", "surgery"];
const PATIENTS = [ids.patientA, ids.patientB];
const CATEGORIES = ["*", "person", "event", "event:chemotherapy_cycle", "object:medicine"];
const PURPOSES = ["treatment", "research", "*"];

const actorArb = fc.record(
  {
    role: fc.constantFrom(...ROLES),
    department: fc.constantFrom(...DEPARTMENTS),
    user: fc.constant(ids.doctorEd),
    country: fc.constantFrom("GB", "ES"),
  },
  { requiredKeys: [] },
);

/** A new version of site rule r0..r5 (or its revocation) of Edinburgh. */
const stepArb = fc.record({
  rule: fc.integer({ min: 0, max: 5 }),
  revoke: fc.boolean(),
  effect: fc.constantFrom("permit" as const, "deny" as const),
  patient: fc.constantFrom("*", ...PATIENTS),
  actor: actorArb,
  data: fc.uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 2 }),
  purposes: fc.uniqueArray(fc.constantFrom(...PURPOSES), { minLength: 1, maxLength: 2 }),
  expired: fc.boolean(),
});

const requestArb = fc.record({
  role: fc.constantFrom(...ROLES),
  department: fc.option(fc.constantFrom(...DEPARTMENTS), { nil: undefined }),
  patient: fc.constantFrom(...PATIENTS),
  purpose: fc.constantFrom("treatment", "research"),
  categories: fc.uniqueArray(fc.constantFrom("person", "event:chemotherapy_cycle", "object:medicine"), {
    minLength: 1,
    maxLength: 3,
  }),
});

describe("decide reads site rules by index and decides as on all of them (property)", () => {
  test("random publish/revoke histories and requests", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 12 }),
        fc.array(requestArb, { minLength: 1, maxLength: 4 }),
        async (steps, requests) => {
          const c = await consortium();
          await c.ledger.submit(callers.adminEd, "rules", "setSitePolicy", [
            canonicalJson(treatingSitePolicy()),
          ]);
          await publishSigned(c, "patientA", patientRule());
          const current = new Map<string, Rule>();
          for (const step of steps) {
            const id = `r${step.rule}`;
            const before = current.get(id);
            if (step.revoke) {
              if (before?.status !== "active") continue;
              await c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", [id]);
              current.set(id, { ...before, version: before.version + 1, status: "revoked" });
              continue;
            }
            const rule: Rule = siteRule({
              id,
              version: (before?.version ?? 0) + 1,
              effect: step.effect,
              patient: step.patient,
              actor: step.actor,
              data: step.data,
              purposes: step.purposes,
            });
            if (step.expired) rule.period = { until: "2001-01-01T00:00:00Z" };
            await publish(c, rule);
            current.set(id, rule);
          }
          // Every active rule, and nothing else, is in the index.
          const active = [...current.values()].filter((r) => r.status === "active");
          assert.deepEqual(
            indexEntries(c)
              .map((e) => e.rule.id)
              .sort(),
            active.map((r) => r.id).sort(),
          );
          const all = [...active].sort((a, b) => (a.id < b.id ? -1 : 1));
          for (const r of requests) {
            const { department, role, patient, purpose, categories } = r;
            const requester = { ...request().requester, role, department };
            if (department === undefined) delete requester.department;
            const body = { ...request(), requester, patient, purpose, categories };
            const { txId: _t, at, ...decision } = await ask(c, body);
            const ownRules = patient === ids.patientA ? [patientRule()] : [];
            const expected = decide({ ...body, at }, [...all, ...ownRules], treatingSitePolicy());
            assert.deepEqual(decision, JSON.parse(canonicalJson(expected)));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
