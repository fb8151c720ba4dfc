/**
 * Property tests of `decide`: it agrees with the naive reference-decide.ts on random rule sets and
 * requests, and it keeps the rule model's promises (more denies never allow more, self always
 * sees, no rules allow nothing, …). The generators draw from small pools of sites, people,
 * roles, categories, purposes and instants so that rules and requests often meet.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { categoryCovers } from "./category.ts";
import { decide } from "./decide.ts";
import { referenceDecide } from "./reference-decide.ts";
import { parseAccessRequest, parseRule, parseSitePolicy } from "./rule-schema.ts";
import type {
  AccessRequest,
  ActorSelector,
  Decision,
  Rule,
  SitePolicy,
  ValidityPeriod,
} from "./rule-types.ts";

const PATIENTS = ["srm-aaaa-aaaa-aaaa-aaaa", "srm-bbbb-bbbb-bbbb-bbbb"];
const PEOPLE = [...PATIENTS, "srm-cccc-cccc-cccc-cccc", "srm-dddd-dddd-dddd-dddd"];
const SITES = ["edinburgh", "barcelona"];
const ROLES = ["doctor", "nurse"];
const DEPARTMENTS = ["oncology", "radiology"];
const COUNTRIES = ["GB", "ES"];
const CATEGORIES = [
  "*",
  "event",
  "event:chemo",
  "event:chemo:ab12",
  "event:chemo:cd34",
  "event:scan",
  "events",
  "person",
  "object",
  "object:medicine",
];
const PURPOSES = ["treatment", "emergency", "research"];
const INSTANTS = [
  "2024-01-01T00:00:00Z",
  "2024-03-01T00:00:00Z",
  "2024-06-01T00:00:00Z",
  "2024-09-01T00:00:00Z",
  "2025-01-01T00:00:00Z",
];
const RUNS = { numRuns: 400 };

const sample = <T>(values: readonly T[]) => fc.constantFrom(...values);
/** Undefined half the time. */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** Given one time in `n`: actor fields are rare, or rules would almost never match a requester. */
const rarely = <T>(arb: fc.Arbitrary<T>, n = 4) =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** Drops undefined fields, as JSON would. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const periodArb: fc.Arbitrary<ValidityPeriod | undefined> = rarely(
  fc.tuple(optional(sample(INSTANTS)), optional(sample(INSTANTS))).map(([from, until]) => {
    if (from !== undefined && until !== undefined && from >= until) return compact({ from });
    return compact({ from, until });
  }),
);

const actorArb = (withSite: fc.Arbitrary<string | undefined>): fc.Arbitrary<ActorSelector> =>
  fc
    .record({
      user: rarely(sample(PEOPLE), 6),
      role: rarely(sample(ROLES)),
      department: rarely(sample(DEPARTMENTS)),
      site: withSite,
      country: rarely(sample(COUNTRIES)),
    })
    .map(compact);

const common = {
  effect: sample(["permit", "permit", "permit", "deny"] as const),
  // Broad categories and purposes more often, so that rules often meet requests.
  data: fc.uniqueArray(sample([...CATEGORIES, "*", "event", "event", "object"]), {
    minLength: 1,
    maxLength: 3,
  }),
  purposes: fc.uniqueArray(sample([...PURPOSES, "*", "treatment"]), { minLength: 1, maxLength: 2 }),
  period: periodArb,
  status: fc.constantFrom<Rule["status"]>("active", "active", "active", "revoked"),
  version: fc.integer({ min: 1, max: 3 }),
};

const siteRuleArb: fc.Arbitrary<Omit<Rule, "id">> = sample([...SITES, "edinburgh"]).chain((site) =>
  fc.record({
    ...common,
    kind: fc.constant("site" as const),
    author: fc.constant(site),
    patient: sample(["*", "*", ...PATIENTS]),
    actor: actorArb(rarely(fc.constant(site))),
  }),
);

