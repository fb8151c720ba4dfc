/**
 * The embedded ledger engine: Hyperledger Fabric's execute–order–validate on one machine.
 * Sites' peers (each on its own store), an ordering service cutting signed, hash-chained blocks,
 * validation with endorsement policy and MVCC, catch-up, verification and rebuild, and the
 * peers' Merkle event logs.
 */
export { type Block, type BlockHeader, blockHash, computeDataHash, createBlock, ZERO_HASH } from "./block.ts";
export {
  type Certificate,
  type CertificateBody,
  CertificateIdentity,
  type CertificateRequest,
  checkCertificate,
  createSigner,
  issueCertificate,
  type Signer,
  verifyCertificate,
} from "./certificate.ts";
export {
  type BatchConfig,
  type Consortium,
  type ConsortiumConfig,
  compileConsortium,
  DEFAULT_BATCH,
  type EndorsementPolicy,
  loadConsortiumConfig,
  parseConsortiumConfig,
  requiredEndorsements,
  type SiteConfig,
} from "./consortium-config.ts";
export {
  createConsortium,
  issueIdentity,
  type LocalConsortium,
  type NewConsortium,
  readConsortium,
  readSigner,
  type SiteKeys,
  writeConsortium,
  writeSigner,
} from "./consortium-keys.ts";
export { compareKeys } from "./encoding.ts";
export {
  assembleEnvelope,
  type ContractEvent,
  type EndorsedResponse,
  type Endorsement,
  type Envelope,
  encodeEnvelope,
  type ProposalResponse,
} from "./envelope.ts";
export {
  decodePrivateKey,
  decodePublicKey,
  encodePrivateKey,
  encodePublicKey,
  generateKeyPair,
  type KeyPair,
  signBytes,
} from "./keys.ts";
export {
  EmbeddedNetwork,
  type EmbeddedNetworkOptions,
  type OrderResult,
  type SubmitOptions,
  type SubmitResult,
} from "./network.ts";
export { type CommitEvent, Peer } from "./peer.ts";
export { ledgerMigrations } from "./peer-store.ts";
export {
  computeTxId,
  createProposal,
  type Proposal,
  type ProposalOptions,
  type SignedProposal,
} from "./proposal.ts";
export {
  type Approval,
  certificateFingerprint,
  decodeRevocationList,
  REVOCATIONS_KEY,
  REVOKE_FUNCTION,
  type Revocation,
  type RevocationList,
  type RevocationRequest,
  requiredAdminSites,
  revocationStatement,
  SYSTEM_CONTRACT,
} from "./revocation.ts";
export type { RWSet, Version } from "./rw-set.ts";
export type { TxOutcome } from "./validate-block.ts";
export type { ValidationCode } from "./validate-transaction.ts";
export type { PeerReport, VerifyProblem } from "./verify-peer.ts";
