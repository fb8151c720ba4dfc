/**
 * What the contracts take and return, and exactly what they write: zod schemas (strict, so a
 * field that is not listed here can never reach the ledger) and the types inferred from them.
 *
 * Nothing here holds medical data, names or source identifiers (DESIGN.md, Identifiers): only
 * Serums IDs, site IDs, roles, departments, countries, rule contents, data categories, purposes,
 * decisions, timestamps, hashes, public keys and signatures.
 */
import { z } from "zod";
import { parseRule, parseSitePolicy, type Rule, type SitePolicy } from "../../access/index.ts";
import { isEd25519PublicKey, isSignatureText } from "./signatures.ts";

/** DESIGN.md's Serums ID: "srm-" and four groups of four Crockford base32 characters. */
export const SERUMS_ID = /^srm(-[0-9a-hjkmnp-tv-z]{4}){4}$/;

export const serumsId = z.string().regex(SERUMS_ID, "expected a Serums ID such as srm-7k3m-9qx2-hv4t-8dpa");
/**
 * A site ID (its MSP ID on Fabric), role, department, rule ID or source system name: a short
 * code, never free text — the same syntax as src/access's rule vocabulary.
 */
export const name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/,
    "expected 1-128 characters of A-Z a-z 0-9 _ . : @ -, starting with a letter or digit",
  );
export const siteId = name;
export const label = name;
export const country = z.string().regex(/^[A-Z]{2}$/, "expected an ISO 3166-1 alpha-2 country code");
/** Transaction and delivery IDs: opaque tokens. */
export const opaqueId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
    "expected an opaque ID: 1–128 letters, digits, '.', '_', ':' or '-'",
  );
export const ruleId = name;
export const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "expected a SHA-256 digest: 64 lower-case hex digits");
export const isoInstant = z.iso.datetime({
  message: "expected an ISO-8601 UTC instant such as 2025-01-31T09:00:00Z",
});
export const publicKey = z
  .string()
  .refine(isEd25519PublicKey, "expected base64 of a raw 32-byte Ed25519 public key");
export const signature = z.string().refine(isSignatureText, "expected base64 of a 64-byte Ed25519 signature");

/** A rule as stored: checked by src/access's parser. */
export const rule = z.unknown().transform((value): Rule => parseRule(value, "rule"));

/** A site policy as stored: checked by src/access's parser. */
export const sitePolicy = z.unknown().transform((value): SitePolicy => parseSitePolicy(value));

// ---------------------------------------------------------------------------------------------
// Identities

export const identity = z.strictObject({
  serumsId,
  kind: z.enum(["patient", "staff", "service"]),
  role: label,
  site: siteId,
  department: label.optional(),
  country: country.optional(),
  publicKey,
});
export type Identity = z.infer<typeof identity>;

/** An identity's current version in the registry. */
export const identityRecord = identity.extend({ version: z.int().min(1), at: isoInstant, txId: opaqueId });
export type IdentityRecord = z.infer<typeof identityRecord>;

export const identityHistory = z.strictObject({ serumsId, versions: z.array(identityRecord) });
export type IdentityHistory = z.infer<typeof identityHistory>;

// ---------------------------------------------------------------------------------------------
// Rules

/** One version of a rule as written: the rule, when, by whom, and for a patient rule the signature. */
export const storedRule = z.strictObject({
  rule,
  at: isoInstant,
  txId: opaqueId,
  /** The caller's Serums ID (an administrator for site rules; the patient or their site's service). */
  by: serumsId,
  signature: signature.optional(),
});
export type StoredRule = z.infer<typeof storedRule>;

/** The value of a rule-ID index entry (the key says it all; Fabric reads an empty value as none). */
export const ruleIndexEntry = z.strictObject({});

/** Every version of the rules with one ID (one per author), oldest first within an author. */
export const ruleHistory = z.strictObject({ ruleId: z.string(), versions: z.array(storedRule) });
export type RuleHistory = z.infer<typeof ruleHistory>;

export const patientRules = z.strictObject({ patient: serumsId, rules: z.array(storedRule) });
export type PatientRules = z.infer<typeof patientRules>;

export const siteRules = z.strictObject({ site: siteId, rules: z.array(storedRule) });
export type SiteRules = z.infer<typeof siteRules>;

/** What rules.reindexSiteRules did (site-rule-index.ts). */
export const reindexResult = z.strictObject({
  site: siteId,
  active: z.number().int().nonnegative(),
  written: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
});
export type ReindexResult = z.infer<typeof reindexResult>;

export const storedSitePolicy = z.strictObject({
  site: siteId,
  version: z.int().min(1),
  policy: sitePolicy,
  at: isoInstant,
  txId: opaqueId,
  by: serumsId,
});
export type StoredSitePolicy = z.infer<typeof storedSitePolicy>;

// ---------------------------------------------------------------------------------------------
// Access

