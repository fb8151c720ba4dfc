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
  /**
   * Permit with exclusions: the narrower categories under an allowed `category` that an
   * applicable deny rule denies, which the caller (the lake) MUST remove from what it delivers
   * for `category`. Deny overrides permit, also for a deny narrower than the request: a patient's
   * deny of "event:chemotherapy_cycle:ab12" leaves a request for "event" allowed, with
   * "event:chemotherapy_cycle:ab12" here.
   *
   * An exclusion is a data category of a deny rule that would apply to this requester, patient,
   * purpose and instant had that narrower category been asked for, and that `category` strictly
   * covers (never `category` itself: a deny covering it denies it outright). On a "rules" grant,
   * every such deny counts, the site's and the patient's (or the site defaults standing in for
   * them) — on a reasoned emergency request too, so that nothing a rule denies is delivered
   * without the break-glass flag; asking for it by name is what would use break-glass. On a
   * "break-glass" grant only the patient's own applicable denies count (only the patient can
   * refuse break-glass). "self" (the patient sees all of their own record) and denied categories
   * have none.
   *
   * Always present: empty when there is nothing to exclude. Distinct, sorted (code-unit order),
   * and not reduced: "event:x" and the narrower "event:x:ab12" may both appear.
   */
  except: string[];
  /**
   * The rules that made this decision: the permitting ones and the denying ones that produced
   * `except`, or the denying ones (for a denied category).
   */
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
