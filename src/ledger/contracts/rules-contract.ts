/**
 * The rules contract: sites publish generic rules for their roles and departments, patients
 * publish custom rules about their own record, signed with their registered key; sites set the
 * defaults for patients with no rules. Rules are versioned and revocable, never deleted: a
 * revocation is a new version with status "revoked", and every version stays in the key's history.
 *
 * A site rule needs an administrator of its site (and, enforced by the engine's endorsement
 * policy, a majority of sites). A patient rule needs the patient's Ed25519 signature over the
 * rule's canonical JSON; the caller (the patient, or a service of their home site) only carries it.
 */
import { Contract } from "fabric-contract-api";
import type { z } from "zod";
import type { Rule, RuleKind } from "../../access/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import type { LedgerContext, LedgerStub } from "../contract-context.ts";
import { checkValue, stringArgument } from "./arguments.ts";
import {
  ADMINISTRATOR_ROLE,
  type Caller,
  callerOf,
  requireAdministrator,
  requirePatientOrHomeSite,
  requireSerumsId,
  SERVICE_ROLE,
} from "./caller.ts";
import { readIdentity, serumsIdArgument } from "./identity-contract.ts";
import { KEY_TYPES, policyKey, ruleIndexKey, ruleKey } from "./ledger-keys.ts";
import { readHistory, readRange, readState, txStamp, writeState } from "./ledger-state.ts";
import {
  type IdentityRecord,
  type PatientRules,
  type RuleHistory,
  ruleId as ruleIdSchema,
  ruleIndexEntry,
  type SiteRules,
  type StoredRule,
  type StoredSitePolicy,
  signature as signatureSchema,
  siteId as siteIdSchema,
  storedRule,
  storedSitePolicy,
} from "./payloads.ts";
import { requireActive, requireKind, requireNextVersion, ruleArgument } from "./rule-argument.ts";
import { revocationSigningBytes, ruleSigningBytes, verifyEd25519 } from "./signatures.ts";
import { policyArgument, readSitePolicy } from "./site-policy.ts";
import { indexSiteRule, reindexSiteRules } from "./site-rule-index.ts";

/** Who may read a patient's rules besides the patient: these roles of the patient's home site. */
const PATIENT_RULE_READERS = [ADMINISTRATOR_ROLE, SERVICE_ROLE];

function argumentOf<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  return checkValue(schema, stringArgument(value, name), name);
}

async function readRule(
  stub: LedgerStub,
  kind: RuleKind,
  author: string,
  id: string,
): Promise<StoredRule | undefined> {
  return readState(stub, storedRule, ruleKey(stub, kind, author, id));
}

/**
 * Writes a new version of a rule (and, for its first version, its entry in the ID index; for a
 * site rule, its place in the index of whom it can apply to), `previous` being the version before.
 */
async function writeRule(
  stub: LedgerStub,
  stored: StoredRule,
  previous: StoredRule | undefined,
): Promise<void> {
  const { rule } = stored;
  await writeState(stub, storedRule, ruleKey(stub, rule.kind, rule.author, rule.id), stored);
  if (!previous) {
    await writeState(stub, ruleIndexEntry, ruleIndexKey(stub, rule.id, rule.kind, rule.author), {});
  }
  await indexSiteRule(stub, previous?.rule, stored);
}

/** The patient's registered identity, which must be a patient's. */
async function patientIdentity(stub: LedgerStub, patient: string, path: string): Promise<IdentityRecord> {
  const identity = await readIdentity(stub, patient);
  if (!identity) throw new SerumsError("NOT_FOUND", `${path} names no identity in the registry`, { path });
  if (identity.kind !== "patient") {
    throw new SerumsError("BAD_REQUEST", `${path} names a registered ${identity.kind}, not a patient`, {
      path,
    });
  }
  return identity;
}

function requireSignature(
  identity: IdentityRecord,
  message: Uint8Array,
  signatureB64: string,
  what: string,
): void {
  if (!verifyEd25519(identity.publicKey, message, signatureB64)) {
    throw new SerumsError(
      "BAD_SIGNATURE",
      `signatureB64 is not the patient's signature of ${what} (Ed25519, by the key registered for them)`,
      { path: "signatureB64" },
    );
  }
}

async function mayReadPatientRules(stub: LedgerStub, caller: Caller, patient: string): Promise<boolean> {
  if (caller.serumsId !== "" && caller.serumsId === patient) return true;
  const identity = await readIdentity(stub, patient);
  return (
    identity !== undefined && caller.site === identity.site && PATIENT_RULE_READERS.includes(caller.role)
  );
}

function revoked(stored: StoredRule, caller: Caller, stub: LedgerStub, signature?: string): StoredRule {
  const rule: Rule = { ...stored.rule, version: stored.rule.version + 1, status: "revoked" };
  const next: StoredRule = { rule, ...txStamp(stub), by: caller.serumsId };
  if (signature !== undefined) next.signature = signature;
  return next;
}

