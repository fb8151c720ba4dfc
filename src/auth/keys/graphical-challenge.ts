/**
 * What a login shows for the graphical key: the user's fixed grid (recognition) or their
 * background (gestures). For a login name with no account — or an account without a graphical
 * key — a decoy challenge is shown instead, derived from the site's secret and the login name:
 * the same every time for the same name (real grids are fixed, so a changing one would give an
 * unknown name away), built the same way as a real grid (a theme of k close images, then decoys
 * close to them), and computed for every request, real or not, so the work is the same.
 *
 * Decoy challenges draw from OpenMoji and the site images that existed when the site's secret was
 * made, so adding images later does not change them.
 */
import type { Executor } from "../../store/index.ts";
import { type ImageLibrary, loadImageLibrary } from "../images/index.ts";
import { chooseDecoys, NEAR_DUPLICATE, type RandomInt, seededRandom, shuffle } from "./decoys.ts";
import { gestureBackground } from "./gesture-key.ts";
import { DEFAULT_KEY_POLICY, type KeyOptions } from "./key-policy.ts";
import { siteSecret } from "./key-settings.ts";
import { recognitionGrid } from "./recognition-key.ts";

export type GraphicalChallenge =
  | { kind: "recognition"; grid: string[]; k: number }
  | { kind: "gesture"; background: string };

const SECRET_NAME = "decoy-challenge";
/** Share of decoy challenges that are grids (the rest are backgrounds), in quarters. */
const RECOGNITION_QUARTERS = 3;

const libraries = new Map<string, Promise<ImageLibrary>>();

function decoyLibrary(db: Executor, key: Buffer, createdAt: number): Promise<ImageLibrary> {
  const cacheKey = `${key.toString("hex")}:${createdAt}`;
  let library = libraries.get(cacheKey);
  if (!library) {
    library = loadImageLibrary(db, {
      storedFilter: (info) => info.source === "site" && info.createdAt < createdAt,
    });
    libraries.set(cacheKey, library);
    library.catch(() => libraries.delete(cacheKey));
  }
  return library;
}

/** A theme of k images: a random seed image and k − 1 of its close neighbours. */
function decoyTheme(library: ImageLibrary, k: number, random: RandomInt): string[] {
  const seeds = library.images.filter((i) => i.source !== "upload" && library.termsOf(i.id).size >= 3);
  const seed = seeds[random(seeds.length)]!;
  const theme = [seed.id];
  const near = library
    .neighbours(seed.id, (i) => i.source !== "upload")
    .slice(0, 4 * k)
    .map((s) => s.image.id);
  for (const id of shuffle(near, random)) {
    if (theme.length >= k) break;
    if (theme.every((t) => library.similarity(t, id) < NEAR_DUPLICATE)) theme.push(id);
  }
  for (const image of shuffle(seeds, random)) {
    if (theme.length >= k) break;
    if (!theme.includes(image.id)) theme.push(image.id);
  }
  return theme;
}

/** The decoy challenge of a login name (stable for the name, the site and its policy). */
export async function decoyChallenge(
  db: Executor,
  loginName: string,
  options: KeyOptions = {},
): Promise<GraphicalChallenge> {
  const secret = await siteSecret(db, SECRET_NAME, options.now);
  const library = await decoyLibrary(db, secret.key, secret.createdAt);
  const name = loginName.normalize("NFC").trim().toLowerCase();
  const random = seededRandom(secret.key, `challenge\0${name}`);
  if (random(4) >= RECOGNITION_QUARTERS) {
    const photos = library.images.filter((i) => i.source === "site");
    const pool = photos.length > 0 ? photos : library.images;
    return { kind: "gesture", background: pool[random(pool.length)]!.id };
  }
  const k = options.recognitionK ?? DEFAULT_KEY_POLICY.recognitionK;
  const gridSize = options.recognitionGridSize ?? DEFAULT_KEY_POLICY.recognitionGridSize;
  const theme = decoyTheme(library, k, random);
  const grid = shuffle([...theme, ...chooseDecoys(library, theme, gridSize - k, random)], random);
  return { kind: "recognition", grid, k };
}

/**
 * The graphical challenge to show for a login: the user's own when `serumsId` has a graphical key,
 * else the login name's decoy challenge. The decoy is computed in every case.
 */
export async function graphicalChallenge(
  db: Executor,
  serumsId: string | undefined,
  loginName: string,
  options: KeyOptions = {},
): Promise<GraphicalChallenge> {
  const decoy = await decoyChallenge(db, loginName, options);
  // The same two look-ups for everyone ("" is no one's Serums ID).
  const recognition = await recognitionGrid(db, serumsId ?? "");
  const background = await gestureBackground(db, serumsId ?? "");
  if (recognition) return { kind: "recognition", ...recognition };
  if (background !== undefined) return { kind: "gesture", background };
  return decoy;
}

/** Which keys a user has (for their account page; never shown before login). */
export async function keyStatus(
  db: Executor,
  serumsId: string,
): Promise<{ text: boolean; graphical: "recognition" | "gesture" | null }> {
  const text = await db.get("SELECT 1 AS x FROM auth_text_key WHERE serums_id = $1", [serumsId]);
  const recognition = await db.get("SELECT 1 AS x FROM auth_recognition_key WHERE serums_id = $1", [
    serumsId,
  ]);
  const gesture = await db.get("SELECT 1 AS x FROM auth_gesture_key WHERE serums_id = $1", [serumsId]);
  return { text: text !== undefined, graphical: recognition ? "recognition" : gesture ? "gesture" : null };
}
