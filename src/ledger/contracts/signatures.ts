/**
 * Ed25519 as the ledger uses it: public keys travel as base64 of the raw 32-byte key (as
 * authenticators export them), signatures as base64 of the 64-byte signature, and what is signed
 * is canonical JSON (canonical-json.ts), so a signature made in a browser verifies on every peer.
 *
 * A patient signs a rule's canonical JSON to publish it, and
 * {"action":"revoke","ruleId":…,"version":…} (the version being revoked) to revoke it.
 */
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import type { Rule } from "../../access/index.ts";
import { canonicalBytes } from "../canonical-json.ts";

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** The bytes of strict base64 text (padded, no white space), or undefined. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

/** A raw Ed25519 public key in base64 as a KeyObject, or undefined when it is not one. */
export function publicKeyFromBase64(text: string): KeyObject | undefined {
  const raw = decodeBase64(text);
  if (!raw || raw.length !== PUBLIC_KEY_BYTES) return undefined;
  try {
    return createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
      format: "jwk",
    });
  } catch {
    return undefined;
  }
}

export function isEd25519PublicKey(text: string): boolean {
  return publicKeyFromBase64(text) !== undefined;
}

/** An Ed25519 public (or private: its public half) KeyObject as base64 of the raw 32 bytes. */
export function publicKeyToBase64(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") throw new TypeError("not an Ed25519 key");
  return Buffer.from(jwk.x, "base64url").toString("base64");
}

export function isSignatureText(text: string): boolean {
  return decodeBase64(text)?.length === SIGNATURE_BYTES;
}

/** Whether `signatureB64` is `publicKeyB64`'s Ed25519 signature of `message`. */
export function verifyEd25519(publicKeyB64: string, message: Uint8Array, signatureB64: string): boolean {
  const key = publicKeyFromBase64(publicKeyB64);
  const signature = decodeBase64(signatureB64);
  if (!key || !signature || signature.length !== SIGNATURE_BYTES) return false;
  return verify(null, message, key, signature);
}

export function signEd25519(privateKey: KeyObject, message: Uint8Array): string {
  return sign(null, message, privateKey).toString("base64");
}

/** What a patient signs to publish `rule`: its canonical JSON. */
export function ruleSigningBytes(rule: Rule): Uint8Array {
  return canonicalBytes(rule);
}

/** What a patient signs to revoke version `version` (the one in force) of their rule `ruleId`. */
export function revocationSigningBytes(ruleId: string, version: number): Uint8Array {
  return canonicalBytes({ action: "revoke", ruleId, version });
}

/** A patient's signature of `rule` (what publishPatientRule takes), with their private key. */
export function signPatientRule(rule: Rule, privateKey: KeyObject): string {
  return signEd25519(privateKey, ruleSigningBytes(rule));
}

/** A patient's signature revoking version `version` of their rule `ruleId`. */
export function signRuleRevocation(ruleId: string, version: number, privateKey: KeyObject): string {
  return signEd25519(privateKey, revocationSigningBytes(ruleId, version));
}
