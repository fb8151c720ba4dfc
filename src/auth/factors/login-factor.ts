/**
 * The second factor of a login, in one place for the login flow: every login starts with a push
 * challenge (createPushChallenge — a decoy for unknown users); the user then either approves it on
 * their authenticator, or uses another factor bound to the same challenge: TOTP, a passkey, an SMS
 * code or a recovery code. `completeLoginFactor` checks the factor and uses the challenge up, so
 * one login start yields at most one login, and allows 5 wrong factor attempts per challenge.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import type { Executor } from "../../store/index.ts";
import { clock } from "./factor-support.ts";
import {
  type PasskeyOptions,
  passkeyAuthenticationOptions,
  verifyPasskeyAuthentication,
} from "./passkeys.ts";
import { consumeApproval, pendingChallengeOwner } from "./push-challenges.ts";
import { useRecoveryCode } from "./recovery-codes.ts";
import { sendLoginSmsCode, verifySmsCode } from "./sms-codes.ts";
import type { SmsSender } from "./sms-sender.ts";
import { verifyTotp } from "./totp.ts";

/** Wrong second-factor attempts allowed on one login challenge. */
export const MAX_FACTOR_ATTEMPTS = 5;

export type SecondFactorKind = "push" | "totp" | "passkey" | "sms" | "recovery";

/** What `POST /auth/login/finish` carries as `factor`. Absent means push. */
export type SecondFactor =
  | { kind: "push" }
  | { kind: "totp"; code: string }
  | { kind: "sms"; code: string }
  | { kind: "recovery"; code: string }
  | { kind: "passkey"; response: AuthenticationResponseJSON };

/** The RFC 8176 `amr` value of each method (push and passkey are proof of a held key: "hwk"/"swk"). */
export const AMR: Record<SecondFactorKind, string> = {
  push: "swk",
  totp: "otp",
  passkey: "hwk",
  sms: "sms",
  recovery: "kba",
};

export interface LoginFactorOptions extends PasskeyOptions {
  sender: SmsSender;
}

export interface CompletedFactor {
  serumsId: string;
  method: SecondFactorKind;
}

/**
 * Checks the second factor of login challenge `challengeId` and uses the challenge up. Returns
 * whose login it is, or undefined — for a wrong factor, an unknown, decoy, expired, denied or used
 * challenge, or too many attempts — always after the factor's own work, never saying which.
 */
export async function completeLoginFactor(
  db: Executor,
  challengeId: string,
  factor: SecondFactor,
  options: LoginFactorOptions,
): Promise<CompletedFactor | undefined> {
  if (factor.kind === "push") {
    const approval = await consumeApproval(db, challengeId, options);
    return approval ? { serumsId: approval.serumsId, method: "push" } : undefined;
  }
  const now = clock(options);
  const owner = await pendingChallengeOwner(db, challengeId, options);
  const counted = owner
    ? await db.run(
        `UPDATE auth_push_challenge SET attempts = attempts + 1
         WHERE id = $1 AND status = 'pending' AND attempts < $2 AND expires_at > $3`,
        [challengeId, MAX_FACTOR_ATTEMPTS, now],
      )
    : { changes: 0 };
  const serumsId = counted.changes === 1 ? (owner?.serumsId ?? null) : null;
  let ok: boolean;
  switch (factor.kind) {
    case "totp":
      ok = await verifyTotp(db, serumsId, factor.code, options);
      break;
    case "sms":
      ok = await verifySmsCode(db, serumsId, factor.code, options);
      break;
    case "recovery":
      ok = await useRecoveryCode(db, serumsId, factor.code, options);
      break;
    case "passkey":
      ok = await verifyPasskeyAuthentication(db, serumsId, factor.response, options);
      break;
    default:
      ok = false;
  }
  if (!ok || serumsId === null) return undefined;
  const { changes } = await db.run(
    "UPDATE auth_push_challenge SET status = 'used', used_at = $2 WHERE id = $1 AND status = 'pending'",
    [challengeId, now],
  );
  return changes === 1 ? { serumsId, method: factor.kind } : undefined;
}

/**
 * What the client needs before it can use a factor other than push on login challenge
 * `challengeId`: for "sms", a code is sent to the user's confirmed phone; for "passkey", the
 * options for `navigator.credentials.get()`. The answer has the same shape for decoy challenges,
 * users without that factor, and unknown or expired challenges.
 */
export async function prepareLoginFactor(
  db: Executor,
  challengeId: string,
  kind: "sms" | "passkey",
  options: LoginFactorOptions,
): Promise<
  { kind: "sms"; expiresAt: number } | { kind: "passkey"; options: PublicKeyCredentialRequestOptionsJSON }
> {
  const owner = await pendingChallengeOwner(db, challengeId, options);
  const serumsId = owner?.serumsId ?? null;
  if (kind === "sms") return { kind, ...(await sendLoginSmsCode(db, serumsId, options)) };
  const decoySeed = serumsId ?? owner?.decoyTag ?? challengeId;
  return { kind, options: await passkeyAuthenticationOptions(db, serumsId, { ...options, decoySeed }) };
}