// Patient B has few rules of their own, so that requests about B often meet the site's defaults.
const patientRuleArb: fc.Arbitrary<Omit<Rule, "id">> = sample([
  ...PATIENTS,
  PATIENTS[0]!,
  PATIENTS[0]!,
]).chain((patient) =>
  fc.record({
    ...common,
    kind: fc.constant("patient" as const),
    author: fc.constant(patient),
    patient: fc.constant(patient),
    actor: actorArb(rarely(sample(SITES))),
  }),
);

const defaultArb: fc.Arbitrary<Omit<Rule, "id">> = fc.record({
  ...common,
  kind: fc.constant("patient" as const),
  author: sample(SITES),
  patient: fc.constant("*"),
  actor: actorArb(rarely(sample(SITES))),
});

const withIds = (prefix: string) => (rules: Omit<Rule, "id">[]) =>
  rules.map((rule, i) => compact({ id: `${prefix}${i}`, ...rule }) as Rule);

// Narrow categories (under the broad ones requests often name), for denies narrower than a request.
const NARROW = ["event:chemo", "event:chemo:ab12", "event:chemo:cd34", "event:scan", "object:medicine"];
/** A deny of the site's or the patient's about narrow categories only, often in emergencies. */
const narrowDenyArb: fc.Arbitrary<Omit<Rule, "id">> = fc
  .tuple(
    fc.oneof(siteRuleArb, patientRuleArb),
    fc.uniqueArray(sample(NARROW), { minLength: 1, maxLength: 2 }),
    fc.uniqueArray(sample(["emergency", "*", ...PURPOSES]), { minLength: 1, maxLength: 2 }),
  )
  .map(([rule, data, purposes]) => ({ ...rule, effect: "deny" as const, data, purposes }));

/** Random rules, one in (1 + `narrowEvery`) of them a narrow deny. */
const someRulesArb = (narrowEvery: number) =>
  fc
    .array(
      fc.oneof(
        { weight: narrowEvery / 2, arbitrary: siteRuleArb },
        { weight: narrowEvery / 2, arbitrary: patientRuleArb },
        { weight: 1, arbitrary: narrowDenyArb },
      ),
      { maxLength: 24, size: "medium" },
    )
    .map(withIds("r"));
// Some narrow denies besides, so that allowed broad categories may have exclusions.
const rulesArb = someRulesArb(6);
/**
 * Both sites let anyone of theirs read everything of every patient for treatment or research, and
 * both patients agree: with these, a broad category is usually granted, so its exclusions are
 * often tested. Not for emergencies, so that break-
 * glass (and the patient's own emergency denies below it) still comes into play.
 */
const OPEN: Rule[] = [
  ...SITES.map(
    (site): Rule => ({
      id: `open-${site}`,
      version: 1,
      kind: "site",
      author: site,
      effect: "permit",
      patient: "*",
      actor: {},
      data: ["*"],
      purposes: ["treatment", "research"],
      status: "active",
    }),
  ),
  ...PATIENTS.map(
    (patient): Rule => ({
      id: `open-${patient}`,
      version: 1,
      kind: "patient",
      author: patient,
      effect: "permit",
      patient,
      actor: {},
      data: ["*"],
      purposes: ["treatment", "research"],
      status: "active",
    }),
  ),
];
/** Open rules, and many narrow denies below them. */
const openRulesArb = someRulesArb(2).map((rules) => [...rules, ...OPEN]);
/** Random rules, open or not. */
const anyRulesArb = fc.oneof(rulesArb, openRulesArb);

const policyArb: fc.Arbitrary<SitePolicy> = fc
  .array(defaultArb, { maxLength: 4 })
  .map(withIds("d"))
  .map((patientDefaults) => ({ patientDefaults }));

