/**
 * Certificate revocation, as a config update (Fabric: an MSP's certificate revocation list,
 * changed by a channel config update that the Admins of a majority of organisations sign).
 *
 * The revocation list lives in world state under a system key no contract can write, so every
 * peer — committing, catching up, rebuilt, or replaying in `verify` — sees it as of each block.
 * Only the engine's system contract `serums.system` writes it, with `revokeCertificate`, whose
 * one argument is a RevocationRequest: the certificate's fingerprint, a reason, and approvals —
 * the signatures of administrators (role "administrator", certificates of their site's CA) of a
 * majority of the consortium's sites over the revocation statement. The transaction also needs
 * the endorsement policy like any other. The list only grows: there is no un-revoke.
 *
 * Endorsers refuse the proposals of a revoked certificate; validators mark its transactions
 * invalid from the transaction after the revocation on (in the same block too). Transactions
 * committed before stay valid, since validation reads the list as it was at their block.
 */
import { SerumsError, showValue } from "../../errors/index.ts";
import { canonicalBytes, canonicalJson } from "../canonical-json.ts";
import { type Certificate, certificateBody, checkCertificate } from "./certificate.ts";
import type { Consortium } from "./consortium-config.ts";
import { fromBase64, sha256Hex, toBase64, utf8 } from "./encoding.ts";
import type { Proposal } from "./proposal.ts";
import { certificateTimeProblem } from "./timestamps.ts";
import type { Verifier } from "./verifier.ts";

/** The contract name of the engine's own functions (never a user contract's). */
export const SYSTEM_CONTRACT = "serums.system";
export const REVOKE_FUNCTION = "revokeCertificate";
/** Keys no contract may write: only the system contract, checked at validation. */
export const SYSTEM_KEY_PREFIX = "\u0000\u0000serums\u0000";
export const REVOCATIONS_KEY = `${SYSTEM_KEY_PREFIX}revocations\u0000`;
/** The role whose holders approve config updates (the contracts' ADMINISTRATOR_ROLE). */
export const ADMIN_ROLE = "administrator";

const FINGERPRINT = /^[0-9a-f]{64}$/;
const MAX_REASON = 500;

export interface Revocation {
  fingerprint: string;
  reason: string;
  /** The revoking transaction's ID and timestamp. */
  txId: string;
  revokedAt: string;
  /** The sites whose administrators approved it, sorted. */
  approvedBy: string[];
}

/** Revocations by fingerprint. */
export type RevocationList = ReadonlyMap<string, Revocation>;

export interface Approval {
  certificate: Certificate;
  /** base64 Ed25519 signature over revocationStatement(...) */
  signature: string;
}

export interface RevocationRequest {
  fingerprint: string;
  reason: string;
  approvals: Approval[];
}

/** A certificate's fingerprint: hex SHA-256 of the canonical JSON of its signed body. */
export function certificateFingerprint(cert: Certificate): string {
  return sha256Hex(canonicalBytes(certificateBody(cert)));
}

export function isSystemKey(key: string): boolean {
  return key.startsWith(SYSTEM_KEY_PREFIX);
}

/** The bytes an administrator signs to approve a revocation on a channel. */
export function revocationStatement(channel: string, fingerprint: string, reason: string): Uint8Array {
  return canonicalBytes({ action: "revoke-certificate", channel, fingerprint, reason });
}

/** The list's stored value: base64 of the canonical JSON of its entries, by fingerprint. */
export function encodeRevocationList(list: RevocationList): string {
  const entries = [...list.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
  return toBase64(utf8(canonicalJson(entries)));
}

/** The list from its stored value (undefined/null: empty); TAMPERED when it does not parse. */
export function decodeRevocationList(value: string | null | undefined): Map<string, Revocation> {
  const list = new Map<string, Revocation>();
  if (value === null || value === undefined) return list;
  try {
    const entries = JSON.parse(Buffer.from(fromBase64(value, "revocation list")).toString("utf8"));
    if (!Array.isArray(entries)) throw new Error("not a list");
    for (const e of entries as Revocation[]) {
      if (typeof e?.fingerprint !== "string" || !FINGERPRINT.test(e.fingerprint))
        throw new Error("an entry has no fingerprint");
      list.set(e.fingerprint, e);
    }
  } catch (error) {
    throw new SerumsError(
      "TAMPERED",
      `the certificate revocation list in world state is malformed: ${(error as Error).message}`,
    );
  }
  return list;
}

/** null when the certificate is not revoked in `list`; otherwise a reason naming the revocation. */
export function revokedProblem(cert: Certificate, list: RevocationList, who = "creator"): string | null {
  if (list.size === 0) return null;
  const entry = list.get(certificateFingerprint(cert));
  if (!entry) return null;
  return `the ${who}'s certificate (${cert.serumsId} at ${cert.site}) was revoked by transaction ${entry.txId} at ${entry.revokedAt} (${entry.reason})`;
}

/** Administrators of how many distinct sites a config update needs: a majority of the sites. */
export function requiredAdminSites(consortium: Consortium): number {
  return Math.floor(consortium.sites.size / 2) + 1;
}

/** Parses the argument of revokeCertificate; BAD_REQUEST names the field. */
export function parseRevocationRequest(text: string): RevocationRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SerumsError("BAD_REQUEST", "the revocation request is not JSON");
  }
  const r = value as Record<string, unknown>;
  if (typeof r !== "object" || r === null || Array.isArray(r))
    throw new SerumsError("BAD_REQUEST", "the revocation request is not an object");
  for (const field of Object.keys(r)) {
    if (!["fingerprint", "reason", "approvals"].includes(field))
      throw new SerumsError("BAD_REQUEST", `revocation.${field} is not a field of a revocation request`);
  }
  if (typeof r.fingerprint !== "string" || !FINGERPRINT.test(r.fingerprint)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `revocation.fingerprint is ${showValue(r.fingerprint)}; expected 64 lower-case hex digits (a certificate's SHA-256 fingerprint)`,
      { path: "revocation.fingerprint" },
    );
  }
  if (typeof r.reason !== "string" || r.reason.trim() === "" || r.reason.length > MAX_REASON) {
    throw new SerumsError(
      "BAD_REQUEST",
      `revocation.reason is ${showValue(r.reason)}; expected non-empty text of at most ${MAX_REASON} characters`,
      { path: "revocation.reason" },
    );
  }
  if (!Array.isArray(r.approvals))
    throw new SerumsError("BAD_REQUEST", "revocation.approvals is not a list", {
      path: "revocation.approvals",
    });
  const approvals = r.approvals.map((a: unknown, i: number): Approval => {
    const approval = a as Record<string, unknown>;
    if (typeof approval !== "object" || approval === null || typeof approval.signature !== "string") {
      throw new SerumsError("BAD_REQUEST", `revocation.approvals[${i}] is not { certificate, signature }`);
    }
    return {
      certificate: checkCertificate(approval.certificate, `revocation.approvals[${i}].certificate`),
      signature: approval.signature,
    };
  });
  return { fingerprint: r.fingerprint, reason: r.reason, approvals };
}

