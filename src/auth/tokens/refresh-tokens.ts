/**
 * Rotating refresh tokens. Each login starts a session (the token family); each refresh marks
 * the presented token used and returns a new one of the same family. Presenting a token that was
 * already used means two parties hold it (a thief and the user): the whole family is revoked, so
 * both lose their refresh tokens, and (through `sid`) their access tokens at the server.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Executor, Store } from "../../store/index.ts";
import type { AuthMethod } from "./access-claims.ts";

/** A refresh token is good for 24 hours after its issue; a session at most 30 days. */
export const REFRESH_TOKEN_TTL_MS = 24 * 3600_000;
export const SESSION_MAX_MS = 30 * 24 * 3600_000;

export type RevokeReason = "logout" | "reuse" | "disabled" | "admin";

export interface IssuedRefresh {
  sessionId: string;
  serumsId: string;
  amr: AuthMethod[];
  refreshToken: string;
  refreshExpiresAt: number;
}

export type RotateResult =
  | ({ ok: true } & IssuedRefresh)
  | { ok: false; reason: "unknown" | "expired" | "revoked"; serumsId: string | null }
  | { ok: false; reason: "reused"; serumsId: string; sessionId: string };

const TOKEN_PATTERN = /^srt_[A-Za-z0-9_-]{43}$/;

/** The stored form of a refresh token. */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

async function issue(ex: Executor, sessionId: string, now: number, sessionExpiresAt: number) {
  const token = `srt_${randomBytes(32).toString("base64url")}`;
  const expiresAt = Math.min(now + REFRESH_TOKEN_TTL_MS, sessionExpiresAt);
  await ex.run(
    "INSERT INTO auth_refresh_token (token_hash, session_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
    [hashRefreshToken(token), sessionId, now, expiresAt],
  );
  return { token, expiresAt };
}

/** Starts a session for a user who just logged in; returns its first refresh token. */
export async function startSession(
  ex: Executor,
  serumsId: string,
  amr: readonly AuthMethod[],
  options: { now?: () => number } = {},
): Promise<IssuedRefresh> {
  const now = (options.now ?? Date.now)();
  const sessionId = randomUUID();
  const expiresAt = now + SESSION_MAX_MS;
  await ex.run(
    "INSERT INTO auth_session (session_id, serums_id, amr, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    [sessionId, serumsId, JSON.stringify(amr), now, expiresAt],
  );
  const { token, expiresAt: refreshExpiresAt } = await issue(ex, sessionId, now, expiresAt);
  return { sessionId, serumsId, amr: [...amr], refreshToken: token, refreshExpiresAt };
}

interface TokenRow {
  session_id: string;
  serums_id: string;
  amr: string;
  expires_at: number | string;
  used_at: number | string | null;
  session_expires_at: number | string;
  revoked_at: number | string | null;
}

/**
 * Exchanges a refresh token for the next one of its family. A used token revokes the family
 * (the revocation is committed, and the result says "reused").
 */
export async function rotateRefreshToken(
  store: Store,
  token: string,
  options: { now?: () => number } = {},
): Promise<RotateResult> {
  const now = (options.now ?? Date.now)();
  if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: "unknown", serumsId: null };
  const hash = hashRefreshToken(token);
  return store.transaction(async (tx): Promise<RotateResult> => {
    const row = await tx.get<TokenRow>(
      `SELECT t.session_id, s.serums_id, s.amr, t.expires_at, t.used_at, s.expires_at AS session_expires_at, s.revoked_at
       FROM auth_refresh_token t JOIN auth_session s ON s.session_id = t.session_id WHERE t.token_hash = $1`,
      [hash],
    );
    if (!row) return { ok: false, reason: "unknown", serumsId: null };
    if (row.revoked_at !== null) return { ok: false, reason: "revoked", serumsId: row.serums_id };
    // Marking it used is atomic: of two concurrent uses, exactly one changes the row.
    const marked =
      row.used_at === null
        ? await tx.run(
            "UPDATE auth_refresh_token SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
            [now, hash],
          )
        : { changes: 0 };
    if (marked.changes !== 1) {
      await revokeSession(tx, row.session_id, "reuse", { now: () => now });
      return { ok: false, reason: "reused", serumsId: row.serums_id, sessionId: row.session_id };
    }
    if (now >= Number(row.expires_at)) return { ok: false, reason: "expired", serumsId: row.serums_id };
    const next = await issue(tx, row.session_id, now, Number(row.session_expires_at));
    return {
      ok: true,
      sessionId: row.session_id,
      serumsId: row.serums_id,
      amr: JSON.parse(row.amr) as AuthMethod[],
      refreshToken: next.token,
      refreshExpiresAt: next.expiresAt,
    };
  });
}

/** Revokes a session (its refresh tokens, and its access tokens at the server). Idempotent. */
export async function revokeSession(
  ex: Executor,
  sessionId: string,
  reason: RevokeReason,
  options: { now?: () => number } = {},
): Promise<boolean> {
  const now = (options.now ?? Date.now)();
  const { changes } = await ex.run(
    "UPDATE auth_session SET revoked_at = $1, revoked_reason = $2 WHERE session_id = $3 AND revoked_at IS NULL",
    [now, reason, sessionId],
  );
  return changes === 1;
}

/** Revokes every live session of a user (when the account is disabled). */
export async function revokeUserSessions(
  ex: Executor,
  serumsId: string,
  reason: RevokeReason,
  options: { now?: () => number } = {},
): Promise<number> {
  const now = (options.now ?? Date.now)();
  const { changes } = await ex.run(
    "UPDATE auth_session SET revoked_at = $1, revoked_reason = $2 WHERE serums_id = $3 AND revoked_at IS NULL",
    [now, reason, serumsId],
  );
  return changes;
}

/**
 * Revokes every live session of a user but `keep` (after a change of key: whoever else holds a
 * token of theirs is out). Recorded with the reason "logout": the user ended them.
 */
export async function revokeOtherSessions(
  ex: Executor,
  serumsId: string,
  keep: string,
  options: { now?: () => number } = {},
): Promise<number> {
  const now = (options.now ?? Date.now)();
  const { changes } = await ex.run(
    `UPDATE auth_session SET revoked_at = $1, revoked_reason = 'logout'
     WHERE serums_id = $2 AND session_id <> $3 AND revoked_at IS NULL`,
    [now, serumsId, keep],
  );
  return changes;
}

/** The session a refresh token belongs to (for logout by refresh token), if any. */
export async function sessionOfRefreshToken(ex: Executor, token: string): Promise<string | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const row = await ex.get<{ session_id: string }>(
    "SELECT session_id FROM auth_refresh_token WHERE token_hash = $1",
    [hashRefreshToken(token)],
  );
  return row?.session_id;
}

/** Whether a session may still be used at `now` (not revoked, not past its end). */
export async function isSessionLive(ex: Executor, sessionId: string, now: number): Promise<boolean> {
  const row = await ex.get<{ revoked_at: unknown; expires_at: number | string }>(
    "SELECT revoked_at, expires_at FROM auth_session WHERE session_id = $1",
    [sessionId],
  );
  return row !== undefined && row.revoked_at === null && now < Number(row.expires_at);
}
