/**
 * TOTP (RFC 6238) with `otpauth`: SHA-1, 6 digits, 30-second steps — what every authenticator
 * app reads from an `otpauth://` URI — and a window of one step either side for clock drift.
 * The secret is sealed at rest (factor-keys.ts) and never logged. Enrolment is confirmed with a
 * first code. Replay-proof: the last accepted step is remembered per user and only a later step
 * is accepted, in one conditional UPDATE, so the same code (or an older one) never works twice.
 */
import { Secret, TOTP } from "otpauth";
import type { Executor } from "../../store/index.ts";
import { constantTimeEqual } from "./factor-keys.ts";
import { atomically, clock, type FactorOptions } from "./factor-support.ts";

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_S = 30;
export const TOTP_ALGORITHM = "SHA1";
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
/** How long an unconfirmed enrolment waits for its first code. */
export const TOTP_PENDING_TTL_MS = 15 * 60_000;

const SEAL = "totp-secret";
/** Work done for users without TOTP, so their answer takes as long as a wrong code's. */
const DUMMY_SECRET = new Secret({ size: 20 });

/** The code of `secret` (base32) at `timestamp` (ms). */
export function totpCode(secretBase32: string, timestamp: number, digits = TOTP_DIGITS): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secretBase32),
    algorithm: TOTP_ALGORITHM,
    digits,
    period: TOTP_PERIOD_S,
    timestamp,
  });
}

/**
 * The time step (counter) whose code `code` is, within the window around `timestamp`; null when
 * none. Every step of the window is computed and compared in constant time, match or not.
 */
export function matchTotpStep(
  secret: Secret,
  code: string,
  timestamp: number,
  digits = TOTP_DIGITS,
): number | null {
  const current = TOTP.counter({ period: TOTP_PERIOD_S, timestamp });
  const candidate = new RegExp(`^\\d{${digits}}$`).test(code) ? code : "";
  let matched: number | null = null;
  for (let delta = -TOTP_WINDOW; delta <= TOTP_WINDOW; delta++) {
    const expected = TOTP.generate({
      secret,
      algorithm: TOTP_ALGORITHM,
      digits,
      period: TOTP_PERIOD_S,
      timestamp: timestamp + delta * TOTP_PERIOD_S * 1000,
    });
    if (constantTimeEqual(expected, candidate)) matched = current + delta;
  }
  return matched;
}

export interface TotpEnrolment {
  /** The `otpauth://totp/…` URI for an authenticator app (as a QR code). */
  uri: string;
  /** The secret in base32, for typing in by hand. Shown once. */
  secret: string;
  expiresAt: number;
}

/**
 * Starts (or restarts) TOTP enrolment: a new 160-bit secret, pending until confirmed with a code.
 * An active TOTP stays in force until the new one is confirmed.
 */
export async function beginTotpEnrolment(
  db: Executor,
  serumsId: string,
  options: FactorOptions & {
    /** Shown in the app above the code (default "Serums"). */
    issuer?: string;
    /** The account's name in the app (default the Serums ID). */
    label?: string;
  },
): Promise<TotpEnrolment> {
  const now = clock(options);
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({
    issuer: options.issuer ?? "Serums",
    label: options.label ?? serumsId,
    secret,
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
  });
  const sealed = options.keys.seal(SEAL, serumsId, secret.base32);
  const expiresAt = now + TOTP_PENDING_TTL_MS;
  await atomically(db, async (tx) => {
    const { changes } = await tx.run(
      "UPDATE auth_totp SET pending_sealed = $2, pending_expires_at = $3 WHERE serums_id = $1",
      [serumsId, sealed, expiresAt],
    );
    if (changes === 0) {
      await tx.run(
        "INSERT INTO auth_totp (serums_id, pending_sealed, pending_expires_at, created_at) VALUES ($1, $2, $3, $4)",
        [serumsId, sealed, expiresAt, now],
      );
    }
  });
  return { uri: totp.toString(), secret: secret.base32, expiresAt };
}

interface TotpRow {
  secret_sealed: string | null;
  pending_sealed: string | null;
  pending_expires_at: number | null;
  last_step: number | null;
}

/**
 * Confirms a pending enrolment with a code from the app: the pending secret becomes the active
 * one and the code's step the last used. False when there is nothing pending, it expired, or the
 * code is wrong.
 */
export async function confirmTotpEnrolment(
  db: Executor,
  serumsId: string,
  code: string,
  options: FactorOptions,
): Promise<boolean> {
  const now = clock(options);
  const row = await db.get<TotpRow>("SELECT * FROM auth_totp WHERE serums_id = $1", [serumsId]);
  const pending =
    row?.pending_sealed && Number(row.pending_expires_at) > now
      ? Secret.fromBase32(options.keys.open(SEAL, serumsId, row.pending_sealed))
      : undefined;
  const step = matchTotpStep(pending ?? DUMMY_SECRET, code.trim(), now);
  if (!pending || step === null) return false;
  const { changes } = await db.run(
    `UPDATE auth_totp SET secret_sealed = pending_sealed, pending_sealed = NULL, pending_expires_at = NULL,
       last_step = $2, confirmed_at = $3
     WHERE serums_id = $1 AND pending_sealed = $4`,
    [serumsId, step, now, row!.pending_sealed],
  );
  return changes === 1;
}

/**
 * Checks a login code: true once per time step at most. A user without TOTP (or unknown, null)
 * gets false after the same work.
 */
export async function verifyTotp(
  db: Executor,
  serumsId: string | null,
  code: string,
  options: FactorOptions,
): Promise<boolean> {
  const now = clock(options);
  const row = serumsId
    ? await db.get<TotpRow>("SELECT secret_sealed, last_step FROM auth_totp WHERE serums_id = $1", [serumsId])
    : undefined;
  const secret = row?.secret_sealed
    ? Secret.fromBase32(options.keys.open(SEAL, serumsId!, row.secret_sealed))
    : undefined;
  const step = matchTotpStep(secret ?? DUMMY_SECRET, String(code).trim(), now);
  if (!secret || step === null) return false;
  const { changes } = await db.run(
    `UPDATE auth_totp SET last_step = $2
     WHERE serums_id = $1 AND secret_sealed IS NOT NULL AND (last_step IS NULL OR last_step < $2)`,
    [serumsId, step],
  );
  return changes === 1;
}

/** Whether the user has a confirmed TOTP. */
export async function hasTotp(db: Executor, serumsId: string): Promise<boolean> {
  const row = await db.get(
    "SELECT 1 AS x FROM auth_totp WHERE serums_id = $1 AND secret_sealed IS NOT NULL",
    [serumsId],
  );
  return row !== undefined;
}

/** Removes the user's TOTP (active and pending); true when there was one. */
export async function removeTotp(db: Executor, serumsId: string): Promise<boolean> {
  const { changes } = await db.run("DELETE FROM auth_totp WHERE serums_id = $1", [serumsId]);
  return changes > 0;
}