/**
 * The revocation a revokeCertificate proposal makes, checked against the list in force; throws
 * FORBIDDEN (approvals or creator short of the policy), CONFLICT (already revoked) or BAD_REQUEST.
 * Pure: the endorser and the validator both run it, so neither trusts the other.
 */
export function checkRevocation(
  proposal: Proposal,
  consortium: Consortium,
  verifier: Verifier,
  list: RevocationList,
): Revocation {
  if (proposal.fn !== REVOKE_FUNCTION || proposal.args.length !== 1) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${SYSTEM_CONTRACT} has one function, ${REVOKE_FUNCTION}(request); not ${proposal.fn} with ${proposal.args.length} argument(s)`,
    );
  }
  const request = parseRevocationRequest(proposal.args[0]!);
  const creator = proposal.creator;
  if (creator.role !== ADMIN_ROLE) {
    throw new SerumsError(
      "FORBIDDEN",
      `revoking a certificate is for administrators; ${creator.serumsId} at ${creator.site} has role ${JSON.stringify(creator.role)}`,
    );
  }
  const existing = list.get(request.fingerprint);
  if (existing) {
    throw new SerumsError(
      "CONFLICT",
      `certificate ${request.fingerprint} is already revoked (transaction ${existing.txId}); revocations are final`,
    );
  }
  const statement = revocationStatement(consortium.channel, request.fingerprint, request.reason);
  const sites = new Set<string>();
  for (const [i, approval] of request.approvals.entries()) {
    const cert = approval.certificate;
    const where = `revocation.approvals[${i}] (${cert.serumsId} at ${cert.site})`;
    const refuse = (why: string): never => {
      throw new SerumsError("FORBIDDEN", `${where}: ${why}`, { path: `revocation.approvals[${i}]` });
    };
    const caProblem = verifier.certificate(cert, consortium);
    if (caProblem) refuse(caProblem.replace("the creator's", "the approver's"));
    if (cert.role !== ADMIN_ROLE)
      refuse(`role ${JSON.stringify(cert.role)} is not ${JSON.stringify(ADMIN_ROLE)}`);
    const timeProblem = certificateTimeProblem(cert, proposal.timestamp);
    if (timeProblem) refuse(timeProblem.replace("the creator's", "the approver's"));
    const revoked = revokedProblem(cert, list, "approver");
    if (revoked) refuse(revoked);
    if (request.fingerprint === certificateFingerprint(cert))
      refuse("an administrator cannot approve the revocation of their own certificate");
    if (!verifier.signature(cert.publicKey, statement, approval.signature))
      refuse("the signature is not this administrator's over this revocation (fingerprint, reason, channel)");
    if (sites.has(cert.site)) refuse(`site ${cert.site} approved twice`);
    sites.add(cert.site);
  }
  const needed = requiredAdminSites(consortium);
  if (sites.size < needed) {
    throw new SerumsError(
      "FORBIDDEN",
      `revoking a certificate needs the approval of administrators of ${needed} of the ${consortium.sites.size} sites; it has ${sites.size}${sites.size ? ` (${[...sites].sort().join(", ")})` : ""}`,
    );
  }
  return {
    fingerprint: request.fingerprint,
    reason: request.reason,
    txId: proposal.txId,
    revokedAt: proposal.timestamp,
    approvedBy: [...sites].sort(),
  };
}

/** The list with one more revocation. */
export function withRevocation(list: RevocationList, revocation: Revocation): Map<string, Revocation> {
  return new Map([...list, [revocation.fingerprint, revocation]]);
}