const ruleRef = z.strictObject({ id: z.string(), version: z.int() });

export const requesterOnLedger = z.strictObject({
  serumsId,
  role: label,
  site: siteId,
  department: label.optional(),
  country: country.optional(),
});

/** One entry of the access log: who asked for which patient, what, why, and what was decided. */
export const accessLogEntry = z.strictObject({
  txId: opaqueId,
  at: isoInstant,
  requester: requesterOnLedger,
  patient: serumsId,
  purpose: z.string(),
  asked: z.array(z.string()),
  allowed: z.array(z.string()),
  denied: z.array(z.string()),
  breakGlass: z.boolean(),
  /**
   * Break-glass only: the SHA-256 (hex) of the stated reason's UTF-8 bytes. The reason itself is
   * free text that could name someone or describe a condition, so it is not stored; whoever
   * holds the reason can show that it is the one given.
   */
  reasonSha256: sha256Hex.optional(),
  /**
   * Permit with exclusions: for each allowed category that has them, the narrower categories a
   * deny rule removes from it (src/access's CategoryDecision.except), so the log never records
   * more as allowed than was. Empty when there are none.
   */
  exclusions: z.array(z.strictObject({ category: z.string(), except: z.array(z.string()) })),
  decidingRules: z.array(ruleRef),
});
export type AccessLogEntry = z.infer<typeof accessLogEntry>;

const categoryDecision = z.strictObject({
  category: z.string(),
  allowed: z.boolean(),
  basis: z.enum(["self", "rules", "break-glass", "denied", "default-deny"]),
  /** Narrower categories the lake must remove from what it delivers for `category`. */
  except: z.array(z.string()),
  rules: z.array(ruleRef),
});

/** What `decide` returns: src/access's Decision, and the transaction that logged it. */
export const decideResult = z.strictObject({
  txId: opaqueId,
  at: isoInstant,
  allowed: z.array(z.string()),
  denied: z.array(z.string()),
  categories: z.array(categoryDecision),
  breakGlass: z.boolean(),
  decidingRules: z.array(ruleRef),
});
export type DecideResult = z.infer<typeof decideResult>;

export const accessHistory = z.strictObject({
  patient: serumsId,
  /** In time order (then by txId). */
  entries: z.array(accessLogEntry),
  /** How many entries are break-glass accesses (each also flagged by `breakGlass`). */
  breakGlassCount: z.int().min(0),
});
export type AccessHistory = z.infer<typeof accessHistory>;

// ---------------------------------------------------------------------------------------------
// Provenance

export const STEP_KINDS = ["request", "fetch", "map", "mask", "encrypt", "deliver"] as const;

export const provenanceStep = z.strictObject({
  step: z.enum(STEP_KINDS),
  at: isoInstant,
  /** Hex SHA-256 of what the step produced (or, for a fetch, of what was fetched). */
  sha256: sha256Hex,
  /** The source system's name (for a fetch), never an identifier value. */
  source: label.optional(),
});
export type ProvenanceStep = z.infer<typeof provenanceStep>;

export const delivery = z
  .strictObject({
    deliveryId: opaqueId,
    patient: serumsId,
    accessTxId: opaqueId,
    steps: z.array(provenanceStep).min(2, "expected at least a request step and a deliver step"),
  })
  .superRefine((value, ctx) => {
    const { steps } = value;
    const last = steps.length - 1;
    steps.forEach((step, i) => {
      const path = ["steps", i, "step"];
      if (i === 0 && step.step !== "request") {
        ctx.addIssue({ code: "custom", path, input: step.step, message: "the first step must be request" });
      } else if (i === last && step.step !== "deliver") {
        ctx.addIssue({ code: "custom", path, input: step.step, message: "the last step must be deliver" });
      } else if (i > 0 && i < last && (step.step === "request" || step.step === "deliver")) {
        ctx.addIssue({
          code: "custom",
          path,
          input: step.step,
          message: `${step.step} may only come ${step.step === "request" ? "first" : "last"}`,
        });
      }
      if (step.step === "fetch" && step.source === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "source"],
          message: "a fetch names its source system",
        });
      }
      const previous = steps[i - 1];
      if (previous && Date.parse(step.at) < Date.parse(previous.at)) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "at"],
          input: step.at,
          message: `steps must be in time order; the step before was at ${previous.at}`,
        });
      }
    });
  });
export type Delivery = z.infer<typeof delivery>;

/** A notarised delivery: the steps, and the transaction, site and service that notarised them. */
export const provenanceRecord = z.strictObject({
  deliveryId: opaqueId,
  patient: serumsId,
  accessTxId: opaqueId,
  steps: z.array(provenanceStep),
  txId: opaqueId,
  at: isoInstant,
  site: siteId,
  by: serumsId,
});
export type ProvenanceRecord = z.infer<typeof provenanceRecord>;
