import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { test } from "node:test";
import {
  MAX_NOTE_SIGNATURES,
  noteKeyId,
  parseSignedNote,
  signNoteText,
  verifyNoteSignatures,
} from "./signed-note.ts";
import { fails, makeWitness, toHexString } from "./test-support.ts";

// The reference example of golang.org/x/mod/sumdb/note (note.go's package documentation and
// note_test.go), which the C2SP signed-note spec was written from: the key pair of
// "PeterNeumann", key ID c74f20a3, and its signature over a two-line text. Ed25519 is
// deterministic, so signing the same text with the same key must give the same line.
const GO_SIGNER_KEY = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"; // base64(0x01 || seed)
const GO_VERIFIER_KEY = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"; // base64(0x01 || public key)
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNATURE_LINE =
  "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

function goKeys() {
  const seed = Buffer.from(GO_SIGNER_KEY, "base64").subarray(1);
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

test("key IDs and signatures match the Go sumdb/note reference example byte for byte", () => {
  const { privateKey, publicKey } = goKeys();
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  assert.deepEqual(raw, Buffer.from(GO_VERIFIER_KEY, "base64").subarray(1), "the example's key pair");
  assert.equal(toHexString(noteKeyId("PeterNeumann", publicKey)), "c74f20a3");
  assert.equal(toHexString(noteKeyId("PeterNeumann", privateKey)), "c74f20a3", "from the private key too");
  assert.equal(signNoteText(GO_TEXT, { name: "PeterNeumann", privateKey }), GO_SIGNATURE_LINE);
  const note = parseSignedNote(`${GO_TEXT}\n${GO_SIGNATURE_LINE}`);
  assert.equal(note.text, GO_TEXT);
  assert.deepEqual(verifyNoteSignatures(note, [{ name: "PeterNeumann", publicKey }]), ["PeterNeumann"]);
  // One changed character of the text and the known key's signature fails, naming it.
  const altered = parseSignedNote(`${GO_TEXT.replace("cryptography", "cryptographY")}\n${GO_SIGNATURE_LINE}`);
  assert.throws(
    () => verifyNoteSignatures(altered, [{ name: "PeterNeumann", publicKey }]),
    fails(
      "BAD_SIGNATURE",
      /^signed note line 4: the signature of "PeterNeumann" \(key ID c74f20a3\) does not verify/,
    ),
  );
});

test("the key ID binds the name: the same key under another name has another ID", () => {
  const { publicKey } = goKeys();
  assert.notDeepEqual(noteKeyId("PeterNeumann", publicKey), noteKeyId("peterneumann", publicKey));
});

test("the text is split from the signatures at the last blank line", () => {
  const w = makeWitness("site.example/w");
  const text = "first\n\nsecond\n";
  const note = `${text}\n${signNoteText(text, w.signer)}`;
  const parsed = parseSignedNote(note);
  assert.equal(parsed.text, text);
  assert.equal(parsed.signatures[0]!.line, 5);
  assert.deepEqual(verifyNoteSignatures(parsed, [w.verifier]), ["site.example/w"]);
});

test("signatures from unknown keys are ignored, even under a known name", () => {
  const known = makeWitness("a.example");
  const impostor = makeWitness("a.example"); // same name, other key: another key ID
  const stranger = makeWitness("b.example");
  const text = "hello\n";
  const note = parseSignedNote(
    `${text}\n${signNoteText(text, impostor.signer)}${signNoteText(text, stranger.signer)}`,
  );
  assert.deepEqual(verifyNoteSignatures(note, [known.verifier]), []);
});

test("malformed notes are refused with BAD_REQUEST naming the line", () => {
  const w = makeWitness("w.example");
  const line = signNoteText("t\n", w.signer);
  const cases: [string, unknown, RegExp][] = [
    ["not text", 42, /^signed note: is 42; expected text/],
    ["no blank line", `t\n${line}`, /^signed note: has no blank line/],
    ["no signatures", "t\n\n", /^signed note line 2: has no signature lines/],
    ["no final newline", `t\n\n${line.slice(0, -1)}`, /^signed note line 3: does not end in a newline/],
    [
      "hyphens for the em dash",
      `t\n\n-- w.example AAAA\n`,
      /^signed note line 3: "-- w.example AAAA" is not a signature line/,
    ],
    ["three fields", `t\n\n— w.example AAAA BBBB\n`, /^signed note line 3: .* is not a signature line/],
    ["plus in the name", `t\n\n— w+x AAAAAAA=\n`, /^signed note line 3: the key name "w\+x"/],
    [
      "short signature",
      `t\n\n— w.example AAAAAA==\n`,
      /^signed note line 3: the signature of "w.example" is not standard base64/,
    ],
    [
      "unpadded base64",
      `t\n\n${line.replace(/=\n$/, "\n")}`,
      /^signed note line 3: the signature .* is not standard base64/,
    ],
    ["control character", `t\tx\n\n${line}`, /^signed note line 1: holds a control character/],
    ["lone surrogate", `t\uD800\n\n${line}`, /^signed note: the text is not valid UTF-8/],
    [
      "too many signatures",
      `t\n\n${line.repeat(MAX_NOTE_SIGNATURES + 1)}`,
      new RegExp(`^signed note: has ${MAX_NOTE_SIGNATURES + 1} signatures; at most ${MAX_NOTE_SIGNATURES}`),
    ],
  ];
  for (const [desc, note, pattern] of cases) {
    assert.throws(() => parseSignedNote(note), fails("BAD_REQUEST", pattern), desc);
  }
  // Sixteen signatures, the spec's minimum, are accepted.
  assert.equal(parseSignedNote(`t\n\n${line.repeat(16)}`).signatures.length, 16);
});

test("signing refuses bad names, keys and texts", () => {
  const w = makeWitness("w.example");
  assert.throws(
    () => signNoteText("t\n", { name: "has space", privateKey: w.signer.privateKey }),
    fails("BAD_REQUEST", /^signer.name is "has space"; a key name is non-empty text without spaces/),
  );
  assert.throws(
    () => signNoteText("t\n", { name: "w", privateKey: w.verifier.publicKey }),
    fails("BAD_REQUEST", /^signer.privateKey of "w" is not an Ed25519 private KeyObject/),
  );
  assert.throws(
    () => signNoteText("no newline", w.signer),
    fails("BAD_REQUEST", /must be non-empty and end in a newline/),
  );
  assert.throws(
    () =>
      verifyNoteSignatures(parseSignedNote(`t\n\n${signNoteText("t\n", w.signer)}`), [
        { name: "w.example" } as never,
      ]),
    fails("BAD_REQUEST", /^verifiers\[0\]\.publicKey \("w.example"\) is not a public KeyObject/),
  );
});
