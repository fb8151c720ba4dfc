/**
 * Seeded, deterministic sampling for the profiler and the quality report: the same rows in the
 * same order with the same seed give the same sample, on every machine (never Math.random).
 */

/** mulberry32: a small 32-bit generator; floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform sample of at most `capacity` items from a stream of unknown length (Vitter's
 * algorithm R). `items` holds the sample; `seen` counts everything offered.
 */
export class Reservoir<T> {
  readonly capacity: number;
  readonly items: T[] = [];
  seen = 0;
  readonly #random: () => number;

  constructor(capacity: number, seed: number) {
    this.capacity = capacity;
    this.#random = seededRandom(seed);
  }

  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    const slot = Math.floor(this.#random() * this.seen);
    if (slot < this.capacity) this.items[slot] = item;
  }

  /** True when every item offered is in the sample. */
  get complete(): boolean {
    return this.seen === this.items.length;
  }
}

/** `count` distinct indexes of 0..n-1 chosen uniformly (all of them, in order, when count >= n). */
export function sampleIndexes(n: number, count: number, seed: number): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, count).sort();
}

/** A 53-bit hash of a string (cyrb53), as a base-36 string: a compact key for row sets. */
export function hashText(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
