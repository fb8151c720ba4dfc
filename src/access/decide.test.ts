/**
 * The rule model by example. Dr Dana (an Edinburgh oncologist) asks for parts of Pat's record;
 * Edinburgh's site rules and Pat's own rules (or Edinburgh's defaults for patients without rules)
 * decide. Each test is one clause of DESIGN.md's "The rule model".
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import { decide } from "./decide.ts";
import type { AccessRequest, Rule, SitePolicy } from "./rule-types.ts";

const PAT = "srm-aaaa-0000-0000-0001";
const OTHER_PATIENT = "srm-aaaa-0000-0000-0002";
const DANA = "srm-dddd-0000-0000-0001";
const EDINBURGH = "edinburgh";
const BARCELONA = "barcelona";
const CYCLE = "event:chemotherapy_cycle";

function siteRule(id: string, fields: Partial<Rule> = {}): Rule {
  return {
    id,
    version: 1,
    kind: "site",
    author: EDINBURGH,
    effect: "permit",
    patient: "*",
    actor: { role: "doctor" },
    data: ["event"],
    purposes: ["treatment"],
    status: "active",
    ...fields,
  };
}

function patientRule(id: string, fields: Partial<Rule> = {}): Rule {
  return {
    id,
    version: 1,
    kind: "patient",
    author: PAT,
    effect: "permit",
    patient: PAT,
    actor: {},
    data: ["event"],
    purposes: ["treatment"],
    status: "active",
    ...fields,
  };
}

function siteDefault(id: string, fields: Partial<Rule> = {}): Rule {
  return patientRule(id, { author: EDINBURGH, patient: "*", actor: { site: EDINBURGH }, ...fields });
}

function request(fields: Partial<AccessRequest> = {}): AccessRequest {
  return {
    requester: { serumsId: DANA, role: "doctor", site: EDINBURGH, department: "oncology", country: "GB" },
    patient: PAT,
    categories: [CYCLE],
    purpose: "treatment",
    at: "2024-06-01T12:00:00Z",
    ...fields,
  };
}

const NO_DEFAULTS: SitePolicy = { patientDefaults: [] };
const SITE_OK = siteRule("ed-doctors-read-events");
const PAT_OK = patientRule("pat-shares-events");

/** The one category's decision, as [allowed, basis, rule ids]. */
function one(req: AccessRequest, rules: Rule[], policy: SitePolicy = NO_DEFAULTS) {
  const decision = decide(req, rules, policy);
  assert.equal(decision.categories.length, 1);
  const c = decision.categories[0]!;
  return [c.allowed, c.basis, c.rules.map((r) => r.id)];
}

describe("allowed by rules: the site AND the patient must permit", () => {
  it("a site permit for the role and a patient permit together allow, naming both", () => {
    assert.deepEqual(one(request(), [SITE_OK, PAT_OK]), [true, "rules", [SITE_OK.id, PAT_OK.id]]);
  });

  it("a site permit alone is not enough: the patient's consent is missing (default deny)", () => {
    assert.deepEqual(one(request(), [SITE_OK]), [false, "default-deny", []]);
  });

  it("a patient permit alone is not enough: the site must allow the role too", () => {
    assert.deepEqual(one(request(), [PAT_OK]), [false, "default-deny", []]);
  });

  it("nothing at all: default deny", () => {
    assert.deepEqual(one(request(), []), [false, "default-deny", []]);
  });

  it("a rule about a category covers every narrower one at a ':' boundary, but not a look-alike", () => {
    const rules = [SITE_OK, PAT_OK];
    assert.equal(one(request({ categories: [`${CYCLE}:ab12cd`] }), rules)[0], true);
    assert.equal(one(request({ categories: ["event"] }), rules)[0], true);
    assert.equal(one(request({ categories: ["events"] }), rules)[0], false);
    assert.equal(one(request({ categories: ["person"] }), rules)[0], false);
  });

  it('a rule about "*" covers every category, and only "*" covers a request for "*"', () => {
    const all = [siteRule("s", { data: ["*"] }), patientRule("p", { data: ["*"] })];
    assert.equal(one(request({ categories: ["object:medicine"] }), all)[0], true);
    assert.equal(one(request({ categories: ["*"] }), all)[0], true);
    assert.equal(one(request({ categories: ["*"] }), [SITE_OK, PAT_OK])[0], false);
  });
});

