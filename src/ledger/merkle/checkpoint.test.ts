import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  assembleNote,
  type Checkpoint,
  checkpointBody,
  cosign,
  noteKeyId,
  openCheckpoint,
  parseCheckpointBody,
  readUnverifiedCheckpoint,
} from "./checkpoint.ts";
import { leafHash, rootFromLeafHashes } from "./merkle-tree.ts";
import { alterBase64, fails, flipped, makeWitness } from "./test-support.ts";

const ORIGIN = "serums.example/access-log";
const root = rootFromLeafHashes([1, 2, 3].map((i) => leafHash(Uint8Array.of(i))));
const checkpoint: Checkpoint = { origin: ORIGIN, size: 3, rootHash: root };
const edinburgh = makeWitness("edinburgh.serums.example");
const barcelona = makeWitness("barcelona.serums.example");
const zuyderland = makeWitness("zuyderland.serums.example");
const witnesses = [edinburgh.verifier, barcelona.verifier, zuyderland.verifier];

test("the body is origin, size and base64 root, each on its own line", () => {
  assert.equal(checkpointBody(checkpoint), `${ORIGIN}\n3\n${Buffer.from(root).toString("base64")}\n`);
  // The C2SP tlog-checkpoint example body parses to its parts.
  const example = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  const parsed = parseCheckpointBody(example);
  assert.equal(parsed.origin, "example.com/behind-the-sofa");
  assert.equal(parsed.size, 20852163);
  assert.equal(checkpointBody(parsed), example);
});

test("property: a body parses back to the same checkpoint", () => {
  const origin = fc
    .string({ minLength: 1, unit: "grapheme" })
    .filter((s) => [...s].every((c) => c.charCodeAt(0) >= 0x20));
  fc.assert(
    fc.property(
      origin,
      fc.maxSafeNat(),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (o, size, rootHash) => {
        const parsed = parseCheckpointBody(checkpointBody({ origin: o, size, rootHash }));
        assert.deepEqual(parsed, { origin: o, size, rootHash: new Uint8Array(rootHash) });
      },
    ),
  );
});

test("malformed bodies are refused with BAD_REQUEST naming the line", () => {
  const b64 = Buffer.from(root).toString("base64");
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const cases: [string, string, RegExp][] = [
    [
      "no final newline",
      `${ORIGIN}\n3\n${b64}`,
      /^checkpoint line 3 \(end\): the body does not end in a newline/,
    ],
    ["two lines", `${ORIGIN}\n3\n`, /^checkpoint line 3 \(root hash\): is missing/],
    ["empty origin", `\n3\n${b64}\n`, /^checkpoint line 1 \(origin\): is empty/],
    ["leading zero", `${ORIGIN}\n03\n${b64}\n`, /^checkpoint line 2 \(tree size\): "03" is not a tree size/],
    ["negative", `${ORIGIN}\n-3\n${b64}\n`, /^checkpoint line 2 \(tree size\): "-3"/],
    ["beyond 2^53", `${ORIGIN}\n9007199254740993\n${b64}\n`, /^checkpoint line 2 \(tree size\)/],
    ["spaces", `${ORIGIN}\n 3\n${b64}\n`, /^checkpoint line 2 \(tree size\)/],
    [
      "short root",
      `${ORIGIN}\n3\n${b64.slice(4)}\n`,
      /^checkpoint line 3 \(root hash\): .* not the standard base64 of a 32-byte/,
    ],
    ["url-safe root", `${ORIGIN}\n3\n${"_".repeat(43)}=\n`, /^checkpoint line 3 \(root hash\)/],
    // Non-zero padding bits: decodes to the same bytes, but is not the one spelling of them.
    [
      "padding bits",
      `${ORIGIN}\n3\n${b64.slice(0, 42)}${ALPHABET[ALPHABET.indexOf(b64[42]!) ^ 1]}=\n`,
      /^checkpoint line 3/,
    ],
    [
      "extension line",
      `${ORIGIN}\n3\n${b64}\nextra\n`,
      /^checkpoint line 4 \(extension\): Serums checkpoints carry no/,
    ],
    ["control character", `${ORIGIN}\r\n3\n${b64}\n`, /^signed note line 1: holds a control character/],
  ];
  for (const [desc, text, pattern] of cases) {
    assert.throws(() => parseCheckpointBody(text), fails("BAD_REQUEST", pattern), desc);
  }
  assert.throws(
    () => checkpointBody({ origin: "a\nb", size: 1, rootHash: root }),
    fails("BAD_REQUEST", /^checkpoint.origin is "a\\nb"; expected one non-empty line/),
  );
  assert.throws(
    () => checkpointBody({ origin: ORIGIN, size: -1, rootHash: root }),
    fails("BAD_REQUEST", /^checkpoint.size is -1/),
  );
  assert.throws(
    () => checkpointBody({ origin: ORIGIN, size: 1, rootHash: root.slice(1) }),
    fails("BAD_REQUEST", /^checkpoint.rootHash is 31 bytes/),
  );
});

