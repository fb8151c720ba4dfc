/**
 * The rules in force for one access request, as `decide` needs them: the active site rules of
 * the requester's site, the patient's own active rules, and the policy of the patient's home site
 * (the defaults for a patient with no rules of their own). Two range reads and two point reads.
 *
 * Status is filtered here (a revoked version is never in force); validity periods are left to
 * src/access's decision function, which knows the request's time.
 */
import type { Rule, SitePolicy } from "../../access/index.ts";
import type { LedgerStub } from "../contract-context.ts";
import { KEY_TYPES } from "./ledger-keys.ts";
import { readRange } from "./ledger-state.ts";
import { storedRule } from "./payloads.ts";
import { readSitePolicy } from "./site-policy.ts";

export interface RulesInForce {
  rules: Rule[];
  policy: SitePolicy;
}

async function activeRules(stub: LedgerStub, objectType: string, owner: string): Promise<Rule[]> {
  const rows = await readRange(stub, storedRule, objectType, [owner]);
  return rows.map((row) => row.value.rule).filter((rule) => rule.status === "active");
}

/** What is in force for `patient` (whose home site is `homeSite`) when a user of `requesterSite` asks. */
export async function readRulesInForce(
  stub: LedgerStub,
  requesterSite: string,
  patient: string,
  homeSite: string,
): Promise<RulesInForce> {
  const siteRules = await activeRules(stub, KEY_TYPES.siteRule, requesterSite);
  const patientRules = await activeRules(stub, KEY_TYPES.patientRule, patient);
  const stored = await readSitePolicy(stub, homeSite);
  return {
    rules: [...siteRules.filter((rule) => rule.patient === "*" || rule.patient === patient), ...patientRules],
    policy: { patientDefaults: stored?.policy.patientDefaults ?? [] },
  };
}
