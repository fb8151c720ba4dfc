/**
 * Time in the engine's checks. A transaction carries its creator's timestamp (the proposal's,
 * which contracts read as the transaction's time); three checks use it:
 *
 * - Certificate validity, at endorsement and at validation: a certificate signs nothing
 *   timestamped before its `issuedAt`, nor (when it names an `expiresAt`) at or after its expiry.
 *   The check is against the transaction's own timestamp, never the clock, so every peer decides
 *   alike, and a transaction signed while its certificate was valid stays valid when the chain is
 *   replayed (verify, catch-up) later.
 * - Clock skew at endorsement: an endorser refuses a proposal whose timestamp is more than the
 *   bound away from its own clock.
 * - Block time at validation: the orderer stamps each block with its time (signed with the
 *   header, never going backwards), and a validator marks invalid a transaction whose timestamp
 *   is more than the consortium's bound (config.maxClockSkewMs) away from its block's time. This
 *   needs no clock at validation — a replay years later gives the same answer — and closes the
 *   back-dating gap: endorsers that collude (or whose clocks are wrong) cannot date a transaction
 *   further than the bound from when it was actually ordered.
 */
import type { Certificate } from "./certificate.ts";

/** The default bound on |proposal timestamp − endorser's clock|. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** null when the certificate was valid at `timestamp`; otherwise why not. */
export function certificateTimeProblem(cert: Certificate, timestamp: string): string | null {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return `the transaction's timestamp ${JSON.stringify(timestamp)} is not an instant`;
  if (at < Date.parse(cert.issuedAt)) {
    return `the creator's certificate (${cert.serumsId} at ${cert.site}) was issued at ${cert.issuedAt}, after the transaction's timestamp ${timestamp}`;
  }
  if (cert.expiresAt === undefined) return null;
  if (at >= Date.parse(cert.expiresAt)) {
    return `the creator's certificate (${cert.serumsId} at ${cert.site}) expired at ${cert.expiresAt}, not after the transaction's timestamp ${timestamp}`;
  }
  return null;
}

/** null when `timestamp` is within `maxSkewMs` of `now`; otherwise a reason naming both. */
export function clockSkewProblem(timestamp: string, now: number, maxSkewMs: number): string | null {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return `the proposal's timestamp ${JSON.stringify(timestamp)} is not an instant`;
  const skew = at - now;
  if (Math.abs(skew) <= maxSkewMs) return null;
  const seconds = (Math.abs(skew) / 1000).toFixed(0);
  return `the proposal's timestamp ${timestamp} is ${seconds} s ${skew > 0 ? "ahead of" : "behind"} this endorser's clock (${new Date(now).toISOString()}); at most ${maxSkewMs / 1000} s either way is accepted`;
}

/** null when a transaction's timestamp is within `maxSkewMs` of its block's time; otherwise why not. */
export function blockTimeProblem(timestamp: string, blockTime: string, maxSkewMs: number): string | null {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return `the transaction's timestamp ${JSON.stringify(timestamp)} is not an instant`;
  const skew = at - Date.parse(blockTime);
  if (Math.abs(skew) <= maxSkewMs) return null;
  const seconds = (Math.abs(skew) / 1000).toFixed(0);
  return `the transaction's timestamp ${timestamp} is ${seconds} s ${skew > 0 ? "after" : "before"} its block's time ${blockTime}; at most ${maxSkewMs / 1000} s either way is accepted`;
}