test("a cosignature is one line: em dash, name, base64 of key ID and Ed25519 signature", () => {
  const line = cosign(checkpoint, edinburgh.signer);
  const match = /^— edinburgh\.serums\.example ([A-Za-z0-9+/]+=*)\n$/u.exec(line);
  assert.ok(match, line);
  const bytes = Buffer.from(match[1]!, "base64");
  assert.equal(bytes.length, 4 + 64);
  assert.deepEqual(
    new Uint8Array(bytes.subarray(0, 4)),
    noteKeyId(edinburgh.signer.name, edinburgh.verifier.publicKey),
  );
  assert.equal(
    assembleNote(checkpoint, [line]),
    `${checkpointBody(checkpoint)}\n${line}`,
    "the note is the body, a blank line and the signature lines",
  );
});

function note(...signers: { signer: (typeof edinburgh)["signer"] }[]): string {
  return assembleNote(
    checkpoint,
    signers.map((w) => cosign(checkpoint, w.signer)),
  );
}

test("a checkpoint opens when a quorum of distinct known witnesses signed it", () => {
  const opened = openCheckpoint(note(edinburgh, zuyderland), witnesses, 2);
  assert.deepEqual(opened.checkpoint, checkpoint);
  assert.deepEqual(opened.signedBy, [edinburgh.signer.name, zuyderland.signer.name]);
  assert.deepEqual(openCheckpoint(note(edinburgh, barcelona, zuyderland), witnesses, 3).signedBy.length, 3);
  assert.deepEqual(readUnverifiedCheckpoint(note(edinburgh)), checkpoint);
});

