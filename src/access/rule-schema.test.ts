/**
 * parseRule and parseSitePolicy: bad input for every field of a rule, with the exact message —
 * the field path, the bad value and what is valid (rule-schema.request.test.ts covers requests).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import { parseRule, parseSitePolicy } from "./rule-schema.ts";
import type { Rule } from "./rule-types.ts";

const PAT = "srm-aaaa-0000-0000-0001";
const DANA = "srm-dddd-0000-0000-0001";
const CATEGORY_RULE =
  'valid: "*", or lower-case segments of a-z 0-9 _ @ . - joined by ":" (e.g. "event:chemotherapy_cycle")';
const INSTANT_RULE =
  'valid: an ISO-8601 UTC instant ending in "Z" (e.g. "2024-05-01T09:30:00Z" or "2024-05-01T09:30:00.250Z")';
const NAME_RULE = "valid: 1-128 characters of A-Z a-z 0-9 _ . : @ -, starting with a letter or digit";
const SERUMS_ID_RULE =
  'valid: a Serums ID ("srm-" and four groups of four of 0-9 a-z, e.g. "srm-7k3m-9qx2-hv4t-8dpa")';

const patientRule: Rule = {
  id: "pat-shares-events",
  version: 1,
  kind: "patient",
  author: PAT,
  effect: "permit",
  patient: PAT,
  actor: { role: "doctor", site: "edinburgh" },
  data: ["event", "person"],
  purposes: ["treatment"],
  period: { from: "2024-01-01T00:00:00Z", until: "2025-01-01T00:00:00.000Z" },
  status: "active",
};

const siteRule: Rule = {
  id: "ed-doctors-read",
  version: 2,
  kind: "site",
  author: "edinburgh",
  effect: "permit",
  patient: "*",
  actor: { role: "doctor", department: "oncology", country: "GB" },
  data: ["*"],
  purposes: ["treatment", "emergency"],
  status: "active",
};

/** The message parse throws, asserting it is a BAD_REQUEST SerumsError. */
function messageOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof SerumsError, String(error));
    assert.equal(error.code, "BAD_REQUEST");
    return error.message;
  }
  assert.fail("expected a BAD_REQUEST");
}
const ruleWith = (base: Rule, fields: Record<string, unknown>) => ({ ...base, ...fields });

