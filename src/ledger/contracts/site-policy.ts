/**
 * A site's policy: the rules that stand in for its patients who have published no active rules
 * of their own (DESIGN.md's "a patient with no rules gets the site's configured default").
 * Each default is a patient-kind rule authored by the site, for any patient ("*").
 *
 * The policy as a whole is versioned (the contract numbers it). Its rules keep their own IDs and
 * versions, because decisions name them: a default whose content changes must get a higher
 * version than it had in the policy before, so a decision's {id, version} always means one text.
 */

import type { Rule, SitePolicy } from "../../access/index.ts";
import { parseSitePolicy } from "../../access/index.ts";
import { SerumsError, showValue } from "../../errors/index.ts";
import type { LedgerStub } from "../contract-context.ts";
import { parseJsonText, withParser } from "./arguments.ts";
import { policyKey } from "./ledger-keys.ts";
import { readState } from "./ledger-state.ts";
import { type StoredSitePolicy, storedSitePolicy } from "./payloads.ts";
import { requireActive, ruleForLedger, sameRule } from "./rule-argument.ts";

export async function readSitePolicy(stub: LedgerStub, site: string): Promise<StoredSitePolicy | undefined> {
  return readState(stub, storedSitePolicy, policyKey(stub, site));
}

function bad(path: string, value: unknown, message: string): SerumsError {
  return new SerumsError("BAD_REQUEST", `${path} is ${showValue(value)}; ${message}`, { path, value });
}

/**
 * The policy in `policyJson` ({"patientDefaults": [rule, …]}), checked by src/access's
 * `parseSitePolicy` and then for the ledger: every default is authored by `site`, and no default
 * changes content without a higher version than it has in the site's current policy (`current`).
 */
export function policyArgument(
  policyJson: unknown,
  site: string,
  current: SitePolicy | undefined,
): SitePolicy {
  const argument = "policyJson";
  const value = parseJsonText(policyJson, argument);
  const policy = withParser(argument, () => parseSitePolicy(value), "policy");
  const patientDefaults: Rule[] = policy.patientDefaults.map((parsed, i) => {
    const path = `${argument}.patientDefaults[${i}]`;
    const rule = ruleForLedger(parsed);
    requireActive(rule, path, "setSitePolicy without it");
    if (rule.author !== site) {
      throw bad(`${path}.author`, rule.author, `a default of site "${site}" is authored by that site`);
    }
    const before = current?.patientDefaults.find((r) => r.id === rule.id);
    if (before && rule.version < before.version) {
      throw bad(
        `${path}.version`,
        rule.version,
        `the current policy has this rule at version ${before.version}`,
      );
    }
    if (before && rule.version === before.version && !sameRule(before, rule)) {
      throw bad(
        `${path}.version`,
        rule.version,
        `the rule's content changed, so its version must be higher than ${before.version}`,
      );
    }
    return rule;
  });
  return { patientDefaults };
}
