/**
 * What a verified access token says about its holder: the claims the rest of Serums (the lake,
 * the ledger's access requests, the routes) relies on. Built only by `verifyAccessToken`.
 */
import type { Role } from "../accounts/account-schema.ts";

/**
 * How the holder proved who they are (RFC 8176 values, plus "gfx" for a graphical key): the key —
 * "pwd" (text) or "gfx" (recognition or gesture) — and the second factor as FACTORS names it —
 * "swk" (push approval by the authenticator's key), "otp" (TOTP), "hwk" (passkey), "sms",
 * "kba" (recovery code).
 */
export const AMR_VALUES = ["pwd", "gfx", "swk", "otp", "hwk", "sms", "kba"] as const;
export type AuthMethod = (typeof AMR_VALUES)[number];

export interface AccessClaims {
  /** `sub`: the holder's Serums ID. */
  serumsId: string;
  role: Role;
  /** Staff only; null for patients. */
  site: string | null;
  department: string | null;
  country: string | null;
  /** The methods used at login, e.g. ["pwd", "push"]. */
  amr: AuthMethod[];
  /** The token's id (`jti`), its issue and expiry times in seconds since the epoch. */
  jti: string;
  iat: number;
  exp: number;
  /** The signing key's id. */
  kid: string;
  /** `sid`: the login session (the refresh-token family); logout and token reuse revoke it. */
  sessionId: string;
}
