/**
 * The login: start → the user's authenticator approves (or another second factor) → finish.
 *
 * `startLogin` creates a push challenge for the login name's user — a decoy when there is no
 * such active user, with the same shape — and answers what the login page shows: the number to
 * match, the recognition grid and the gesture background (decoys, fixed per login name, when the
 * user has no such key). `finishLogin` uses the attempt up (single use), checks the key with KEYS
 * and the second factor with FACTORS — both always, with the same work for an unknown user — and
 * issues tokens. Every failure has one answer ("bad_credentials"); per-login-name delays and the
 * lockout apply to known and unknown names alike; every step is an authentication event.
 */

import { type Account, findAccountByLogin, getAccount } from "../accounts/accounts.ts";
import {
  AMR,
  APPROVAL_TTL_MS,
  CHALLENGE_TTL_MS,
  type CompletedFactor,
  completeLoginFactor,
  createPushChallenge,
  type SecondFactor,
} from "../factors/index.ts";
import {
  type GraphicalChallenge,
  graphicalChallenge,
  verifyGestureKey,
  verifyRecognitionKey,
  verifyTextKey,
} from "../keys/index.ts";
import type { AuthMethod } from "../tokens/access-claims.ts";
import { signAccessToken } from "../tokens/access-token.ts";
import { startSession } from "../tokens/refresh-tokens.ts";
import { recordAuthEvent } from "./auth-events.ts";
import { type LoginContext, subjectHash } from "./login-context.ts";
import { checkThrottle, clearFailures, reserveAttempt } from "./throttle.ts";

export type LoginKey =
  | { kind: "text"; value: string }
  | { kind: "recognition"; picked: string[] }
  | { kind: "gesture"; points: unknown[] };

export interface LoginChallenge {
  challengeId: string;
  /** What the page shows for a graphical key: a grid or a background (a stable decoy when none). */
  graphical: GraphicalChallenge;
  /** The number the login page shows; the user types it on the authenticator. */
  number: string;
  expiresAt: number;
}

export interface IssuedTokens {
  tokenType: "Bearer";
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: number;
  serumsId: string;
  role: Account["role"];
  amr: AuthMethod[];
}

export type Refusal =
  | { ok: false; reason: "bad_credentials" }
  | { ok: false; reason: "throttled"; retryAfterMs: number };

export interface ClientInfo {
  address: string;
  userAgent: string;
  addressHash: string;
}

/** An account that may log in: known and active. Disabled accounts are treated as unknown. */
async function activeAccount(context: LoginContext, login: string): Promise<Account | undefined> {
  const account = await findAccountByLogin(context.store, login);
  return account?.status === "active" ? account : undefined;
}

