/**
 * DESIGN.md's rule model as types: the contract between the ledger (which stores rules and
 * calls `decide`), the lake (which asks) and the user interfaces (which write rules).
 *
 * Data categories are strings naming parts of the smart patient record, from broad to narrow,
 * with ":" between levels: "person", "event", "event:chemotherapy_cycle",
 * "event:chemotherapy_cycle:<event hash key>", "object:medicine", "satellite:body_measurements".
 * A rule about a category covers every narrower one; "*" covers all.
 */

export type Effect = "permit" | "deny";

/** A site rule is generic, for a site's roles and departments; a patient rule is about their own record. */
export type RuleKind = "site" | "patient";

export type RuleStatus = "active" | "revoked";

/** Who a rule is about. Every field given must match the requester; an empty selector matches anyone. */
export interface ActorSelector {
  /** A user's Serums ID. */
  user?: string;
  role?: string;
  department?: string;
  /** A site's ID (the requester's organisation). */
  site?: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
}

export interface ValidityPeriod {
  /** ISO-8601 UTC instant; the rule applies from then (inclusive). */
  from?: string;
  /** ISO-8601 UTC instant; the rule applies until then (exclusive). */
  until?: string;
}

export interface Rule {
  /** Stable across versions. */
  id: string;
  /** 1 for the first version; each change adds one. */
  version: number;
  kind: RuleKind;
  /** The site's ID for a site rule; the patient's Serums ID for a patient rule. */
  author: string;
  effect: Effect;
  /** The Serums ID of the patient the rule protects; "*" (any patient) for site rules only. */
  patient: string;
  actor: ActorSelector;
  /** Categories, as above; at least one. */
  data: string[];
  /** Purposes such as treatment, emergency, research, insurance; "*" for any. At least one. */
  purposes: string[];
  period?: ValidityPeriod;
  status: RuleStatus;
}

/** What a verified login says about the requester (FlexPass's access token claims). */
export interface Claims {
  serumsId: string;
  role: string;
  site: string;
  department?: string;
  country?: string;
}

export interface AccessRequest {
  requester: Claims;
  /** The patient's Serums ID. */
  patient: string;
  categories: string[];
  purpose: string;
  /** When the request is decided: ISO-8601 UTC instant. */
  at: string;
  /** Required for break-glass (purpose "emergency"): why. */
  reason?: string;
}

export interface RuleRef {
  id: string;
  version: number;
}

/** How a category's decision was reached. */
export type DecisionBasis =
  | "self" // the patient reads their own record
  | "rules" // a site rule and the patient (or the site's default for them) permit, nothing denies
  | "break-glass" // emergency with a reason, not refused by the patient
  | "denied" // a rule denies
  | "default-deny"; // nothing permits

export interface CategoryDecision {
  category: string;
  allowed: boolean;
  basis: DecisionBasis;
  /** The rules that made this decision: the permitting ones, or the denying ones. */
  rules: RuleRef[];
}

export interface Decision {
  /** The requested categories that are allowed, in request order. */
  allowed: string[];
  denied: string[];
  categories: CategoryDecision[];
  /** Break-glass was used: the patient must be told. */
  breakGlass: boolean;
  /** Every rule named by any category's decision, once each. */
  decidingRules: RuleRef[];
}

/**
 * A site's policy for patients who have published no active rules of their own: the rules that
 * stand in for them (kind "patient", author the site, patient "*"), e.g. "my treating site may
 * read my record for treatment".
 */
export interface SitePolicy {
  patientDefaults: Rule[];
}
