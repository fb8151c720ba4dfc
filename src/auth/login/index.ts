/**
 * The FlexPass login: start (a push challenge, a decoy for unknown names) → second factor →
 * finish (key and factor checked, both always) → tokens; refresh, logout and the per-request
 * check of an access token; per-login-name delays and lockout; per-address rate limits; the
 * authentication event log.
 */
/** The event log: every authentication step, with a Serums ID or nobody, never a secret. */
export {
  type AuthEvent,
  type AuthEventKind,
  type AuthOutcome,
  EVENT_KINDS,
  listAuthEvents,
  recordAuthEvent,
} from "./auth-events.ts";
/** What the flow needs (store, clock, keys, token settings, KEYS's and FACTORS's options). */
export { keyedHash, type LoginContext, subjectHash } from "./login-context.ts";
/** Start and finish a login; issue the tokens of a session. */
export {
  type ClientInfo,
  finishLogin,
  type IssuedTokens,
  issueTokens,
  type LoginChallenge,
  type LoginKey,
  type Refusal,
  startLogin,
  verifyLoginKey,
} from "./login-flow.ts";
/** The tables of attempts, throttles, events and activation codes (auth/040–041). */
export { loginMigrations } from "./login-schema.ts";
/** Per-address token buckets. */
export { RateLimiter, type RateLimitOptions, type TakeResult } from "./rate-limit.ts";
/** Proof of a key again before a change of secret or factor (throttled like a login); after it. */
export { keyChanged, reauthenticate } from "./reauthenticate.ts";
/** Refresh, logout, and the check of an access token and its session. */
export { authenticateToken, logout, refreshTokens } from "./sessions.ts";
/** Growing delays, then a temporary lockout, per login name. */
export {
  checkThrottle,
  clearFailures,
  delayAfter,
  FREE_FAILURES,
  LOCKOUT_FAILURES,
  LOCKOUT_MS,
  MAX_DELAY_MS,
  type Reservation,
  reserveAttempt,
  type ThrottleState,
} from "./throttle.ts";
