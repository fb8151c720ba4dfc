/**
 * A rule as a contract argument: JSON text, checked by src/access's `parseRule` (which refuses
 * any field beyond the rule model's, so nothing else can ride along onto the ledger), and reduced
 * to exactly the rule model's fields. What is stored, and what a patient's signature covers, is the
 * canonical JSON of that reduced rule.
 */

import type { ActorSelector, Rule, ValidityPeriod } from "../../access/index.ts";
import { parseRule } from "../../access/index.ts";
import { SerumsError, showValue } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { parseJsonText, withParser } from "./arguments.ts";

const ACTOR_FIELDS = ["user", "role", "department", "site", "country"] as const;
const PERIOD_FIELDS = ["from", "until"] as const;

function pick<T extends object>(value: T, fields: readonly (keyof T)[]): T {
  const picked: Partial<T> = {};
  for (const field of fields) if (value[field] !== undefined) picked[field] = value[field];
  return picked as T;
}

/** Exactly the rule model's fields of `rule`. */
export function ruleForLedger(rule: Rule): Rule {
  const reduced: Rule = {
    id: rule.id,
    version: rule.version,
    kind: rule.kind,
    author: rule.author,
    effect: rule.effect,
    patient: rule.patient,
    actor: pick<ActorSelector>(rule.actor, ACTOR_FIELDS),
    data: [...rule.data],
    purposes: [...rule.purposes],
    status: rule.status,
  };
  if (rule.period) reduced.period = pick<ValidityPeriod>(rule.period, PERIOD_FIELDS);
  return reduced;
}

/**
 * The rule in the JSON text of `argument`, checked by src/access's `parseRule` (strict: an
 * unknown field is refused) and reduced to the rule model's fields.
 */
export function ruleArgument(text: unknown, argument: string): Rule {
  const value = parseJsonText(text, argument);
  return ruleForLedger(withParser(argument, () => parseRule(value, argument)));
}

/** BAD_REQUEST unless `rule.kind` is `kind` (publishSiteRule takes site rules, and so on). */
export function requireKind(rule: Rule, kind: Rule["kind"], argument: string, otherwise: string): void {
  if (rule.kind !== kind) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${argument}.kind is ${showValue(rule.kind)}; expected "${kind}" (${otherwise})`,
      { path: `${argument}.kind`, value: rule.kind },
    );
  }
}

/** BAD_REQUEST unless a published rule is active: revocation is a transaction of its own. */
export function requireActive(rule: Rule, argument: string, revoke: string): void {
  if (rule.status !== "active") {
    throw new SerumsError(
      "BAD_REQUEST",
      `${argument}.status is ${showValue(rule.status)}; a published rule is "active" (to revoke one, call ${revoke})`,
      { path: `${argument}.status`, value: rule.status },
    );
  }
}

/**
 * BAD_REQUEST unless `rule.version` is the next one: 1 for a new rule ID, the current version
 * plus one for an existing one (no lower, no skipping).
 */
export function requireNextVersion(rule: Rule, current: Rule | undefined, argument: string): void {
  const expected = current ? current.version + 1 : 1;
  if (rule.version !== expected) {
    const why = current
      ? `rule ${showValue(rule.id)} is at version ${current.version}`
      : `rule ${showValue(rule.id)} is new`;
    throw new SerumsError(
      "BAD_REQUEST",
      `${argument}.version is ${showValue(rule.version)}; expected ${expected} (${why})`,
      { path: `${argument}.version`, value: rule.version },
    );
  }
}

/** Whether two rules are the same content (canonical JSON). */
export function sameRule(a: Rule, b: Rule): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
