/**
 * The user's authenticators (the Serums Authenticator app: the companion page or `serums
 * authenticator`): enrolment by a one-time code, the Ed25519 public keys they hold, and the
 * signed, replay-proof requests they make (a server nonce, used once, plus a timestamp).
 */
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { ed25519PublicKey, enrolMessage, requestMessage, verifyEd25519 } from "./authenticator-protocol.ts";
import { enrolmentLink } from "./enrolment-link.ts";
import {
  atomically,
  type ClockOption,
  clock,
  type FactorOptions,
  groupCode,
  isBase32Code,
  newId,
  normalizeCode,
  randomBase32,
} from "./factor-support.ts";

/** How long an enrolment code is valid. */
export const ENROLMENT_TTL_MS = 10 * 60_000;
/** How long a request nonce is valid. */
export const NONCE_TTL_MS = 60_000;
/** How far a signed request's timestamp may be from the server's clock. */
export const REQUEST_SKEW_MS = 2 * 60_000;
const CODE_LENGTH = 16;

export interface EnrolmentCode {
  /** The code as the user reads it: four groups of four base32 characters (80 bits). */
  code: string;
  /** `serums-authenticator://enrol?server=…&code=…`: the code and the server, for apps. */
  uri: string;
  /**
   * The companion page's link with the code in its fragment (`…/app/authenticator/#enrol=…`):
   * what the QR code carries, so that a phone's camera opens the page ready to enrol.
   */
  link: string;
  expiresAt: number;
}

export interface Authenticator {
  id: string;
  serumsId: string;
  publicKey: string;
  label: string;
  status: "active" | "revoked";
  createdAt: number;
  lastUsedAt: number | null;
}

interface AuthenticatorRow {
  id: string;
  serums_id: string;
  public_key: string;
  label: string;
  status: "active" | "revoked";
  created_at: number;
  last_used_at: number | null;
}

