/**
 * After login: refreshing (the refresh token rotates; a reused one revokes its family and is an
 * event), logging out (the session is revoked: its refresh tokens, and its access tokens at the
 * server), and checking that an access token's session is still live.
 */
import { SerumsError } from "../../errors/index.ts";
import { getAccount } from "../accounts/accounts.ts";
import type { AccessClaims } from "../tokens/access-claims.ts";
import { signAccessToken, verifyAccessToken } from "../tokens/access-token.ts";
import {
  isSessionLive,
  revokeSession,
  rotateRefreshToken,
  sessionOfRefreshToken,
} from "../tokens/refresh-tokens.ts";
import { recordAuthEvent } from "./auth-events.ts";
import type { LoginContext } from "./login-context.ts";
import type { IssuedTokens } from "./login-flow.ts";

/** Exchanges a refresh token for a new access token and the next refresh token. */
export async function refreshTokens(
  context: LoginContext,
  refreshToken: string,
  client: { addressHash: string },
): Promise<IssuedTokens> {
  const result = await rotateRefreshToken(context.store, refreshToken, { now: context.now });
  const fail = async (reason: string, serumsId: string | null) => {
    await recordAuthEvent(
      context.store,
      { kind: "refresh", outcome: "failure", reason, serumsId, addressHash: client.addressHash },
      {
        now: context.now,
      },
    );
    return new SerumsError("UNAUTHENTICATED", "the refresh token is not valid; log in again", {
      path: "/body/refreshToken",
    });
  };
  if (!result.ok) throw await fail(result.reason, result.serumsId);
  const account = await getAccount(context.store, result.serumsId);
  if (account?.status !== "active") {
    await revokeSession(context.store, result.sessionId, "disabled", { now: context.now });
    throw await fail("account_disabled", result.serumsId);
  }
  const access = await signAccessToken(context.ring, account, result.amr, result.sessionId, {
    issuer: context.issuer,
    audience: context.audience,
    now: context.now,
  });
  await recordAuthEvent(
    context.store,
    { kind: "refresh", outcome: "success", serumsId: account.serumsId, addressHash: client.addressHash },
    {
      now: context.now,
    },
  );
  return {
    tokenType: "Bearer",
    accessToken: access.token,
    expiresIn: Math.round((access.expiresAt - context.now()) / 1000),
    refreshToken: result.refreshToken,
    refreshExpiresAt: result.refreshExpiresAt,
    serumsId: account.serumsId,
    role: account.role,
    amr: result.amr,
  };
}

/**
 * Logs out: revokes the session of the access token (`claims`), and that of `refreshToken` when
 * given (it must be the same user's). Idempotent.
 */
export async function logout(
  context: LoginContext,
  claims: AccessClaims,
  refreshToken: string | undefined,
  client: { addressHash: string },
): Promise<void> {
  const sessions = new Set([claims.sessionId]);
  if (refreshToken) {
    const other = await sessionOfRefreshToken(context.store, refreshToken);
    if (other) {
      const owner = await context.store.get<{ serums_id: string }>(
        "SELECT serums_id FROM auth_session WHERE session_id = $1",
        [other],
      );
      if (owner?.serums_id === claims.serumsId) sessions.add(other);
    }
  }
  for (const session of sessions) await revokeSession(context.store, session, "logout", { now: context.now });
  await recordAuthEvent(
    context.store,
    { kind: "logout", outcome: "success", serumsId: claims.serumsId, addressHash: client.addressHash },
    {
      now: context.now,
    },
  );
}

/**
 * Verifies an access token and checks its session is live and its account active: what the
 * server's `authenticate` does for every protected route.
 */
export async function authenticateToken(context: LoginContext, token: string): Promise<AccessClaims> {
  const claims = await verifyAccessToken(context.ring, token, {
    issuer: context.issuer,
    audience: context.audience,
    now: context.now,
  });
  if (!(await isSessionLive(context.store, claims.sessionId, context.now()))) {
    throw new SerumsError(
      "UNAUTHENTICATED",
      "the access token's session has ended (logged out or revoked); log in again",
    );
  }
  return claims;
}
