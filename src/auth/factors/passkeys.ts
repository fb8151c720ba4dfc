/**
 * Passkeys (WebAuthn) with `@simplewebauthn/server`: registration and authentication options,
 * the library's verification of the authenticator's responses, challenges kept server-side (5
 * minutes, used once, bound to the user and the purpose), and the signature counter checked and
 * advanced in one conditional UPDATE (a cloned authenticator shows as a counter that went back).
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { atomically, clock, type FactorOptions, newId } from "./factor-support.ts";

export const WEBAUTHN_TIMEOUT_MS = 5 * 60_000;

/** The relying party: this site as browsers see it. */
export interface RelyingParty {
  /** The RP ID: the site's host name, e.g. "serums.example.org". */
  id: string;
  name: string;
  /** The origins allowed in client data, e.g. ["https://serums.example.org"]. */
  origins: string[];
}

/** The relying party of a public origin such as "https://serums.example.org". */
export function relyingPartyFor(publicOrigin: string, name = "Serums"): RelyingParty {
  const url = new URL(publicOrigin);
  return { id: url.hostname, name, origins: [url.origin] };
}

export interface PasskeyOptions extends FactorOptions {
  rp: RelyingParty;
}

export interface Passkey {
  id: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
}

interface PasskeyRow {
  id: string;
  serums_id: string;
  public_key: string;
  counter: number;
  transports: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
}

/** The challenge in a response's client data (base64url), or BAD_REQUEST. */
function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string {
  const encoded = response?.response?.clientDataJSON;
  try {
    const data = JSON.parse(Buffer.from(String(encoded), "base64url").toString("utf8")) as {
      challenge?: unknown;
    };
    if (typeof data.challenge === "string" && /^[A-Za-z0-9_-]{16,128}$/.test(data.challenge))
      return data.challenge;
  } catch {
    // fall through
  }
  throw new SerumsError(
    "BAD_REQUEST",
    "response.clientDataJSON is not base64url JSON client data with a challenge",
    {
      path: "response.response.clientDataJSON",
    },
  );
}

async function storeChallenge(
  db: Executor,
  challenge: string,
  serumsId: string | null,
  purpose: "registration" | "authentication",
  now: number,
): Promise<void> {
  await db.run("DELETE FROM auth_webauthn_challenge WHERE expires_at <= $1", [now]);
  await db.run(
    "INSERT INTO auth_webauthn_challenge (challenge, serums_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
    [challenge, serumsId, purpose, now + WEBAUTHN_TIMEOUT_MS],
  );
}

