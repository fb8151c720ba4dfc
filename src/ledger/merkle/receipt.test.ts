import assert from "node:assert/strict";
import { test } from "node:test";
import { assembleNote, type Checkpoint, cosign } from "./checkpoint.ts";
import { MerkleLog } from "./merkle-log.ts";
import { leafHash } from "./merkle-tree.ts";
import { checkConsistency, checkReceipt, makeReceipt, type Receipt } from "./receipt.ts";
import { alterBase64, fails, flipped, makeWitness, type Witness } from "./test-support.ts";

const ORIGIN = "serums.example/access-log";
const sites = ["edinburgh", "barcelona", "zuyderland"].map((s) => makeWitness(`${s}.serums.example`));
const witnesses = sites.map((w) => w.verifier);

const entryOf = (i: number, version = ""): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({ patient: `S-${i % 7}`, actor: `dr-${i}`, decision: "permit", version }),
  );

function buildLog(n: number, entry = entryOf): { log: MerkleLog; entries: Uint8Array[] } {
  const entries = Array.from({ length: n }, (_, i) => entry(i));
  return { log: new MerkleLog(entries.map(leafHash)), entries };
}

function checkpointOf(log: MerkleLog, size = log.size): Checkpoint {
  return { origin: ORIGIN, size, rootHash: log.root(size) };
}

function cosigned(checkpoint: Checkpoint, signers: readonly Witness[] = sites): string {
  return assembleNote(
    checkpoint,
    signers.map((w) => cosign(checkpoint, w.signer)),
  );
}

const { log, entries } = buildLog(23);
const note = cosigned(checkpointOf(log, 21)); // the log has grown past its last checkpoint

test("receipts for every entry under the checkpoint are made and check offline, through JSON", () => {
  for (let index = 0; index < 21; index++) {
    const receipt = makeReceipt(entries[index]!, index, log, note);
    assert.equal(receipt.version, 1);
    assert.equal(receipt.checkpoint, note);
    const checked = checkReceipt(JSON.parse(JSON.stringify(receipt)), witnesses, 2);
    assert.deepEqual(checked.entry, entries[index]);
    assert.equal(checked.index, index);
    assert.equal(checked.checkpoint.size, 21);
    assert.deepEqual(checked.checkpoint.rootHash, log.root(21));
    assert.deepEqual(
      checked.signedBy,
      witnesses.map((w) => w.name),
    );
  }
});

test("a tampered entry, index, proof element or note is caught with the right code", () => {
  const receipt = makeReceipt(entries[6]!, 6, log, note);
  const tampered = (change: Partial<Receipt>): unknown => ({ ...receipt, ...change });
  const notInLog = /^the entry is not in the log the witnesses signed: its inclusion proof at index/;
  const changedEntry = Buffer.from(new TextDecoder().decode(entries[6]).replace("permit", "refuse")).toString(
    "base64",
  );
  assert.throws(
    () => checkReceipt(tampered({ entry: changedEntry }), witnesses, 2),
    fails("TAMPERED", notInLog),
  );
  const otherEntry = Buffer.from(entries[7]!).toString("base64");
  assert.throws(
    () => checkReceipt(tampered({ entry: otherEntry }), witnesses, 2),
    fails("TAMPERED", notInLog),
  );
  for (const index of [5, 7, 14, 20, 21, 1000]) {
    assert.throws(
      () => checkReceipt(tampered({ index }), witnesses, 2),
      fails("TAMPERED", notInLog),
      `index ${index}`,
    );
  }
  for (let i = 0; i < receipt.inclusion.length; i++) {
    const inclusion = receipt.inclusion.slice();
    inclusion[i] = Buffer.from(flipped(Buffer.from(inclusion[i]!, "base64"), 3, 2)).toString("base64");
    assert.throws(
      () => checkReceipt(tampered({ inclusion }), witnesses, 2),
      fails("TAMPERED", notInLog),
      `proof[${i}]`,
    );
  }
  assert.throws(
    () => checkReceipt(tampered({ inclusion: receipt.inclusion.slice(1) }), witnesses, 2),
    fails("TAMPERED"),
  );
  // The note: a changed size or root breaks the witnesses' signatures.
  const [origin, size, root, ...rest] = note.split("\n");
  const withSize = [origin, "22", root, ...rest].join("\n");
  const withRoot = [origin, size, alterBase64(root!, 0), ...rest].join("\n");
  assert.throws(() => checkReceipt(tampered({ checkpoint: withSize }), witnesses, 2), fails("BAD_SIGNATURE"));
  assert.throws(() => checkReceipt(tampered({ checkpoint: withRoot }), witnesses, 2), fails("BAD_SIGNATURE"));
  // A note re-signed by too few witnesses (or none known) is not enough.
  const lonely = cosigned(checkpointOf(log, 21), sites.slice(0, 1));
  assert.throws(
    () => checkReceipt(tampered({ checkpoint: lonely }), witnesses, 2),
    fails("BAD_SIGNATURE", /signed by 1 of the 2 witnesses required/),
  );
  assert.throws(
    () => checkReceipt(tampered({ checkpoint: "junk" }), witnesses, 2),
    fails("BAD_REQUEST", /^signed note/),
  );
});

