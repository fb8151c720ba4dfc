/**
 * access: the consent rule model (DESIGN.md, "The rule model") — its types, the validation of
 * rules, requests, claims and site policies at the boundary, category matching, and the pure
 * decision function the ledger's contract calls. No I/O; nothing from other modules but errors.
 */

export {
  ANY_CATEGORY,
  CATEGORY_SEPARATOR,
  categoryCovers,
  categoryProblem,
  coveringCategories,
  isCategory,
  MAX_CATEGORY_LENGTH,
} from "./category.ts";
export { decide } from "./decide.ts";
export {
  accessRequestSchema,
  actorSelectorSchema,
  categorySchema,
  claimsSchema,
  MAX_REASON_LENGTH,
  parseAccessRequest,
  parseClaims,
  parseRule,
  parseSitePolicy,
  patientDefaultSchema,
  ruleSchema,
  sitePolicySchema,
  validityPeriodSchema,
} from "./rule-schema.ts";
export type {
  AccessRequest,
  ActorSelector,
  CategoryDecision,
  Claims,
  Decision,
  DecisionBasis,
  Effect,
  Rule,
  RuleKind,
  RuleRef,
  RuleStatus,
  SitePolicy,
  ValidityPeriod,
} from "./rule-types.ts";
export {
  ANY_PATIENT,
  ANY_PURPOSE,
  EMERGENCY_PURPOSE,
  isSerumsId,
  isUtcInstant,
} from "./rule-vocabulary.ts";
