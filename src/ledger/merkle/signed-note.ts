/**
 * C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys: a text ending in a newline,
 * a blank line, then one or more lines "— <key name> <base64(key ID || signature)>". The key ID
 * is the first four bytes of SHA-256(name || 0x0A || 0x01 || 32-byte public key); the signature
 * covers the text including its final newline. Signatures from unknown keys are ignored, as the
 * spec requires; a signature from a known key that fails is an error naming the key.
 */
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { SerumsError, showValue } from "../../errors/index.ts";
import { bytesEqual, decodeBase64, sha256, toBase64, toHex } from "./bytes.ts";

export interface NoteSigner {
  name: string;
  privateKey: KeyObject;
}

export interface NoteVerifier {
  name: string;
  publicKey: KeyObject;
}

/** One parsed signature line; `line` is its 1-based line number in the note. */
export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
  line: number;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

const ED25519_TYPE = 0x01;
const ED25519_SIGNATURE_SIZE = 64;
/** The spec asks verifiers to accept at least 16; more than this is refused as abuse. */
export const MAX_NOTE_SIGNATURES = 100;
const EM_DASH_SPACE = "\u2014 ";
// JavaScript's \s covers the Unicode space separators, which key names must not contain.
const KEY_NAME = /^[^\s+]+$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f]/u;

function malformed(message: string, line?: number, value?: unknown): SerumsError {
  const where = line === undefined ? "signed note" : `signed note line ${line}`;
  return new SerumsError("BAD_REQUEST", `${where}: ${message}`, { line, value });
}

/** Throws BAD_REQUEST unless `name` is a valid key name (non-empty, no spaces, no "+"). */
export function checkKeyName(name: unknown, what: string): string {
  if (typeof name !== "string" || !KEY_NAME.test(name) || CONTROL_EXCEPT_NEWLINE.test(name)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what} is ${showValue(name)}; a key name is non-empty text without spaces, "+" or control characters`,
      { path: what, value: name },
    );
  }
  return name;
}

function rawEd25519PublicKey(key: KeyObject, what: string): Uint8Array {
  if (key?.asymmetricKeyType !== "ed25519") {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what} is ${key?.asymmetricKeyType ? `an ${key.asymmetricKeyType} key` : showValue(key)}; expected an Ed25519 KeyObject`,
      { path: what },
    );
  }
  const publicKey = key.type === "public" ? key : createPublicKey(key);
  const x = publicKey.export({ format: "jwk" }).x;
  return new Uint8Array(Buffer.from(x ?? "", "base64url"));
}

/** The signed-note key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]. */
export function noteKeyId(name: string, publicKey: KeyObject): Uint8Array {
  checkKeyName(name, "key name");
  const raw = rawEd25519PublicKey(publicKey, "publicKey");
  return sha256(Buffer.from(`${name}\n`, "utf8"), Uint8Array.of(ED25519_TYPE), raw).slice(0, 4);
}

/** Throws BAD_REQUEST unless `text` can be the text of a signed note. */
export function checkNoteText(text: unknown): string {
  if (typeof text !== "string" || text.length === 0 || !text.endsWith("\n")) {
    throw malformed("the text must be non-empty and end in a newline", undefined, text);
  }
  if (!text.isWellFormed()) throw malformed("the text is not valid UTF-8 (it holds a lone surrogate)");
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (CONTROL_EXCEPT_NEWLINE.test(lines[i]!)) {
      throw malformed("holds a control character; only newlines are allowed", i + 1, lines[i]);
    }
  }
  return text;
}

/** Signs `text` (which must end in a newline) and returns one signature line, newline included. */
export function signNoteText(text: string, signer: NoteSigner): string {
  checkNoteText(text);
  const name = checkKeyName(signer?.name, "signer.name");
  const { privateKey } = signer;
  if (privateKey?.asymmetricKeyType !== "ed25519" || privateKey.type !== "private") {
    throw new SerumsError(
      "BAD_REQUEST",
      `signer.privateKey of "${name}" is not an Ed25519 private KeyObject`,
      {
        path: "signer.privateKey",
      },
    );
  }
  const keyId = noteKeyId(name, privateKey);
  const signature = sign(null, Buffer.from(text, "utf8"), privateKey);
  return `${EM_DASH_SPACE}${name} ${toBase64(Buffer.concat([keyId, signature]))}\n`;
}

