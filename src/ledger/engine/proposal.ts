/**
 * Transaction proposals. The client signs the canonical JSON text of the proposal; that text
 * travels as is (as Fabric's proposal bytes do), so every peer verifies the very bytes signed.
 * The transaction ID is SHA-256(nonce || creator), hex, as on Fabric: a replay with the same
 * nonce and creator has the same ID, and the ID cannot be chosen without the creator's key.
 */
import { randomBytes } from "node:crypto";
import { SerumsError, showValue } from "../../errors/index.ts";
import { canonicalBytes, canonicalJson } from "../canonical-json.ts";
import { type Certificate, checkCertificate, type Signer } from "./certificate.ts";
import { fromBase64, sha256Hex, utf8 } from "./encoding.ts";
import { signBytes } from "./keys.ts";

export interface Proposal {
  txId: string;
  channel: string;
  contract: string;
  fn: string;
  args: string[];
  /** ISO-8601, set by the client; the contract's getDateTimestamp() */
  timestamp: string;
  /** base64 of 24 random bytes */
  nonce: string;
  creator: Certificate;
}

export interface SignedProposal {
  /** canonical JSON of the Proposal */
  proposal: string;
  /** the creator's Ed25519 signature over the UTF-8 of `proposal`, base64 */
  signature: string;
}

export function computeTxId(nonce: string, creator: Certificate): string {
  return sha256Hex(fromBase64(nonce, "nonce"), canonicalBytes(creator));
}

export interface ProposalOptions {
  timestamp?: Date;
  nonce?: Uint8Array;
}

export function createProposal(
  signer: Signer,
  channel: string,
  contract: string,
  fn: string,
  args: readonly string[],
  options: ProposalOptions = {},
): SignedProposal {
  for (const [i, arg] of args.entries()) {
    if (typeof arg !== "string") {
      throw new SerumsError(
        "BAD_REQUEST",
        `argument ${i} of ${contract}.${fn} is ${showValue(arg)}; arguments are text`,
      );
    }
  }
  const nonce = Buffer.from(options.nonce ?? randomBytes(24)).toString("base64");
  const creator = signer.certificate;
  const proposal: Proposal = {
    txId: computeTxId(nonce, creator),
    channel,
    contract,
    fn,
    args: [...args],
    timestamp: (options.timestamp ?? new Date()).toISOString(),
    nonce,
    creator,
  };
  const text = canonicalJson(proposal);
  return { proposal: text, signature: signBytes(signer.privateKey, utf8(text)) };
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") {
    throw new SerumsError("BAD_REQUEST", `${what} is ${showValue(value)}; expected non-empty text`, {
      path: what,
    });
  }
  return value;
}

/** Parses a proposal's text and checks its shape (not its signature); BAD_REQUEST names the field. */
export function parseProposal(proposalText: unknown): Proposal {
  if (typeof proposalText !== "string") throw new SerumsError("BAD_REQUEST", "the proposal is not text");
  let value: unknown;
  try {
    value = JSON.parse(proposalText);
  } catch {
    throw new SerumsError("BAD_REQUEST", "the proposal is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SerumsError("BAD_REQUEST", "the proposal is not an object");
  }
  const p = value as Record<string, unknown>;
  const args = p.args;
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
    throw new SerumsError("BAD_REQUEST", "proposal.args is not a list of text");
  }
  const proposal: Proposal = {
    txId: text(p.txId, "proposal.txId"),
    channel: text(p.channel, "proposal.channel"),
    contract: text(p.contract, "proposal.contract"),
    fn: text(p.fn, "proposal.fn"),
    args,
    timestamp: text(p.timestamp, "proposal.timestamp"),
    nonce: text(p.nonce, "proposal.nonce"),
    creator: checkCertificate(p.creator, "proposal.creator"),
  };
  if (Number.isNaN(Date.parse(proposal.timestamp))) {
    throw new SerumsError(
      "BAD_REQUEST",
      `proposal.timestamp ${showValue(proposal.timestamp)} is not an instant`,
    );
  }
  if (canonicalJson(proposal) !== proposalText) {
    throw new SerumsError("BAD_REQUEST", "the proposal is not canonical JSON or holds unknown fields");
  }
  return proposal;
}