/** Uses a stored challenge up: true when it was the user's, for this purpose, unused and unexpired. */
async function consumeChallenge(
  db: Executor,
  challenge: string,
  serumsId: string | null,
  purpose: "registration" | "authentication",
  now: number,
): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE auth_webauthn_challenge SET used_at = $4
     WHERE challenge = $1 AND purpose = $3 AND used_at IS NULL AND expires_at > $4
       AND (serums_id = $2 OR (serums_id IS NULL AND $2 IS NULL))`,
    [challenge, serumsId, purpose, now],
  );
  return changes === 1;
}

/** Options for `navigator.credentials.create()`: a new passkey for `serumsId`. */
export async function passkeyRegistrationOptions(
  db: Executor,
  serumsId: string,
  userName: string,
  options: PasskeyOptions,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await db.all<PasskeyRow>("SELECT id, transports FROM auth_passkey WHERE serums_id = $1", [
    serumsId,
  ]);
  const creation = await generateRegistrationOptions({
    rpName: options.rp.name,
    rpID: options.rp.id,
    userName,
    userID: new TextEncoder().encode(serumsId),
    timeout: WEBAUTHN_TIMEOUT_MS,
    attestationType: "none",
    excludeCredentials: existing.map((row) => ({ id: row.id, transports: JSON.parse(row.transports) })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
  await storeChallenge(db, creation.challenge, serumsId, "registration", clock(options));
  return creation;
}

/**
 * Verifies the browser's answer to the registration options and stores the passkey. BAD_REQUEST
 * when the challenge is not the user's, used or expired, or the library refuses the response;
 * CONFLICT when the credential is already registered.
 */
export async function verifyPasskeyRegistration(
  db: Executor,
  serumsId: string,
  response: RegistrationResponseJSON,
  options: PasskeyOptions & { label?: string },
): Promise<Passkey> {
  const now = clock(options);
  const challenge = challengeOf(response);
  if (!(await consumeChallenge(db, challenge, serumsId, "registration", now))) {
    throw new SerumsError(
      "BAD_REQUEST",
      "the registration's challenge is unknown, another user's, used or expired",
      {
        path: "response.response.clientDataJSON",
      },
    );
  }
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: options.rp.origins,
      expectedRPID: options.rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the passkey registration does not verify: ${(error as Error).message}`,
      {
        path: "response",
      },
    );
  }
  if (!verified.verified)
    throw new SerumsError("BAD_REQUEST", "the passkey registration does not verify", { path: "response" });
  const { credential } = verified.registrationInfo;
  const label = (options.label ?? "passkey").trim().slice(0, 64) || "passkey";
  return atomically(db, async (tx) => {
    if (await tx.get("SELECT 1 AS x FROM auth_passkey WHERE id = $1", [credential.id])) {
      throw new SerumsError("CONFLICT", "this passkey is already registered", { path: "response.id" });
    }
    await tx.run(
      `INSERT INTO auth_passkey (id, serums_id, public_key, counter, transports, label, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        credential.id,
        serumsId,
        Buffer.from(credential.publicKey).toString("base64url"),
        credential.counter,
        JSON.stringify(credential.transports ?? response.response.transports ?? []),
        label,
        now,
      ],
    );
    return { id: credential.id, label, createdAt: now, lastUsedAt: null };
  });
}

/**
 * Options for `navigator.credentials.get()`. For an unknown user (null) or one without passkeys
 * the options name a made-up credential derived from `decoySeed` (e.g. the login name typed), the
 * same one every time, so the answer does not tell whether the user exists.
 */
export async function passkeyAuthenticationOptions(
  db: Executor,
  serumsId: string | null,
  options: PasskeyOptions & { decoySeed?: string },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const rows = serumsId
    ? await db.all<PasskeyRow>(
        "SELECT id, transports FROM auth_passkey WHERE serums_id = $1 ORDER BY created_at",
        [serumsId],
      )
    : [];
  const allow =
    rows.length > 0
      ? rows.map((row) => ({ id: row.id, transports: JSON.parse(row.transports) as string[] }))
      : [
          {
            id: Buffer.from(
              options.keys.mac("passkey-decoy", options.decoySeed ?? serumsId ?? newId()).slice(0, 32),
              "hex",
            ).toString("base64url"),
            transports: ["internal", "hybrid"],
          },
        ];
  const request = await generateAuthenticationOptions({
    rpID: options.rp.id,
    allowCredentials: allow,
    timeout: WEBAUTHN_TIMEOUT_MS,
    userVerification: "preferred",
  });
  await storeChallenge(db, request.challenge, serumsId, "authentication", clock(options));
  return request;
}

/**
 * Checks a passkey assertion for `serumsId`: the challenge (used up), the credential being one of
 * the user's, the library's verification of signature, origin and RP, and the counter advanced
 * atomically. False on any failure; never throws for a bad assertion.
 */
export async function verifyPasskeyAuthentication(
  db: Executor,
  serumsId: string | null,
  response: AuthenticationResponseJSON,
  options: PasskeyOptions,
): Promise<boolean> {
  const now = clock(options);
  let challenge: string;
  try {
    challenge = challengeOf(response);
  } catch {
    return false;
  }
  if (!(await consumeChallenge(db, challenge, serumsId, "authentication", now)) || !serumsId) return false;
  const row = await db.get<PasskeyRow>("SELECT * FROM auth_passkey WHERE id = $1 AND serums_id = $2", [
    String(response?.id),
    serumsId,
  ]);
  if (!row) return false;
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: options.rp.origins,
      expectedRPID: options.rp.id,
      credential: {
        id: row.id,
        publicKey: Buffer.from(row.public_key, "base64url"),
        counter: Number(row.counter),
        transports: JSON.parse(row.transports),
      },
      requireUserVerification: false,
    });
    if (!verified.verified) return false;
    newCounter = verified.authenticationInfo.newCounter;
  } catch {
    return false;
  }
  const { changes } = await db.run(
    "UPDATE auth_passkey SET counter = $3, last_used_at = $4 WHERE id = $1 AND counter = $2",
    [row.id, Number(row.counter), newCounter, now],
  );
  return changes === 1;
}

/** The user's passkeys (no key material). */
export async function listPasskeys(db: Executor, serumsId: string): Promise<Passkey[]> {
  const rows = await db.all<PasskeyRow>(
    "SELECT * FROM auth_passkey WHERE serums_id = $1 ORDER BY created_at, id",
    [serumsId],
  );
  return rows.map((row) => ({
    id: row.id,
    label: row.label,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  }));
}

/** Removes one of the user's passkeys; NOT_FOUND when the user has no such passkey. */
export async function removePasskey(db: Executor, serumsId: string, id: string): Promise<void> {
  const { changes } = await db.run("DELETE FROM auth_passkey WHERE id = $1 AND serums_id = $2", [
    id,
    serumsId,
  ]);
  if (changes === 0) throw new SerumsError("NOT_FOUND", `no passkey ${id} of yours`, { path: "id" });
}