export async function startLogin(
  context: LoginContext,
  login: string,
  client: ClientInfo,
): Promise<({ ok: true } & LoginChallenge) | Refusal> {
  const now = context.now();
  const subject = subjectHash(context, login);
  const throttle = await checkThrottle(context.store, subject, now);
  const account = await activeAccount(context, login);
  const serumsId = account?.serumsId ?? null;
  if (!throttle.ok) {
    await recordAuthEvent(
      context.store,
      {
        kind: "login_start",
        outcome: "refused",
        reason: throttle.locked ? "locked" : "throttled",
        serumsId,
        addressHash: client.addressHash,
      },
      { now: context.now },
    );
    return { ok: false, reason: "throttled", retryAfterMs: throttle.retryAfterMs };
  }
  // An unknown name's decoy carries the keyed hash of the name typed, so that what the decoy
  // shows later (its made-up passkey credential) is the same at every start, as a real user's is.
  const challenge = await createPushChallenge(
    context.store,
    serumsId,
    { address: client.address, userAgent: client.userAgent, site: context.site },
    { now: context.now, decoyTag: subject },
  );
  await context.store.run(
    `INSERT INTO auth_login_attempt (challenge_id, subject_hash, serums_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [challenge.challengeId, subject, serumsId, now, now + CHALLENGE_TTL_MS + APPROVAL_TTL_MS],
  );
  const graphical = await graphicalChallenge(context.store, serumsId ?? undefined, login, {
    ...context.keyPolicy,
    now: context.now,
  });
  await recordAuthEvent(
    context.store,
    { kind: "login_start", outcome: "success", serumsId, addressHash: client.addressHash },
    { now: context.now },
  );
  return {
    ok: true,
    challengeId: challenge.challengeId,
    number: challenge.number,
    expiresAt: challenge.expiresAt,
    graphical,
  };
}

/**
 * Whether `key` is one of the user's keys: one argon2id verification whatever the kind, and for
 * an unknown user (`serumsId` undefined) the same work against a dummy.
 */
export async function verifyLoginKey(
  context: LoginContext,
  serumsId: string | undefined,
  key: LoginKey,
): Promise<boolean> {
  const options = { ...context.keyPolicy, now: context.now };
  switch (key.kind) {
    case "text":
      return verifyTextKey(context.store, serumsId, key.value, options);
    case "recognition":
      return verifyRecognitionKey(context.store, serumsId, key.picked, options);
    case "gesture":
      return verifyGestureKey(context.store, serumsId, key.points, options);
    default:
      // Unknown kinds are refused by the route's schema; still spend the same work.
      return verifyTextKey(context.store, undefined, "", options);
  }
}

export async function finishLogin(
  context: LoginContext,
  request: { challengeId: string; key: LoginKey; factor?: SecondFactor },
  client: Pick<ClientInfo, "addressHash">,
): Promise<({ ok: true } & IssuedTokens) | Refusal> {
  const now = context.now();
  const [attempt] = await context.store.all<{ subject_hash: string; serums_id: string | null }>(
    `UPDATE auth_login_attempt SET consumed_at = $2
     WHERE challenge_id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING subject_hash, serums_id`,
    [request.challengeId, now],
  );
  const event = (
    outcome: "success" | "failure" | "refused",
    reason: string | undefined,
    serumsId: string | null,
  ) =>
    recordAuthEvent(
      context.store,
      { kind: "login_finish", outcome, reason, serumsId, addressHash: client.addressHash },
      {
        now: context.now,
      },
    );
  // The throttle check and the count are one statement: this attempt is counted as a failure
  // before anything is verified, so parallel finishes on one name cannot pass the check together.
  let lockedNow = false;
  if (attempt) {
    const reservation = await reserveAttempt(context.store, attempt.subject_hash, now);
    if (!reservation.ok) {
      await event("refused", reservation.locked ? "locked" : "throttled", attempt.serums_id);
      return { ok: false, reason: "throttled", retryAfterMs: reservation.retryAfterMs };
    }
    lockedNow = reservation.lockedUntil !== null;
  }
  const serumsId = attempt?.serums_id ?? undefined;
  // Both checks, always: no early exit tells a wrong key from a wrong factor or an unknown user.
  const keyOk = await verifyLoginKey(context, serumsId, request.key);
  let factor: CompletedFactor | undefined;
  try {
    factor = await completeLoginFactor(
      context.store,
      request.challengeId,
      request.factor ?? { kind: "push" },
      context.factors,
    );
  } catch {
    factor = undefined;
  }
  const account = serumsId === undefined ? undefined : await getAccount(context.store, serumsId);
  const ok =
    keyOk &&
    factor !== undefined &&
    account !== undefined &&
    factor.serumsId === account.serumsId &&
    account.status === "active";
  if (!ok || !account || !factor) {
    const reason = attempt ? (lockedNow ? "locked_now" : "bad_credentials") : "unknown_challenge";
    await event("failure", reason, attempt?.serums_id ?? null);
    return { ok: false, reason: "bad_credentials" };
  }
  await clearFailures(context.store, attempt!.subject_hash);
  const amr: AuthMethod[] = [request.key.kind === "text" ? "pwd" : "gfx", AMR[factor.method] as AuthMethod];
  const tokens = await issueTokens(context, account, amr);
  await event("success", undefined, account.serumsId);
  return { ok: true, ...tokens };
}

/** Starts a session for `account` and signs its first access token. */
export async function issueTokens(
  context: LoginContext,
  account: Account,
  amr: readonly AuthMethod[],
): Promise<IssuedTokens> {
  const session = await startSession(context.store, account.serumsId, amr, { now: context.now });
  const access = await signAccessToken(context.ring, account, amr, session.sessionId, {
    issuer: context.issuer,
    audience: context.audience,
    now: context.now,
  });
  return {
    tokenType: "Bearer",
    accessToken: access.token,
    expiresIn: Math.round((access.expiresAt - context.now()) / 1000),
    refreshToken: session.refreshToken,
    refreshExpiresAt: session.refreshExpiresAt,
    serumsId: account.serumsId,
    role: account.role,
    amr: [...amr],
  };
}