describe("which rules apply", () => {
  it("a revoked rule does not apply", () => {
    assert.equal(one(request(), [siteRule("s", { status: "revoked" }), PAT_OK])[0], false);
  });

  it("a rule applies from period.from (inclusive) until period.until (exclusive)", () => {
    const limited = siteRule("s", {
      period: { from: "2024-01-01T00:00:00Z", until: "2024-06-01T12:00:00Z" },
    });
    assert.equal(one(request({ at: "2024-01-01T00:00:00Z" }), [limited, PAT_OK])[0], true);
    assert.equal(one(request({ at: "2023-12-31T23:59:59.999Z" }), [limited, PAT_OK])[0], false);
    assert.equal(one(request({ at: "2024-06-01T12:00:00Z" }), [limited, PAT_OK])[0], false);
  });

  it("every field the actor selector gives must equal the requester's claim", () => {
    const pat = (actor: Rule["actor"]) => one(request(), [SITE_OK, patientRule("p", { actor })])[0];
    assert.equal(pat({}), true, "an empty selector matches anyone");
    assert.equal(pat({ user: DANA }), true);
    assert.equal(pat({ user: "srm-dddd-0000-0000-0009" }), false);
    assert.equal(pat({ role: "doctor", department: "oncology", site: EDINBURGH, country: "GB" }), true);
    assert.equal(pat({ role: "doctor", department: "radiology" }), false, "one field off is enough to miss");
    assert.equal(pat({ country: "ES" }), false);
    assert.equal(pat({ site: BARCELONA }), false);
    const noDepartment = request({ requester: { serumsId: DANA, role: "doctor", site: EDINBURGH } });
    assert.equal(
      one(noDepartment, [SITE_OK, patientRule("p", { actor: { department: "oncology" } })])[0],
      false,
      "a claim the requester lacks does not match",
    );
  });

  it('a rule applies only to its purposes, or to any purpose with "*"', () => {
    assert.equal(one(request({ purpose: "research" }), [SITE_OK, PAT_OK])[0], false);
    const anyPurpose = patientRule("p", { purposes: ["*"] });
    const research = siteRule("s", { purposes: ["research", "treatment"] });
    assert.equal(one(request({ purpose: "research" }), [research, anyPurpose])[0], true);
  });

  it("a site's rules govern only its own users: Edinburgh's rule does nothing for a Barcelona doctor", () => {
    const fromBarcelona = request({ requester: { serumsId: DANA, role: "doctor", site: BARCELONA } });
    assert.deepEqual(one(fromBarcelona, [SITE_OK, PAT_OK]), [false, "default-deny", []]);
    const barcelonaRule = siteRule("b", { author: BARCELONA });
    assert.equal(one(fromBarcelona, [barcelonaRule, PAT_OK])[0], true);
  });

  it("a site rule for one patient applies to that patient only", () => {
    const forPat = siteRule("s", { patient: PAT });
    assert.equal(one(request(), [forPat, PAT_OK])[0], true);
    const otherPatientsOwn = patientRule("o", { author: OTHER_PATIENT, patient: OTHER_PATIENT });
    assert.equal(one(request({ patient: OTHER_PATIENT }), [forPat, otherPatientsOwn])[0], false);
  });

  it("another patient's rules say nothing about this patient", () => {
    const others = patientRule("o", { author: OTHER_PATIENT, patient: OTHER_PATIENT });
    assert.equal(one(request(), [SITE_OK, others])[0], false);
  });
});

describe("a patient without active rules gets the site's defaults", () => {
  const policy: SitePolicy = { patientDefaults: [siteDefault("ed-default-treating-site-reads")] };

  it("the default stands in for the patient's consent, and is named", () => {
    assert.deepEqual(one(request(), [SITE_OK], policy), [
      true,
      "rules",
      [SITE_OK.id, "ed-default-treating-site-reads"],
    ]);
  });

  it("a patient with any active rule, even one not in force now or about something else, gets no defaults", () => {
    const expired = patientRule("old", { period: { until: "2020-01-01T00:00:00Z" } });
    assert.equal(one(request(), [SITE_OK, expired], policy)[0], false);
    const aboutPerson = patientRule("person-only", { data: ["person"] });
    assert.equal(one(request(), [SITE_OK, aboutPerson], policy)[0], false);
  });

  it("a patient whose rules are all revoked gets the defaults again", () => {
    const revoked = patientRule("gone", { effect: "deny", status: "revoked" });
    assert.equal(one(request(), [SITE_OK, revoked], policy)[0], true);
  });

  it("defaults are still rules: they must match the requester, purpose and category", () => {
    assert.equal(
      one(request({ purpose: "research" }), [siteRule("s", { purposes: ["*"] })], policy)[0],
      false,
    );
  });
});

