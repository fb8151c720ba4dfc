/**
 * The authentication event log: every registration, enrolment, login step, refresh, reuse,
 * logout, lockout and refusal, with its time, kind, outcome, a short reason code, the Serums ID
 * when the user is known (never a login name, never a secret) and the client address as a keyed
 * hash.
 */
import { randomUUID } from "node:crypto";
import type { Executor } from "../../store/index.ts";

export const EVENT_KINDS = [
  "register",
  "activate",
  "enrol_staff",
  "create_admin",
  "login_start",
  "login_finish",
  "refresh",
  "logout",
  "reauthenticate",
  "key_change",
  "factor_change",
  "account_disabled",
] as const;
export type AuthEventKind = (typeof EVENT_KINDS)[number];
export type AuthOutcome = "success" | "failure" | "refused";

export interface AuthEvent {
  id: string;
  at: number;
  kind: AuthEventKind;
  outcome: AuthOutcome;
  /** A short code: bad_credentials, locked, throttled, rate_limited, reused, expired, … */
  reason: string | null;
  serumsId: string | null;
  addressHash: string | null;
}

const REASON = /^[a-z_]{1,40}$/;

export async function recordAuthEvent(
  ex: Executor,
  event: Omit<AuthEvent, "id" | "at" | "reason" | "addressHash"> & {
    reason?: string;
    addressHash?: string | null;
  },
  options: { now?: () => number } = {},
): Promise<void> {
  const reason = event.reason && REASON.test(event.reason) ? event.reason : null;
  await ex.run(
    "INSERT INTO auth_event (id, at, kind, outcome, reason, serums_id, address_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    [
      randomUUID(),
      (options.now ?? Date.now)(),
      event.kind,
      event.outcome,
      reason,
      event.serumsId,
      event.addressHash ?? null,
    ],
  );
}

interface EventRow {
  id: string;
  at: number | string;
  kind: AuthEventKind;
  outcome: AuthOutcome;
  reason: string | null;
  serums_id: string | null;
  address_hash: string | null;
}

/** Events, newest first; of one user when `serumsId` is given. */
export async function listAuthEvents(
  ex: Executor,
  filter: { serumsId?: string; limit?: number } = {},
): Promise<AuthEvent[]> {
  const limit = Math.max(1, Math.min(filter.limit ?? 100, 10_000));
  const rows =
    filter.serumsId === undefined
      ? await ex.all<EventRow>(`SELECT * FROM auth_event ORDER BY at DESC, id LIMIT ${limit}`)
      : await ex.all<EventRow>(
          `SELECT * FROM auth_event WHERE serums_id = $1 ORDER BY at DESC, id LIMIT ${limit}`,
          [filter.serumsId],
        );
  return rows.map((r) => ({
    id: r.id,
    at: Number(r.at),
    kind: r.kind,
    outcome: r.outcome,
    reason: r.reason,
    serumsId: r.serums_id,
    addressHash: r.address_hash,
  }));
}
