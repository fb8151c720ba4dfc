/**
 * The recognition key: the user picks k images that illustrate their secret (by tag search or by
 * uploading their own); Serums adds decoys close to them (decoys.ts); the grid — own images and
 * decoys, shuffled once — is stored and shown at every login, the same every time, so watching
 * several logins reveals nothing new. What is stored: the grid (which images, in which order), k,
 * and the argon2id hash of the canonical selection (the k image IDs, sorted). Never which of the
 * grid's images are the user's.
 */
import { SerumsError, showValue } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { loadImageLibrary } from "../images/index.ts";
import { type Argon2Function, hashSecret, verifySecret } from "./argon2-hash.ts";
import { chooseDecoys, type RandomInt, secureRandom, shuffle } from "./decoys.ts";
import { recognitionStrength } from "./graphical-strength.ts";
import { checkKeyPolicy, DEFAULT_KEY_POLICY, GRID_RANGE, K_RANGE, type KeyOptions } from "./key-policy.ts";
import { inTransaction, requireUser } from "./key-settings.ts";
import { assertStrength, type KeyStrength } from "./key-strength.ts";
import { countImageChoices, imageChoiceCounts } from "./population.ts";

export interface RecognitionOptions extends KeyOptions {
  argon2?: Argon2Function;
  random?: RandomInt;
}

/** The canonical form of a selection, as hashed: the IDs sorted, one per line. */
export function canonicalSelection(ids: readonly string[]): string {
  return `recognition/v1\n${[...ids].sort().join("\n")}`;
}

function shape(options: RecognitionOptions): { k: number; gridSize: number } {
  const k = options.recognitionK ?? DEFAULT_KEY_POLICY.recognitionK;
  const gridSize = options.recognitionGridSize ?? DEFAULT_KEY_POLICY.recognitionGridSize;
  if (!Number.isInteger(k) || k < K_RANGE[0] || k > K_RANGE[1]) {
    throw new SerumsError("BAD_CONFIG", `recognition k = ${k}; valid: ${K_RANGE[0]} to ${K_RANGE[1]}`);
  }
  if (!Number.isInteger(gridSize) || gridSize < GRID_RANGE[0] || gridSize > GRID_RANGE[1]) {
    throw new SerumsError(
      "BAD_CONFIG",
      `recognition grid of ${gridSize}; valid: ${GRID_RANGE[0]} to ${GRID_RANGE[1]} images`,
    );
  }
  checkKeyPolicy({ ...DEFAULT_KEY_POLICY, recognitionK: k, recognitionGridSize: gridSize });
  return { k, gridSize };
}

export interface RecognitionEnrolment {
  /** The grid shown at every login, in its fixed order. */
  grid: string[];
  strength: KeyStrength;
}

/**
 * Sets (or replaces) a user's recognition key from their k chosen images (library images, or
 * their own uploads). Builds and stores the fixed grid, enforces `minGraphicalScore`, counts the
 * choices in the population model, and removes any gesture key (a user has one graphical key).
 */
export async function enrolRecognitionKey(
  db: Executor,
  serumsId: string,
  chosen: readonly string[],
  options: RecognitionOptions = {},
): Promise<RecognitionEnrolment> {
  const { k, gridSize } = shape(options);
  await requireUser(db, serumsId);
  if (!Array.isArray(chosen) || chosen.length !== k) {
    throw new SerumsError(
      "BAD_REQUEST",
      `images: ${Array.isArray(chosen) ? chosen.length : 0} chosen; valid: exactly ${k} different images`,
      { path: "images" },
    );
  }
  const library = await loadImageLibrary(db, { viewer: serumsId });
  const seen = new Set<string>();
  chosen.forEach((id, index) => {
    if (typeof id !== "string" || !library.has(id)) {
      throw new SerumsError(
        "BAD_REQUEST",
        `images[${index}] ${showValue(id)} is not an image of the library or one of your uploads`,
        { path: `images[${index}]`, value: id },
      );
    }
    if (seen.has(id)) {
      throw new SerumsError(
        "BAD_REQUEST",
        `images[${index}] ${showValue(id)} is chosen twice; valid: ${k} different images`,
        {
          path: `images[${index}]`,
          value: id,
        },
      );
    }
    seen.add(id);
  });
  const random = options.random ?? secureRandom;
  const decoys = chooseDecoys(library, chosen, gridSize - k, random);
  if (decoys.length < gridSize - k) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the library has only ${decoys.length} suitable decoys for these images; valid: a library with at least ${gridSize - k}`,
      { path: "images" },
    );
  }
  const grid = shuffle([...chosen, ...decoys], random);
  const strength = recognitionStrength(library, grid, chosen, await imageChoiceCounts(db, grid));
  assertStrength(strength, options.minGraphicalScore ?? DEFAULT_KEY_POLICY.minGraphicalScore);
  const hash = await hashSecret(canonicalSelection(chosen), options);
  const now = (options.now ?? Date.now)();
  await inTransaction(db, async (tx) => {
    await tx.run(
      `INSERT INTO auth_recognition_key (serums_id, grid, k, hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (serums_id) DO UPDATE SET grid = excluded.grid, k = excluded.k, hash = excluded.hash,
         updated_at = excluded.updated_at`,
      [serumsId, JSON.stringify(grid), k, hash, now],
    );
    await tx.run("DELETE FROM auth_gesture_key WHERE serums_id = $1", [serumsId]);
    await countImageChoices(tx, chosen);
  });
  return { grid, strength };
}

/** A user's stored grid and k, or undefined. */
export async function recognitionGrid(
  db: Executor,
  serumsId: string,
): Promise<{ grid: string[]; k: number } | undefined> {
  const row = await db.get<{ grid: string; k: number }>(
    "SELECT grid, k FROM auth_recognition_key WHERE serums_id = $1",
    [serumsId],
  );
  return row ? { grid: JSON.parse(row.grid) as string[], k: Number(row.k) } : undefined;
}

/**
 * Whether `picked` is exactly the user's images, in any order. One argon2id computation whatever
 * happens — a pick of the wrong size, with duplicates, with images outside the grid, or for an
 * unknown user (`serumsId` undefined, or no recognition key) is hashed all the same and answered
 * false. A right pick stored with weaker parameters than the site's is rehashed.
 */
export async function verifyRecognitionKey(
  db: Executor,
  serumsId: string | undefined,
  picked: readonly string[],
  options: RecognitionOptions = {},
): Promise<boolean> {
  const row =
    serumsId === undefined
      ? undefined
      : await db.get<{ grid: string; k: number; hash: string }>(
          "SELECT grid, k, hash FROM auth_recognition_key WHERE serums_id = $1",
          [serumsId],
        );
  const list = Array.isArray(picked) ? picked.filter((id) => typeof id === "string").slice(0, 64) : [];
  const unique = new Set(list);
  const grid = new Set(row ? (JSON.parse(row.grid) as string[]) : []);
  const wellFormed =
    row !== undefined &&
    unique.size === list.length &&
    list.length === (Array.isArray(picked) ? picked.length : -1) &&
    list.length === Number(row.k) &&
    list.every((id) => grid.has(id));
  const message = canonicalSelection(list);
  const result = await verifySecret(row?.hash, message, options);
  const ok = result.ok && wellFormed;
  if (ok && result.needsRehash && serumsId !== undefined && row) {
    await db.run(
      "UPDATE auth_recognition_key SET hash = $1, updated_at = $2 WHERE serums_id = $3 AND hash = $4",
      [await hashSecret(message, options), (options.now ?? Date.now)(), serumsId, row.hash],
    );
  }
  return ok;
}
