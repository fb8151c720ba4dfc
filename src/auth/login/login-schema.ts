/**
 * The tables of the login flow: pending login attempts (one per push challenge), the per-account
 * failure counters that slow down and then lock out guessing, and the authentication event log.
 * Staff accounts, created by an administrator, wait for their owner to set their keys with a
 * one-time activation code (stored hashed). A login name is never stored here: attempts and counters hold a keyed hash of it, so unknown
 * names (typos, guesses) leave no readable trace; events name a Serums ID or nobody.
 */
import type { Migration } from "../../store/index.ts";

export const loginMigrations: readonly Migration[] = [
  {
    id: "auth/040-login",
    sql: `CREATE TABLE auth_login_attempt (
  challenge_id TEXT PRIMARY KEY,
  subject_hash TEXT NOT NULL,
  serums_id TEXT REFERENCES auth_user(serums_id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT
);
CREATE TABLE auth_login_throttle (
  subject_hash TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at BIGINT NOT NULL,
  locked_until BIGINT
);
CREATE TABLE auth_event (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT,
  serums_id TEXT REFERENCES auth_user(serums_id),
  address_hash TEXT,
  CHECK (outcome IN ('success','failure','refused'))
);
CREATE INDEX auth_event_user ON auth_event (serums_id, at);
CREATE INDEX auth_event_at ON auth_event (at);`,
  },
  {
    id: "auth/041-activation",
    sql: `CREATE TABLE auth_activation (
  code_hash TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX auth_activation_user ON auth_activation (serums_id);`,
  },
];
