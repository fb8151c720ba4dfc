/**
 * The checks of one transaction that need no world state: its envelope and proposal parse, the
 * creator's certificate was issued by a member site's CA, the creator signed the proposal, the
 * transaction ID is SHA-256(nonce || creator), the channel is ours, the response is for this
 * proposal, and the endorsements satisfy the policy — each a valid signature of a distinct
 * member site's peer over the same response. Pure: decisions only, no I/O.
 */
import { SerumsError } from "../../errors/index.ts";
import type { Consortium } from "./consortium-config.ts";
import {
  type Envelope,
  type ProposalResponse,
  parseEnvelope,
  parseResponse,
  proposalHash,
} from "./envelope.ts";
import { computeTxId, type Proposal, parseProposal } from "./proposal.ts";
import { certificateTimeProblem } from "./timestamps.ts";
import type { SignatureCheck, Verifier } from "./verifier.ts";

export type ValidationCode =
  | "VALID"
  | "BAD_PAYLOAD"
  | "BAD_CREATOR"
  | "BAD_SIGNATURE"
  | "BAD_PROPOSAL_TXID"
  | "BAD_CHANNEL"
  | "BAD_RESPONSE"
  | "ENDORSEMENT_POLICY_FAILURE"
  | "DUPLICATE_TXID"
  | "MVCC_READ_CONFLICT"
  | "PHANTOM_READ_CONFLICT"
  | "BAD_TIMESTAMP"
  | "BAD_CONFIG_UPDATE";

export interface TxCheck {
  code: ValidationCode;
  reason: string;
  /** Known once the proposal parses. */
  txId: string | null;
  /** Whether the creator's certificate and signature were checked, so the ID is the creator's. */
  authenticated: boolean;
  proposal?: Proposal;
  response?: ProposalResponse;
}

/** The error code a client sees for a transaction marked invalid. */
export function errorCodeFor(
  code: ValidationCode,
): "BAD_SIGNATURE" | "BAD_REQUEST" | "ENDORSEMENT" | "CONFLICT" | "FORBIDDEN" {
  switch (code) {
    case "BAD_CREATOR":
    case "BAD_SIGNATURE":
    case "BAD_PROPOSAL_TXID":
      return "BAD_SIGNATURE";
    case "BAD_CONFIG_UPDATE":
      return "FORBIDDEN";
    case "ENDORSEMENT_POLICY_FAILURE":
    case "BAD_RESPONSE":
      return "ENDORSEMENT";
    case "DUPLICATE_TXID":
    case "MVCC_READ_CONFLICT":
    case "PHANTOM_READ_CONFLICT":
      return "CONFLICT";
    default:
      return "BAD_REQUEST";
  }
}

/** null when the creator, its signature, the ID and the channel check out; otherwise what failed. */
export function proposalProblem(
  proposal: Proposal,
  proposalText: string,
  signature: string,
  consortium: Consortium,
  verifier: Verifier,
): { code: ValidationCode; reason: string } | null {
  const txId = proposal.txId;
  const creatorProblem = verifier.certificate(proposal.creator, consortium);
  if (creatorProblem) return { code: "BAD_CREATOR", reason: `transaction ${txId}: ${creatorProblem}` };
  const expiry = certificateTimeProblem(proposal.creator, proposal.timestamp);
  if (expiry) return { code: "BAD_CREATOR", reason: `transaction ${txId}: ${expiry}` };
  if (!verifier.signature(proposal.creator.publicKey, proposalText, signature)) {
    return {
      code: "BAD_SIGNATURE",
      reason: `transaction ${txId}: the proposal's signature is missing or not the creator's`,
    };
  }
  if (computeTxId(proposal.nonce, proposal.creator) !== txId) {
    return {
      code: "BAD_PROPOSAL_TXID",
      reason: `transaction ${txId}: the ID is not SHA-256(nonce || creator)`,
    };
  }
  if (proposal.channel !== consortium.channel) {
    return {
      code: "BAD_CHANNEL",
      reason: `transaction ${txId} is for channel ${JSON.stringify(proposal.channel)}; this ledger is ${JSON.stringify(consortium.channel)}`,
    };
  }
  return null;
}

/** The signatures proposalProblem verifies (the creator's certificate, the proposal), for prefetch. */
export function proposalSignatureChecks(
  proposal: Proposal,
  proposalText: string,
  signature: string,
  consortium: Consortium,
  verifier: Verifier,
): SignatureCheck[] {
  const checks: SignatureCheck[] = [];
  const certificate = verifier.certificateCheck(proposal.creator, consortium);
  if (certificate) checks.push(certificate);
  checks.push({ keyText: proposal.creator.publicKey, bytes: proposalText, signature });
  return checks;
}

/**
 * Checks a signed proposal as an endorser does; throws BAD_REQUEST / BAD_SIGNATURE. `parsed` is
 * parseProposal(proposalText) when the caller has it already.
 */