const requestArb: fc.Arbitrary<AccessRequest> = fc
  .record({
    requester: fc
      .record({
        serumsId: sample([...PEOPLE, "srm-cccc-cccc-cccc-cccc", "srm-dddd-dddd-dddd-dddd"]),
        role: sample(ROLES),
        site: sample([...SITES, "edinburgh"]),
        department: optional(sample(DEPARTMENTS)),
        country: optional(sample(COUNTRIES)),
      })
      .map(compact),
    patient: sample(PATIENTS),
    categories: fc.array(sample([...CATEGORIES, "event:chemo", "event:chemo:ab12", "object:medicine"]), {
      minLength: 1,
      maxLength: 4,
    }),
    purpose: sample([...PURPOSES, "treatment"]),
    at: sample([...INSTANTS, "2024-04-15T12:00:00Z"]),
    reason: optional(sample(["", "   ", "unconscious in A&E"])),
  })
  .map(compact);

/** Requests, a third of them reasoned emergencies (break-glass). */
const anyRequestArb: fc.Arbitrary<AccessRequest> = fc.oneof(
  { weight: 2, arbitrary: requestArb },
  {
    weight: 1,
    arbitrary: requestArb.map((r) => ({ ...r, purpose: "emergency", reason: "unconscious in A&E" })),
  },
);

/** A request break-glass may serve: purpose "emergency" with a non-blank reason. */
const reasonedEmergency = (request: AccessRequest) =>
  request.purpose === "emergency" && (request.reason ?? "").trim() !== "";

const allowedSet = (decision: Decision) => new Set(decision.allowed);
const isSubset = (a: Set<string>, b: Set<string>) => [...a].every((x) => b.has(x));

