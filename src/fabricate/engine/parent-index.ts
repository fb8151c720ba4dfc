/**
 * A parent table's rows by the text of some of their columns, for a child's second foreign key
 * that shares columns with its first (the treatment's regime is its cycle's regime): nested
 * Maps, one level per column, so that finding a child's parents builds no key text. Values are
 * compared as text, as a child's copied key and the parent's own may differ in type.
 */
import type { CellValue } from "../table-spec.ts";

type Level = Map<string, unknown>;

export class ParentIndex {
  readonly #root: Level = new Map();
  readonly #depth: number;

  /** Indexes rows 0 … rows - 1 by the values `readers` give for each. */
  constructor(rows: number, readers: readonly ((p: number) => CellValue)[]) {
    this.#depth = readers.length;
    const last = readers.length - 1;
    for (let p = 0; p < rows; p++) {
      let node = this.#root;
      for (let i = 0; i < last; i++) {
        const key = String(readers[i]!(p));
        let next = node.get(key) as Level | undefined;
        if (next === undefined) {
          next = new Map();
          node.set(key, next);
        }
        node = next;
      }
      const key = String(readers[last]!(p));
      const list = node.get(key) as number[] | undefined;
      if (list === undefined) node.set(key, [p]);
      else list.push(p);
    }
  }

  /** The parent rows whose columns equal, as text, the values at `sources` in `v`. */
  find(v: readonly CellValue[], sources: readonly number[]): number[] | undefined {
    let node = this.#root;
    const last = this.#depth - 1;
    for (let i = 0; i < last; i++) {
      const next = node.get(String(v[sources[i]!])) as Level | undefined;
      if (next === undefined) return undefined;
      node = next;
    }
    return node.get(String(v[sources[last]!])) as number[] | undefined;
  }
}