test("a checkpoint without a quorum is refused with BAD_SIGNATURE", () => {
  assert.throws(
    () => openCheckpoint(note(edinburgh), witnesses, 2),
    fails(
      "BAD_SIGNATURE",
      /is signed by 1 of the 2 witnesses required \(signed by: edinburgh\.serums\.example;/,
    ),
  );
  // The same witness twice counts once.
  assert.throws(
    () => openCheckpoint(note(edinburgh, edinburgh), witnesses, 2),
    fails("BAD_SIGNATURE", /signed by 1 of the 2/),
  );
  // A signer that is not a known witness does not count, and does not spoil the note either.
  const outsider = makeWitness("outsider.example");
  assert.throws(
    () => openCheckpoint(note(edinburgh, outsider), witnesses, 2),
    fails("BAD_SIGNATURE", /signed by 1 of the 2/),
  );
  assert.deepEqual(openCheckpoint(note(outsider, edinburgh, barcelona), witnesses, 2).signedBy.length, 2);
  // A key under a known witness's name but not its key is a stranger too.
  const impostor = makeWitness(barcelona.signer.name);
  assert.throws(
    () => openCheckpoint(note(edinburgh, impostor), witnesses, 2),
    fails("BAD_SIGNATURE", /signed by 1 of the 2/),
  );
});

test("a forged signature from a known witness is BAD_SIGNATURE naming the witness", () => {
  const genuine = cosign(checkpoint, barcelona.signer);
  const [prefix, sig] = genuine.trimEnd().split(/ (?=[^ ]+$)/u) as [string, string];
  const bytes = Buffer.from(sig, "base64");
  bytes[10]! ^= 1; // keep the key ID, break the signature
  const forged = `${prefix} ${bytes.toString("base64")}\n`;
  assert.throws(
    () =>
      openCheckpoint(assembleNote(checkpoint, [cosign(checkpoint, edinburgh.signer), forged]), witnesses, 1),
    fails(
      "BAD_SIGNATURE",
      /^signed note line 6: the signature of "barcelona\.serums\.example" \(key ID [0-9a-f]{8}\) does not verify/,
    ),
  );
});

test("a changed body (size or root) invalidates every signature", () => {
  const genuine = note(edinburgh, barcelona);
  const lines = genuine.split("\n");
  const changes: [string, string][] = [
    ["size", [lines[0], "4", ...lines.slice(2)].join("\n")],
    ["root", [lines[0], lines[1], alterBase64(lines[2]!, 5), ...lines.slice(3)].join("\n")],
    ["origin", ["other.example/log", ...lines.slice(1)].join("\n")],
  ];
  for (const [desc, changed] of changes) {
    assert.throws(
      () => openCheckpoint(changed, witnesses, 1),
      fails("BAD_SIGNATURE", /^signed note line 5: the signature of "edinburgh\.serums\.example"/),
      desc,
    );
  }
  const otherRoot = { ...checkpoint, rootHash: flipped(root) };
  const transplanted = `${checkpointBody(otherRoot)}\n${cosign(checkpoint, edinburgh.signer)}`;
  assert.throws(() => openCheckpoint(transplanted, witnesses, 1), fails("BAD_SIGNATURE"));
});

test("malformed notes and arguments are BAD_REQUEST naming the line or argument", () => {
  const line = cosign(checkpoint, edinburgh.signer);
  const body = checkpointBody(checkpoint);
  assert.throws(() => openCheckpoint(`${body}${line}`, witnesses, 1), fails("BAD_REQUEST", /no blank line/));
  assert.throws(
    () => openCheckpoint(`${body}\n${line.replace("—", "-")}`, witnesses, 1),
    fails("BAD_REQUEST", /^signed note line 5: .* is not a signature line/),
  );
  assert.throws(
    () => openCheckpoint(`${body.replace("\n3\n", "\n3.0\n")}\n${line}`, witnesses, 1),
    fails("BAD_REQUEST", /^checkpoint line 2 \(tree size\): "3.0"/),
  );
  assert.throws(
    () => openCheckpoint(note(edinburgh), witnesses, 0),
    fails("BAD_REQUEST", /^quorum is 0; expected an integer from 1 to 3/),
  );
  assert.throws(() => openCheckpoint(note(edinburgh), witnesses, 4), fails("BAD_REQUEST", /^quorum is 4/));
  assert.throws(
    () =>
      openCheckpoint(
        note(edinburgh),
        [edinburgh.verifier, { name: "x", publicKey: edinburgh.signer.privateKey }],
        1,
      ),
    fails("BAD_REQUEST", /^witnesses\[1\]\.publicKey \("x"\) is not a public KeyObject/),
  );
  assert.throws(() => assembleNote(checkpoint, []), fails("BAD_REQUEST", /at least one signature line/));
  assert.throws(
    () => assembleNote(checkpoint, [line, "— x AAAA\n— y BBBB\n"]),
    fails("BAD_REQUEST", /^signatureLines\[1\] is .*; expected one line/),
  );
  assert.throws(
    () => assembleNote(checkpoint, ["- x AAAAAAA=\n"]),
    fails("BAD_REQUEST", /^signed note line 5/),
  );
});
