import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MerkleLog } from "./merkle-log.ts";
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from "./merkle-tree.ts";
import { fails } from "./test-support.ts";

const entry = (i: number): Uint8Array => new TextEncoder().encode(`access ${i}`);
const hashes = (n: number, from = 0): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => leafHash(entry(from + i)));

test("an empty log has size 0 and the empty root", () => {
  const log = new MerkleLog();
  assert.equal(log.size, 0);
  assert.deepEqual(log.root(), emptyRoot());
  assert.throws(() => log.leafHash(0), fails("BAD_REQUEST", /^index is 0, but the tree is empty/));
  assert.deepEqual(log.consistencyProof(0), []);
});

test("append returns each new leaf's index, and leaves read back as appended", () => {
  const log = new MerkleLog();
  const leaves = hashes(5);
  assert.deepEqual(
    leaves.map((h) => log.append(h)),
    [0, 1, 2, 3, 4],
  );
  assert.equal(log.size, 5);
  for (let i = 0; i < 5; i++) assert.deepEqual(log.leafHash(i), leaves[i]);
  assert.deepEqual(new MerkleLog(leaves).root(), log.root());
});

test("property: the log agrees with the list functions for every prefix, proof and size", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 70 }), fc.integer(), (n, seed) => {
      const leaves = hashes(n, seed);
      const log = new MerkleLog();
      for (let size = 1; size <= n; size++) {
        log.append(leaves[size - 1]!);
        assert.deepEqual(log.root(), rootFromLeafHashes(leaves.slice(0, size)), `root after ${size}`);
      }
      for (let size = 0; size <= n; size++) {
        const prefix = leaves.slice(0, size);
        assert.deepEqual(log.root(size), rootFromLeafHashes(prefix), `root(${size})`);
        assert.deepEqual(
          log.consistencyProof(size),
          consistencyProof(leaves, size, n),
          `consistency ${size}`,
        );
        for (let index = 0; index < size; index++) {
          assert.deepEqual(log.inclusionProof(index, size), inclusionProof(leaves, index, size));
        }
      }
    }),
    { numRuns: 20 },
  );
});

test("hashes handed out are copies: changing them does not change the log", () => {
  const log = new MerkleLog(hashes(9));
  const before = log.root();
  log.leafHash(3).fill(0);
  log.root().fill(0);
  for (const h of log.inclusionProof(8)) h.fill(0);
  for (const h of log.consistencyProof(4)) h.fill(0);
  assert.deepEqual(log.root(), before);
  const appended = leafHash(entry(99));
  log.append(appended);
  appended.fill(0);
  assert.deepEqual(log.leafHash(9), leafHash(entry(99)));
});

test("a log of 140,000 leaves (across buffer growth) gives proofs that verify against its roots", () => {
  const n = 140_000;
  const log = new MerkleLog();
  for (let i = 0; i < n; i++) log.append(leafHash(entry(i)));
  assert.equal(log.size, n);
  const root = log.root();
  for (const index of [0, 1, 65_535, 65_536, 131_071, n - 2, n - 1]) {
    const proof = log.inclusionProof(index);
    assert.ok(verifyInclusion(leafHash(entry(index)), index, n, proof, root), `index ${index}`);
    assert.equal(verifyInclusion(leafHash(entry(index + 1)), index, n, proof, root), false);
  }
  for (const oldSize of [1, 3, 65_536, 131_073, n - 1]) {
    const proof = log.consistencyProof(oldSize);
    assert.ok(verifyConsistency(oldSize, n, log.root(oldSize), root, proof), `from ${oldSize}`);
  }
  // Historic roots and proofs against an earlier size agree with a log rebuilt to that size.
  const rebuilt = new MerkleLog();
  for (let i = 0; i < 70_000; i++) rebuilt.append(log.leafHash(i));
  assert.deepEqual(log.root(70_000), rebuilt.root());
  assert.deepEqual(log.inclusionProof(12_345, 70_000), rebuilt.inclusionProof(12_345));
});

test("bad arguments are refused, naming them", () => {
  const log = new MerkleLog(hashes(4));
  assert.throws(() => log.append(new Uint8Array(16)), fails("BAD_REQUEST", /^leaf hash 4 is 16 bytes/));
  assert.throws(
    () => new MerkleLog([hashes(1)[0]!, "x" as never]),
    fails("BAD_REQUEST", /^leaf hash 1 is string/),
  );
  assert.throws(() => log.root(5), fails("BAD_REQUEST", /^size is 5; expected an integer from 0 to 4/));
  assert.throws(
    () => log.leafHash(4),
    fails("BAD_REQUEST", /^index is 4; a tree of 4 leaves has indexes 0 to 3/),
  );
  assert.throws(() => log.inclusionProof(2, 2), fails("BAD_REQUEST", /^index is 2; a tree of 2 leaves/));
  assert.throws(() => log.inclusionProof(0, 7), fails("BAD_REQUEST", /^size is 7/));
  assert.throws(() => log.consistencyProof(3, 2), fails("BAD_REQUEST", /^oldSize is 3; .*to 2 \(newSize\)/));
  assert.throws(() => log.consistencyProof(1.5), fails("BAD_REQUEST", /^oldSize is 1.5/));
  assert.equal(log.size, 4, "a refused append leaves the log as it was");
});
