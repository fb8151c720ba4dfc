/**
 * The tables of sessions and refresh tokens. A session is one login: its refresh tokens form a
 * family (each use of one returns the next); revoking the session kills the whole family and,
 * since access tokens carry the session id, every access token of it at the server.
 * Refresh tokens are stored only as SHA-256 hashes (they are 256 random bits).
 */
import type { Migration } from "../../store/index.ts";

export const tokenMigrations: readonly Migration[] = [
  {
    id: "auth/030-sessions",
    sql: `CREATE TABLE auth_session (
  session_id TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  amr TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revoked_reason TEXT,
  CHECK (revoked_reason IS NULL OR revoked_reason IN ('logout','reuse','disabled','admin'))
);
CREATE INDEX auth_session_user ON auth_session (serums_id);
CREATE TABLE auth_refresh_token (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES auth_session(session_id),
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX auth_refresh_token_session ON auth_refresh_token (session_id);`,
  },
];