describe("parseRule", () => {
  it("returns valid site and patient rules unchanged", () => {
    assert.deepEqual(parseRule(patientRule), patientRule);
    assert.deepEqual(parseRule(siteRule), siteRule);
    const forOnePatient = { ...siteRule, patient: PAT, actor: {}, period: {} };
    assert.deepEqual(parseRule(forOnePatient), forOnePatient);
  });

  const bad: [string, unknown, string][] = [
    [
      "not an object",
      42,
      "rule is 42; valid: a rule (an object with fields id, version, kind, author, effect, patient, actor, data, purposes, period, status)",
    ],
    [
      "an unknown field",
      ruleWith(patientRule, { untill: "x" }),
      'rule has unknown field "untill"; valid fields: id, version, kind, author, effect, patient, actor, data, purposes, period, status',
    ],
    [
      "a missing field",
      { ...patientRule, effect: undefined },
      'rule.effect is (missing); valid: "permit" or "deny"',
    ],
    ["id: blank", ruleWith(patientRule, { id: "" }), `rule.id is ""; ${NAME_RULE}`],
    ["id: with a space", ruleWith(patientRule, { id: "my rule" }), `rule.id is "my rule"; ${NAME_RULE}`],
    ["version: 0", ruleWith(patientRule, { version: 0 }), "rule.version is 0; valid: an integer ≥ 1"],
    [
      "version: a fraction",
      ruleWith(patientRule, { version: 1.5 }),
      "rule.version is 1.5; valid: an integer ≥ 1",
    ],
    [
      "version: a string",
      ruleWith(patientRule, { version: "1" }),
      'rule.version is "1"; valid: an integer ≥ 1',
    ],
    [
      "kind",
      ruleWith(patientRule, { kind: "personal" }),
      'rule.kind is "personal"; valid: "site" or "patient"',
    ],
    [
      "effect",
      ruleWith(patientRule, { effect: "allow" }),
      'rule.effect is "allow"; valid: "permit" or "deny"',
    ],
    [
      "status",
      ruleWith(patientRule, { status: "expired" }),
      'rule.status is "expired"; valid: "active" or "revoked"',
    ],
    [
      "patient: not a Serums ID",
      ruleWith(siteRule, { patient: "CHI 0101011234" }),
      `rule.patient is "CHI 0101011234"; valid: "*" or ${SERUMS_ID_RULE.slice(7)}`,
    ],
    [
      "patient rule for any patient",
      ruleWith(patientRule, { patient: "*" }),
      'rule.patient is "*"; valid: for a patient rule, the patient\'s own Serums ID; "*" is for site rules and site defaults',
    ],
    [
      "patient rule by someone else",
      ruleWith(patientRule, { author: DANA }),
      `rule.author is "${DANA}"; valid: for a patient rule, the patient it protects ("${PAT}")`,
    ],
    [
      "site rule by a person",
      ruleWith(siteRule, { author: DANA }),
      `rule.author is "${DANA}"; valid: for a site rule, the ID of the site that publishes it (not a person's Serums ID)`,
    ],
    [
      "site rule about another site's users",
      ruleWith(siteRule, { actor: { site: "barcelona" } }),
      'rule.actor.site is "barcelona"; valid: absent or the rule\'s author ("edinburgh"): a site rule governs only its own site\'s users',
    ],
    [
      "actor: not an object",
      ruleWith(siteRule, { actor: "doctors" }),
      'rule.actor is "doctors"; valid: who the rule is about (an object with fields user, role, department, site, country)',
    ],
    [
      "actor: unknown field",
      ruleWith(siteRule, { actor: { organisation: "x" } }),
      'rule.actor has unknown field "organisation"; valid fields: user, role, department, site, country',
    ],
    [
      "actor.user: not a Serums ID",
      ruleWith(siteRule, { actor: { user: "dana" } }),
      `rule.actor.user is "dana"; ${SERUMS_ID_RULE}`,
    ],
    ["actor.role: blank", ruleWith(siteRule, { actor: { role: "" } }), `rule.actor.role is ""; ${NAME_RULE}`],
    [
      "actor.department: a number",
      ruleWith(siteRule, { actor: { department: 7 } }),
      `rule.actor.department is 7; ${NAME_RULE}`,
    ],
    [
      "actor.country: lower case",
      ruleWith(siteRule, { actor: { country: "gb" } }),
      'rule.actor.country is "gb"; valid: an ISO 3166-1 alpha-2 country code in upper case (e.g. "GB")',
    ],
    ["data: empty", ruleWith(siteRule, { data: [] }), "rule.data is []; valid: at least one category"],
    [
      "data: not a list",
      ruleWith(siteRule, { data: "event" }),
      'rule.data is "event"; valid: a list of category',
    ],
    [
      "data: a duplicate",
      ruleWith(siteRule, { data: ["event", "person", "event"] }),
      'rule.data[2] is "event"; valid: each category once (also at [0])',
    ],
    [
      "data: upper case",
      ruleWith(siteRule, { data: ["Event"] }),
      `rule.data[0] is "Event"; ${CATEGORY_RULE}; it has upper case (categories and hash keys are lower-case)`,
    ],
    [
      "data: empty segment",
      ruleWith(siteRule, { data: ["event", "event::x"] }),
      `rule.data[1] is "event::x"; ${CATEGORY_RULE}; it has an empty segment`,
    ],
    ["data: not a string", ruleWith(siteRule, { data: [3] }), `rule.data[0] is 3; ${CATEGORY_RULE}`],
    [
      "purposes: empty",
      ruleWith(siteRule, { purposes: [] }),
      "rule.purposes is []; valid: at least one purpose",
    ],
    [
      "purposes: a duplicate",
      ruleWith(siteRule, { purposes: ["*", "*"] }),
      'rule.purposes[1] is "*"; valid: each purpose once (also at [0])',
    ],
    [
      "purposes: bad",
      ruleWith(siteRule, { purposes: ["Treatment"] }),
      'rule.purposes[0] is "Treatment"; valid: "*" or a purpose of a-z 0-9 _ -, starting with a letter (e.g. "treatment", "emergency", "research")',
    ],
    [
      "period: unknown field",
      ruleWith(siteRule, { period: { untill: "2024-01-01T00:00:00Z" } }),
      'rule.period has unknown field "untill"; valid fields: from, until',
    ],
    [
      "period.from: an offset",
      ruleWith(siteRule, { period: { from: "2024-01-01T00:00:00+01:00" } }),
      `rule.period.from is "2024-01-01T00:00:00+01:00"; ${INSTANT_RULE}`,
    ],
    [
      "period.from: a date",
      ruleWith(siteRule, { period: { from: "2024-01-01" } }),
      `rule.period.from is "2024-01-01"; ${INSTANT_RULE}`,
    ],
    [
      "period.until: no such day",
      ruleWith(siteRule, { period: { until: "2023-02-29T00:00:00Z" } }),
      `rule.period.until is "2023-02-29T00:00:00Z"; ${INSTANT_RULE}`,
    ],
    [
      "period: until = from",
      ruleWith(siteRule, { period: { from: "2024-01-01T00:00:00Z", until: "2024-01-01T00:00:00.000Z" } }),
      'rule.period.until is "2024-01-01T00:00:00.000Z"; valid: an instant after period.from ("2024-01-01T00:00:00Z")',
    ],
    [
      "period: until before from",
      ruleWith(siteRule, { period: { from: "2024-01-02T00:00:00Z", until: "2024-01-01T00:00:00Z" } }),
      'rule.period.until is "2024-01-01T00:00:00Z"; valid: an instant after period.from ("2024-01-02T00:00:00Z")',
    ],
  ];
  for (const [what, value, message] of bad) {
    it(`refuses ${what}, naming the field, the value and what is valid`, () => {
      assert.equal(
        messageOf(() => parseRule(value)),
        message,
      );
    });
  }

  it("names the rule as the caller says, and lists the other problems' fields", () => {
    const value = ruleWith(patientRule, { effect: "allow", status: "gone" });
    assert.equal(
      messageOf(() => parseRule(value, "rules[3]")),
      'rules[3].effect is "allow"; valid: "permit" or "deny" (also wrong: rules[3].status)',
    );
  });

  it("puts the path and value in the error's `where`", () => {
    try {
      parseRule(ruleWith(siteRule, { version: -1 }));
      assert.fail("expected an error");
    } catch (error) {
      assert.ok(error instanceof SerumsError);
      assert.deepEqual(error.where, { path: "rule.version", value: -1 });
      assert.equal(error.isInputError, true);
    }
  });
});

