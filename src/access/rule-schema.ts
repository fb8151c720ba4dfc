/**
 * The rule model at the boundary: zod schemas for rules, requests, claims and site policies, and
 * the parsers that turn unknown input into the types of rule-types.ts or throw
 * SerumsError("BAD_REQUEST") naming the field path, the bad value and what is valid:
 *
 *   rule.effect is "allow"; valid: "permit" or "deny"
 *
 * Objects are strict (an unknown field is an error: a misspelt "untill" must not silently make
 * a rule last for ever). Besides each field's own syntax, the schemas check across fields:
 * - a site rule's author is a site's ID (not a Serums ID), its patient "*" or a Serums ID, and
 *   its actor.site, when given, its own site (a site rule governs only its own site's users);
 * - a patient rule's patient is a specific Serums ID (never "*") and its author that patient;
 * - a site policy's patient defaults are kind "patient", patient "*", author a site's ID, and
 *   their IDs are unique;
 * - period.from < period.until; data and purposes non-empty and without duplicates;
 * - a request whose purpose is "emergency" (break-glass) carries a non-empty reason.
 * A request may name a category twice; `decide` decides it once.
 */
import { z } from "zod";
import { SerumsError, showValue } from "../errors/index.ts";
import { categoryProblem, VALID_CATEGORY } from "./category.ts";
import type { AccessRequest, ActorSelector, Claims, Rule, SitePolicy, ValidityPeriod } from "./rule-types.ts";
import {
  ANY_PATIENT,
  ANY_PURPOSE,
  EMERGENCY_PURPOSE,
  isCountry,
  isName,
  isPurpose,
  isSerumsId,
  isUtcInstant,
  VALID_INSTANT,
  VALID_NAME,
  VALID_PURPOSE,
  VALID_SERUMS_ID,
} from "./rule-vocabulary.ts";

/** The longest break-glass reason accepted, in characters. */
export const MAX_REASON_LENGTH = 2000;

function text(valid: string, test: (value: string) => boolean) {
  return z.string({ error: `valid: ${valid}` }).refine(test, { error: `valid: ${valid}` });
}

/** A strict object whose type and unknown-field errors list its fields. */
function object<Shape extends z.ZodRawShape>(what: string, shape: Shape) {
  const fields = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `valid fields: ${fields}`
        : `valid: ${what} (an object with fields ${fields})`,
  });
}

/** A non-empty list without duplicates. */
function list<Item extends z.ZodType<string>>(what: string, item: Item) {
  return z
    .array(item, { error: `valid: a list of ${what}` })
    .min(1, { error: `valid: at least one ${what}` })
    .superRefine((values, ctx) => {
      const first = new Map<string, number>();
      values.forEach((value, index) => {
        const earlier = first.get(value);
        if (earlier === undefined) first.set(value, index);
        else
          ctx.addIssue({
            code: "custom",
            path: [index],
            message: `valid: each ${what} once (also at [${earlier}])`,
          });
      });
    });
}

const name = text(VALID_NAME, isName);
const serumsId = text(VALID_SERUMS_ID, isSerumsId);
const instant = text(VALID_INSTANT, isUtcInstant);

/** A data category (see category.ts); the message says what is wrong with a bad one. */
export const categorySchema = z.string({ error: VALID_CATEGORY }).superRefine((value, ctx) => {
  const problem = categoryProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: `${VALID_CATEGORY}; ${problem}` });
});

const rulePurpose = text(`"*" or ${VALID_PURPOSE}`, (v) => v === ANY_PURPOSE || isPurpose(v));

export const actorSelectorSchema = object("who the rule is about", {
  user: serumsId.optional(),
  role: name.optional(),
  department: name.optional(),
  site: name.optional(),
  country: text('an ISO 3166-1 alpha-2 country code in upper case (e.g. "GB")', isCountry).optional(),
}) satisfies z.ZodType<ActorSelector>;

