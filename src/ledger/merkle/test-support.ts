/**
 * Shared by the tests of this folder only: error matchers that say what went wrong, Ed25519
 * witness keys, and byte helpers.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { type ErrorCode, SerumsError } from "../../errors/index.ts";
import type { NoteSigner, NoteVerifier } from "./signed-note.ts";

/** For assert.throws: the error is a SerumsError with `code`, and its message matches `pattern`. */
export function fails(code: ErrorCode, pattern?: RegExp): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof SerumsError, `expected a SerumsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

export interface Witness {
  signer: NoteSigner;
  verifier: NoteVerifier;
}

export function makeWitness(name: string): Witness {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { signer: { name, privateKey }, verifier: { name, publicKey } };
}

export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "hex"));
}

export function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** A copy of `bytes` with bit `bit` of byte `at` flipped. */
export function flipped(bytes: Uint8Array, at = 0, bit = 0): Uint8Array {
  const copy = bytes.slice();
  copy[at % copy.length]! ^= 1 << (bit % 8);
  return copy;
}

/** A copy of `text` with the character at `at` changed to another base64 character. */
export function alterBase64(text: string, at: number): string {
  const c = text[at];
  return `${text.slice(0, at)}${c === "A" ? "B" : "A"}${text.slice(at + 1)}`;
}