describe("deny overrides permit", () => {
  it("a site deny beats every permit and is named", () => {
    const deny = siteRule("ed-no-students", { effect: "deny", actor: {} });
    assert.deepEqual(one(request(), [SITE_OK, PAT_OK, deny]), [false, "denied", ["ed-no-students"]]);
  });

  it("a patient deny beats every permit; all applicable denies are named, in rule order", () => {
    const patDeny = patientRule("pat-hides-cycles", { effect: "deny", data: [CYCLE] });
    const siteDeny = siteRule("ed-deny", { effect: "deny" });
    assert.deepEqual(one(request(), [patDeny, SITE_OK, PAT_OK, siteDeny]), [
      false,
      "denied",
      ["pat-hides-cycles", "ed-deny"],
    ]);
  });

  it("a site default can deny, too", () => {
    const policy = {
      patientDefaults: [siteDefault("allow"), siteDefault("deny-cycles", { effect: "deny", data: [CYCLE] })],
    };
    assert.deepEqual(one(request(), [SITE_OK], policy), [false, "denied", ["deny-cycles"]]);
  });

  it("a deny of one part denies that part, not a sibling, and is excluded from a broader grant", () => {
    const hideOne = patientRule("hide-ab12", { effect: "deny", data: [`${CYCLE}:ab12`] });
    const d = decide(
      request({ categories: [`${CYCLE}:ab12`, `${CYCLE}:cd34`, CYCLE, "event"] }),
      [SITE_OK, PAT_OK, hideOne],
      NO_DEFAULTS,
    );
    assert.deepEqual(d.denied, [`${CYCLE}:ab12`]);
    assert.deepEqual(d.allowed, [`${CYCLE}:cd34`, CYCLE, "event"]);
    assert.deepEqual(
      d.categories.map((c) => [c.category, c.basis, c.except, c.rules.map((r) => r.id)]),
      [
        [`${CYCLE}:ab12`, "denied", [], ["hide-ab12"]],
        [`${CYCLE}:cd34`, "rules", [], [SITE_OK.id, PAT_OK.id]],
        [CYCLE, "rules", [`${CYCLE}:ab12`], [SITE_OK.id, PAT_OK.id, "hide-ab12"]],
        ["event", "rules", [`${CYCLE}:ab12`], [SITE_OK.id, PAT_OK.id, "hide-ab12"]],
      ],
    );
    assert.deepEqual(
      d.decidingRules.map((r) => r.id),
      ["hide-ab12", SITE_OK.id, PAT_OK.id],
    );
  });

  it("the hole closed: a patient's deny of one event is excluded from a doctor's permitted request for all events", () => {
    const hide = patientRule("hide-one-cycle", { effect: "deny", data: [`${CYCLE}:ab12`] });
    const d = decide(request({ categories: ["event"] }), [SITE_OK, PAT_OK, hide], NO_DEFAULTS);
    assert.deepEqual(d.allowed, ["event"]);
    assert.deepEqual(d.categories[0]!.except, [`${CYCLE}:ab12`]);
    assert.deepEqual(
      d.decidingRules.map((r) => r.id),
      [SITE_OK.id, PAT_OK.id, "hide-one-cycle"],
    );
  });

  it("every applicable narrower deny excludes — the site's, the patient's, a default's — and nothing else does", () => {
    const rules = [
      siteRule("s", { data: ["*"] }),
      patientRule("p", { data: ["*"] }),
      siteRule("ed-hide-scans", { effect: "deny", data: ["event:scan", "person"] }),
      patientRule("pat-hide-medicine", { effect: "deny", data: ["object:medicine"] }),
      patientRule("pat-hide-two", { effect: "deny", data: [`${CYCLE}:cd34`, `${CYCLE}:ab12`] }),
      patientRule("for-research", { effect: "deny", data: ["event:x"], purposes: ["research"] }),
      patientRule("for-nurses", { effect: "deny", data: ["event:y"], actor: { role: "nurse" } }),
      patientRule("revoked", { effect: "deny", data: ["event:z"], status: "revoked" }),
      patientRule("expired", {
        effect: "deny",
        data: ["event:w"],
        period: { until: "2024-01-01T00:00:00Z" },
      }),
      siteRule("barcelona", { effect: "deny", data: ["event:v"], author: BARCELONA }),
      patientRule("other", {
        effect: "deny",
        data: ["event:u"],
        author: OTHER_PATIENT,
        patient: OTHER_PATIENT,
      }),
    ];
    const d = decide(request({ categories: ["*", "event", "object", "events"] }), rules, NO_DEFAULTS);
    assert.deepEqual(
      d.categories.map((c) => [c.category, c.allowed, c.except]),
      [
        ["*", true, [`${CYCLE}:ab12`, `${CYCLE}:cd34`, "event:scan", "object:medicine", "person"]],
        ["event", true, [`${CYCLE}:ab12`, `${CYCLE}:cd34`, "event:scan"]],
        ["object", true, ["object:medicine"]],
        ["events", true, []],
      ],
    );
    assert.deepEqual(
      d.categories[1]!.rules.map((r) => r.id),
      ["s", "p", "ed-hide-scans", "pat-hide-two"],
    );

    const policy = {
      patientDefaults: [
        siteDefault("allow"),
        siteDefault("default-hides", { effect: "deny", data: [`${CYCLE}:ab12`] }),
      ],
    };
    const withDefaults = decide(request({ categories: ["event"] }), [SITE_OK], policy);
    assert.deepEqual(withDefaults.categories[0]!.except, [`${CYCLE}:ab12`]);
    assert.deepEqual(
      withDefaults.decidingRules.map((r) => r.id),
      [SITE_OK.id, "allow", "default-hides"],
    );
  });

  it("exclusions are not reduced: a deny of a part and of a part of it both appear", () => {
    const rules = [
      SITE_OK,
      PAT_OK,
      patientRule("a", { effect: "deny", data: [`${CYCLE}:ab12`] }),
      patientRule("b", { effect: "deny", data: [CYCLE] }),
    ];
    assert.deepEqual(decide(request({ categories: ["event"] }), rules, NO_DEFAULTS).categories[0]!.except, [
      CYCLE,
      `${CYCLE}:ab12`,
    ]);
  });

  it("a denied or default-denied category has no exclusions", () => {
    const deny = patientRule("deny-events", { effect: "deny" });
    const hide = patientRule("hide", { effect: "deny", data: [`${CYCLE}:ab12`] });
    const d = decide(
      request({ categories: ["event", "object"] }),
      [SITE_OK, PAT_OK, deny, hide],
      NO_DEFAULTS,
    );
    assert.deepEqual(
      d.categories.map((c) => [c.basis, c.except]),
      [
        ["denied", []],
        ["default-deny", []],
      ],
    );
  });
});

