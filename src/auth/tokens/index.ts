/**
 * FlexPass tokens: EdDSA access JWTs (10 minutes; sub = Serums ID, role, site, department,
 * country, amr, sid), rotating refresh tokens whose reuse revokes the family, and the site's
 * signing keys with rotation and the JWKS.
 */
/** The verified claims of an access token, and the `amr` values. */
export { type AccessClaims, AMR_VALUES, type AuthMethod } from "./access-claims.ts";
/** Sign and verify access tokens (algorithm, issuer, audience, type, expiry and kid pinned). */
export { signAccessToken, type TokenSettings, type TokenSubject, verifyAccessToken } from "./access-token.ts";
/** Sessions and rotating refresh tokens (stored hashed); family revocation on reuse; logout. */
export {
  hashRefreshToken,
  type IssuedRefresh,
  isSessionLive,
  REFRESH_TOKEN_TTL_MS,
  type RevokeReason,
  type RotateResult,
  revokeOtherSessions,
  revokeSession,
  revokeUserSessions,
  rotateRefreshToken,
  SESSION_MAX_MS,
  sessionOfRefreshToken,
  startSession,
} from "./refresh-tokens.ts";
/** The signing keys: a folder (0700; private keys 0600) or memory; rotation; the JWKS. */
export {
  ACCESS_TOKEN_TTL_SECONDS,
  CLOCK_LEEWAY_SECONDS,
  KeyRing,
  type SigningKeyInfo,
} from "./signing-keys.ts";
/** The session tables (auth/030). */
export { tokenMigrations } from "./token-schema.ts";