function toAuthenticator(row: AuthenticatorRow): Authenticator {
  return {
    id: row.id,
    serumsId: row.serums_id,
    publicKey: row.public_key,
    label: row.label,
    status: row.status,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

/**
 * A one-time enrolment code for `serumsId` (valid 10 minutes; an earlier unused code of the user
 * is voided). `server` is the base URL the authenticator will talk to; it goes into the URI.
 */
export async function createEnrolmentCode(
  db: Executor,
  serumsId: string,
  server: string,
  options: FactorOptions,
): Promise<EnrolmentCode> {
  const now = clock(options);
  const code = randomBase32(CODE_LENGTH);
  const expiresAt = now + ENROLMENT_TTL_MS;
  await atomically(db, async (tx) => {
    await tx.run("DELETE FROM auth_authenticator_enrolment WHERE serums_id = $1 AND used_at IS NULL", [
      serumsId,
    ]);
    await tx.run(
      "INSERT INTO auth_authenticator_enrolment (code_mac, serums_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
      [options.keys.mac("enrolment", code), serumsId, now, expiresAt],
    );
  });
  const shown = groupCode(code, 4);
  const uri = `serums-authenticator://enrol?${new URLSearchParams({ server, code: shown }).toString()}`;
  return { code: shown, uri, link: enrolmentLink(server, shown), expiresAt };
}

export interface EnrolRequest {
  code: string;
  publicKey: string;
  label: string;
  /** Signature of `enrolMessage(normalized code, publicKey)`: proof of the private key. */
  signature: string;
}

/**
 * Binds a new authenticator's public key to the user whose code it presents. The code is used
 * once; an unknown, used or expired code is UNAUTHENTICATED, a bad signature BAD_SIGNATURE, a
 * public key already enrolled CONFLICT.
 */
export async function enrolAuthenticator(
  db: Executor,
  request: EnrolRequest,
  options: FactorOptions,
): Promise<Authenticator> {
  const now = clock(options);
  const code = normalizeCode(request.code);
  if (!isBase32Code(code, CODE_LENGTH)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `code must be the ${CODE_LENGTH}-character enrolment code shown by Serums (groups of 4, e.g. "7k3m-9qx2-hv4t-8dpa")`,
      { path: "code" },
    );
  }
  const label = request.label.trim();
  if (label.length < 1 || label.length > 64) {
    throw new SerumsError("BAD_REQUEST", `label must have 1 to 64 characters; it has ${label.length}`, {
      path: "label",
    });
  }
  const key = ed25519PublicKey(request.publicKey);
  if (!verifyEd25519(key, enrolMessage(code, request.publicKey), request.signature)) {
    throw new SerumsError(
      "BAD_SIGNATURE",
      "signature is not the new key's signature of the enrolment message",
      {
        path: "signature",
      },
    );
  }
  return atomically(db, async (tx) => {
    const taken = await tx.get("SELECT id FROM auth_authenticator WHERE public_key = $1", [
      request.publicKey,
    ]);
    if (taken)
      throw new SerumsError("CONFLICT", "this public key is already enrolled", { path: "publicKey" });
    const [claimed] = await tx.all<{ serums_id: string }>(
      `UPDATE auth_authenticator_enrolment SET used_at = $2
       WHERE code_mac = $1 AND used_at IS NULL AND expires_at > $2 RETURNING serums_id`,
      [options.keys.mac("enrolment", code), now],
    );
    if (!claimed) {
      throw new SerumsError(
        "UNAUTHENTICATED",
        "the enrolment code is unknown, already used or expired; ask for a new one",
        {
          path: "code",
        },
      );
    }
    const row: AuthenticatorRow = {
      id: newId(),
      serums_id: claimed.serums_id,
      public_key: request.publicKey,
      label,
      status: "active",
      created_at: now,
      last_used_at: null,
    };
    await tx.run(
      "INSERT INTO auth_authenticator (id, serums_id, public_key, label, status, created_at) VALUES ($1, $2, $3, $4, 'active', $5)",
      [row.id, row.serums_id, row.public_key, row.label, now],
    );
    return toAuthenticator(row);
  });
}

/** One authenticator by its id, or undefined. */
export async function getAuthenticator(db: Executor, id: string): Promise<Authenticator | undefined> {
  const row = await db.get<AuthenticatorRow>("SELECT * FROM auth_authenticator WHERE id = $1", [id]);
  return row ? toAuthenticator(row) : undefined;
}

/** The user's authenticators, oldest first (revoked ones included, marked). */
export async function listAuthenticators(db: Executor, serumsId: string): Promise<Authenticator[]> {
  const rows = await db.all<AuthenticatorRow>(
    "SELECT * FROM auth_authenticator WHERE serums_id = $1 ORDER BY created_at, id",
    [serumsId],
  );
  return rows.map(toAuthenticator);
}

/** Revokes one of the user's authenticators; NOT_FOUND when the user has no such active one. */
export async function revokeAuthenticator(db: Executor, serumsId: string, id: string): Promise<void> {
  const { changes } = await db.run(
    "UPDATE auth_authenticator SET status = 'revoked' WHERE id = $1 AND serums_id = $2 AND status = 'active'",
    [id, serumsId],
  );
  if (changes === 0)
    throw new SerumsError("NOT_FOUND", `no active authenticator ${id} of yours`, { path: "id" });
}

/** A fresh nonce for one signed request of an active authenticator (valid one minute, used once). */
export async function issueAuthenticatorNonce(
  db: Executor,
  authenticatorId: string,
  options: ClockOption = {},
): Promise<{ nonce: string; expiresAt: number }> {
  const now = clock(options);
  const authenticator = await getAuthenticator(db, authenticatorId);
  if (authenticator?.status !== "active") {
    throw new SerumsError("UNAUTHENTICATED", "no active authenticator has this id; enrol again", {
      path: "authenticatorId",
    });
  }
  const nonce = newId();
  const expiresAt = now + NONCE_TTL_MS;
  await db.run("DELETE FROM auth_authenticator_nonce WHERE expires_at <= $1", [now]);
  await db.run(
    "INSERT INTO auth_authenticator_nonce (nonce, authenticator_id, expires_at) VALUES ($1, $2, $3)",
    [nonce, authenticatorId, expiresAt],
  );
  return { nonce, expiresAt };
}

export interface SignedRequest {
  authenticatorId: string;
  action: string;
  nonce: string;
  timestamp: number;
  /** Signature of `requestMessage(authenticatorId, action, nonce, timestamp)`. */
  signature: string;
}

/**
 * Checks a signed request: an active authenticator, its signature over the nonce and timestamp,
 * the timestamp within two minutes, and the nonce issued to it, unexpired and not used before
 * (it is used up here). Returns the authenticator; UNAUTHENTICATED otherwise.
 */
export async function verifyAuthenticatorRequest(
  db: Executor,
  request: SignedRequest,
  options: ClockOption = {},
): Promise<Authenticator> {
  const now = clock(options);
  const refuse = (why: string): never => {
    throw new SerumsError("UNAUTHENTICATED", `the authenticator's request is refused: ${why}`, {
      path: "signature",
    });
  };
  const authenticator = await getAuthenticator(db, request.authenticatorId);
  if (authenticator?.status !== "active") return refuse("no active authenticator has this id");
  const message = requestMessage(request.authenticatorId, request.action, request.nonce, request.timestamp);
  if (!verifyEd25519(authenticator.publicKey, message, request.signature)) return refuse("bad signature");
  if (!Number.isFinite(request.timestamp) || Math.abs(now - request.timestamp) > REQUEST_SKEW_MS) {
    return refuse("its timestamp is more than two minutes from the server's clock");
  }
  const { changes } = await db.run(
    `UPDATE auth_authenticator_nonce SET used_at = $3
     WHERE nonce = $1 AND authenticator_id = $2 AND used_at IS NULL AND expires_at > $3`,
    [request.nonce, request.authenticatorId, now],
  );
  if (changes !== 1) return refuse("the nonce is unknown, expired or already used; ask for a new one");
  await db.run("UPDATE auth_authenticator SET last_used_at = $2 WHERE id = $1", [authenticator.id, now]);
  return authenticator;
}