describe("the patient always sees their own record", () => {
  it("every category, basis self, no rules needed, despite denies, and it is not break-glass", () => {
    const self = request({
      requester: { serumsId: PAT, role: "patient", site: EDINBURGH },
      categories: ["*", CYCLE],
      purpose: "emergency",
      reason: "checking my own record",
    });
    const denies = [
      siteRule("deny-all", { effect: "deny", data: ["*"], actor: {} }),
      patientRule("hide-one", { effect: "deny", data: [`${CYCLE}:ab12`], purposes: ["*"] }),
    ];
    const d = decide(self, denies, NO_DEFAULTS);
    assert.deepEqual(d.allowed, ["*", CYCLE]);
    assert.ok(d.categories.every((c) => c.basis === "self" && c.rules.length === 0 && c.except.length === 0));
    assert.equal(d.breakGlass, false);
  });
});

describe("break-glass: emergency access with a stated reason, unless the patient refused it", () => {
  const emergency = (fields: Partial<AccessRequest> = {}) =>
    request({ purpose: "emergency", reason: "unconscious in A&E", ...fields });

  it("allows what nothing permits, flags it, and names no rule", () => {
    const d = decide(emergency(), [], NO_DEFAULTS);
    assert.deepEqual(d.allowed, [CYCLE]);
    assert.equal(d.categories[0]!.basis, "break-glass");
    assert.deepEqual(d.categories[0]!.rules, []);
    assert.deepEqual(d.categories[0]!.except, []);
    assert.equal(d.breakGlass, true);
  });

  it("excludes what the patient's own emergency denies cover below the category, naming them", () => {
    const rules = [
      patientRule("no-emergency-ab12", { effect: "deny", data: [`${CYCLE}:ab12`], purposes: ["emergency"] }),
      patientRule("never-scans", { effect: "deny", data: ["event:scan"], purposes: ["*"] }),
      patientRule("treatment-only", { effect: "deny", data: [`${CYCLE}:cd34`], purposes: ["treatment"] }),
    ];
    const d = decide(emergency({ categories: ["event", `${CYCLE}:ab12`] }), rules, NO_DEFAULTS);
    assert.deepEqual(
      d.categories.map((c) => [c.category, c.allowed, c.basis, c.except, c.rules.map((r) => r.id)]),
      [
        ["event", true, "break-glass", [`${CYCLE}:ab12`, "event:scan"], ["no-emergency-ab12", "never-scans"]],
        [`${CYCLE}:ab12`, false, "denied", [], ["no-emergency-ab12"]],
      ],
    );
    assert.equal(d.breakGlass, true);
  });

  it("does not exclude for a site's or a site default's narrower deny: only the patient can refuse", () => {
    const siteHides = siteRule("ed-hides", {
      effect: "deny",
      data: [`${CYCLE}:ab12`],
      purposes: ["*"],
      actor: {},
    });
    const policy = {
      patientDefaults: [
        siteDefault("default-hides", { effect: "deny", data: ["event:scan"], purposes: ["*"] }),
      ],
    };
    const d = decide(emergency({ categories: ["event"] }), [siteHides], policy);
    assert.deepEqual(
      [d.categories[0]!.basis, d.categories[0]!.except, d.decidingRules],
      ["break-glass", [], []],
    );
  });

  it("a grant by rules on a reasoned emergency excludes every applicable narrower deny, so only break-glass (flagged) can serve it", () => {
    const rules = [
      siteRule("s", { purposes: ["*"] }),
      patientRule("p", { purposes: ["*"] }),
      siteRule("ed-hides", { effect: "deny", data: [`${CYCLE}:ab12`], purposes: ["*"], actor: {} }),
    ];
    const broad = decide(emergency({ categories: ["event"] }), rules, NO_DEFAULTS);
    assert.deepEqual(
      [broad.categories[0]!.basis, broad.categories[0]!.except, broad.breakGlass],
      ["rules", [`${CYCLE}:ab12`], false],
    );
    const named = decide(emergency({ categories: [`${CYCLE}:ab12`] }), rules, NO_DEFAULTS);
    assert.deepEqual([named.categories[0]!.basis, named.breakGlass], ["break-glass", true]);
  });

  it("overrides a site's deny: a site cannot refuse break-glass, only the patient can", () => {
    const siteDeny = siteRule("ed-deny", { effect: "deny", purposes: ["*"], actor: {} });
    assert.deepEqual(one(emergency(), [siteDeny]), [true, "break-glass", []]);
  });

  it("overrides a site default's deny: a default is not the patient's refusal", () => {
    const policy = { patientDefaults: [siteDefault("deny", { effect: "deny", purposes: ["*"], actor: {} })] };
    assert.deepEqual(one(emergency(), [], policy), [true, "break-glass", []]);
  });

  it('is refused by the patient\'s own deny for "emergency" or "*", which is named', () => {
    const refuse = patientRule("no-emergency", { effect: "deny", purposes: ["emergency"] });
    const d = decide(emergency(), [refuse], NO_DEFAULTS);
    assert.deepEqual(
      [d.categories[0]!.allowed, d.categories[0]!.basis, d.breakGlass],
      [false, "denied", false],
    );
    assert.deepEqual(d.decidingRules, [{ id: "no-emergency", version: 1 }]);
    const refuseAll = patientRule("never", { effect: "deny", purposes: ["*"] });
    assert.deepEqual(one(emergency(), [refuseAll]), [false, "denied", ["never"]]);
  });

  it("is not refused by a patient deny that does not apply: other purpose, other actor, other data, revoked", () => {
    const denies = [
      patientRule("treatment-only", { effect: "deny", purposes: ["treatment"] }),
      patientRule("not-dana", { effect: "deny", purposes: ["*"], actor: { role: "nurse" } }),
      patientRule("person-only", { effect: "deny", purposes: ["*"], data: ["person"] }),
      patientRule("revoked", { effect: "deny", purposes: ["*"], status: "revoked" }),
    ];
    assert.deepEqual(one(emergency(), denies), [true, "break-glass", []]);
  });

  it("needs a reason: without one, or with a blank one, emergency is an ordinary purpose", () => {
    assert.deepEqual(one(request({ purpose: "emergency" }), []), [false, "default-deny", []]);
    const blank = decide(emergency({ reason: "  " }), [], NO_DEFAULTS);
    assert.deepEqual([blank.allowed, blank.breakGlass], [[], false]);
  });

  it("is not used when the rules already allow an emergency request", () => {
    const rules = [siteRule("s", { purposes: ["emergency"] }), patientRule("p", { purposes: ["*"] })];
    const d = decide(emergency(), rules, NO_DEFAULTS);
    assert.deepEqual([d.categories[0]!.basis, d.breakGlass], ["rules", false]);
  });

  it("is flagged when any one category needed it", () => {
    const rules = [siteRule("s", { purposes: ["*"] }), patientRule("p", { purposes: ["*"] })];
    const d = decide(emergency({ categories: [CYCLE, "person"] }), rules, NO_DEFAULTS);
    assert.deepEqual(
      d.categories.map((c) => c.basis),
      ["rules", "break-glass"],
    );
    assert.equal(d.breakGlass, true);
  });
});

