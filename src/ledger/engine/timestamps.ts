/**
 * Time in the engine's checks. A transaction carries its creator's timestamp (the proposal's,
 * which contracts read as the transaction's time); two checks use it:
 *
 * - Certificate validity, at endorsement and at validation: a creator's certificate that names an
 *   `expiresAt` signs nothing timestamped at or after it. The check is against the transaction's
 *   own timestamp, never the clock, so every peer decides alike, and a transaction signed while
 *   its certificate was valid stays valid when the chain is replayed (verify, catch-up) later.
 * - Clock skew, at endorsement only: an endorser refuses a proposal whose timestamp is more than
 *   the bound away from its own clock, so a creator cannot date a transaction into the future
 *   (past its certificate's expiry as seen by the validators' check) or far into the past.
 *   Validation cannot use a clock (a replay years later must give the same answer), and blocks
 *   carry no time, so a timestamp is bounded by the endorsers that signed it.
 */
import type { Certificate } from "./certificate.ts";

/** The default bound on |proposal timestamp − endorser's clock|. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** null when the certificate was valid at `timestamp`; otherwise why not. */
export function certificateTimeProblem(cert: Certificate, timestamp: string): string | null {
  if (cert.expiresAt === undefined) return null;
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return `the transaction's timestamp ${JSON.stringify(timestamp)} is not an instant`;
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
