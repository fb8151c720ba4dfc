/**
 * The tables of FlexPass's second factors. Every row hangs from `auth_user(serums_id)`; secrets
 * are stored only as keyed hashes (one-time codes, recovery codes, enrolment codes) or sealed
 * with AES-256-GCM (TOTP secrets, phone numbers) — see factor-keys.ts.
 */
import type { Migration } from "../../store/index.ts";

export const factorMigrations: readonly Migration[] = [
  {
    id: "auth/020-authenticators",
    sql: `CREATE TABLE auth_authenticator (
  id TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  public_key TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  CHECK (status IN ('active','revoked'))
);
CREATE INDEX auth_authenticator_user ON auth_authenticator (serums_id);
CREATE TABLE auth_authenticator_enrolment (
  code_mac TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE TABLE auth_authenticator_nonce (
  nonce TEXT PRIMARY KEY,
  authenticator_id TEXT NOT NULL REFERENCES auth_authenticator(id),
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);`,
  },
  {
    id: "auth/021-push-challenges",
    sql: `CREATE TABLE auth_push_challenge (
  id TEXT PRIMARY KEY,
  serums_id TEXT REFERENCES auth_user(serums_id),
  number_shown TEXT NOT NULL,
  origin_address TEXT NOT NULL,
  origin_user_agent TEXT NOT NULL,
  origin_site TEXT NOT NULL,
  origin_time BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  deny_reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  authenticator_id TEXT REFERENCES auth_authenticator(id),
  decoy_tag TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  decided_at BIGINT,
  used_at BIGINT,
  CHECK (status IN ('pending','approved','denied','used'))
);
CREATE INDEX auth_push_challenge_pending ON auth_push_challenge (serums_id, status, expires_at);`,
  },
  {
    id: "auth/022-totp",
    sql: `CREATE TABLE auth_totp (
  serums_id TEXT PRIMARY KEY REFERENCES auth_user(serums_id),
  secret_sealed TEXT,
  pending_sealed TEXT,
  pending_expires_at BIGINT,
  last_step BIGINT,
  confirmed_at BIGINT,
  created_at BIGINT NOT NULL
);`,
  },
  {
    id: "auth/023-passkeys",
    sql: `CREATE TABLE auth_passkey (
  id TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  public_key TEXT NOT NULL,
  counter BIGINT NOT NULL,
  transports TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX auth_passkey_user ON auth_passkey (serums_id);
CREATE TABLE auth_webauthn_challenge (
  challenge TEXT PRIMARY KEY,
  serums_id TEXT REFERENCES auth_user(serums_id),
  purpose TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  CHECK (purpose IN ('registration','authentication'))
);`,
  },
  {
    id: "auth/024-sms",
    sql: `CREATE TABLE auth_sms_phone (
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  status TEXT NOT NULL,
  phone_sealed TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  confirmed_at BIGINT,
  PRIMARY KEY (serums_id, status),
  CHECK (status IN ('pending','active'))
);
CREATE TABLE auth_sms_code (
  id TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  purpose TEXT NOT NULL,
  code_mac TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  CHECK (purpose IN ('confirm','login'))
);
CREATE INDEX auth_sms_code_user ON auth_sms_code (serums_id, created_at);`,
  },
  {
    id: "auth/025-recovery-codes",
    sql: `CREATE TABLE auth_recovery_code (
  id TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL REFERENCES auth_user(serums_id),
  code_mac TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX auth_recovery_code_user ON auth_recovery_code (serums_id);`,
  },
  {
    // Push bombing: a challenge beyond the cap of undecided ones is held back from the
    // authenticator (never listed, never approvable); other factors still work on it.
    id: "auth/026-push-held-back",
    sql: "ALTER TABLE auth_push_challenge ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;",
  },
];