describe("the decision's shape", () => {
  it("keeps request order, decides a repeated category once, and names each deciding rule once", () => {
    const hidePerson = patientRule("hide-person", { effect: "deny", data: ["person"] });
    const both = [siteRule("s", { data: ["event", CYCLE, "person"] }), PAT_OK, hidePerson];
    const d = decide(request({ categories: ["person", CYCLE, "event", CYCLE, "object"] }), both, NO_DEFAULTS);
    assert.deepEqual(d.allowed, [CYCLE, "event"]);
    assert.deepEqual(d.denied, ["person", "object"]);
    assert.deepEqual(
      d.categories.map((c) => [c.category, c.basis]),
      [
        ["person", "denied"],
        [CYCLE, "rules"],
        ["event", "rules"],
        ["object", "default-deny"],
      ],
    );
    assert.deepEqual(d.categories[1]!.rules, [
      { id: "s", version: 1 },
      { id: PAT_OK.id, version: 1 },
    ]);
    assert.deepEqual(
      d.decidingRules.map((r) => r.id),
      ["hide-person", "s", PAT_OK.id],
    );
  });

  it("names a rule by id and version", () => {
    const d = decide(request(), [siteRule("s", { version: 3 }), PAT_OK], NO_DEFAULTS);
    assert.deepEqual(d.categories[0]!.rules[0], { id: "s", version: 3 });
  });

  it("refuses a request whose instant does not parse, rather than guess", () => {
    assert.throws(
      () => decide(request({ at: "yesterday" }), [], NO_DEFAULTS),
      (e: unknown) =>
        e instanceof SerumsError && e.code === "BAD_REQUEST" && /request\.at is "yesterday"/.test(e.message),
    );
  });
});

