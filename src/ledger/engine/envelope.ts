/**
 * Proposal responses and transaction envelopes. An endorsing peer signs the canonical JSON text
 * of its response (the proposal's hash, the read/write set, the result, the events); the client
 * checks that every endorser returned the same text and wraps proposal, signature, response and
 * endorsements into the envelope it sends to the orderer.
 */
import { SerumsError } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { sha256Hex, utf8 } from "./encoding.ts";
import type { SignedProposal } from "./proposal.ts";
import type { RWSet } from "./rw-set.ts";

export interface ContractEvent {
  name: string;
  /** base64 */
  payload: string;
}

export interface ProposalResponse {
  /** SHA-256 hex of the proposal text */
  proposalHash: string;
  rwset: RWSet;
  result: string;
  events: ContractEvent[];
}

/** One peer's endorsement: the response text and the peer's signature over its UTF-8. */
export interface EndorsedResponse {
  site: string;
  response: string;
  signature: string;
}

export interface Endorsement {
  site: string;
  signature: string;
}

export interface Envelope {
  proposal: string;
  signature: string;
  response: string;
  endorsements: Endorsement[];
}

export function proposalHash(proposalText: string): string {
  return sha256Hex(utf8(proposalText));
}

/** Builds the envelope; ENDORSEMENT when there are none or when the endorsers disagree. */
export function assembleEnvelope(signed: SignedProposal, responses: readonly EndorsedResponse[]): Envelope {
  const first = responses[0];
  if (!first) throw new SerumsError("ENDORSEMENT", "no endorsement was collected");
  for (const other of responses.slice(1)) {
    if (other.response !== first.response) {
      throw new SerumsError(
        "ENDORSEMENT",
        `the endorsements disagree: ${first.site} and ${other.site} returned different read/write sets, results or events; the contract is not deterministic or the peers' states differ`,
      );
    }
  }
  return {
    proposal: signed.proposal,
    signature: signed.signature,
    response: first.response,
    endorsements: responses.map((r) => ({ site: r.site, signature: r.signature })),
  };
}

export function encodeEnvelope(envelope: Envelope): string {
  return canonicalJson(envelope);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses an envelope's text and checks its shape; BAD_REQUEST says what is wrong. */
export function parseEnvelope(text: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SerumsError("BAD_REQUEST", "the envelope is not JSON");
  }
  if (!isObject(value)) throw new SerumsError("BAD_REQUEST", "the envelope is not an object");
  const { proposal, signature, response, endorsements } = value;
  if (typeof proposal !== "string" || typeof signature !== "string" || typeof response !== "string") {
    throw new SerumsError("BAD_REQUEST", "the envelope lacks its proposal, signature or response text");
  }
  if (!Array.isArray(endorsements))
    throw new SerumsError("BAD_REQUEST", "envelope.endorsements is not a list");
  for (const e of endorsements) {
    if (!isObject(e) || typeof e.site !== "string" || typeof e.signature !== "string") {
      throw new SerumsError("BAD_REQUEST", "an endorsement is not { site, signature }");
    }
  }
  return value as unknown as Envelope;
}

function isVersion(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
  );
}

/** Parses a response's text and checks its shape; BAD_REQUEST says what is wrong. */
export function parseResponse(text: string): ProposalResponse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SerumsError("BAD_REQUEST", "the proposal response is not JSON");
  }
  const bad = (what: string): never => {
    throw new SerumsError("BAD_REQUEST", `the proposal response's ${what} is malformed`);
  };
  if (!isObject(value)) return bad("body");
  const { proposalHash: hash, rwset, result, events } = value;
  if (typeof hash !== "string" || typeof result !== "string") bad("hash or result");
  if (
    !Array.isArray(events) ||
    !events.every((e) => isObject(e) && typeof e.name === "string" && typeof e.payload === "string")
  )
    bad("events");
  if (
    !isObject(rwset) ||
    !Array.isArray(rwset.reads) ||
    !Array.isArray(rwset.writes) ||
    !Array.isArray(rwset.ranges)
  )
    return bad("read/write set");
  for (const r of rwset.reads as unknown[]) {
    if (!isObject(r) || typeof r.key !== "string" || !(r.version === null || isVersion(r.version)))
      bad("read set");
  }
  for (const w of rwset.writes as unknown[]) {
    if (!isObject(w) || typeof w.key !== "string" || (w.isDelete !== true && typeof w.value !== "string"))
      bad("write set");
  }
  for (const q of rwset.ranges as unknown[]) {
    if (!isObject(q) || typeof q.start !== "string" || typeof q.end !== "string" || !Array.isArray(q.reads)) {
      return bad("range reads");
    }
    for (const r of q.reads as unknown[]) {
      if (!isObject(r) || typeof r.key !== "string" || !isVersion(r.version)) bad("range reads");
    }
  }
  return value as unknown as ProposalResponse;
}
