/**
 * Byte helpers shared by the Merkle core: SHA-256 over concatenated parts, constant-shape
 * equality, and strict standard base64 (RFC 4648 §4) — the encoding of checkpoints, signed
 * notes and receipts. Decoding refuses anything that would not re-encode to the same text, so
 * one value has exactly one spelling and a flipped character is never silently ignored.
 */
import { hash } from "node:crypto";
import { SerumsError, showValue } from "../../errors/index.ts";

/** Every hash in the log is a SHA-256 digest. */
export const HASH_SIZE = 32;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** SHA-256 of the concatenation of `parts`, as a plain Uint8Array. */
export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const digest = hash("sha256", data, "buffer");
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === HASH_SIZE;
}

/** Throws BAD_REQUEST naming `what` unless `value` is a 32-byte Uint8Array. */
export function requireHash(value: unknown, what: string): Uint8Array {
  if (isHash(value)) return value;
  const got =
    value instanceof Uint8Array ? `${value.byteLength} bytes` : value === null ? "null" : typeof value;
  throw new SerumsError("BAD_REQUEST", `${what} is ${got}; expected a ${HASH_SIZE}-byte SHA-256 hash`, {
    path: what,
  });
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Decodes standard, padded, canonical base64, or returns undefined. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, "base64");
  // Non-zero padding bits decode to the same bytes as zero ones; only one spelling is accepted.
  if (decoded.toString("base64") !== text) return undefined;
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}

/** Decodes strict base64 or throws BAD_REQUEST naming `what` and the value. */
export function fromBase64(text: string, what: string, length?: number): Uint8Array {
  const bytes = decodeBase64(text);
  if (bytes === undefined) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what} is ${showValue(text)}, which is not standard padded base64 (RFC 4648 §4)`,
      { path: what, value: text },
    );
  }
  if (length !== undefined && bytes.byteLength !== length) {
    throw new SerumsError("BAD_REQUEST", `${what} decodes to ${bytes.byteLength} bytes; expected ${length}`, {
      path: what,
      value: text,
    });
  }
  return bytes;
}

/** Whether `x` is a non-negative safe integer (the sizes and indexes of a log). */
export function isCount(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}
