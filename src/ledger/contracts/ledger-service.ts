/**
 * A typed client of the Serums contracts over any `LedgerClient` — the embedded engine and the
 * Fabric gateway adapter each provide one. Arguments go out as canonical JSON text; answers come
 * back checked against the contracts' result schemas (payloads.ts) and typed.
 *
 * `submit` runs a transaction that writes (endorsed, ordered, committed); `evaluate` runs a query
 * on one peer and writes nothing.
 */
import type { z } from "zod";
import type { AccessRequest, Rule, SitePolicy } from "../../access/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import {
  type AccessHistory,
  accessHistory,
  type DecideResult,
  type Delivery,
  decideResult,
  type Identity,
  type IdentityHistory,
  type IdentityRecord,
  identityHistory,
  identityRecord,
  type PatientRules,
  type ProvenanceRecord,
  patientRules,
  provenanceRecord,
  type ReindexResult,
  type RuleHistory,
  reindexResult,
  ruleHistory,
  type SiteRules,
  type StoredRule,
  type StoredSitePolicy,
  siteRules,
  storedRule,
  storedSitePolicy,
} from "./payloads.ts";

export { signPatientRule, signRuleRevocation } from "./signatures.ts";

export interface LedgerClient {
  /** Runs a transaction that writes; resolves to its result text once committed. */
  submit(contract: string, fn: string, args: string[]): Promise<string>;
  /** Runs a query; resolves to its result text. */
  evaluate(contract: string, fn: string, args: string[]): Promise<string>;
}

/** An access request as the lake sends it: the ledger sets `at` to the transaction's time. */
export type AccessRequestInput = Omit<AccessRequest, "at"> & { at?: string };

export class LedgerService {
  readonly #client: LedgerClient;

  constructor(client: LedgerClient) {
    this.#client = client;
  }

  async #call<T>(
    kind: "submit" | "evaluate",
    schema: z.ZodType<T>,
    contract: string,
    fn: string,
    args: string[],
  ) {
    const text = await this.#client[kind](contract, fn, args);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new SerumsError("LEDGER", `${contract}.${fn} answered with text that is not JSON`);
    }
    let result: z.ZodSafeParseResult<T>;
    try {
      result = schema.safeParse(value);
    } catch (error) {
      throw new SerumsError(
        "LEDGER",
        `${contract}.${fn} answered with a value that does not parse`,
        {},
        { cause: error },
      );
    }
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new SerumsError(
        "LEDGER",
        `${contract}.${fn} answered with a value that does not parse: ${issue?.path.join(".")}: ${issue?.message}`,
      );
    }
    return result.data;
  }

  #submit<T>(schema: z.ZodType<T>, contract: string, fn: string, ...args: string[]): Promise<T> {
    return this.#call("submit", schema, contract, fn, args);
  }

  #evaluate<T>(schema: z.ZodType<T>, contract: string, fn: string, ...args: string[]): Promise<T> {
    return this.#call("evaluate", schema, contract, fn, args);
  }

  // Identities

  registerIdentity(identity: Identity): Promise<IdentityRecord> {
    return this.#submit(identityRecord, "identities", "register", canonicalJson(identity));
  }

  rotateKey(serumsId: string, publicKeyB64: string): Promise<IdentityRecord> {
    return this.#submit(identityRecord, "identities", "rotateKey", serumsId, publicKeyB64);
  }

  identity(serumsId: string): Promise<IdentityRecord> {
    return this.#evaluate(identityRecord, "identities", "get", serumsId);
  }

  identityHistory(serumsId: string): Promise<IdentityHistory> {
    return this.#evaluate(identityHistory, "identities", "history", serumsId);
  }

  // Rules

  publishSiteRule(rule: Rule): Promise<StoredRule> {
    return this.#submit(storedRule, "rules", "publishSiteRule", canonicalJson(rule));
  }

  revokeSiteRule(ruleId: string): Promise<StoredRule> {
    return this.#submit(storedRule, "rules", "revokeSiteRule", ruleId);
  }

  /** Publishes a patient's rule with their signature (signPatientRule). */
  publishPatientRule(rule: Rule, signatureB64: string): Promise<StoredRule> {
    return this.#submit(storedRule, "rules", "publishPatientRule", canonicalJson(rule), signatureB64);
  }

  /** Revokes a patient's rule with their signature (signRuleRevocation, of the version in force). */
  revokePatientRule(patient: string, ruleId: string, signatureB64: string): Promise<StoredRule> {
    return this.#submit(storedRule, "rules", "revokePatientRule", patient, ruleId, signatureB64);
  }

  setSitePolicy(policy: SitePolicy): Promise<StoredSitePolicy> {
    return this.#submit(storedSitePolicy, "rules", "setSitePolicy", canonicalJson(policy));
  }

  sitePolicy(site: string): Promise<StoredSitePolicy> {
    return this.#evaluate(storedSitePolicy, "rules", "sitePolicy", site);
  }

  /** Every version of the rules with this ID (narrowed to one author when given). */
  ruleHistory(ruleId: string, author?: string): Promise<RuleHistory> {
    const args = author === undefined ? [ruleId] : [ruleId, author];
    return this.#evaluate(ruleHistory, "rules", "ruleHistory", ...args);
  }

  listRules(patient: string): Promise<PatientRules> {
    return this.#evaluate(patientRules, "rules", "listRules", patient);
  }

  siteRules(site: string): Promise<SiteRules> {
    return this.#evaluate(siteRules, "rules", "siteRules", site);
  }

  /** Rewrites the site's part of the site-rule index from its rules (administrator of the site). */
  reindexSiteRules(site: string): Promise<ReindexResult> {
    return this.#submit(reindexResult, "rules", "reindexSiteRules", site);
  }

  // Access

  /** Decides and logs an access request; the decision comes back with the logging transaction. */
  decide(request: AccessRequestInput): Promise<DecideResult> {
    return this.#submit(decideResult, "access", "decide", canonicalJson(request));
  }

  accessHistory(patient: string): Promise<AccessHistory> {
    return this.#evaluate(accessHistory, "access", "accessHistory", patient);
  }

  // Provenance

  notarise(delivery: Delivery): Promise<ProvenanceRecord> {
    return this.#submit(provenanceRecord, "provenance", "notarise", canonicalJson(delivery));
  }

  provenance(deliveryId: string): Promise<ProvenanceRecord> {
    return this.#evaluate(provenanceRecord, "provenance", "provenance", deliveryId);
  }
}