describe("many rules", () => {
  it("decides correctly against 5,000 rules in force (many patients, both sites), exclusions included", () => {
    const rules: Rule[] = [];
    for (let i = 0; i < 2_500; i++) {
      const patient = `srm-aaaa-0000-${String(Math.floor(i / 10)).padStart(4, "0")}-0001`;
      rules.push(siteRule(`s${i}`, { author: i % 2 ? EDINBURGH : BARCELONA, data: [`event:t${i % 50}`] }));
      rules.push(
        patientRule(`p${i}`, {
          author: patient,
          patient,
          effect: i % 3 ? "permit" : "deny",
          data: [`event:t${i % 50}`],
        }),
      );
    }
    rules.push(siteRule("all", { data: ["*"] }), PAT_OK);
    const d = decide(request({ categories: [CYCLE, "event:t7", "event", "person"] }), rules, NO_DEFAULTS);
    assert.deepEqual(d.allowed, [CYCLE, "event:t7", "event"]);
    assert.deepEqual(d.denied, ["person"]);
    // Pat (srm-aaaa-0000-0000-0001) has rules p0–p9 besides PAT_OK: p0, p3, p6 and p9 deny t0, t3, t6, t9.
    assert.deepEqual(d.categories[2]!.except, ["event:t0", "event:t3", "event:t6", "event:t9"]);
    // "event:t7": Edinburgh's s7, s57, …, s2457 (odd i), Pat's p7, then "all" and PAT_OK, in rule order.
    const edinburghT7 = Array.from({ length: 50 }, (_, k) => `s${7 + 50 * k}`);
    assert.deepEqual(
      d.categories[1]!.rules.map((r) => r.id),
      [edinburghT7[0], "p7", ...edinburghT7.slice(1), "all", PAT_OK.id],
    );
    assert.deepEqual(
      d.categories[2]!.rules.map((r) => r.id),
      ["p0", "p3", "p6", "p9", "all", PAT_OK.id],
    );
    assert.deepEqual(d.categories[3]!.basis, "default-deny");
  });
});
