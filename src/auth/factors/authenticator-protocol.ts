/**
 * What an authenticator signs, byte for byte. Each message is the UTF-8 of a JSON array whose
 * first element names the message and its version, so a signature made for one purpose never
 * verifies for another. The companion page (web/authenticator/protocol.js) builds the same bytes;
 * a test checks that both agree.
 *
 * Keys are Ed25519: the public key as its 32 raw bytes in base64url, signatures as 64 bytes in
 * base64url.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";

export type PushDecision = "approve" | "deny";

/** Where a login comes from, as the authenticator shows it and signs it. */
export interface LoginOrigin {
  /** The client's address as the server saw it. */
  address: string;
  userAgent: string;
  /** The site (institution) the login is at. */
  site: string;
  /** When the login started, ms since the epoch. */
  time: number;
}

/** The enrolment message: proves the new authenticator holds the private key of `publicKey`. */
export function enrolMessage(code: string, publicKey: string): Uint8Array {
  return encode(["serums/authenticator/enrol/v1", code, publicKey]);
}

/** A signed request of the authenticator (e.g. "list" its pending challenges). */
export function requestMessage(
  authenticatorId: string,
  action: string,
  nonce: string,
  timestamp: number,
): Uint8Array {
  return encode(["serums/authenticator/request/v1", authenticatorId, action, nonce, timestamp]);
}

/** The decision on a push challenge: the number the user typed, approve or deny, and the origin. */
export function decisionMessage(
  challengeId: string,
  number: string,
  decision: PushDecision,
  origin: LoginOrigin,
): Uint8Array {
  return encode([
    "serums/authenticator/decision/v1",
    challengeId,
    number,
    decision,
    origin.address,
    origin.userAgent,
    origin.site,
    origin.time,
  ]);
}

function encode(parts: readonly (string | number)[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(parts));
}

const RAW_KEY = /^[A-Za-z0-9_-]{43}$/;
const RAW_SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

/** The key object of a raw Ed25519 public key (base64url); BAD_REQUEST when it is not one. */
export function ed25519PublicKey(publicKey: string): KeyObject {
  if (!RAW_KEY.test(publicKey)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `publicKey ${JSON.stringify(publicKey.slice(0, 50))} is not an Ed25519 public key; give its 32 raw bytes in base64url (43 characters)`,
      { path: "publicKey" },
    );
  }
  try {
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey }, format: "jwk" });
  } catch (error) {
    throw new SerumsError(
      "BAD_REQUEST",
      "publicKey is not a valid Ed25519 point",
      { path: "publicKey" },
      { cause: error },
    );
  }
}

/** Whether `signature` (base64url) is `publicKey`'s Ed25519 signature of `message`. */
export function verifyEd25519(
  publicKey: string | KeyObject,
  message: Uint8Array,
  signature: string,
): boolean {
  if (typeof signature !== "string" || !RAW_SIGNATURE.test(signature)) return false;
  const key = typeof publicKey === "string" ? ed25519PublicKey(publicKey) : publicKey;
  try {
    return verify(null, message, key, Buffer.from(signature, "base64url"));
  } catch {
    return false;
  }
}

/** A new authenticator key pair: the raw public key and the PKCS#8 private key, both base64url. */
export function generateAuthenticatorKeys(): { publicKey: string; privateKey: string } {
  const pair = generateKeyPairSync("ed25519");
  const jwk = pair.publicKey.export({ format: "jwk" });
  return {
    publicKey: jwk.x!,
    privateKey: pair.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url"),
  };
}

/** Signs `message` with a PKCS#8 private key (base64url), giving the signature in base64url. */
export function signEd25519(privateKey: string, message: Uint8Array): string {
  return sign(null, message, {
    key: Buffer.from(privateKey, "base64url"),
    format: "der",
    type: "pkcs8",
  }).toString("base64url");
}
