/**
 * The keys a unique set has seen. `KeySet` is what the solver needs of one; `ScopedKeys` holds the
 * few keys of one parent's children (sets scoped to the parent, cleared as each parent starts):
 * the first ones in a short array searched in order, more in a Set — a handful of keys is found
 * faster by comparing than by hashing, and clearing the array allocates nothing (clearing a Set
 * makes a new table).
 */
import type { CellValue } from "../table-spec.ts";

export interface KeySet {
  has(key: CellValue): boolean;
  add(key: CellValue): unknown;
  clear(): void;
  readonly size: number;
}

/** Keys kept in the array before a Set takes the rest. */
const SHORT = 8;

export class ScopedKeys implements KeySet {
  readonly #short: CellValue[] = [];
  #more: Set<CellValue> | null = null;

  get size(): number {
    return this.#short.length + (this.#more?.size ?? 0);
  }

  has(key: CellValue): boolean {
    const short = this.#short;
    for (let i = 0; i < short.length; i++) {
      const k = short[i];
      // As a Set compares (SameValueZero): NaN equals NaN.
      if (k === key || (typeof k === "number" && Number.isNaN(k) && Number.isNaN(key))) return true;
    }
    return this.#more?.has(key) === true;
  }

  add(key: CellValue): this {
    if (this.has(key)) return this;
    if (this.#short.length < SHORT) this.#short.push(key);
    else {
      this.#more ??= new Set();
      this.#more.add(key);
    }
    return this;
  }

  clear(): void {
    this.#short.length = 0;
    if (this.#more !== null && this.#more.size > 0) this.#more.clear();
  }
}
