/**
 * The Serums ID: random, opaque, issued once per person. 80 random bits in Crockford base32
 * (no I, L, O, U), grouped for reading aloud: "srm-7k3m-9qx2-hv4t-8dpa".
 */
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const PATTERN = /^srm(-[0-9a-hjkmnp-tv-z]{4}){4}$/;

export function newSerumsId(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let text = "";
  for (let i = 0; i < 16; i++) {
    text = ALPHABET[Number(bits & 31n)] + text;
    bits >>= 5n;
  }
  return `srm-${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8, 12)}-${text.slice(12)}`;
}

export function isSerumsId(value: string): boolean {
  return PATTERN.test(value);
}
