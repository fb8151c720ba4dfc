/**
 * The gesture key: taps, lines and circles drawn on a background image the user chose, checked
 * with centered discretization (gesture-geometry.ts). Stored: the background, the tolerance r,
 * the offsets (four per gesture, unused ones random), and the argon2id hash of the discretized
 * gestures with their kinds and order. No point, line or circle is ever stored. The population
 * model counts the cells of the points on each background (hot spots), with no link to the user.
 */
import { randomInt } from "node:crypto";
import { SerumsError, showValue } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { loadImageLibrary } from "../images/index.ts";
import { type Argon2Function, hashSecret, verifySecret } from "./argon2-hash.ts";
import {
  discretizedGestures,
  type Gesture,
  gestureOffsets,
  MAX_GESTURES,
  parseGestures,
  pointsOf,
  SLOTS_PER_GESTURE,
} from "./gesture-geometry.ts";
import { gestureStrength } from "./graphical-strength.ts";
import { DEFAULT_KEY_POLICY, type KeyOptions, TOLERANCE_RANGE } from "./key-policy.ts";
import { inTransaction, requireUser } from "./key-settings.ts";
import { assertStrength, type KeyStrength } from "./key-strength.ts";
import { countGestureCells, gestureCellCounts, populationCell } from "./population.ts";

export interface GestureOptions extends KeyOptions {
  argon2?: Argon2Function;
  /** A uniform number in [0, 1) for the unused offset slots (default: node:crypto). */
  random?: () => number;
}

/** A gesture key has at least this many gestures (as Windows picture passwords have three). */
export const MIN_ENROLLED_GESTURES = 3;

const secureUnit = () => randomInt(2 ** 47) / 2 ** 47;

function tolerance(options: GestureOptions): number {
  const r = options.gestureTolerance ?? DEFAULT_KEY_POLICY.gestureTolerance;
  if (!Number.isInteger(r) || r < TOLERANCE_RANGE[0] || r > TOLERANCE_RANGE[1]) {
    throw new SerumsError(
      "BAD_CONFIG",
      `gesture tolerance ${r}; valid: ${TOLERANCE_RANGE[0]} to ${TOLERANCE_RANGE[1]} frame units`,
    );
  }
  return r;
}

/** The strength of a gesture key before enrolling it (for a live meter). */
export async function previewGestureStrength(
  db: Executor,
  background: string,
  input: unknown,
  options: GestureOptions = {},
): Promise<KeyStrength> {
  const gestures = parseGestures(input);
  return gestureStrength(gestures, tolerance(options), await gestureCellCounts(db, background));
}

/**
 * Sets (or replaces) a user's gesture key: `background` is a library image (or the user's upload),
 * `input` the gestures (checked: see gesture-geometry.ts). Enforces `minGraphicalScore`, counts the
 * points' cells for the background's hot spots, and removes any recognition key.
 */
export async function enrolGestureKey(
  db: Executor,
  serumsId: string,
  background: string,
  input: unknown,
  options: GestureOptions = {},
): Promise<{ background: string; strength: KeyStrength }> {
  const r = tolerance(options);
  const gestures = parseGestures(input);
  if (gestures.length < MIN_ENROLLED_GESTURES) {
    throw new SerumsError(
      "BAD_REQUEST",
      `gestures: ${gestures.length} drawn; valid: ${MIN_ENROLLED_GESTURES} to ${MAX_GESTURES} taps, lines or circles`,
      { path: "gestures" },
    );
  }
  await requireUser(db, serumsId);
  const library = await loadImageLibrary(db, { viewer: serumsId });
  if (!library.has(background)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `background ${showValue(background)} is not an image of the library or one of your uploads`,
      { path: "background", value: background },
    );
  }
  const strength = gestureStrength(gestures, r, await gestureCellCounts(db, background));
  assertStrength(strength, options.minGraphicalScore ?? DEFAULT_KEY_POLICY.minGraphicalScore);
  const offsets = gestureOffsets(gestures, r, options.random ?? secureUnit);
  const hash = await hashSecret(discretizedGestures(background, r, gestures, offsets), options);
  const now = (options.now ?? Date.now)();
  await inTransaction(db, async (tx) => {
    await tx.run(
      `INSERT INTO auth_gesture_key (serums_id, background, tolerance, offsets, hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (serums_id) DO UPDATE SET background = excluded.background, tolerance = excluded.tolerance,
         offsets = excluded.offsets, hash = excluded.hash, updated_at = excluded.updated_at`,
      [serumsId, background, r, JSON.stringify(offsets), hash, now],
    );
    await tx.run("DELETE FROM auth_recognition_key WHERE serums_id = $1", [serumsId]);
    await countGestureCells(
      tx,
      background,
      gestures.flatMap((g) => pointsOf(g).map(([x, y]) => populationCell(x, y))),
    );
  });
  return { background, strength };
}

/** A user's gesture background, or undefined. */
export async function gestureBackground(db: Executor, serumsId: string): Promise<string | undefined> {
  const row = await db.get<{ background: string }>(
    "SELECT background FROM auth_gesture_key WHERE serums_id = $1",
    [serumsId],
  );
  return row?.background;
}

/**
 * Whether `input` (the gestures of a login attempt) matches the user's gesture key: the same kinds
 * in the same order, each coordinate within r of the enrolled one. One argon2id computation
 * whatever happens — malformed input, a different number of gestures, or an unknown user
 * (`serumsId` undefined, or no gesture key) is hashed all the same and answered false.
 */
export async function verifyGestureKey(
  db: Executor,
  serumsId: string | undefined,
  input: unknown,
  options: GestureOptions = {},
): Promise<boolean> {
  const row =
    serumsId === undefined
      ? undefined
      : await db.get<{ background: string; tolerance: number; offsets: string; hash: string }>(
          "SELECT background, tolerance, offsets, hash FROM auth_gesture_key WHERE serums_id = $1",
          [serumsId],
        );
  let gestures: Gesture[] = [];
  let wellFormed = row !== undefined;
  try {
    gestures = parseGestures(input);
  } catch {
    wellFormed = false;
  }
  const r = row ? Number(row.tolerance) : tolerance(options);
  const offsets = row ? (JSON.parse(row.offsets) as number[]) : [];
  if (row && gestures.length * SLOTS_PER_GESTURE !== offsets.length) wellFormed = false;
  const message = discretizedGestures(row?.background ?? "", r, gestures.slice(0, MAX_GESTURES), offsets);
  const result = await verifySecret(row?.hash, message, options);
  const ok = result.ok && wellFormed;
  if (ok && result.needsRehash && serumsId !== undefined && row) {
    await db.run(
      "UPDATE auth_gesture_key SET hash = $1, updated_at = $2 WHERE serums_id = $3 AND hash = $4",
      [await hashSecret(message, options), (options.now ?? Date.now)(), serumsId, row.hash],
    );
  }
  return ok;
}
