/**
 * A peer's memory of its committed world state: point reads (a key's value and version, or its
 * absence) and partial composite-key range reads (every key under a prefix, as
 * getStateByPartialCompositeKey and validation's phantom check ask for them). Endorsement and
 * validation read the same few ranges over and over — the rules of a site, a patient's rules —
 * and the store need not be asked again until a commit writes under them.
 *
 * Sound because the peer is its store's only writer and tells the cache every key each commit
 * writes: a commit drops the points it wrote and every range whose prefix holds a written key.
 * A read that was under way while a commit happened is not remembered (the generation counter
 * moves at the start and the end of every commit), so a value read before a commit is never
 * kept after it. Other ranges (getStateByRange's arbitrary bounds) are not cached.
 */
import { isCompositeKey } from "../composite-key.ts";
import type { StateEntry } from "./embedded-stub.ts";

/** The end of a partial composite-key range: the prefix and the highest code point. */
const MAX_CODE_POINT = "\u{10FFFF}";
const SEPARATOR = "\u0000";

const POINT_LIMIT = 200_000;
const RANGE_LIMIT = 20_000;

/** The prefix of a partial composite-key range [prefix, prefix + U+10FFFF), or undefined. */
function rangePrefix(start: string, end: string): string | undefined {
  if (!isCompositeKey(start) || !start.endsWith(SEPARATOR) || end !== `${start}${MAX_CODE_POINT}`)
    return undefined;
  return start;
}

/** Every partial-range prefix a composite key falls under: "\0type\0", "\0type\0a\0", … */
function prefixesOf(key: string): string[] {
  const prefixes: string[] = [];
  if (!isCompositeKey(key)) return prefixes;
  for (let i = key.indexOf(SEPARATOR, 1); i >= 0; i = key.indexOf(SEPARATOR, i + 1))
    prefixes.push(key.slice(0, i + 1));
  return prefixes;
}

export class StateCache {
  readonly #points = new Map<string, StateEntry | null>();
  readonly #ranges = new Map<string, readonly StateEntry[]>();
  #generation = 0;

  /** The generation a read starts in; pass it back to `remember…` when the read completes. */
  get generation(): number {
    return this.#generation;
  }

  /** A remembered point read: the entry, null (absent), or undefined (not remembered). */
  point(key: string): StateEntry | null | undefined {
    return this.#points.get(key);
  }

  rememberPoint(generation: number, key: string, entry: StateEntry | null): void {
    if (generation !== this.#generation) return;
    if (this.#points.size >= POINT_LIMIT) this.#points.clear();
    this.#points.set(key, entry);
  }

  /** A remembered range read (entries in key order), or undefined. */
  range(start: string, end: string): readonly StateEntry[] | undefined {
    const prefix = rangePrefix(start, end);
    return prefix === undefined ? undefined : this.#ranges.get(prefix);
  }

  rememberRange(generation: number, start: string, end: string, entries: readonly StateEntry[]): void {
    if (generation !== this.#generation) return;
    const prefix = rangePrefix(start, end);
    if (prefix === undefined) return;
    if (this.#ranges.size >= RANGE_LIMIT) this.#ranges.clear();
    this.#ranges.set(prefix, entries);
  }

  /** Call before a commit's store transaction starts: reads under way are no longer remembered. */
  beginCommit(): void {
    this.#generation++;
  }

  /** Call once the commit is durable, with every key it wrote or deleted. */
  endCommit(written: Iterable<string>): void {
    for (const key of written) {
      this.#points.delete(key);
      for (const prefix of prefixesOf(key)) this.#ranges.delete(prefix);
    }
    this.#generation++;
  }

  /** Forgets everything (a commit that failed half-way, a wipe). */
  clear(): void {
    this.#points.clear();
    this.#ranges.clear();
    this.#generation++;
  }
}
