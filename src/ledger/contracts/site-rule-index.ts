/**
 * Site rules by whom they can apply to: every active site rule's current version is also kept
 * under serums.rule.applies [site, patient, role, department, ruleId], where patient, role and
 * department are the rule's own ("*" where the rule leaves the field open: patient "*", or no
 * role or department in its actor selector). A site rule can apply to a request only when its
 * site is the requester's, its patient is "*" or the requested patient, and its role and
 * department are open or the requester's (src/access's decide), so `decide` reads at most
 * 2 × 2 × 2 narrow ranges instead of every rule of the site, and its read set holds only those
 * ranges: a rule published for another role or department does not conflict with it.
 *
 * The index is derived: the rule's own key (serums.rule.site) stays the record of every version
 * (history, revocation); an index entry is written with each active version and deleted when
 * the rule is revoked or a new version moves it to another place. Names cannot be "*" (rule
 * vocabulary: they start with a letter or digit; Serums IDs too), so "*" means only "open".
 */
import type { Claims, Rule } from "../../access/index.ts";
import { ANY_PATIENT } from "../../access/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import type { LedgerStub } from "../contract-context.ts";
import { KEY_TYPES } from "./ledger-keys.ts";
import { readRange, writeState } from "./ledger-state.ts";
import { type ReindexResult, type StoredRule, storedRule } from "./payloads.ts";

/** Stands for a field the rule leaves open. */
const OPEN = "*";

function placeOf(rule: Rule): string[] {
  return [
    rule.author,
    rule.patient === ANY_PATIENT ? OPEN : rule.patient,
    rule.actor.role ?? OPEN,
    rule.actor.department ?? OPEN,
  ];
}

function indexKey(stub: LedgerStub, rule: Rule): string {
  return stub.createCompositeKey(KEY_TYPES.siteRuleApplies, [...placeOf(rule), rule.id]);
}

/**
 * Keeps the index in step with a site rule's new version `next` (its previous version, if
 * any, being `previous`): written while active, removed when revoked or moved.
 */
export async function indexSiteRule(
  stub: LedgerStub,
  previous: Rule | undefined,
  next: StoredRule,
): Promise<void> {
  if (next.rule.kind !== "site") return;
  const from = previous?.status === "active" ? indexKey(stub, previous) : undefined;
  const to = next.rule.status === "active" ? indexKey(stub, next.rule) : undefined;
  if (from !== undefined && from !== to) await stub.deleteState(from);
  if (to !== undefined) await writeState(stub, storedRule, to, next);
}

/** The partial keys under which the site's rules that can apply to this requester and patient lie. */
export function applicableScopes(site: string, requester: Claims, patient: string): string[][] {
  const patients = new Set([OPEN, patient]);
  const roles = new Set([OPEN, requester.role]);
  const departments = new Set([OPEN, requester.department ?? OPEN]);
  const scopes: string[][] = [];
  for (const p of patients) for (const r of roles) for (const d of departments) scopes.push([site, p, r, d]);
  return scopes;
}

function byId(a: Rule, b: Rule): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The active site rules of `site` that can apply to `requester` asking about `patient`, in rule-ID
 * order (the order of the site's rule keys, so `decide` names rules as it would given them all).
 */
export async function readApplicableSiteRules(
  stub: LedgerStub,
  site: string,
  requester: Claims,
  patient: string,
): Promise<Rule[]> {
  const rules: Rule[] = [];
  for (const scope of applicableScopes(site, requester, patient)) {
    for (const row of await readRange(stub, storedRule, KEY_TYPES.siteRuleApplies, scope)) {
      if (row.value.rule.status === "active") rules.push(row.value.rule);
    }
  }
  return rules.sort(byId);
}

/**
 * Rebuilds `site`'s part of the index from its rules' own keys (serums.rule.site, the record),
 * for a ledger written before the index existed or one whose index lost entries: each active
 * rule's entry is written where it is missing or differs, and entries that belong to no active
 * rule's current place are removed. Idempotent: on a ledger whose index is right it writes
 * nothing, so a second run is a transaction with an empty write set.
 */
export async function reindexSiteRules(stub: LedgerStub, site: string): Promise<ReindexResult> {
  const wanted = new Map<string, StoredRule>();
  for (const { value } of await readRange(stub, storedRule, KEY_TYPES.siteRule, [site])) {
    if (value.rule.kind === "site" && value.rule.author === site && value.rule.status === "active") {
      wanted.set(indexKey(stub, value.rule), value);
    }
  }
  const present = new Map<string, StoredRule>();
  for (const row of await readRange(stub, storedRule, KEY_TYPES.siteRuleApplies, [site])) {
    present.set(row.key, row.value);
  }
  let written = 0;
  let removed = 0;
  for (const [key, stored] of wanted) {
    const current = present.get(key);
    if (current !== undefined && canonicalJson(current) === canonicalJson(stored)) continue;
    await writeState(stub, storedRule, key, stored);
    written++;
  }
  for (const key of present.keys()) {
    if (wanted.has(key)) continue;
    await stub.deleteState(key);
    removed++;
  }
  return { site, active: wanted.size, written, removed };
}
