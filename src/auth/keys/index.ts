/**
 * FlexPass's keys: one secret, a textual key and a graphical key (recognition or gestures), each
 * stored only as an argon2id hash; their strength; the population model. Every function takes an
 * Executor (a Store or a transaction) first. The verify functions return a boolean after the same
 * argon2id work whether or not the user exists: pass `serumsId` undefined for an unknown login.
 *
 * Login (ACCOUNTS): `graphicalChallenge(db, serumsId | undefined, loginName)` gives what
 * /auth/login/start shows (a grid or a background; a stable decoy for unknown names); then
 * `verifyTextKey` / `verifyRecognitionKey` / `verifyGestureKey` with the `key` of
 * /auth/login/finish: {kind:"text", value} · {kind:"recognition", picked: [image ids]} ·
 * {kind:"gesture", points: Gesture[]} (`points` is the gesture list; `gesturesJsonSchema` is its
 * JSON Schema). Minimum scores: text and graphical keys have separate minimums in KeyPolicy
 * (defaults 3 and 1; see key-policy.ts for why).
 */

/** argon2id PHC hashing with OWASP's minimum as the floor; dummy verification for unknown users. */
export {
  type Argon2Function,
  type Argon2Params,
  encodePhc,
  hashSecret,
  nodeArgon2id,
  OWASP_MINIMUM,
  parsePhc,
  type Verification,
  verifySecret,
} from "./argon2-hash.ts";
/** Decoys for a recognition grid; random sources (secure, and seeded for stable decoy grids). */
export {
  chooseDecoys,
  NEAR_DUPLICATE,
  type RandomInt,
  secureRandom,
  seededRandom,
  shuffle,
} from "./decoys.ts";
/** Gestures: their type, parsing, JSON Schema and centered discretization. */
export {
  centringOffset,
  discretizedGestures,
  type Gesture,
  type GestureKind,
  gestureOffsets,
  gesturesJsonSchema,
  MAX_GESTURES,
  parseGestures,
  segmentIndex,
} from "./gesture-geometry.ts";
/** The gesture key: enrol on a background, verify within tolerance r. */
export {
  enrolGestureKey,
  type GestureOptions,
  gestureBackground,
  previewGestureStrength,
  verifyGestureKey,
} from "./gesture-key.ts";
/** What /auth/login/start shows for the graphical key; which keys a user has. */
export {
  decoyChallenge,
  type GraphicalChallenge,
  graphicalChallenge,
  keyStatus,
} from "./graphical-challenge.ts";
/** Strength of graphical keys: the space less themes, popular images and hot spots. */
export {
  gestureSpace,
  gestureStrength,
  MIN_POPULATION_CHOICES,
  MIN_POPULATION_POINTS,
  recognitionStrength,
} from "./graphical-strength.ts";
/** A site's key rules (minimum scores, grid shape, tolerance, argon2id parameters). */
export {
  checkKeyPolicy,
  DEFAULT_KEY_POLICY,
  type KeyOptions,
  type KeyPolicy,
  readKeyPolicy,
} from "./key-policy.ts";
/** The tables of keys, images and the population model (ids auth/010…012). */
export { keyMigrations } from "./key-schema.ts";
/** The common strength scale (zxcvbn's 0–4) and the enrolment check. */
export {
  assertStrength,
  type KeyFeedback,
  type KeyKind,
  type KeyStrength,
  SCORE_MEANINGS,
  type Score,
  scoreFromGuesses,
} from "./key-strength.ts";
/** The population model: counts per image and per background cell, no user. */
export {
  countGestureCells,
  countImageChoices,
  GESTURE_FRAME,
  gestureCellCounts,
  imageChoiceCounts,
  POPULATION_CELL,
  populationCell,
} from "./population.ts";
/** The recognition key: enrol k images into a fixed grid, verify a pick in any order. */
export {
  canonicalSelection,
  enrolRecognitionKey,
  type RecognitionEnrolment,
  type RecognitionOptions,
  recognitionGrid,
  verifyRecognitionKey,
} from "./recognition-key.ts";
/** The textual key: proposal from the secret, zxcvbn strength, enrol, verify. */
export {
  canonicalTextKey,
  enrolTextKey,
  MAX_TEXT_KEY_LENGTH,
  MIN_TEXT_KEY_LENGTH,
  proposeTextKey,
  secretWords,
  type TextKeyOptions,
  textKeyStrength,
  verifyTextKey,
} from "./text-key.ts";
