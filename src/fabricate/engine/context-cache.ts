/**
 * A bounded cache keyed by the values a step's decision reads (its context): the value-array
 * entries at `vars`, compared as Map keys compare (1 and "1" differ; null is a key like any).
 * Nested Maps, one level per read entry, so that a lookup builds no key text. Once `limit`
 * entries are held, `set` refuses new ones (the caller then works without the cache), so memory
 * stays bounded however many contexts a run meets.
 */
import type { CellValue } from "../table-spec.ts";

/** Contexts kept per step: enough for knowledge keys × small counters, bounded for memory. */
export const CONTEXT_LIMIT = 4096;
/** Contexts of more entries than this are not cached (too many distinct ones to pay back). */
export const MAX_CONTEXT = 6;

export class ContextCache<T> {
  readonly vars: readonly number[];
  readonly limit: number;
  #size = 0;
  #only: T | undefined;
  readonly #root = new Map<CellValue, unknown>();
  /** The last context found and its entry: consecutive rows (one parent's children) often share it. */
  readonly #lastKey: CellValue[];
  #lastEntry: T | undefined;

  constructor(vars: readonly number[], limit = CONTEXT_LIMIT) {
    this.vars = vars;
    this.limit = limit;
    this.#lastKey = new Array(vars.length).fill(null);
  }

  get size(): number {
    return this.#size;
  }

  /** The entry of the context in `v`, or undefined. */
  get(v: readonly CellValue[]): T | undefined {
    const vars = this.vars;
    const last = vars.length - 1;
    if (last < 0) return this.#only;
    const key = this.#lastKey;
    if (this.#lastEntry !== undefined) {
      let i = 0;
      while (i <= last && v[vars[i]!] === key[i]) i++;
      if (i > last) return this.#lastEntry;
    }
    let node = this.#root;
    for (let i = 0; i < last; i++) {
      const next = node.get(v[vars[i]!]!) as Map<CellValue, unknown> | undefined;
      if (next === undefined) return undefined;
      node = next;
    }
    const entry = node.get(v[vars[last]!]!) as T | undefined;
    if (entry !== undefined) {
      for (let i = 0; i <= last; i++) key[i] = v[vars[i]!]!;
      this.#lastEntry = entry;
    }
    return entry;
  }

  /** The context's entry, made by `make` on first need; undefined when new and the cache is full. */
  getOrMake(v: CellValue[], make: (v: CellValue[]) => T): T | undefined {
    let entry = this.get(v);
    if (entry === undefined && this.#size < this.limit) {
      entry = make(v);
      this.set(v, entry);
    }
    return entry;
  }

  /** Keeps `entry` for the context in `v`; false (nothing kept) when the cache is full. */
  set(v: readonly CellValue[], entry: T): boolean {
    if (this.#size >= this.limit) return false;
    const vars = this.vars;
    const last = vars.length - 1;
    this.#size++;
    if (last < 0) {
      this.#only = entry;
      return true;
    }
    let node = this.#root;
    for (let i = 0; i < last; i++) {
      const key = v[vars[i]!]!;
      let next = node.get(key) as Map<CellValue, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    node.set(v[vars[last]!]!, entry);
    return true;
  }
}

/**
 * The context of a step's choice: every value-array index that its checks (all of which must
 * say what they read) and its own choice of options read, less the columns it assigns.
 * Undefined when some check does not say what it reads: the step then cannot be cached.
 */
export function contextOf(
  checks: readonly { vars?: readonly number[] }[],
  reads: readonly number[],
  assigns: readonly number[],
): number[] | undefined {
  const out = new Set<number>(reads);
  for (const check of checks) {
    if (check.vars === undefined) return undefined;
    for (const x of check.vars) out.add(x);
  }
  for (const c of assigns) out.delete(c);
  return [...out].sort((a, b) => a - b);
}

/** The candidates of a context that pass a step's checks: their indexes and cumulative weights. */
export interface Choices {
  picks: Int32Array;
  cum: Float64Array;
}

/** No candidate passes (or none has weight): the step draws as without the cache. */
export const NO_CHOICE: Choices = { picks: new Int32Array(0), cum: new Float64Array(0) };

/**
 * The candidates (0 … weights.length - 1) of positive weight that pass every check once `put`
 * has written candidate i into `v`.
 */
export function passingChoices(
  v: CellValue[],
  weights: ArrayLike<number>,
  put: (v: CellValue[], i: number) => void,
  checks: readonly { fn: (v: CellValue[]) => CellValue }[],
): Choices {
  const picks: number[] = [];
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w > 0)) continue;
    put(v, i);
    let pass = true;
    for (let k = 0; k < checks.length; k++) {
      if (checks[k]!.fn(v) === false) {
        pass = false;
        break;
      }
    }
    if (!pass) continue;
    total += w;
    picks.push(i);
    cum.push(total);
  }
  return picks.length === 0 ? NO_CHOICE : { picks: Int32Array.from(picks), cum: Float64Array.from(cum) };
}

/** One candidate index, drawn by weight (one draw of the stream). */
export function pickChoice(choices: Choices, rng: { next(): number }): number {
  return choices.picks[drawIndex(choices.cum, rng)]!;
}

/** An index of `cum` (cumulative weights, the last their total) drawn by weight: one draw. */
export function drawIndex(cum: Float64Array, rng: { next(): number }): number {
  const r = rng.next() * cum[cum.length - 1]!;
  let low = 0;
  let high = cum.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (cum[mid]! > r) high = mid;
    else low = mid + 1;
  }
  return low;
}