describe("parseSitePolicy", () => {
  const byDefault = { ...patientRule, id: "ed-default", author: "edinburgh", patient: "*" };

  it("accepts defaults of kind patient, patient *, authored by a site; and none at all", () => {
    assert.deepEqual(parseSitePolicy({ patientDefaults: [byDefault] }), { patientDefaults: [byDefault] });
    assert.deepEqual(parseSitePolicy({ patientDefaults: [] }), { patientDefaults: [] });
  });

  const bad: [string, unknown, string][] = [
    [
      "a site rule as a default",
      [{ ...byDefault, kind: "site" }],
      'policy.patientDefaults[0].kind is "site"; valid: "patient" (a default stands in for a patient\'s own rules)',
    ],
    [
      "a default for one patient",
      [{ ...byDefault, patient: PAT }],
      `policy.patientDefaults[0].patient is "${PAT}"; valid: "*" (a default stands in for every patient without rules)`,
    ],
    [
      "a default by a person",
      [{ ...byDefault, author: PAT }],
      `policy.patientDefaults[0].author is "${PAT}"; valid: the ID of the site whose default it is (not a person's Serums ID)`,
    ],
    [
      "two defaults with one ID",
      [byDefault, { ...byDefault, data: ["person"] }],
      'policy.patientDefaults[1].id is "ed-default"; valid: a unique ID (also at [0])',
    ],
    [
      "a bad field inside a default",
      [{ ...byDefault, effect: "allow" }],
      'policy.patientDefaults[0].effect is "allow"; valid: "permit" or "deny"',
    ],
  ];
  for (const [what, defaults, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.equal(
        messageOf(() => parseSitePolicy({ patientDefaults: defaults })),
        message,
      );
    });
  }
});
