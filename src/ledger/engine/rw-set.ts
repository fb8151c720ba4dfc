/**
 * Read/write sets, as Fabric's endorsers record them: the version of every key read (or that it
 * was absent), every key written or deleted, and each range query with the keys and versions it
 * saw — so that a key inserted into or deleted from the range before commit (a phantom) is found
 * at validation. A version is the [block, transaction index] of the write that made the value.
 */
import { compareKeys } from "./encoding.ts";

export type Version = [block: number, tx: number];

export interface KVRead {
  key: string;
  version: Version | null;
}

export interface KVWrite {
  key: string;
  /** base64 of the new value; absent for a delete */
  value?: string;
  isDelete?: true;
}

export interface RangeRead {
  start: string;
  /** "" = unbounded */
  end: string;
  reads: { key: string; version: Version }[];
}

export interface RWSet {
  reads: KVRead[];
  ranges: RangeRead[];
  writes: KVWrite[];
}

export function sameVersion(a: Version | null | undefined, b: Version | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a[0] === b[0] && a[1] === b[1];
}

export function formatVersion(version: Version | null | undefined): string {
  return version ? `${version[0]}:${version[1]}` : "absent";
}

/** Collects one simulation's reads and writes; `build()` gives them in key order. */
export class RWSetBuilder {
  readonly #reads = new Map<string, Version | null>();
  readonly #writes = new Map<string, KVWrite>();
  readonly #ranges: RangeRead[] = [];

  read(key: string, version: Version | null): void {
    if (!this.#reads.has(key)) this.#reads.set(key, version);
  }

  write(key: string, value: string): void {
    this.#writes.set(key, { key, value });
  }

  delete(key: string): void {
    this.#writes.set(key, { key, isDelete: true });
  }

  range(range: RangeRead): void {
    this.#ranges.push(range);
  }

  get writeCount(): number {
    return this.#writes.size;
  }

  build(): RWSet {
    const reads = [...this.#reads].map(([key, version]) => ({ key, version }));
    reads.sort((a, b) => compareKeys(a.key, b.key));
    const writes = [...this.#writes.values()];
    writes.sort((a, b) => compareKeys(a.key, b.key));
    return { reads, ranges: this.#ranges, writes };
  }
}
