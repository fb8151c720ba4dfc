/**
 * A site's rules for keys: the minimum strength of each kind, the recognition grid's shape, the
 * gesture tolerance and the argon2id parameters. Defaults run with no configuration; `readKeyPolicy`
 * reads the environment (SERUMS_MIN_TEXT_KEY_SCORE, SERUMS_MIN_GRAPHICAL_KEY_SCORE,
 * SERUMS_RECOGNITION_K, SERUMS_RECOGNITION_GRID, SERUMS_GESTURE_TOLERANCE, SERUMS_ARGON2_MEMORY_KIB,
 * SERUMS_ARGON2_PASSES, SERUMS_ARGON2_PARALLELISM).
 *
 * Why the graphical minimum is lower by default: a recognition key of 5 images in a grid of 36 is
 * C(36,5) ≈ 377,000 guesses at most (≈ 18.5 bits) — score 1 on zxcvbn's scale, honestly. It holds
 * against throttled online guessing, which is the only guessing the login allows (a second factor
 * first, then per-account delays and lockout); a site that wants more raises k or the grid.
 */
import { wholeFromEnv } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { type Argon2Function, type Argon2Params, OWASP_MINIMUM } from "./argon2-hash.ts";

export interface KeyPolicy {
  /** Lowest zxcvbn score (0–4) a text key may have. */
  minTextScore: number;
  /** Lowest score (0–4) a recognition or gesture key may have. */
  minGraphicalScore: number;
  /** How many images the user picks. */
  recognitionK: number;
  /** How many images the login grid shows (the user's and decoys). */
  recognitionGridSize: number;
  /** Gesture tolerance r, in units of the 1000×1000 gesture frame: a point matches within r on each axis. */
  gestureTolerance: number;
  argon2Params: Argon2Params;
  /** The argon2id function (default node:crypto's): injectable so tests and benches count the work. */
  argon2?: Argon2Function;
}

export const DEFAULT_KEY_POLICY: Readonly<KeyPolicy> = {
  minTextScore: 3,
  minGraphicalScore: 1,
  recognitionK: 5,
  recognitionGridSize: 36,
  gestureTolerance: 25,
  argon2Params: OWASP_MINIMUM,
};

export const K_RANGE = [3, 8] as const;
export const GRID_RANGE = [9, 64] as const;
export const TOLERANCE_RANGE = [5, 100] as const;

/** Checks a policy's fields against each other; returns it. */
export function checkKeyPolicy(policy: KeyPolicy): KeyPolicy {
  const { recognitionK: k, recognitionGridSize: n } = policy;
  if (n < 2 * k) {
    throw new SerumsError(
      "BAD_CONFIG",
      `a recognition grid of ${n} images for k = ${k} leaves fewer decoys than images chosen; valid: a grid of at least ${2 * k}`,
      { value: { k, grid: n } },
    );
  }
  return policy;
}

export function readKeyPolicy(env: NodeJS.ProcessEnv = process.env): KeyPolicy {
  const d = DEFAULT_KEY_POLICY;
  return checkKeyPolicy({
    minTextScore: wholeFromEnv(env, "SERUMS_MIN_TEXT_KEY_SCORE", d.minTextScore, 0, 4),
    minGraphicalScore: wholeFromEnv(env, "SERUMS_MIN_GRAPHICAL_KEY_SCORE", d.minGraphicalScore, 0, 4),
    recognitionK: wholeFromEnv(env, "SERUMS_RECOGNITION_K", d.recognitionK, K_RANGE[0], K_RANGE[1]),
    recognitionGridSize: wholeFromEnv(
      env,
      "SERUMS_RECOGNITION_GRID",
      d.recognitionGridSize,
      GRID_RANGE[0],
      GRID_RANGE[1],
    ),
    gestureTolerance: wholeFromEnv(
      env,
      "SERUMS_GESTURE_TOLERANCE",
      d.gestureTolerance,
      TOLERANCE_RANGE[0],
      TOLERANCE_RANGE[1],
    ),
    argon2Params: {
      memory: wholeFromEnv(
        env,
        "SERUMS_ARGON2_MEMORY_KIB",
        d.argon2Params.memory,
        OWASP_MINIMUM.memory,
        1024 * 1024,
      ),
      passes: wholeFromEnv(env, "SERUMS_ARGON2_PASSES", d.argon2Params.passes, OWASP_MINIMUM.passes, 64),
      parallelism: wholeFromEnv(env, "SERUMS_ARGON2_PARALLELISM", d.argon2Params.parallelism, 1, 16),
    },
  });
}

/** What every key function accepts: the policy's fields, a clock, and injectables for tests. */
export interface KeyOptions extends Partial<KeyPolicy> {
  now?: () => number;
}
