/**
 * FlexPass's second factors: push approvals from the user's authenticator (Ed25519, number
 * matching by entry), TOTP, passkeys, SMS codes and recovery codes. Every function takes an
 * `Executor` first; those where time matters take `now` (ms); those touching secrets take the
 * site's `keys` (loadFactorKeys). Tables: `factorMigrations` (auth/020–025).
 *
 * The login flow uses three calls: `createPushChallenge` at login start (null user → decoy),
 * `prepareLoginFactor` when the user picks SMS or a passkey instead of push, and
 * `completeLoginFactor` at login finish (push or any other factor; uses the challenge up).
 */

/** The bytes an authenticator signs, and Ed25519 helpers (the CLI app uses these). */
export {
  decisionMessage,
  enrolMessage,
  generateAuthenticatorKeys,
  type LoginOrigin,
  type PushDecision,
  requestMessage,
  signEd25519,
  verifyEd25519,
} from "./authenticator-protocol.ts";
/** Authenticators: enrolment by one-time code, listing, revocation, signed replay-proof requests. */
export {
  type Authenticator,
  createEnrolmentCode,
  ENROLMENT_TTL_MS,
  type EnrolmentCode,
  type EnrolRequest,
  enrolAuthenticator,
  getAuthenticator,
  issueAuthenticatorNonce,
  listAuthenticators,
  revokeAuthenticator,
  type SignedRequest,
  verifyAuthenticatorRequest,
} from "./authenticators.ts";
/** The enrolment link to the companion page (`…/app/authenticator/#enrol=CODE`) and its QR code. */
export {
  COMPANION_PAGE_PATH,
  enrolmentLink,
  parseEnrolmentText,
  qrModules,
  qrSvg,
  qrTerminal,
} from "./enrolment-link.ts";
/** The site's factor keys (HMAC and AES-GCM, derived from one master key) and constant-time equality. */
export {
  constantTimeEqual,
  type FactorKeys,
  factorKeysFrom,
  loadFactorKeys,
  randomFactorKeys,
} from "./factor-keys.ts";
/** The migrations of the factor tables, after accountMigrations. */
export { factorMigrations } from "./factor-schema.ts";
/** A user's factors at a glance, and the public keys for the ledger's identity registry. */
export { authenticatorPublicKeys, type FactorSummary, factorSummary } from "./factor-summary.ts";
export { type ClockOption, type FactorOptions, normalizeCode } from "./factor-support.ts";
/** The login seam: second factor of a login challenge (push or another), with attempts limited. */
export {
  AMR,
  type CompletedFactor,
  completeLoginFactor,
  type LoginFactorOptions,
  MAX_FACTOR_ATTEMPTS,
  prepareLoginFactor,
  type SecondFactor,
  type SecondFactorKind,
} from "./login-factor.ts";
/** Passkeys with @simplewebauthn/server. */
export {
  listPasskeys,
  type Passkey,
  type PasskeyOptions,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  type RelyingParty,
  relyingPartyFor,
  removePasskey,
  verifyPasskeyAuthentication,
  verifyPasskeyRegistration,
} from "./passkeys.ts";
/**
 * Push approvals: challenges with origin and number, signed decisions, single-use approvals; at
 * most MAX_PENDING_PUSH wait on a user's authenticator at once (push bombing), the rest are held back.
 */
export {
  APPROVAL_TTL_MS,
  CHALLENGE_TTL_MS,
  type ConsumedApproval,
  consumeApproval,
  createPushChallenge,
  type DecisionRequest,
  type DecisionResult,
  decidePushChallenge,
  MAX_PENDING_PUSH,
  type PendingChallenge,
  type PushChallenge,
  type PushStatus,
  pendingPushChallenges,
  pushChallengeStatus,
} from "./push-challenges.ts";
/** Recovery codes: ten, shown once, keyed hashes at rest, single use, regenerable. */
export {
  generateRecoveryCodes,
  RECOVERY_CODE_COUNT,
  remainingRecoveryCodes,
  useRecoveryCode,
} from "./recovery-codes.ts";
/** SMS one-time codes and their pluggable sender (a local outbox file by default). */
export {
  confirmSmsEnrolment,
  normalizePhone,
  removeSmsPhone,
  type SmsOptions,
  sendLoginSmsCode,
  smsPhoneHint,
  startSmsEnrolment,
  verifySmsCode,
} from "./sms-codes.ts";
export {
  DEFAULT_SMS_OUTBOX,
  memorySmsSender,
  outboxSmsSender,
  type SmsMessage,
  type SmsSender,
  smsOutboxPath,
} from "./sms-sender.ts";
/** TOTP (RFC 6238, SHA-1/6 digits/30 s, ±1 step), replay-proof. */
export {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  hasTotp,
  removeTotp,
  type TotpEnrolment,
  totpCode,
  verifyTotp,
} from "./totp.ts";
