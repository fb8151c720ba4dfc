import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from "./merkle-tree.ts";
import { fails, flipped, hex, toHexString } from "./test-support.ts";

// Known-answer vectors of RFC 6962 / RFC 9162 trees, as used by the certificate-transparency
// implementations: leaf inputs, leaf hashes and roots from transparency-dev/merkle
// testonly/constants.go; proofs from transparency-dev/merkle proof/verify_test.go (whose leaf
// numbers are 1-based; the indexes below are 0-based).
const LEAF_INPUTS = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(hex);
const LEAF_HASHES = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
  "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
  "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
  "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
  "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
];
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const INCLUSION_VECTORS: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  { index: 2, size: 3, proof: ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
  {
    index: 1,
    size: 5,
    proof: [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  },
];
const CONSISTENCY_VECTORS: { oldSize: number; newSize: number; proof: string[] }[] = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

const leaves = LEAF_INPUTS.map(leafHash);
const root = (size: number): Uint8Array => hex(ROOTS[size]!);

test("leaf and node hashes carry the RFC 9162 prefixes and match the reference leaf hashes", () => {
  assert.deepEqual(leaves.map(toHexString), LEAF_HASHES);
  // The root of two leaves is SHA-256(0x01 || l0 || l1): the reference root of size 2.
  assert.equal(toHexString(nodeHash(leaves[0]!, leaves[1]!)), ROOTS[2]);
  // A leaf hash is not the plain SHA-256 of the entry (that is the empty-tree root for "").
  assert.notEqual(toHexString(leafHash(new Uint8Array(0))), ROOTS[0]);
});

test("roots of the reference trees of sizes 0 to 8", () => {
  for (let size = 0; size <= 8; size++) {
    assert.equal(toHexString(rootFromLeafHashes(leaves.slice(0, size))), ROOTS[size], `size ${size}`);
  }
  assert.deepEqual(emptyRoot(), root(0));
});

test("inclusion proofs of the reference vectors are built exactly and verify", () => {
  for (const { index, size, proof } of INCLUSION_VECTORS) {
    const built = inclusionProof(leaves, index, size);
    assert.deepEqual(built.map(toHexString), proof, `index ${index} size ${size}`);
    assert.ok(verifyInclusion(leaves[index]!, index, size, proof.map(hex), root(size)));
  }
});

test("consistency proofs of the reference vectors are built exactly and verify", () => {
  for (const { oldSize, newSize, proof } of CONSISTENCY_VECTORS) {
    const built = consistencyProof(leaves, oldSize, newSize);
    assert.deepEqual(built.map(toHexString), proof, `${oldSize} → ${newSize}`);
    assert.ok(verifyConsistency(oldSize, newSize, root(oldSize), root(newSize), proof.map(hex)));
  }
});

test("corrupted reference inclusion proofs are refused", () => {
  const { index, size, proof: hexProof } = INCLUSION_VECTORS[4]!;
  const proof = hexProof.map(hex);
  const leaf = leaves[index]!;
  const r = root(size);
  const probes: [string, boolean][] = [
    ["index - 1", verifyInclusion(leaf, index - 1, size, proof, r)],
    ["index + 1", verifyInclusion(leaf, index + 1, size, proof, r)],
    ["size * 2", verifyInclusion(leaf, index, size * 2, proof, r)],
    ["size / 2", verifyInclusion(leaf, index, Math.floor(size / 2), proof, r)],
    ["index = size", verifyInclusion(leaf, size, size, proof, r)],
    ["wrong leaf", verifyInclusion(leaves[0]!, index, size, proof, r)],
    ["empty root", verifyInclusion(leaf, index, size, proof, root(0))],
    ["trailing root", verifyInclusion(leaf, index, size, [...proof, r], r)],
    ["preceding root", verifyInclusion(leaf, index, size, [r, ...proof], r)],
    ["short element", verifyInclusion(leaf, index, size, [...proof.slice(0, 2), proof[2]!.slice(1)], r)],
    ["negative index", verifyInclusion(leaf, -1, size, proof, r)],
    ["fractional size", verifyInclusion(leaf, index, 5.5, proof, r)],
  ];
  for (const [desc, verified] of probes) assert.equal(verified, false, desc);
  // A one-leaf tree: the root is the leaf hash and the proof is empty; nothing else verifies.
  assert.ok(verifyInclusion(leaves[3]!, 0, 1, [], leaves[3]!));
  assert.equal(verifyInclusion(leaves[3]!, 0, 1, [], leaves[2]!), false);
  assert.equal(verifyInclusion(leaves[3]!, 0, 0, [], root(0)), false);
});

test("corrupted reference consistency proofs are refused; trivial cases are exact", () => {
  const { oldSize, newSize, proof: hexProof } = CONSISTENCY_VECTORS[2]!;
  const proof = hexProof.map(hex);
  const [r1, r2] = [root(oldSize), root(newSize)];
  const probes: [string, boolean][] = [
    ["oldSize - 1", verifyConsistency(oldSize - 1, newSize, r1, r2, proof)],
    ["oldSize + 1", verifyConsistency(oldSize + 1, newSize, r1, r2, proof)],
    ["newSize * 2", verifyConsistency(oldSize, newSize * 2, r1, r2, proof)],
    ["newSize / 2", verifyConsistency(oldSize, newSize / 2, r1, r2, proof)],
    // (newSize - 1 = 7 would pass: the trees of 7 and 8 leaves share this proof's shape, so the
    // sizes are bound by the signed checkpoints, not by the proof.)
    ["swapped roots", verifyConsistency(oldSize, newSize, r2, r1, proof)],
    ["empty proof", verifyConsistency(oldSize, newSize, r1, r2, [])],
    ["truncated", verifyConsistency(oldSize, newSize, r1, r2, proof.slice(0, -1))],
    ["trailing root", verifyConsistency(oldSize, newSize, r1, r2, [...proof, r2])],
    ["preceding root", verifyConsistency(oldSize, newSize, r1, r2, [r1, ...proof])],
    ["time travel", verifyConsistency(newSize, oldSize, r2, r1, proof)],
  ];
  for (const [desc, verified] of probes) assert.equal(verified, false, desc);
  // Equal sizes: equal roots and an empty proof, nothing else.
  assert.ok(verifyConsistency(5, 5, root(5), root(5), []));
  assert.equal(verifyConsistency(5, 5, root(5), root(4), []), false);
  assert.equal(verifyConsistency(5, 5, root(5), root(5), [root(0)]), false);
  // The empty tree is a prefix of every tree — but only with the empty tree's own root.
  assert.ok(verifyConsistency(0, 8, root(0), root(8), []));
  assert.equal(verifyConsistency(0, 8, root(3), root(8), []), false);
  assert.equal(verifyConsistency(0, 8, root(0), root(8), [root(0)]), false);
  assert.deepEqual(consistencyProof(leaves, 0, 8), []);
});

test("builders refuse indexes and sizes outside the tree, naming the argument", () => {
  assert.throws(() => inclusionProof(leaves, 8, 8), fails("BAD_REQUEST", /^index is 8; a tree of 8 leaves/));
  assert.throws(
    () => inclusionProof(leaves, 0, 9),
    fails("BAD_REQUEST", /^size is 9; expected an integer from 0 to 8/),
  );
  assert.throws(() => inclusionProof(leaves, -1, 4), fails("BAD_REQUEST", /^index is -1/));
  assert.throws(
    () => consistencyProof(leaves, 5, 4),
    fails("BAD_REQUEST", /^oldSize is 5; .* to 4 \(newSize\)/),
  );
  assert.throws(() => consistencyProof(leaves, 1, 1.5), fails("BAD_REQUEST", /^newSize is 1.5/));
  assert.throws(
    () => rootFromLeafHashes([leaves[0]!, new Uint8Array(31)]),
    fails("BAD_REQUEST", /^leafHashes\[1\] is 31 bytes; expected a 32-byte SHA-256 hash/),
  );
});

/** A random tree: distinct leaf hashes derived from a seed. */
const arbitraryTree = fc
  .record({ size: fc.integer({ min: 1, max: 70 }), seed: fc.integer() })
  .map(({ size, seed }) =>
    Array.from({ length: size }, (_, i) => leafHash(new TextEncoder().encode(`entry ${seed} ${i}`))),
  );

test("property: every inclusion proof verifies, and fails for any change of its inputs", () => {
  fc.assert(
    fc.property(arbitraryTree, fc.nat(), fc.nat(), (tree, pick, position) => {
      const size = tree.length;
      const r = rootFromLeafHashes(tree);
      const extended = [...tree, ...tree, tree[0]!];
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(tree, index, size);
        const leaf = tree[index]!;
        assert.ok(verifyInclusion(leaf, index, size, proof, r), `index ${index} of ${size}`);
        const otherIndex = (index + 1 + (pick % Math.max(1, size - 1))) % size;
        if (otherIndex !== index) {
          assert.equal(verifyInclusion(leaf, otherIndex, size, proof, r), false, "wrong index");
          assert.equal(verifyInclusion(tree[otherIndex]!, index, size, proof, r), false, "wrong leaf");
        }
        // A wrong size fails whenever its audit path has another length. (Sizes whose path has
        // the same shape — leaf 0 of 3 leaves and of 4 — accept the same proof and root: the size
        // is bound by the signed checkpoint, not by the proof.)
        for (const otherSize of [index, size - 1, size + 1, size * 2, Math.floor(size / 2)]) {
          if (otherSize === size) continue;
          const sameShape =
            otherSize > index && inclusionProof(extended, index, otherSize).length === proof.length;
          if (!sameShape) {
            assert.equal(verifyInclusion(leaf, index, otherSize, proof, r), false, `wrong size ${otherSize}`);
          }
        }
        assert.equal(verifyInclusion(flipped(leaf, position, pick), index, size, proof, r), false);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.slice();
          bad[i] = flipped(bad[i]!, position, pick);
          assert.equal(verifyInclusion(leaf, index, size, bad, r), false, `flipped proof[${i}]`);
        }
        if (proof.length > 0) assert.equal(verifyInclusion(leaf, index, size, proof.slice(0, -1), r), false);
        assert.equal(verifyInclusion(leaf, index, size, [...proof, tree[0]!], r), false, "lengthened");
      }
    }),
    { numRuns: 60 },
  );
});