test("a log that forges a checkpoint for a rewritten entry cannot get it cosigned", () => {
  // The site rewrites entry 6 and builds a valid-looking receipt against its own new root; the
  // witnesses never signed that root, so only a note signed by an outsider key can carry it.
  const rewritten = buildLog(21, (i) => entryOf(i, i === 6 ? "rewritten" : ""));
  const forger = makeWitness(sites[0]!.signer.name);
  const forgedNote = cosigned(checkpointOf(rewritten.log), [forger, forger]);
  const receipt = makeReceipt(rewritten.entries[6]!, 6, rewritten.log, forgedNote);
  assert.throws(() => checkReceipt(receipt, witnesses, 1), fails("BAD_SIGNATURE", /signed by 0 of the 1/));
  // Its entry with the genuine note and the genuine proof does not verify either.
  const genuine = makeReceipt(entries[6]!, 6, log, note);
  const mixed = { ...genuine, entry: receipt.entry };
  assert.throws(() => checkReceipt(mixed, witnesses, 2), fails("TAMPERED"));
});

test("bad receipt shapes are BAD_REQUEST naming the field", () => {
  const receipt = makeReceipt(entries[2]!, 2, log, note) as unknown as Record<string, unknown>;
  const cases: [string, unknown, RegExp][] = [
    ["not an object", "receipt", /^the receipt is "receipt"; expected an object/],
    ["an array", [], /^the receipt is \[\]; expected an object/],
    ["null", null, /^the receipt is \(null\)/],
    ["version 2", { ...receipt, version: 2 }, /^receipt.version is 2; expected 1/],
    ["no entry", { ...receipt, entry: undefined }, /^receipt.entry is \(missing\)/],
    [
      "entry not base64",
      { ...receipt, entry: "not base64!" },
      /^receipt.entry is "not base64!", which is not standard/,
    ],
    ["index negative", { ...receipt, index: -1 }, /^receipt.index is -1; expected a non-negative integer/],
    ["index text", { ...receipt, index: "2" }, /^receipt.index is "2"/],
    ["checkpoint missing", { ...receipt, checkpoint: undefined }, /^receipt.checkpoint is \(missing\)/],
    ["inclusion text", { ...receipt, inclusion: "abc" }, /^receipt.inclusion is "abc"; expected an array/],
    [
      "inclusion number",
      { ...receipt, inclusion: [1] },
      /^receipt.inclusion\[0\] is 1; expected a base64 hash/,
    ],
    [
      "inclusion short",
      { ...receipt, inclusion: ["AAAA"] },
      /^receipt.inclusion\[0\] decodes to 3 bytes; expected 32/,
    ],
    ["extra field", { ...receipt, signature: "x" }, /^receipt.signature is not a receipt field/],
  ];
  for (const [desc, value, pattern] of cases) {
    assert.throws(() => checkReceipt(value, witnesses, 2), fails("BAD_REQUEST", pattern), desc);
  }
});

test("makeReceipt refuses entries the checkpoint does not cover, and a log that is not the one signed", () => {
  assert.throws(
    () => makeReceipt(entries[21]!, 21, log, note),
    fails("BAD_REQUEST", /^index 21 is not covered by the checkpoint of size 21/),
  );
  assert.throws(
    () => makeReceipt(entries[3]!, 4, log, note),
    fails("BAD_REQUEST", /^the entry given is not leaf 4 of the log/),
  );
  assert.throws(
    () => makeReceipt(entries[0]!, 0, buildLog(20).log, note),
    fails("BAD_REQUEST", /^the checkpoint is for size 21, but the log holds only 20/),
  );
  const rewritten = buildLog(23, (i) => entryOf(i, i === 6 ? "rewritten" : ""));
  assert.throws(
    () => makeReceipt(rewritten.entries[6]!, 6, rewritten.log, note),
    fails("TAMPERED", /^the log's root at size 21 differs from the root of the cosigned checkpoint/),
  );
});

test("checkConsistency accepts a log that only appended, and catches one that rewrote history", () => {
  const older = checkpointOf(log, 13);
  const newer = checkpointOf(log);
  checkConsistency(older, newer, log.consistencyProof(13));
  checkConsistency(older, older, []);
  checkConsistency(checkpointOf(new MerkleLog()), newer, []);

  // The site rewrites entry 6 and appends: its proofs cannot link the checkpoint the witnesses
  // signed before to its new head.
  const rewritten = buildLog(23, (i) => entryOf(i, i === 6 ? "rewritten" : "")).log;
  const forgedHead = checkpointOf(rewritten);
  const caught = fails(
    "TAMPERED",
    /^the log serums\.example\/access-log at size 23 does not extend its checkpoint at size 13/,
  );
  assert.throws(() => checkConsistency(older, forgedHead, rewritten.consistencyProof(13)), caught);
  assert.throws(() => checkConsistency(older, forgedHead, log.consistencyProof(13)), caught);
  // A fork at the same size, and a log that shrank.
  assert.throws(
    () => checkConsistency(newer, forgedHead, []),
    fails("TAMPERED", /at size 23 does not extend its checkpoint at size 23/),
  );
  assert.throws(() => checkConsistency(newer, older, []), fails("TAMPERED", /shrank from 23 to 13 leaves/));
  // A flipped byte in any proof element.
  const proof = log.consistencyProof(13);
  for (let i = 0; i < proof.length; i++) {
    const bad = proof.slice();
    bad[i] = flipped(bad[i]!, 31, 7);
    assert.throws(() => checkConsistency(older, newer, bad), fails("TAMPERED"), `proof[${i}]`);
  }
  assert.throws(
    () => checkConsistency(older, { ...newer, origin: "other.example/log" }, proof),
    fails("BAD_REQUEST", /^the checkpoints are of different logs/),
  );
  assert.throws(
    () => checkConsistency(older, newer, [new Uint8Array(3)]),
    fails("BAD_REQUEST", /^proof\[0\] is 3 bytes/),
  );
  assert.throws(
    () => checkConsistency({ ...older, size: 1.5 }, newer, proof),
    fails("BAD_REQUEST", /^older.size is 1.5/),
  );
});