export const validityPeriodSchema = object("a validity period", {
  from: instant.optional(),
  until: instant.optional(),
}).superRefine((period, ctx) => {
  if (period.from === undefined || period.until === undefined) return;
  if (!(Date.parse(period.from) < Date.parse(period.until))) {
    ctx.addIssue({
      code: "custom",
      path: ["until"],
      message: `valid: an instant after period.from (${showValue(period.from)})`,
    });
  }
}) satisfies z.ZodType<ValidityPeriod>;

const ruleShape = {
  id: name,
  version: z.int({ error: "valid: an integer ≥ 1" }).min(1, { error: "valid: an integer ≥ 1" }),
  kind: z.enum(["site", "patient"], { error: 'valid: "site" or "patient"' }),
  author: name,
  effect: z.enum(["permit", "deny"], { error: 'valid: "permit" or "deny"' }),
  patient: text(`"*" or ${VALID_SERUMS_ID}`, (v) => v === ANY_PATIENT || isSerumsId(v)),
  actor: actorSelectorSchema,
  data: list("category", categorySchema),
  purposes: list("purpose", rulePurpose),
  period: validityPeriodSchema.optional(),
  status: z.enum(["active", "revoked"], { error: 'valid: "active" or "revoked"' }),
};

type Issue = { path: (string | number)[]; message: string };

/** Cross-field checks of a rule as published on the ledger (a site rule or a patient's own). */
function ledgerRuleIssues(rule: Rule): Issue[] {
  const issues: Issue[] = [];
  if (rule.kind === "site") {
    if (isSerumsId(rule.author)) {
      issues.push({
        path: ["author"],
        message: "valid: for a site rule, the ID of the site that publishes it (not a person's Serums ID)",
      });
    }
    if (rule.actor.site !== undefined && rule.actor.site !== rule.author) {
      issues.push({
        path: ["actor", "site"],
        message: `valid: absent or the rule's author (${showValue(rule.author)}): a site rule governs only its own site's users`,
      });
    }
  } else {
    if (!isSerumsId(rule.patient)) {
      issues.push({
        path: ["patient"],
        message: `valid: for a patient rule, the patient's own Serums ID; "*" is for site rules and site defaults`,
      });
    } else if (rule.author !== rule.patient) {
      issues.push({
        path: ["author"],
        message: `valid: for a patient rule, the patient it protects (${showValue(rule.patient)})`,
      });
    }
  }
  return issues;
}

/** Cross-field checks of a site's default rule, which stands in for a patient without rules. */
function patientDefaultIssues(rule: Rule): Issue[] {
  const issues: Issue[] = [];
  if (rule.kind !== "patient") {
    issues.push({
      path: ["kind"],
      message: 'valid: "patient" (a default stands in for a patient\'s own rules)',
    });
  }
  if (rule.patient !== ANY_PATIENT) {
    issues.push({
      path: ["patient"],
      message: 'valid: "*" (a default stands in for every patient without rules)',
    });
  }
  if (isSerumsId(rule.author)) {
    issues.push({
      path: ["author"],
      message: "valid: the ID of the site whose default it is (not a person's Serums ID)",
    });
  }
  return issues;
}

function ruleWith(checks: (rule: Rule) => Issue[]) {
  return object("a rule", ruleShape).superRefine((rule, ctx) => {
    for (const issue of checks(rule)) ctx.addIssue({ code: "custom", ...issue });
  });
}

/** A rule as published on the ledger: a site's rule or a patient's own. */
export const ruleSchema = ruleWith(ledgerRuleIssues) satisfies z.ZodType<Rule>;

/** A site's default for patients without active rules of their own (kind "patient", patient "*"). */
export const patientDefaultSchema = ruleWith(patientDefaultIssues) satisfies z.ZodType<Rule>;

export const sitePolicySchema = object("a site policy", {
  patientDefaults: z
    .array(patientDefaultSchema, { error: "valid: a list of rules" })
    .superRefine((rules, ctx) => {
      const seen = new Map<string, number>();
      rules.forEach((rule, index) => {
        const earlier = seen.get(rule.id);
        if (earlier === undefined) seen.set(rule.id, index);
        else
          ctx.addIssue({
            code: "custom",
            path: [index, "id"],
            message: `valid: a unique ID (also at [${earlier}])`,
          });
      });
    }),
}) satisfies z.ZodType<SitePolicy>;

