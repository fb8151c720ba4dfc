/**
 * Byte helpers of the engine: UTF-8, SHA-256, strict base64 and hex. Keys are stored as the
 * hex of their UTF-8 bytes, which sorts exactly as the bytes do on both store engines (and holds
 * U+0000, which PostgreSQL text cannot).
 */
import { createHash, hash } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function sha256(...parts: readonly (Uint8Array | string)[]): Buffer {
  // One part (the usual case): the one-shot hash, without a Hash object per call.
  if (parts.length === 1) return hash("sha256", parts[0]!, "buffer");
  const hasher = createHash("sha256");
  for (const part of parts) hasher.update(part);
  return hasher.digest();
}

export function sha256Hex(...parts: readonly (Uint8Array | string)[]): string {
  return sha256(...parts).toString("hex");
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes canonical base64 (padded, standard alphabet); BAD_REQUEST names `what` otherwise. */
export function fromBase64(text: unknown, what: string, length?: number): Buffer {
  if (typeof text !== "string" || !BASE64.test(text)) {
    throw new SerumsError("BAD_REQUEST", `${what} is not base64 text`, { path: what });
  }
  const bytes = Buffer.from(text, "base64");
  if (length !== undefined && bytes.length !== length) {
    throw new SerumsError("BAD_REQUEST", `${what} holds ${bytes.length} bytes; expected ${length}`, {
      path: what,
    });
  }
  return bytes;
}

/** A ledger key as the hex of its UTF-8 bytes: byte order is preserved, U+0000 survives. */
export function keyToHex(key: string): string {
  return Buffer.from(key, "utf8").toString("hex");
}

export function hexToKey(hex: string): string {
  return Buffer.from(hex, "hex").toString("utf8");
}

/**
 * Compares two keys by the byte order of their UTF-8 encodings (= code point order), which is
 * how both stores order them. JavaScript's `<` compares UTF-16 code units and differs for
 * characters above U+FFFF against U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

function codeUnitRank(c: number): number {
  if (c < 0xd800) return c;
  if (c <= 0xdfff) return c + 0x2000; // surrogates: code points above U+FFFF sort last
  return c - 0x800;
}

/** Refuses keys that are empty or not well-formed Unicode (a lone surrogate has no UTF-8). */
export function checkKey(key: unknown, what = "key"): string {
  if (typeof key !== "string" || key.length === 0 || !key.isWellFormed()) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what} ${JSON.stringify(key)} is not a valid ledger key; expected non-empty, well-formed Unicode text`,
      { path: what },
    );
  }
  return key;
}