export function checkSignedProposal(
  proposalText: string,
  signature: string,
  consortium: Consortium,
  verifier: Verifier,
  parsed?: Proposal,
): Proposal {
  const proposal = parsed ?? parseProposal(proposalText);
  const problem = proposalProblem(proposal, proposalText, signature, consortium, verifier);
  if (problem)
    throw new SerumsError(problem.code === "BAD_CHANNEL" ? "BAD_REQUEST" : "BAD_SIGNATURE", problem.reason);
  return proposal;
}

function invalid(code: ValidationCode, reason: string, partial: Partial<TxCheck> = {}): TxCheck {
  return { txId: null, authenticated: false, ...partial, code, reason };
}

/** A transaction whose envelope and proposal parse (their contents are not checked yet). */
export interface ParsedTransaction {
  envelope: Envelope;
  proposal: Proposal;
}

/** Parses a transaction's envelope and proposal; a BAD_PAYLOAD check when they do not parse. */
export function parseTransaction(text: string): ParsedTransaction | TxCheck {
  try {
    const envelope = parseEnvelope(text);
    return { envelope, proposal: parseProposal(envelope.proposal) };
  } catch (error) {
    return invalid("BAD_PAYLOAD", (error as Error).message);
  }
}

/**
 * The signatures checkTransaction will verify — the creator's certificate, the proposal, each
 * endorsement of a member site — for Verifier.prefetch to verify in parallel beforehand.
 */
export function transactionSignatureChecks(
  parsed: ParsedTransaction | TxCheck,
  consortium: Consortium,
  verifier: Verifier,
): SignatureCheck[] {
  if (!("envelope" in parsed)) return [];
  const { envelope, proposal } = parsed;
  const checks = proposalSignatureChecks(
    proposal,
    envelope.proposal,
    envelope.signature,
    consortium,
    verifier,
  );
  const response = envelope.response;
  for (const endorsement of envelope.endorsements) {
    const site = consortium.sites.get(endorsement.site);
    if (site)
      checks.push({ keyText: site.config.peerPublicKey, bytes: response, signature: endorsement.signature });
  }
  return checks;
}

/** Every state-free check of one transaction, in Fabric's order; never throws. */
export function checkTransaction(text: string, consortium: Consortium, verifier: Verifier): TxCheck {
  return checkParsedTransaction(parseTransaction(text), consortium, verifier);
}

/** checkTransaction on what parseTransaction gave. */
export function checkParsedTransaction(
  parsed: ParsedTransaction | TxCheck,
  consortium: Consortium,
  verifier: Verifier,
): TxCheck {
  if (!("envelope" in parsed)) return parsed;
  const { envelope, proposal } = parsed;
  const txId = proposal.txId;
  const problem = proposalProblem(proposal, envelope.proposal, envelope.signature, consortium, verifier);
  if (problem) return invalid(problem.code, problem.reason, { txId });
  let response: ProposalResponse;
  try {
    response = parseResponse(envelope.response);
  } catch (error) {
    return invalid("BAD_PAYLOAD", `transaction ${txId}: ${(error as Error).message}`, {
      txId,
      proposal,
      authenticated: true,
    });
  }
  if (response.proposalHash !== proposalHash(envelope.proposal)) {
    return invalid("BAD_RESPONSE", `transaction ${txId}: the endorsed response is for another proposal`, {
      txId,
      proposal,
      authenticated: true,
    });
  }
  const endorsementProblem = checkEndorsements(envelope, consortium, verifier);
  if (endorsementProblem) {
    return invalid("ENDORSEMENT_POLICY_FAILURE", `transaction ${txId}: ${endorsementProblem}`, {
      txId,
      proposal,
      authenticated: true,
    });
  }
  return { code: "VALID", reason: "", txId, authenticated: true, proposal, response };
}

/** null when the endorsements meet the policy; otherwise what is wrong with them. */
export function checkEndorsements(
  envelope: Envelope,
  consortium: Consortium,
  verifier: Verifier,
): string | null {
  const responseBytes = envelope.response;
  const sites = new Set<string>();
  for (const endorsement of envelope.endorsements) {
    const site = consortium.sites.get(endorsement.site);
    if (!site)
      return `an endorsement claims site ${JSON.stringify(endorsement.site)}, not a member of the consortium`;
    if (sites.has(endorsement.site)) return `site ${endorsement.site} endorsed twice`;
    if (!verifier.signature(site.config.peerPublicKey, responseBytes, endorsement.signature, site.peerKey)) {
      return `the endorsement of site ${endorsement.site} is not its peer's signature of this response`;
    }
    sites.add(endorsement.site);
  }
  if (sites.size < consortium.requiredEndorsements) {
    return `${sites.size} endorsement${sites.size === 1 ? "" : "s"}; the policy needs ${consortium.requiredEndorsements} distinct member sites`;
  }
  return null;
}