export const claimsSchema = object("the requester's claims", {
  serumsId,
  role: name,
  site: name,
  department: name.optional(),
  country: actorSelectorSchema.shape.country,
}) satisfies z.ZodType<Claims>;

export const accessRequestSchema = object("an access request", {
  requester: claimsSchema,
  patient: serumsId,
  categories: z
    .array(categorySchema, { error: "valid: a list of categories" })
    .min(1, { error: "valid: at least one category" }),
  purpose: text(`${VALID_PURPOSE}; "*" is only for rules`, isPurpose),
  at: instant,
  reason: z
    .string({ error: "valid: a text saying why" })
    .max(MAX_REASON_LENGTH, { error: `valid: at most ${MAX_REASON_LENGTH} characters` })
    .optional(),
}).superRefine((request, ctx) => {
  if (request.purpose === EMERGENCY_PURPOSE && (request.reason ?? "").trim() === "") {
    ctx.addIssue({
      code: "custom",
      path: ["reason"],
      message: 'valid: a non-empty reason, required when purpose is "emergency" (break-glass)',
    });
  }
}) satisfies z.ZodType<AccessRequest>;

/** "rule.data[2]" from a root name and a zod path. */
function pathText(root: string, path: readonly PropertyKey[]): string {
  let shown = root;
  for (const key of path) shown += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return shown;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function issueText(issue: z.core.$ZodIssue, root: string, input: unknown): string {
  const where = pathText(root, issue.path);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => JSON.stringify(key)).join(", ");
    return `${where} has unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}; ${issue.message}`;
  }
  return `${where} is ${showValue(valueAt(input, issue.path))}; ${issue.message}`;
}

/** Parses with `schema` or throws SerumsError("BAD_REQUEST") describing the first problem. */
function parseWith<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  if (first === undefined) throw new SerumsError("BAD_REQUEST", `${root} is not valid`);
  let message = issueText(first, root, value);
  if (rest.length > 0) {
    const others = [...new Set(rest.map((issue) => pathText(root, issue.path)))];
    message += ` (also wrong: ${others.join(", ")})`;
  }
  throw new SerumsError("BAD_REQUEST", message, {
    path: pathText(root, first.path),
    value: valueAt(value, first.path),
  });
}

/**
 * A rule as published on the ledger, or SerumsError("BAD_REQUEST"). `where` names the rule in
 * messages ("rule" by default; e.g. "rules[3]" or "rule r-17").
 */
export function parseRule(value: unknown, where = "rule"): Rule {
  return parseWith(ruleSchema, value, where);
}

/** An access request, or SerumsError("BAD_REQUEST") naming the field (request.purpose, …). */
export function parseAccessRequest(value: unknown): AccessRequest {
  return parseWith(accessRequestSchema, value, "request");
}

/** A site's policy, or SerumsError("BAD_REQUEST") naming the field (policy.patientDefaults[0].patient, …). */
export function parseSitePolicy(value: unknown): SitePolicy {
  return parseWith(sitePolicySchema, value, "policy");
}

/** A requester's claims, or SerumsError("BAD_REQUEST") naming the field (claims.role, …). */
export function parseClaims(value: unknown): Claims {
  return parseWith(claimsSchema, value, "claims");
}

/** True when A and B are assignable both ways and have the same keys. */
type Agree<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never]
      ? true
      : false
    : false
  : false;

/**
 * Compile-time proof that the schemas and rule-types.ts have not drifted apart: `tsc` fails here
 * when a field is added, removed or retyped on one side only.
 */
export const schemasMatchTypes: [
  Agree<z.output<typeof ruleSchema>, Rule>,
  Agree<z.output<typeof actorSelectorSchema>, ActorSelector>,
  Agree<z.output<typeof validityPeriodSchema>, ValidityPeriod>,
  Agree<z.output<typeof claimsSchema>, Claims>,
  Agree<z.output<typeof accessRequestSchema>, AccessRequest>,
  Agree<z.output<typeof sitePolicySchema>, SitePolicy>,
] = [true, true, true, true, true, true];
