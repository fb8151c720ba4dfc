/**
 * The Merkle tree hash of RFC 9162 §2.1 (unchanged from RFC 6962): leaves and interior nodes are
 * hashed with distinct one-byte prefixes, so no leaf can pass for a node; a tree of n leaves
 * splits at the largest power of two below n. Inclusion proofs (PATH) show one leaf is in a tree;
 * consistency proofs (PROOF) show a tree of m leaves is a prefix of a tree of n — that an
 * append-only log only ever appended.
 *
 * Builders throw BAD_REQUEST on arguments out of range; verifiers never throw on data: anything
 * that does not verify, however malformed, is `false`.
 */
import { SerumsError } from "../../errors/index.ts";
import { bytesEqual, isCount, isHash, requireHash, sha256 } from "./bytes.ts";

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({}) = SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (!(entry instanceof Uint8Array)) {
    throw new SerumsError("BAD_REQUEST", `a log entry is a ${typeof entry}; expected a Uint8Array`);
  }
  return sha256(LEAF_PREFIX, entry);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

/** The largest power of two strictly below `n` (n ≥ 2): where a tree of n leaves splits. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (!isCount(n) || n === 0) return false;
  let x = n;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}

/** The hash of the subtree over leaves [start, end), computed by `subtree`. */
export type SubtreeHash = (start: number, end: number) => Uint8Array;

/**
 * PATH(index, D[0:size]) walked from the root down, asking `subtree` for each sibling; returned
 * leaf-side first, as RFC 9162 orders it. Shared by the list functions here and MerkleLog.
 */
export function inclusionPath(index: number, size: number, subtree: SubtreeHash): Uint8Array[] {
  const siblings: Uint8Array[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      siblings.push(subtree(start + k, end));
      end = start + k;
    } else {
      siblings.push(subtree(start, start + k));
      start += k;
    }
  }
  return siblings.reverse();
}

/** PROOF(oldSize, D[0:newSize]) = SUBPROOF(m, D[n], true), walked from the root down. */
export function consistencyPath(oldSize: number, newSize: number, subtree: SubtreeHash): Uint8Array[] {
  if (oldSize === 0 || oldSize === newSize) return [];
  const nodes: Uint8Array[] = [];
  let start = 0;
  let end = newSize;
  let wholeOldTree = true; // the `b` flag: the old tree's root is this very subtree, known to the verifier
  for (;;) {
    if (oldSize === end) {
      if (!wholeOldTree) nodes.push(subtree(start, end));
      break;
    }
    const k = splitPoint(end - start);
    if (oldSize <= start + k) {
      nodes.push(subtree(start + k, end));
      end = start + k;
    } else {
      nodes.push(subtree(start, start + k));
      start += k;
      wholeOldTree = false;
    }
  }
  return nodes.reverse();
}

function checkLeafHashes(leafHashes: readonly Uint8Array[]): void {
  if (!Array.isArray(leafHashes)) {
    throw new SerumsError("BAD_REQUEST", "leafHashes is not an array; expected an array of 32-byte hashes");
  }
  for (let i = 0; i < leafHashes.length; i++) requireHash(leafHashes[i], `leafHashes[${i}]`);
}

function listSubtree(leafHashes: readonly Uint8Array[]): SubtreeHash {
  const subtree: SubtreeHash = (start, end) => {
    if (end - start === 1) return leafHashes[start]!.slice();
    const k = splitPoint(end - start);
    return nodeHash(subtree(start, start + k), subtree(start + k, end));
  };
  return subtree;
}

function checkSize(size: number, what: string, max: number, maxWhat: string): void {
  if (!isCount(size) || size > max) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what} is ${String(size)}; expected an integer from 0 to ${max} (${maxWhat})`,
      { path: what, value: size },
    );
  }
}

/** MTH(D[n]) over leaf hashes; the empty list gives SHA-256(""). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  checkLeafHashes(leafHashes);
  if (leafHashes.length === 0) return emptyRoot();
  return listSubtree(leafHashes)(0, leafHashes.length);
}

/** PATH(index, D[0:size]): the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number, size: number): Uint8Array[] {
  checkLeafHashes(leafHashes);
  checkSize(size, "size", leafHashes.length, "the number of leaf hashes");
  if (!isCount(index) || index >= size) {
    throw new SerumsError(
      "BAD_REQUEST",
      `index is ${String(index)}; a tree of ${size} leaves has indexes 0 to ${size - 1}`,
      { path: "index", value: index },
    );
  }
  return inclusionPath(index, size, listSubtree(leafHashes));
}

/** PROOF(oldSize, D[0:newSize]); empty when oldSize is 0 or equals newSize. */
export function consistencyProof(
  leafHashes: readonly Uint8Array[],
  oldSize: number,
  newSize: number,
): Uint8Array[] {
  checkLeafHashes(leafHashes);
  checkSize(newSize, "newSize", leafHashes.length, "the number of leaf hashes");
  checkSize(oldSize, "oldSize", newSize, "newSize");
  return consistencyPath(oldSize, newSize, listSubtree(leafHashes));
}

function isProof(proof: unknown): proof is readonly Uint8Array[] {
  return Array.isArray(proof) && proof.every(isHash);
}

const odd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

/**
 * RFC 9162 §2.1.3.2: does `proof` lead from leaf `index` of a `size`-leaf tree to `root`? The
 * proof binds the leaf, its index and the root; trees of different sizes can share a path shape
 * (leaf 0 of 3 leaves and of 4), so the size must come from a signed checkpoint, as it does.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(leafHash) || !isHash(root) || !isProof(proof)) return false;
  if (!isCount(index) || !isCount(size) || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `newSize` leaves with `newRoot` an extension of the tree of
 * `oldSize` leaves with `oldRoot`? Equal sizes need an empty proof and equal roots; the empty
 * tree (whose root must be SHA-256("")) is a prefix of every tree, with an empty proof.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isHash(oldRoot) || !isHash(newRoot) || !isProof(proof)) return false;
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize) return false;
  if (oldSize === 0) return proof.length === 0 && bytesEqual(oldRoot, emptyRoot());
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}
