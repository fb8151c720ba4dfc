/**
 * The Serums contracts (Hyperledger Fabric contract API; run by the embedded engine or deployed
 * to a Fabric network unchanged): the registry of identities, rules, access decisions with their
 * log, and provenance; and a typed client of them over any LedgerClient.
 */
import { AccessContract } from "./access-contract.ts";
import { IdentityContract } from "./identity-contract.ts";
import { ProvenanceContract } from "./provenance-contract.ts";
import { RulesContract } from "./rules-contract.ts";

export { ACCESS_LOG_EVENT, AccessContract } from "./access-contract.ts";
export { ADMINISTRATOR_ROLE, SERVICE_ROLE } from "./caller.ts";
export { IdentityContract } from "./identity-contract.ts";
export { KEY_TYPES } from "./ledger-keys.ts";
export { type AccessRequestInput, type LedgerClient, LedgerService } from "./ledger-service.ts";
export type {
  AccessHistory,
  AccessLogEntry,
  DecideResult,
  Delivery,
  Identity,
  IdentityHistory,
  IdentityRecord,
  PatientRules,
  ProvenanceRecord,
  ProvenanceStep,
  ReindexResult,
  RuleHistory,
  SiteRules,
  StoredRule,
  StoredSitePolicy,
} from "./payloads.ts";
export { PROVENANCE_EVENT, ProvenanceContract } from "./provenance-contract.ts";
export { RulesContract } from "./rules-contract.ts";
export {
  publicKeyFromBase64,
  publicKeyToBase64,
  revocationSigningBytes,
  ruleSigningBytes,
  signPatientRule,
  signRuleRevocation,
  verifyEd25519,
} from "./signatures.ts";

export type SerumsContract = IdentityContract | RulesContract | AccessContract | ProvenanceContract;

/** Fresh instances of every Serums contract, for an engine or a Fabric chaincode's `contracts`. */
export function serumsContracts(): SerumsContract[] {
  return [new IdentityContract(), new RulesContract(), new AccessContract(), new ProvenanceContract()];
}