export class RulesContract extends Contract {
  constructor() {
    super("rules");
  }

  /** Publishes a site rule (kind "site", author = the caller's site), as its next version. */
  async publishSiteRule(ctx: LedgerContext, ruleJson: string): Promise<string> {
    const rule = ruleArgument(ruleJson, "ruleJson");
    requireKind(rule, "site", "ruleJson", "patient rules go through publishPatientRule");
    const caller = callerOf(ctx);
    requireAdministrator(caller, rule.author, "publishing a rule of a site");
    requireActive(rule, "ruleJson", "revokeSiteRule");
    const current = await readRule(ctx.stub, "site", rule.author, rule.id);
    requireNextVersion(rule, current?.rule, "ruleJson");
    const stored: StoredRule = { rule, ...txStamp(ctx.stub), by: caller.serumsId };
    await writeRule(ctx.stub, stored, current);
    return canonicalJson(stored);
  }

  /** Revokes the caller's site's rule `ruleId`: a new version with status "revoked". */
  async revokeSiteRule(ctx: LedgerContext, ruleId: string): Promise<string> {
    const id = argumentOf(ruleIdSchema, ruleId, "ruleId");
    const caller = callerOf(ctx);
    requireAdministrator(caller, caller.site, "revoking a rule of a site");
    const current = await readRule(ctx.stub, "site", caller.site, id);
    if (!current)
      throw new SerumsError("NOT_FOUND", `ruleId names no rule of site "${caller.site}"`, { path: "ruleId" });
    if (current.rule.status === "revoked") {
      throw new SerumsError(
        "BAD_REQUEST",
        `ruleId names a rule that is already revoked (version ${current.rule.version})`,
        {
          path: "ruleId",
        },
      );
    }
    const next = revoked(current, caller, ctx.stub);
    await writeRule(ctx.stub, next, current);
    return canonicalJson(next);
  }

  /** Publishes a patient's own rule, signed by them (base64 Ed25519 over the rule's canonical JSON). */
  async publishPatientRule(ctx: LedgerContext, ruleJson: string, signatureB64: string): Promise<string> {
    const rule = ruleArgument(ruleJson, "ruleJson");
    const signature = argumentOf(signatureSchema, signatureB64, "signatureB64");
    requireKind(rule, "patient", "ruleJson", "site rules go through publishSiteRule");
    if (rule.author !== rule.patient) {
      throw new SerumsError(
        "BAD_REQUEST",
        "ruleJson.author is not ruleJson.patient; a patient writes rules about their own record",
        {
          path: "ruleJson.author",
        },
      );
    }
    const identity = await patientIdentity(ctx.stub, rule.patient, "ruleJson.patient");
    const caller = callerOf(ctx);
    requirePatientOrHomeSite(
      caller,
      rule.patient,
      identity.site,
      [SERVICE_ROLE],
      "publishing a patient's rule",
    );
    requireSerumsId(caller, "publishing a patient's rule");
    requireSignature(identity, ruleSigningBytes(rule), signature, "ruleJson's canonical JSON");
    requireActive(rule, "ruleJson", "revokePatientRule");
    const current = await readRule(ctx.stub, "patient", rule.patient, rule.id);
    requireNextVersion(rule, current?.rule, "ruleJson");
    const stored: StoredRule = { rule, ...txStamp(ctx.stub), by: caller.serumsId, signature };
    await writeRule(ctx.stub, stored, current);
    return canonicalJson(stored);
  }

  /**
   * Revokes a patient's rule, signed by them: base64 Ed25519 over the canonical JSON of
   * {"action":"revoke","ruleId":…,"version":…}, the version being the one in force.
   */
  async revokePatientRule(
    ctx: LedgerContext,
    patient: string,
    ruleId: string,
    signatureB64: string,
  ): Promise<string> {
    const patientId = serumsIdArgument(patient, "patient");
    const id = argumentOf(ruleIdSchema, ruleId, "ruleId");
    const signature = argumentOf(signatureSchema, signatureB64, "signatureB64");
    const identity = await patientIdentity(ctx.stub, patientId, "patient");
    const caller = callerOf(ctx);
    requirePatientOrHomeSite(caller, patientId, identity.site, [SERVICE_ROLE], "revoking a patient's rule");
    requireSerumsId(caller, "revoking a patient's rule");
    const current = await readRule(ctx.stub, "patient", patientId, id);
    if (!current)
      throw new SerumsError("NOT_FOUND", "ruleId names no rule of this patient", { path: "ruleId" });
    requireSignature(identity, revocationSigningBytes(id, current.rule.version), signature, "the revocation");
    if (current.rule.status === "revoked") {
      throw new SerumsError(
        "BAD_REQUEST",
        `ruleId names a rule that is already revoked (version ${current.rule.version})`,
        {
          path: "ruleId",
        },
      );
    }
    const next = revoked(current, caller, ctx.stub, signature);
    await writeRule(ctx.stub, next, current);
    return canonicalJson(next);
  }