test("property: consistency proofs verify for all 0 < m ≤ n and catch a rewritten history", () => {
  fc.assert(
    fc.property(arbitraryTree, fc.nat(), fc.nat(), (tree, pick, position) => {
      const n = tree.length;
      const newRoot = rootFromLeafHashes(tree);
      for (let m = 1; m <= n; m++) {
        const oldRoot = rootFromLeafHashes(tree.slice(0, m));
        const proof = consistencyProof(tree, m, n);
        assert.ok(verifyConsistency(m, n, oldRoot, newRoot, proof), `${m} → ${n}`);
        // Rewrite one of the first m leaves: the rewritten log's proof cannot link the old root.
        const changed = pick % m;
        const rewritten = tree.slice();
        rewritten[changed] = flipped(tree[changed]!, position, pick);
        const forgedRoot = rootFromLeafHashes(rewritten);
        const forgedProof = consistencyProof(rewritten, m, n);
        assert.equal(verifyConsistency(m, n, oldRoot, forgedRoot, forgedProof), false, `rewrote ${changed}`);
        assert.equal(verifyConsistency(m, n, oldRoot, forgedRoot, proof), false);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.slice();
          bad[i] = flipped(bad[i]!, position, pick);
          assert.equal(verifyConsistency(m, n, oldRoot, newRoot, bad), false, `flipped proof[${i}]`);
        }
        if (m < n) {
          assert.equal(verifyConsistency(m, n, oldRoot, newRoot, proof.slice(0, -1)), false, "shortened");
          assert.equal(verifyConsistency(m, n, oldRoot, newRoot, [...proof, newRoot]), false, "lengthened");
        }
      }
    }),
    { numRuns: 40 },
  );
});
