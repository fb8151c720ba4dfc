/**
 * Per-account slowing and lockout. Failures are counted per login name (as a keyed hash), for
 * known and unknown names alike, so the answers never tell them apart. The first two failures
 * cost nothing; from the third, the next attempt must wait 1 s, then 2 s, 4 s … (doubling, at
 * most 5 minutes); the tenth failure locks the name for 15 minutes. A success clears the count.
 *
 * The check and the count are one atomic statement (`reserveAttempt`): an attempt is counted as a
 * failure BEFORE its key is verified, in a conditional UPDATE that passes only when the name is
 * neither locked nor waiting, and a success then clears the count. So parallel attempts on one
 * name cannot all pass the check before any of them is counted: each UPDATE sees the count the
 * previous one left (PostgreSQL locks the row and re-evaluates the condition; SQLite runs one
 * statement at a time).
 */
import type { Executor } from "../../store/index.ts";

export const FREE_FAILURES = 2;
export const LOCKOUT_FAILURES = 10;
export const LOCKOUT_MS = 15 * 60_000;
export const MAX_DELAY_MS = 5 * 60_000;

export type ThrottleState = { ok: true } | { ok: false; retryAfterMs: number; locked: boolean };

/** An attempt let through (and already counted), or why not. */
export type Reservation =
  | {
      ok: true;
      /** The count including this attempt (0 when this attempt started a lockout). */
      failures: number;
      /** Until when this attempt locked the name, if it did (it is the tenth in a row). */
      lockedUntil: number | null;
    }
  | { ok: false; retryAfterMs: number; locked: boolean };

interface ThrottleRow {
  failures: number | string;
  last_failure_at: number | string;
  locked_until: number | string | null;
}

/** The wait imposed after `failures` consecutive failures (before the lockout). */
export function delayAfter(failures: number): number {
  if (failures <= FREE_FAILURES) return 0;
  return Math.min(1000 * 2 ** (failures - FREE_FAILURES - 1), MAX_DELAY_MS);
}

/** `delayAfter(failures)` as SQL: a CASE over every count the table can hold (constants only). */
const DELAY_SQL = `CASE ${Array.from(
  { length: LOCKOUT_FAILURES },
  (_, f) => `WHEN failures = ${f} THEN ${delayAfter(f)}`,
).join(" ")} ELSE ${MAX_DELAY_MS} END`;

/** Whether an attempt for this subject may proceed at `now`, or how long it must wait (read only). */
export async function checkThrottle(ex: Executor, subjectHash: string, now: number): Promise<ThrottleState> {
  const row = await ex.get<ThrottleRow>("SELECT * FROM auth_login_throttle WHERE subject_hash = $1", [
    subjectHash,
  ]);
  if (!row) return { ok: true };
  if (row.locked_until !== null && now < Number(row.locked_until)) {
    return { ok: false, retryAfterMs: Number(row.locked_until) - now, locked: true };
  }
  const readyAt = Number(row.last_failure_at) + delayAfter(Number(row.failures));
  return now < readyAt ? { ok: false, retryAfterMs: readyAt - now, locked: false } : { ok: true };
}

/**
 * Lets one attempt for `subjectHash` through at `now` and counts it as a failure, atomically — or
 * refuses it (locked or waiting) without counting. Call it before verifying anything; call
 * `clearFailures` when the attempt succeeds. The tenth attempt in a row locks the name (for the
 * attempts after it; it is itself still verified).
 */
export async function reserveAttempt(ex: Executor, subjectHash: string, now: number): Promise<Reservation> {
  for (let round = 0; round < 3; round++) {
    await ex.run(
      `INSERT INTO auth_login_throttle (subject_hash, failures, last_failure_at, locked_until)
       VALUES ($1, 0, 0, NULL) ON CONFLICT (subject_hash) DO NOTHING`,
      [subjectHash],
    );
    const row = await ex.get<{ failures: number | string; locked_until: number | string | null }>(
      `UPDATE auth_login_throttle SET
         failures = CASE WHEN failures + 1 >= ${LOCKOUT_FAILURES} THEN 0 ELSE failures + 1 END,
         locked_until = CASE WHEN failures + 1 >= ${LOCKOUT_FAILURES} THEN $2 + ${LOCKOUT_MS} ELSE locked_until END,
         last_failure_at = $2
       WHERE subject_hash = $1
         AND (locked_until IS NULL OR locked_until <= $2)
         AND last_failure_at + ${DELAY_SQL} <= $2
       RETURNING failures, locked_until`,
      [subjectHash, now],
    );
    if (row) {
      const lockedUntil = row.locked_until === null ? null : Number(row.locked_until);
      return {
        ok: true,
        failures: Number(row.failures),
        lockedUntil: lockedUntil !== null && lockedUntil > now ? lockedUntil : null,
      };
    }
    const state = await checkThrottle(ex, subjectHash, now);
    if (!state.ok) return state;
    // A success cleared the row between the two statements: try again.
  }
  return { ok: false, retryAfterMs: 1000, locked: false };
}

/** A successful login clears the subject's failures. */
export async function clearFailures(ex: Executor, subjectHash: string): Promise<void> {
  await ex.run("DELETE FROM auth_login_throttle WHERE subject_hash = $1", [subjectHash]);
}
