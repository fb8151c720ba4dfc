/**
 * An append-only Merkle log held in memory. Level 0 holds the leaf hashes; level h holds the
 * hash of every complete, aligned subtree of 2^h leaves, filled in as appends complete them
 * (amortised one node hash per append). Every subtree the RFC 9162 recursion visits either is
 * such a complete subtree — read from the cache — or splits into one and a smaller remainder,
 * so root(size) costs O(log n) hashes and a proof O(log² n) at worst, for any earlier size too.
 * Hashes are packed 32 bytes apiece into growable buffers, so millions of leaves cost about
 * 64 bytes each rather than one object apiece.
 */
import { SerumsError } from "../../errors/index.ts";
import { HASH_SIZE, isCount, requireHash } from "./bytes.ts";
import {
  consistencyPath,
  emptyRoot,
  inclusionPath,
  isPowerOfTwo,
  nodeHash,
  type SubtreeHash,
  splitPoint,
} from "./merkle-tree.ts";

/** A growable array of 32-byte hashes packed in one buffer. */
class HashColumn {
  #bytes = new Uint8Array(HASH_SIZE * 16);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  push(hash: Uint8Array): void {
    const offset = this.#count * HASH_SIZE;
    if (offset + HASH_SIZE > this.#bytes.byteLength) {
      const grown = new Uint8Array(this.#bytes.byteLength * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes.set(hash, offset);
    this.#count++;
  }

  /** A view into the buffer: valid until the next push, never to be handed out. */
  view(i: number): Uint8Array {
    return this.#bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
}

function log2(powerOfTwo: number): number {
  let h = 0;
  for (let x = powerOfTwo; x > 1; x /= 2) h++;
  return h;
}

export class MerkleLog {
  readonly #levels: HashColumn[] = [new HashColumn()];
  readonly #subtree: SubtreeHash = (start, end) => this.#subtreeHash(start, end).slice();

  constructor(leafHashes?: Iterable<Uint8Array>) {
    if (leafHashes !== undefined) for (const leaf of leafHashes) this.append(leaf);
  }

  get size(): number {
    return this.#levels[0]!.count;
  }

  /** Appends one leaf hash (SHA-256(0x00 || entry)); returns its index. */
  append(leafHash: Uint8Array): number {
    requireHash(leafHash, `leaf hash ${this.size}`);
    const index = this.size;
    this.#levels[0]!.push(leafHash);
    // Each odd position closes a pair: hash it into the level above, and so on upwards.
    let position = index;
    for (let h = 0; position % 2 === 1; h++) {
      const level = this.#levels[h]!;
      const parent = nodeHash(level.view(position - 1), level.view(position));
      if (this.#levels[h + 1] === undefined) this.#levels.push(new HashColumn());
      this.#levels[h + 1]!.push(parent);
      position = (position - 1) / 2;
    }
    return index;
  }

  /** MTH of the first `size` leaves (default all); SHA-256("") for none. */
  root(size: number = this.size): Uint8Array {
    this.#checkSize(size, "size", this.size, "the log's size");
    return size === 0 ? emptyRoot() : this.#subtree(0, size);
  }

  leafHash(index: number): Uint8Array {
    this.#checkIndex(index, this.size);
    return this.#levels[0]!.view(index).slice();
  }

  /** PATH(index, D[0:size]) (size defaults to the whole log). */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.#checkSize(size, "size", this.size, "the log's size");
    this.#checkIndex(index, size);
    return inclusionPath(index, size, this.#subtree);
  }

  /** PROOF(oldSize, D[0:newSize]) (newSize defaults to the whole log). */
  consistencyProof(oldSize: number, newSize: number = this.size): Uint8Array[] {
    this.#checkSize(newSize, "newSize", this.size, "the log's size");
    this.#checkSize(oldSize, "oldSize", newSize, "newSize");
    return consistencyPath(oldSize, newSize, this.#subtree);
  }

  /** Hash of leaves [start, end); a view when cached, so callers must copy before handing out. */
  #subtreeHash(start: number, end: number): Uint8Array {
    const width = end - start;
    if (isPowerOfTwo(width)) return this.#levels[log2(width)]!.view(start / width);
    const k = splitPoint(width);
    return nodeHash(this.#subtreeHash(start, start + k), this.#subtreeHash(start + k, end));
  }

  #checkSize(size: number, what: string, max: number, maxWhat: string): void {
    if (!isCount(size) || size > max) {
      throw new SerumsError(
        "BAD_REQUEST",
        `${what} is ${String(size)}; expected an integer from 0 to ${max} (${maxWhat})`,
        { path: what, value: size },
      );
    }
  }

  #checkIndex(index: number, size: number): void {
    if (!isCount(index) || index >= size) {
      throw new SerumsError(
        "BAD_REQUEST",
        size === 0
          ? `index is ${String(index)}, but the tree is empty`
          : `index is ${String(index)}; a tree of ${size} leaves has indexes 0 to ${size - 1}`,
        { path: "index", value: index },
      );
    }
  }
}
