/**
 * The rules in force for one access request, as `decide` needs them: the active site rules of
 * the requester's site that can apply to this requester and patient (read by index:
 * site-rule-index.ts), the patient's own active rules (all of them: whether the patient has any
 * decides whether the site's defaults stand in), and the policy of the patient's home site.
 *
 * Status is filtered here (a revoked version is never in force); validity periods, user, country
 * and purpose are left to src/access's decision function, which gives the same decision on these
 * rules as on every rule of the site: the ones left out cannot apply, and the rest keep their order.
 */
import type { Claims, Rule, SitePolicy } from "../../access/index.ts";
import type { LedgerStub } from "../contract-context.ts";
import { KEY_TYPES } from "./ledger-keys.ts";
import { readRange } from "./ledger-state.ts";
import { storedRule } from "./payloads.ts";
import { readSitePolicy } from "./site-policy.ts";
import { readApplicableSiteRules } from "./site-rule-index.ts";

export interface RulesInForce {
  rules: Rule[];
  policy: SitePolicy;
}

async function activeRules(stub: LedgerStub, objectType: string, owner: string): Promise<Rule[]> {
  const rows = await readRange(stub, storedRule, objectType, [owner]);
  return rows.map((row) => row.value.rule).filter((rule) => rule.status === "active");
}

/** What is in force for `patient` (whose home site is `homeSite`) when `requester` asks. */
export async function readRulesInForce(
  stub: LedgerStub,
  requester: Claims,
  patient: string,
  homeSite: string,
): Promise<RulesInForce> {
  const siteRules = await readApplicableSiteRules(stub, requester.site, requester, patient);
  const patientRules = await activeRules(stub, KEY_TYPES.patientRule, patient);
  const stored = await readSitePolicy(stub, homeSite);
  return {
    rules: [...siteRules, ...patientRules],
    policy: { patientDefaults: stored?.policy.patientDefaults ?? [] },
  };
}
