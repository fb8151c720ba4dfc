/**
 * Ed25519 keys of sites, peers, the orderer and users. A public key travels as the base64 of
 * its raw 32 bytes (RFC 8032's encoding); a private key as PKCS#8 PEM, in files only.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import { fromBase64 } from "./encoding.ts";

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function generateKeyPair(): KeyPair {
  return generateKeyPairSync("ed25519");
}

/** base64 of the raw 32-byte Ed25519 public key. */
export function encodePublicKey(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== "ed25519") {
    throw new SerumsError("BAD_REQUEST", `a ${publicKey.asymmetricKeyType} key is not an Ed25519 key`);
  }
  const x = publicKey.export({ format: "jwk" }).x!;
  return Buffer.from(x, "base64url").toString("base64");
}

const publicKeys = new Map<string, KeyObject>();

/** The KeyObject of a base64 raw public key; BAD_REQUEST names `what` when it is not one. */
export function decodePublicKey(text: unknown, what = "public key"): KeyObject {
  const cached = typeof text === "string" ? publicKeys.get(text) : undefined;
  if (cached) return cached;
  const raw = fromBase64(text, what, 32);
  const key = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
    format: "jwk",
  });
  if (publicKeys.size > 10_000) publicKeys.clear();
  publicKeys.set(text as string, key);
  return key;
}

export function encodePrivateKey(key: KeyObject): string {
  return key.export({ format: "pem", type: "pkcs8" }).toString();
}

export function decodePrivateKey(pem: string, what = "private key"): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SerumsError("BAD_CONFIG", `${what} is not a PKCS#8 PEM private key`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new SerumsError("BAD_CONFIG", `${what} is a ${key.asymmetricKeyType} key; expected Ed25519`);
  }
  return key;
}

/** Ed25519 signature of `bytes`, base64. */
export function signBytes(privateKey: KeyObject, bytes: Uint8Array): string {
  return sign(null, bytes, privateKey).toString("base64");
}

/** Whether `signature` (base64) is `publicKey`'s signature of `bytes`; never throws on data. */
export function verifyBytes(publicKey: KeyObject, bytes: Uint8Array, signature: unknown): boolean {
  if (typeof signature !== "string" || signature.length !== 88) return false;
  const raw = Buffer.from(signature, "base64");
  if (raw.length !== 64) return false;
  try {
    return verify(null, bytes, publicKey, raw);
  } catch {
    return false;
  }
}

/** Whether a private key belongs to the base64 public key. */
export function keyMatches(privateKey: KeyObject, publicKey: string): boolean {
  return encodePublicKey(privateKey) === publicKey;
}