/** Splits a note into its text and signature lines, checking the syntax only. */
export function parseSignedNote(note: unknown): ParsedNote {
  if (typeof note !== "string") throw malformed(`is ${showValue(note)}; expected text`);
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw malformed("has no blank line before its signatures");
  const text = checkNoteText(note.slice(0, split + 1));
  const textLines = text.split("\n").length - 1;
  const block = note.slice(split + 2);
  if (block === "") throw malformed("has no signature lines after its blank line", textLines + 1);
  if (!block.endsWith("\n")) {
    throw malformed("does not end in a newline", textLines + 1 + block.split("\n").length);
  }
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw malformed(`has ${lines.length} signatures; at most ${MAX_NOTE_SIGNATURES} are accepted`);
  }
  const signatures = lines.map((content, i) => parseSignatureLine(content, textLines + 2 + i));
  return { text, signatures };
}

function parseSignatureLine(content: string, line: number): NoteSignature {
  if (!content.startsWith(EM_DASH_SPACE)) {
    throw malformed(
      `${showValue(content)} is not a signature line "— <key name> <base64 signature>"`,
      line,
      content,
    );
  }
  const parts = content.slice(EM_DASH_SPACE.length).split(" ");
  if (parts.length !== 2) {
    throw malformed(
      `${showValue(content)} is not a signature line "— <key name> <base64 signature>"`,
      line,
      content,
    );
  }
  const [name, encoded] = parts as [string, string];
  if (!KEY_NAME.test(name) || CONTROL_EXCEPT_NEWLINE.test(name)) {
    throw malformed(
      `the key name ${showValue(name)} is empty or holds spaces, "+" or control characters`,
      line,
      name,
    );
  }
  const bytes = decodeBase64(encoded);
  if (bytes === undefined || bytes.byteLength < 5) {
    throw malformed(
      `the signature of "${name}" is not standard base64 of a 4-byte key ID and a signature`,
      line,
      encoded,
    );
  }
  return { name, keyId: bytes.slice(0, 4), signature: bytes.slice(4), line };
}

/** Validates verifiers and computes their key IDs; BAD_REQUEST naming the offending entry. */
export function prepareVerifiers(
  verifiers: readonly NoteVerifier[],
  what: string,
): { name: string; publicKey: KeyObject; keyId: Uint8Array }[] {
  if (!Array.isArray(verifiers)) {
    throw new SerumsError("BAD_REQUEST", `${what} is not an array; expected a list of { name, publicKey }`, {
      path: what,
    });
  }
  return verifiers.map((v, i) => {
    const name = checkKeyName(v?.name, `${what}[${i}].name`);
    const key = v.publicKey;
    if (key?.type !== "public") {
      throw new SerumsError("BAD_REQUEST", `${what}[${i}].publicKey ("${name}") is not a public KeyObject`, {
        path: `${what}[${i}].publicKey`,
      });
    }
    rawEd25519PublicKey(key, `${what}[${i}].publicKey`);
    return { name, publicKey: key, keyId: noteKeyId(name, key) };
  });
}

/**
 * Verifies every signature made by a known key and returns the distinct names of the known
 * verifiers whose signature verified, in the order they appear. Signatures whose (name, key ID)
 * matches no verifier are ignored. A signature from a known key that does not verify throws
 * BAD_SIGNATURE naming the key and its line: the note was altered or forged.
 */
export function verifyNoteSignatures(note: ParsedNote, verifiers: readonly NoteVerifier[]): string[] {
  const known = prepareVerifiers(verifiers, "verifiers");
  const message = Buffer.from(note.text, "utf8");
  const signedBy: string[] = [];
  for (const sig of note.signatures) {
    const matches = known.filter((k) => k.name === sig.name && bytesEqual(k.keyId, sig.keyId));
    if (matches.length === 0) continue;
    const valid =
      sig.signature.byteLength === ED25519_SIGNATURE_SIZE &&
      matches.some((k) => verify(null, message, k.publicKey, sig.signature));
    if (!valid) {
      throw new SerumsError(
        "BAD_SIGNATURE",
        `signed note line ${sig.line}: the signature of "${sig.name}" (key ID ${toHex(sig.keyId)}) does not verify; the note was altered or the signature forged`,
        { line: sig.line, value: sig.name },
      );
    }
    if (!signedBy.includes(sig.name)) signedBy.push(sig.name);
  }
  return signedBy;
}
