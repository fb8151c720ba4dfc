/**
 * The contracts' key layout: Fabric composite keys (built by the stub, so on Fabric its own
 * encoding is used), one object type per kind of state. Keys hold Serums IDs, site IDs, rule IDs,
 * transaction IDs and delivery IDs only.
 *
 *   serums.identity       [serumsId]            the identity's current version (history = versions)
 *   serums.rule.site      [site, ruleId]        a site rule's current version
 *   serums.rule.patient   [patient, ruleId]     a patient rule's current version
 *   serums.rule.id        [ruleId, kind, author] index: who has a rule with this ID (ruleHistory)
 *   serums.rule.applies   [site, patient, role, department, ruleId]
 *                                               index: an active site rule's current version, by
 *                                               whom it can apply to ("*" where the rule leaves
 *                                               the field open; see site-rule-index.ts)
 *   serums.policy         [site]                the site's defaults for patients with no rules
 *   serums.access         [patient, txId]       one access-log entry
 *   serums.provenance     [deliveryId]          one notarised delivery
 *
 * So `decide` reads what can be in force for a request with a few narrow range reads (the
 * requester's site's active rules for this patient or any, this role or any, this department or
 * any; the patient's own rules) and two point reads (the patient's identity, for their home site;
 * that site's policy), and a patient's access history is one range read.
 */
import type { RuleKind } from "../../access/index.ts";
import type { LedgerStub } from "../contract-context.ts";

export const KEY_TYPES = {
  identity: "serums.identity",
  siteRule: "serums.rule.site",
  patientRule: "serums.rule.patient",
  ruleIndex: "serums.rule.id",
  siteRuleApplies: "serums.rule.applies",
  policy: "serums.policy",
  access: "serums.access",
  provenance: "serums.provenance",
} as const;

export function identityKey(stub: LedgerStub, serumsId: string): string {
  return stub.createCompositeKey(KEY_TYPES.identity, [serumsId]);
}

/** A rule's key: under its site for a site rule, under its patient for a patient rule. */
export function ruleKey(stub: LedgerStub, kind: RuleKind, author: string, id: string): string {
  return stub.createCompositeKey(kind === "site" ? KEY_TYPES.siteRule : KEY_TYPES.patientRule, [author, id]);
}

export function ruleIndexKey(stub: LedgerStub, id: string, kind: RuleKind, author: string): string {
  return stub.createCompositeKey(KEY_TYPES.ruleIndex, [id, kind, author]);
}

export function policyKey(stub: LedgerStub, site: string): string {
  return stub.createCompositeKey(KEY_TYPES.policy, [site]);
}

export function accessKey(stub: LedgerStub, patient: string, txId: string): string {
  return stub.createCompositeKey(KEY_TYPES.access, [patient, txId]);
}

export function provenanceKey(stub: LedgerStub, deliveryId: string): string {
  return stub.createCompositeKey(KEY_TYPES.provenance, [deliveryId]);
}