describe("decide (properties)", () => {
  it("the generators make rules, policies and (non-emergency or reasoned) requests the schemas accept", () => {
    fc.assert(
      fc.property(rulesArb, policyArb, requestArb, (rules, policy, request) => {
        for (const rule of rules) assert.deepEqual(parseRule(rule), rule);
        assert.deepEqual(parseSitePolicy(policy), policy);
        if (request.purpose !== "emergency" || (request.reason ?? "").trim() !== "") {
          assert.deepEqual(parseAccessRequest(request), request);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("agrees with the naive reference on every category's allowed flag, basis, exclusions and rules, and on breakGlass", () => {
    const seen = new Map<string, number>();
    const excluded = new Map<string, number>();
    const agree = (rules: Rule[], policy: SitePolicy, request: AccessRequest) => {
      const fast = decide(request, rules, policy);
      const slow = referenceDecide(request, rules, policy);
      for (const c of fast.categories) {
        seen.set(c.basis, (seen.get(c.basis) ?? 0) + 1);
        if (c.except.length > 0) excluded.set(c.basis, (excluded.get(c.basis) ?? 0) + 1);
      }
      assert.equal(fast.breakGlass, slow.breakGlass);
      assert.deepEqual(
        fast.categories.map((c) => ({
          category: c.category,
          allowed: c.allowed,
          basis: c.basis,
          except: c.except,
          rules: c.rules.map((r) => `${r.id}@${r.version}`).sort(),
        })),
        slow.categories,
      );
    };
    fc.assert(fc.property(rulesArb, policyArb, requestArb, agree), { numRuns: 2000 });
    // The random cases must reach every basis, or the agreement would prove little.
    for (const basis of ["self", "rules", "break-glass", "denied", "default-deny"]) {
      assert.ok(
        (seen.get(basis) ?? 0) > 20,
        `${JSON.stringify([...seen])}: only ${seen.get(basis) ?? 0} categories decided by ${basis}`,
      );
    }
    fc.assert(fc.property(openRulesArb, policyArb, anyRequestArb, agree), { numRuns: 2000 });
    // Exclusions must be reached on both kinds of grant that can have them.
    for (const basis of ["rules", "break-glass"]) {
      assert.ok(
        (excluded.get(basis) ?? 0) > 20,
        `${JSON.stringify([...excluded])}: only ${excluded.get(basis) ?? 0} ${basis} grants with exclusions`,
      );
    }
  });

  it("keeps request order, decides each category once, and lists every named rule once in decidingRules", () => {
    fc.assert(
      fc.property(rulesArb, policyArb, requestArb, (rules, policy, request) => {
        const d = decide(request, rules, policy);
        const unique = [...new Set(request.categories)];
        assert.deepEqual(
          d.categories.map((c) => c.category),
          unique,
        );
        assert.deepEqual(
          d.allowed,
          unique.filter((c) => d.allowed.includes(c)),
        );
        assert.deepEqual([...d.allowed, ...d.denied].sort(), [...unique].sort());
        const named = d.categories.flatMap((c) => c.rules.map((r) => `${r.id}@${r.version}`));
        assert.deepEqual(
          d.decidingRules.map((r) => `${r.id}@${r.version}`),
          [...new Set(named)],
        );
        assert.equal(
          d.breakGlass,
          d.categories.some((c) => c.basis === "break-glass"),
        );
      }),
      RUNS,
    );
  });

  it("adding a deny rule (of either kind) never allows more", () => {
    const denyArb = fc
      .oneof(siteRuleArb, patientRuleArb)
      .map((r) => ({ ...r, id: "new-deny", effect: "deny" as const }));
    fc.assert(
      fc.property(rulesArb, policyArb, requestArb, denyArb, (rules, policy, request, deny) => {
        const before = allowedSet(decide(request, rules, policy));
        const after = allowedSet(decide(request, [...rules, deny], policy));
        assert.ok(isSubset(after, before), `${[...after]} ⊄ ${[...before]}`);
      }),
      RUNS,
    );
  });

  it("every exclusion is strictly covered by its category, on an allowed category other than self, once", () => {
    fc.assert(
      fc.property(anyRulesArb, policyArb, anyRequestArb, (rules, policy, request) => {
        for (const c of decide(request, rules, policy).categories) {
          for (const e of c.except) {
            assert.ok(categoryCovers(c.category, e) && e !== c.category, `${e} is not under ${c.category}`);
          }
          if (c.except.length > 0) assert.ok(c.allowed && c.basis !== "self", JSON.stringify(c));
          assert.deepEqual(c.except, [...new Set(c.except)].sort());
        }
      }),
      RUNS,
    );
  });

  it("adding a narrower deny never removes an exclusion, nor changes the decision on a category it does not cover", () => {
    fc.assert(
      fc.property(anyRulesArb, policyArb, anyRequestArb, narrowDenyArb, (rules, policy, request, narrow) => {
        const deny: Rule = { id: "new-deny", ...narrow };
        // A patient's first active rule replaces the site's defaults for them: not this property.
        const firstOwn =
          deny.kind === "patient" &&
          deny.patient === request.patient &&
          deny.status === "active" &&
          !rules.some((r) => r.kind === "patient" && r.patient === request.patient && r.status === "active");
        fc.pre(!firstOwn);
        const before = decide(request, rules, policy).categories;
        const after = decide(request, [...rules, deny], policy).categories;
        before.forEach((b, i) => {
          const a = after[i]!;
          if (deny.data.some((d) => categoryCovers(d, b.category))) return;
          assert.deepEqual([a.allowed, a.basis], [b.allowed, b.basis]);
          for (const e of b.except)
            assert.ok(a.except.includes(e), `${e} no longer excluded from ${b.category}`);
        });
      }),
      RUNS,
    );
  });

  it("a request for exactly an excluded category is denied (at most break-glass serves it, flagged)", () => {
    let checked = 0;
    fc.assert(
      fc.property(anyRulesArb, policyArb, anyRequestArb, (rules, policy, request) => {
        for (const c of decide(request, rules, policy).categories) {
          for (const e of c.except) {
            checked++;
            const d = decide({ ...request, categories: [e] }, rules, policy);
            const [only] = d.categories;
            if (only!.allowed) {
              // A site's (or default's) deny under a "rules" grant excludes even on a reasoned
              // emergency; asked for by name, the category is then served by break-glass, flagged.
              assert.ok(reasonedEmergency(request) && c.basis === "rules", JSON.stringify([c, only]));
              assert.deepEqual([only!.basis, d.breakGlass], ["break-glass", true]);
            } else assert.deepEqual(d.denied, [e]);
          }
        }
      }),
      { numRuns: 1000 },
    );
    assert.ok(checked > 20, `only ${checked} exclusions checked`);
  });

  it("revoking a permit never allows more, unless it was the patient's last active rule (then defaults apply)", () => {
    fc.assert(
      fc.property(rulesArb, policyArb, requestArb, fc.nat(), (rules, policy, request, pick) => {
        const permits = rules.map((r, i) => [r, i] as const).filter(([r]) => r.effect === "permit");
        fc.pre(permits.length > 0);
        const [target, index] = permits[pick % permits.length]!;
        const revoked = rules.map((r, i) => (i === index ? { ...r, status: "revoked" as const } : r));
        const lastOwn =
          target.kind === "patient" &&
          target.patient === request.patient &&
          !revoked.some(
            (r) => r.kind === "patient" && r.patient === request.patient && r.status === "active",
          );
        fc.pre(!lastOwn || policy.patientDefaults.length === 0);
        const before = allowedSet(decide(request, rules, policy));
        const after = allowedSet(decide(request, revoked, policy));
        assert.ok(isSubset(after, before), `${[...after]} ⊄ ${[...before]}`);
      }),
      RUNS,
    );
  });

  it("a revoked rule counts for nothing: revoking the patient's rules equals their having none", () => {
    fc.assert(
      fc.property(rulesArb, policyArb, requestArb, (rules, policy, request) => {
        const own = (r: Rule) => r.kind === "patient" && r.patient === request.patient;
        const revoked = rules.map((r) => (own(r) ? { ...r, status: "revoked" as const } : r));
        const without = rules.filter((r) => !own(r));
        const a = decide(request, revoked, policy);
        const b = decide(request, without, policy);
        assert.deepEqual(a.allowed, b.allowed);
        assert.deepEqual(
          a.categories.map((c) => c.basis),
          b.categories.map((c) => c.basis),
        );
      }),
      RUNS,
    );
  });

  it("the patient always sees their whole request, whatever the rules", () => {
    fc.assert(
      fc.property(rulesArb, policyArb, requestArb, (rules, policy, req) => {
        const request = { ...req, requester: { ...req.requester, serumsId: req.patient } };
        const d = decide(request, rules, policy);
        assert.deepEqual(d.allowed, [...new Set(request.categories)]);
        assert.ok(d.categories.every((c) => c.basis === "self" && c.rules.length === 0));
        assert.ok(d.categories.every((c) => c.except.length === 0));
        assert.equal(d.breakGlass, false);
      }),
      RUNS,
    );
  });

  it("with no rules and no defaults nothing is allowed to others, except everything by break-glass", () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        fc.pre(request.requester.serumsId !== request.patient);
        const d = decide(request, [], { patientDefaults: [] });
        const glass = request.purpose === "emergency" && (request.reason ?? "").trim() !== "";
        assert.equal(d.breakGlass, glass);
        if (glass) assert.ok(d.categories.every((c) => c.allowed && c.basis === "break-glass"));
        else assert.deepEqual(d.allowed, []);
      }),
      RUNS,
    );
  });

  it("the order of the rules changes nothing but the order in which rules are named", () => {
    fc.assert(
      fc.property(
        rulesArb.chain((rules) =>
          fc.tuple(fc.constant(rules), fc.shuffledSubarray(rules, { minLength: rules.length })),
        ),
        policyArb,
        requestArb,
        ([rules, shuffled], policy, request) => {
          const a = decide(request, rules, policy);
          const b = decide(request, shuffled, policy);
          assert.deepEqual(a.allowed, b.allowed);
          assert.deepEqual(
            a.categories.map((c) => c.basis),
            b.categories.map((c) => c.basis),
          );
        },
      ),
      RUNS,
    );
  });

  it("another site's staff are never allowed by rules: site rules bind their own site only", () => {
    fc.assert(
      fc.property(rulesArb, policyArb, requestArb, (rules, policy, req) => {
        const request = { ...req, requester: { ...req.requester, site: "zuyderland" } };
        const d = decide(request, rules, policy);
        assert.ok(d.categories.every((c) => c.basis !== "rules"));
      }),
      RUNS,
    );
  });
});
