/**
 * One strength scale for every key, textual or graphical: zxcvbn's. A key is rated by the number
 * of guesses an attacker who knows how people choose would need, and scored 0–4 on the same
 * thresholds zxcvbn uses (10^3, 10^6, 10^8, 10^10 guesses):
 *   0 too guessable · 1 stops throttled online guessing only · 2 stops unthrottled online guessing
 *   3 resists an offline attack on a slow hash for a while · 4 resists it well.
 * A site sets a minimum score for each kind; `assertStrength` enforces it at enrolment.
 */
import { SerumsError } from "../../errors/index.ts";

export type KeyKind = "text" | "recognition" | "gesture";
export type Score = 0 | 1 | 2 | 3 | 4;

export interface KeyFeedback {
  /** The main problem, if any. */
  warning: string | null;
  /** How to make the key stronger. */
  suggestions: string[];
}

export interface KeyStrength {
  kind: KeyKind;
  score: Score;
  /** Estimated guesses an informed attacker needs. */
  guesses: number;
  /** log2(guesses). */
  bits: number;
  /** The size of the key's space before what makes it predictable (graphical keys), in bits. */
  theoreticalBits?: number;
  feedback: KeyFeedback;
}

const THRESHOLDS = [1e3, 1e6, 1e8, 1e10] as const;
/** zxcvbn's margin over each threshold. */
const DELTA = 5;

export function scoreFromGuesses(guesses: number): Score {
  for (let score = 0; score < THRESHOLDS.length; score++) {
    if (guesses < THRESHOLDS[score]! + DELTA) return score as Score;
  }
  return 4;
}

export function bitsOf(guesses: number): number {
  return Math.round(Math.log2(Math.max(1, guesses)) * 10) / 10;
}

const KIND_NAMES: Record<KeyKind, string> = {
  text: "text key",
  recognition: "image key",
  gesture: "gesture key",
};

/** A score's meaning, for messages. */
export const SCORE_MEANINGS = [
  "too guessable",
  "very guessable",
  "somewhat guessable",
  "safely unguessable",
  "very unguessable",
] as const;

/**
 * Throws SerumsError("BAD_REQUEST") when `strength` is below `minimum`: the message names the
 * key's kind, its score, the minimum and the feedback.
 */
export function assertStrength(strength: KeyStrength, minimum: number): void {
  if (!Number.isInteger(minimum) || minimum < 0 || minimum > 4) {
    throw new SerumsError("BAD_CONFIG", `the minimum key score ${minimum} is not valid; valid: 0 to 4`, {
      value: minimum,
    });
  }
  if (strength.score >= minimum) return;
  const advice = [strength.feedback.warning, ...strength.feedback.suggestions].filter(Boolean).join(" ");
  throw new SerumsError(
    "BAD_REQUEST",
    `the ${KIND_NAMES[strength.kind]} scores ${strength.score} of 4 (${SCORE_MEANINGS[strength.score]}, about ${strength.bits} bits); this site requires at least ${minimum} (${SCORE_MEANINGS[minimum as Score]})${advice ? `. ${advice}` : ""}`,
    { path: "key", value: { score: strength.score, minimum } },
  );
}

/** n choose k, as a float (exact below 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  const kk = Math.min(k, n - k);
  for (let i = 1; i <= kk; i++) result = (result * (n - kk + i)) / i;
  return Math.round(result);
}