  /** Sets the caller's site's defaults for its patients with no rules: {"patientDefaults": [rule, …]}. */
  async setSitePolicy(ctx: LedgerContext, policyJson: string): Promise<string> {
    const caller = callerOf(ctx);
    requireAdministrator(caller, caller.site, "setting a site's policy");
    const current = await readSitePolicy(ctx.stub, caller.site);
    const policy = policyArgument(policyJson, caller.site, current?.policy);
    const stored: StoredSitePolicy = {
      site: caller.site,
      version: (current?.version ?? 0) + 1,
      policy,
      ...txStamp(ctx.stub),
      by: caller.serumsId,
    };
    await writeState(ctx.stub, storedSitePolicy, policyKey(ctx.stub, caller.site), stored);
    return canonicalJson(stored);
  }

  /** A site's current policy; NOT_FOUND when it has set none. */
  async sitePolicy(ctx: LedgerContext, site: string): Promise<string> {
    const siteId = argumentOf(siteIdSchema, site, "site");
    const stored = await readSitePolicy(ctx.stub, siteId);
    if (!stored) throw new SerumsError("NOT_FOUND", `site "${siteId}" has set no policy`, { path: "site" });
    return canonicalJson(stored);
  }

  /**
   * Every version of every rule with ID `ruleId` (IDs are unique per author, so one rule per
   * author), with the transaction that wrote it; `author` (a site ID or a patient's Serums ID)
   * narrows to one. Patient rules are shown to the patient and their home site's staff only.
   */
  async ruleHistory(ctx: LedgerContext, ruleId: string, author?: string): Promise<string> {
    const id = argumentOf(ruleIdSchema, ruleId, "ruleId");
    const only = author === undefined || author === "" ? undefined : stringArgument(author, "author");
    const caller = callerOf(ctx);
    const versions: StoredRule[] = [];
    let hidden = 0;
    for (const { key } of await readRange(ctx.stub, ruleIndexEntry, KEY_TYPES.ruleIndex, [id])) {
      const [, kindText, ruleAuthor] = ctx.stub.splitCompositeKey(key).attributes;
      const kind: RuleKind = kindText === "site" ? "site" : "patient";
      if (ruleAuthor === undefined || (only !== undefined && ruleAuthor !== only)) continue;
      if (kind === "patient" && !(await mayReadPatientRules(ctx.stub, caller, ruleAuthor))) {
        hidden++;
        continue;
      }
      const history = await readHistory(ctx.stub, storedRule, ruleKey(ctx.stub, kind, ruleAuthor, id));
      versions.push(...history.map((h) => h.value).sort((a, b) => a.rule.version - b.rule.version));
    }
    if (versions.length === 0) {
      if (hidden > 0) {
        throw new SerumsError(
          "FORBIDDEN",
          `a patient's rule history is for the patient themselves or roles "${ADMINISTRATOR_ROLE}" or "${SERVICE_ROLE}" of the patient's home site`,
        );
      }
      throw new SerumsError("NOT_FOUND", "ruleId names no rule", { path: "ruleId" });
    }
    const result: RuleHistory = { ruleId: id, versions };
    return canonicalJson(result);
  }

  /** The current version of each of a patient's own rules (revoked ones included), by ID. */
  async listRules(ctx: LedgerContext, patient: string): Promise<string> {
    const patientId = serumsIdArgument(patient, "patient");
    const identity = await readIdentity(ctx.stub, patientId);
    requirePatientOrHomeSite(
      callerOf(ctx),
      patientId,
      identity?.site,
      PATIENT_RULE_READERS,
      "listing a patient's rules",
    );
    const rows = await readRange(ctx.stub, storedRule, KEY_TYPES.patientRule, [patientId]);
    const result: PatientRules = { patient: patientId, rules: rows.map((r) => r.value) };
    return canonicalJson(result);
  }

  /**
   * Writes the index entries of the site's active rules from their rule keys (and removes
   * entries no active rule holds): for ledgers written before the site-rule index. Only the
   * site's administrator runs it, and like every transaction it needs the endorsement policy;
   * it changes no rule. Idempotent.
   */
  async reindexSiteRules(ctx: LedgerContext, site: string): Promise<string> {
    const siteId = argumentOf(siteIdSchema, site, "site");
    requireAdministrator(callerOf(ctx), siteId, "re-indexing a site's rules");
    return canonicalJson(await reindexSiteRules(ctx.stub, siteId));
  }

  /** The current version of each of a site's rules (revoked ones included), by ID. */
  async siteRules(ctx: LedgerContext, site: string): Promise<string> {
    const siteId = argumentOf(siteIdSchema, site, "site");
    const rows = await readRange(ctx.stub, storedRule, KEY_TYPES.siteRule, [siteId]);
    const result: SiteRules = { site: siteId, rules: rows.map((r) => r.value) };
    return canonicalJson(result);
  }
}
