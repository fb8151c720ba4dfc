/**
 * Re-authentication before a change of secret or factor. An access token alone is not enough to
 * replace a key or a factor (OWASP ASVS 4.0.3 V2.1.6 / V3.7.1): whoever stole a token — from a
 * shared computer, a log, a proxy — would otherwise lock its owner out by setting a key of their
 * own. The holder must prove one of their keys again (the text key, or the graphical key); the
 * proof is throttled with the same per-login-name counter as the login (delays, then the lockout),
 * so a stolen token is no oracle for guessing the key either, and every proof is an
 * authentication event ("reauthenticate").
 *
 * Why a key and not "a login within the last few minutes": a token's age says when its session
 * began, not who holds it now — a token stolen two minutes after login would pass. A key proves
 * the person; it is also what every password-change form of the field asks for.
 */
import { getAccount } from "../accounts/accounts.ts";
import { revokeOtherSessions } from "../tokens/refresh-tokens.ts";
import { recordAuthEvent } from "./auth-events.ts";
import { type LoginContext, subjectHash } from "./login-context.ts";
import { type LoginKey, type Refusal, verifyLoginKey } from "./login-flow.ts";
import { clearFailures, reserveAttempt } from "./throttle.ts";

/**
 * Whether `proof` is one of the keys of `serumsId` (an active account): `{ok: true}`, or the
 * one failure answer, or "throttled" with how long to wait. The same argon2id work in every
 * case where the attempt is not throttled.
 */
export async function reauthenticate(
  context: LoginContext,
  serumsId: string,
  proof: LoginKey,
  client: { addressHash: string },
): Promise<{ ok: true } | Refusal> {
  const now = context.now();
  const event = (outcome: "success" | "failure" | "refused", reason?: string) =>
    recordAuthEvent(
      context.store,
      { kind: "reauthenticate", outcome, reason, serumsId, addressHash: client.addressHash },
      { now: context.now },
    );
  const account = await getAccount(context.store, serumsId);
  const active = account?.status === "active";
  let lockedNow = false;
  let subject: string | undefined;
  if (active) {
    subject = subjectHash(context, account.loginName);
    const reservation = await reserveAttempt(context.store, subject, now);
    if (!reservation.ok) {
      await event("refused", reservation.locked ? "locked" : "throttled");
      return { ok: false, reason: "throttled", retryAfterMs: reservation.retryAfterMs };
    }
    lockedNow = reservation.lockedUntil !== null;
  }
  const keyOk = await verifyLoginKey(context, active ? serumsId : undefined, proof);
  if (!keyOk || subject === undefined) {
    await event("failure", !active ? "account_disabled" : lockedNow ? "locked_now" : "bad_credentials");
    return { ok: false, reason: "bad_credentials" };
  }
  await clearFailures(context.store, subject);
  await event("success");
  return { ok: true };
}

/**
 * After a key was changed: every other session of the user ends (a thief holding one of their
 * tokens is out; OWASP ASVS V3.3.3), and the change is an authentication event. Returns how many
 * sessions ended.
 */
export async function keyChanged(
  context: LoginContext,
  serumsId: string,
  sessionId: string,
  which: "text" | "graphical",
  client: { addressHash: string },
): Promise<number> {
  const ended = await revokeOtherSessions(context.store, serumsId, sessionId, { now: context.now });
  await recordAuthEvent(
    context.store,
    { kind: "key_change", outcome: "success", reason: which, serumsId, addressHash: client.addressHash },
    { now: context.now },
  );
  return ended;
}
