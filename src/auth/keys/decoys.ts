/**
 * Decoys for a recognition grid: for each of the user's images, images close to it by IDF-weighted
 * tag similarity — close, so that the grid is one theme and the user's pictures do not stand out,
 * but never the same picture (a near-duplicate, similarity ≥ NEAR_DUPLICATE to any image already
 * in the grid, is skipped: "man surfing" beside "person surfing" would confuse the user and give a
 * pair away). Each pick is drawn at random from the closest few, not always the closest, so the
 * grid cannot be recomputed from the user's images. Decoys are never uploads (those are private to
 * their owner); for a user's own photos, the site's photos are preferred to OpenMoji drawings.
 */
import { createHmac, randomInt } from "node:crypto";
import type { ImageLibrary, LibraryImage } from "../images/index.ts";

export const NEAR_DUPLICATE = 0.9;

/** A uniform integer in [0, bound). */
export type RandomInt = (bound: number) => number;

export const secureRandom: RandomInt = (bound) => randomInt(bound);

/** A deterministic stream from a key and a label (HMAC-SHA256 in counter mode), for stable grids. */
export function seededRandom(key: Uint8Array, label: string): RandomInt {
  let counter = 0;
  let pool: number[] = [];
  const next32 = () => {
    if (pool.length === 0) {
      const block = createHmac("sha256", key).update(`${label}\0${counter++}`).digest();
      pool = Array.from({ length: 8 }, (_, i) => block.readUInt32BE(i * 4));
    }
    return pool.shift()!;
  };
  return (bound) => {
    if (!Number.isInteger(bound) || bound <= 0)
      throw new RangeError(`bound ${bound} must be a positive integer`);
    const limit = Math.floor(0x1_0000_0000 / bound) * bound;
    for (;;) {
      const x = next32();
      if (x < limit) return x % bound;
    }
  };
}

export function shuffle<T>(items: readonly T[], random: RandomInt): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** How much sharing the user's common theme adds to a candidate's closeness. */
export const THEME_WEIGHT = 1;

/** Terms two or more of the user's images share → j² × their IDF weight (j: how many share it). */
function sharedTerms(library: ImageLibrary, own: readonly string[]): Map<string, number> {
  const shared = new Map<string, { j: number; weight: number }>();
  for (const o of own) {
    for (const [t, weight] of library.termsOf(o)) shared.set(t, { j: (shared.get(t)?.j ?? 0) + 1, weight });
  }
  const out = new Map<string, number>();
  for (const [t, { j, weight }] of shared) if (j >= 2) out.set(t, j * j * weight);
  return out;
}

/**
 * The user's theme — terms two or more of their images share, weighted by their IDF weight and by
 * the square of how many share them — as a score in [0, 1] of how much of it a candidate carries. Decoys that carry it
 * keep the theme from singling the user's images out ("all cats": the decoys are cats too).
 */
function themeOf(library: ImageLibrary, own: readonly string[]): (id: string) => number {
  const weights = sharedTerms(library, own);
  let total = 0;
  for (const w of weights.values()) total += w;
  return (id) => {
    if (total === 0) return 0;
    let carried = 0;
    for (const t of library.termsOf(id).keys()) carried += weights.get(t) ?? 0;
    return carried / total;
  };
}

const isPhoto = (image: LibraryImage | undefined) => image !== undefined && image.source !== "openmoji";

/**
 * `count` decoys for the user's images `own` (all in `library`). Fewer only when the library has
 * too few images that are not near-duplicates.
 */
export function chooseDecoys(
  library: ImageLibrary,
  own: readonly string[],
  count: number,
  random: RandomInt = secureRandom,
): string[] {
  const grid = new Set(own);
  const chosen: string[] = [];
  const eligible = (image: LibraryImage) => image.source !== "upload" && !grid.has(image.id);
  const farEnough = (id: string) => [...grid].every((g) => library.similarity(id, g) < NEAR_DUPLICATE);
  const quota = Math.ceil(count / Math.max(1, own.length));
  const window = Math.max(4, 2 * quota);
  const theme = themeOf(library, own);
  const pools = new Map<string, string[]>();
  for (const o of own) {
    const near = library
      .neighbours(o, eligible)
      .map((s) => ({ id: s.image.id, score: s.score + THEME_WEIGHT * theme(s.image.id) }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .map((s) => s.id);
    const photos = near.filter((id) => isPhoto(library.get(id)));
    pools.set(o, isPhoto(library.get(o)) && photos.length >= 2 * quota ? [...photos, ...near] : near);
  }
  const take = (pool: readonly string[], width: number): boolean => {
    const open: string[] = [];
    for (const id of pool) {
      if (open.length >= width) break;
      if (!grid.has(id) && farEnough(id)) open.push(id);
    }
    if (open.length === 0) return false;
    const pick = open[random(open.length)]!;
    grid.add(pick);
    chosen.push(pick);
    return true;
  };
  // First, up to half the decoys for the user's theme: again and again, the shared term that
  // decoys cover least (for how many of the user's images carry it and how rare it is), and one of
  // the closest images that carry it.
  const candidates = [...new Set([...pools.values()].flat())];
  const covered = new Map<string, number>();
  const shared = sharedTerms(library, own);
  while (chosen.length < Math.floor(count / 2)) {
    const ranked = [...shared]
      .map(([t, need]) => ({ t, need: need / (1 + (covered.get(t) ?? 0)) }))
      .sort((a, b) => b.need - a.need || a.t.localeCompare(b.t));
    let picked = false;
    for (const { t } of ranked) {
      const carriers = candidates
        .filter((id) => (library.termsOf(id).get(t) ?? 0) > 0)
        .sort((a, b) => theme(b) - theme(a) || a.localeCompare(b));
      if (!take(carriers, 3)) {
        shared.delete(t);
        continue;
      }
      for (const term of library.termsOf(chosen.at(-1)!).keys())
        covered.set(term, (covered.get(term) ?? 0) + 1);
      picked = true;
      break;
    }
    if (!picked) break;
  }
  // Then round-robin: close to each of the user's images in turn.
  let progress = true;
  while (chosen.length < count && progress) {
    progress = false;
    for (const o of shuffle(own, random)) {
      if (chosen.length >= count) break;
      if (take(pools.get(o)!, window)) progress = true;
    }
  }
  // A small or very uneven library: fill from anywhere, still without near-duplicates.
  if (chosen.length < count) {
    for (const image of shuffle(library.images.filter(eligible), random)) {
      if (chosen.length >= count) break;
      if (!grid.has(image.id) && farEnough(image.id)) {
        grid.add(image.id);
        chosen.push(image.id);
      }
    }
  }
  return chosen;
}
