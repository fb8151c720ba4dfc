/**
 * Streaming counts of one column over every row: how often each value, each character-class
 * shape ("A9 9AA") and each length occurs.
 *
 * Memory is bounded: when a map holds more than `cap` keys, the keys seen fewer than `k` times
 * are dropped (then fewer than 2k, 4k… until it is at most half full) and the map is marked
 * inexact. A dropped key that comes back starts again from 1, so counts can only be
 * under-estimated, never over-estimated: a value reported as seen at least k times truly was,
 * and suppression stays safe however the cap bites.
 */
import type { SourceValue } from "../../sources/index.ts";

/** The text of a value as the profiler compares it: trimmed strings, numbers and booleans as text. */
export function valueText(raw: SourceValue | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  return typeof raw === "string" ? raw.trim() : String(raw);
}

/** Texts longer than this have no shape (free text; its shape would be as rare as its value). */
export const MAX_SHAPE_LENGTH = 24;

/**
 * The character-class shape of a text: an upper-case letter becomes A, a lower-case letter a, a
 * digit 9, a space stays a space and any other character stays itself ("EH3 9YL" → "AA9 9AA").
 * Undefined for longer texts.
 */
export function shapeOf(text: string): string | undefined {
  if (text.length > MAX_SHAPE_LENGTH) return undefined;
  let shape = "";
  for (const char of text) {
    if (char >= "0" && char <= "9") shape += "9";
    else if (char >= "A" && char <= "Z") shape += "A";
    else if (char >= "a" && char <= "z") shape += "a";
    else if (/\p{Lu}/u.test(char)) shape += "A";
    else if (/\p{L}/u.test(char)) shape += "a";
    else if (/\p{N}/u.test(char)) shape += "9";
    else shape += char;
  }
  return shape;
}

export class BoundedCounts {
  readonly map = new Map<string, number>();
  exact = true;
  readonly cap: number;
  readonly #k: number;

  constructor(cap: number, k: number) {
    this.cap = cap;
    this.#k = Math.max(1, k);
  }

  add(key: string, n = 1): void {
    this.map.set(key, (this.map.get(key) ?? 0) + n);
    if (this.map.size > this.cap) this.#prune();
  }

  #prune(): void {
    this.exact = false;
    let below = this.#k;
    while (this.map.size > this.cap / 2) {
      for (const [key, count] of this.map) if (count < below) this.map.delete(key);
      below *= 2;
    }
  }

  /** Entries seen at least `k` times, most frequent first (ties by key, for stable output). */
  frequent(k: number): [string, number][] {
    return [...this.map].filter(([, count]) => count >= k).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Values, shapes and lengths of one column. Shapes and lengths are folded from the value counts
 * at the end (one shape per distinct value, not per row) while those counts are exact; from the
 * first time the value counts overflow their bound, every row's shape and length is counted as
 * it comes instead (the exact counts so far folded in first).
 */
export class ValueCounter {
  readonly values: BoundedCounts;
  readonly #shapes: BoundedCounts;
  readonly #lengths: BoundedCounts;
  /** Non-empty values too long to have a shape. */
  #longTexts = 0;
  #streaming = false;
  #folded = false;

  constructor(cap: number, k: number) {
    this.values = new BoundedCounts(cap, k);
    this.#shapes = new BoundedCounts(Math.min(cap, 10_000), k);
    this.#lengths = new BoundedCounts(1_000, k);
  }

  add(raw: SourceValue | undefined): void {
    const text = valueText(raw);
    if (text === null || text === "") return;
    if (!this.#streaming && this.values.map.size >= this.values.cap && !this.values.map.has(text)) {
      this.#fold();
      this.#streaming = true;
    }
    this.values.add(text);
    if (this.#streaming) this.#count(text, 1);
  }

  #count(text: string, n: number): void {
    this.#lengths.add(String(text.length), n);
    const shape = shapeOf(text);
    if (shape === undefined) this.#longTexts += n;
    else this.#shapes.add(shape, n);
  }

  #fold(): void {
    for (const [text, n] of this.values.map) this.#count(text, n);
  }

  #finish(): void {
    if (this.#folded) return;
    this.#folded = true;
    if (!this.#streaming) this.#fold();
  }

  get shapes(): BoundedCounts {
    this.#finish();
    return this.#shapes;
  }

  get lengths(): BoundedCounts {
    this.#finish();
    return this.#lengths;
  }

  get longTexts(): number {
    this.#finish();
    return this.#longTexts;
  }
}
