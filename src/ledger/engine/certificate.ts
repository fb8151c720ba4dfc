/**
 * Identities, MSP-like: a user or service holds a certificate issued by its site's CA — its
 * Serums ID, site, role, optional department and country, and its Ed25519 public key — signed
 * by the CA key over the canonical JSON of those fields. A peer needs nothing but the consortium
 * config (the CAs' public keys) to check a caller; contracts see the certificate's fields as the
 * client identity's attributes, as on Fabric.
 */
import type { KeyObject } from "node:crypto";
import { SerumsError, showValue } from "../../errors/index.ts";
import { canonicalBytes, canonicalJson } from "../canonical-json.ts";
import type { LedgerClientIdentity } from "../contract-context.ts";
import { decodePublicKey, encodePublicKey, keyMatches, signBytes, verifyBytes } from "./keys.ts";

export interface CertificateBody {
  serumsId: string;
  site: string;
  role: string;
  department?: string;
  country?: string;
  /** base64 of the holder's raw Ed25519 public key */
  publicKey: string;
  /** ISO-8601 instant */
  issuedAt: string;
  /** ISO-8601 instant after issuedAt; nothing timestamped at or after it is signed by this certificate (timestamps.ts) */
  expiresAt?: string;
}

export interface Certificate extends CertificateBody {
  /** The site CA's Ed25519 signature over the canonical JSON of the body, base64. */
  signature: string;
}

/** A caller able to sign proposals: its certificate and the matching private key. */
export interface Signer {
  certificate: Certificate;
  privateKey: KeyObject;
}

export interface CertificateRequest {
  serumsId: string;
  site: string;
  role: string;
  department?: string;
  country?: string;
  publicKey: KeyObject | string;
  issuedAt?: Date;
  /** When the certificate stops signing (default: never, as before expiry existed) */
  expiresAt?: Date;
}

export function certificateBody(cert: Certificate): CertificateBody {
  const { signature: _signature, ...body } = cert;
  return body;
}

/** Issues a certificate signed by a site's CA private key. */
export function issueCertificate(caPrivateKey: KeyObject, request: CertificateRequest): Certificate {
  const body: CertificateBody = {
    serumsId: request.serumsId,
    site: request.site,
    role: request.role,
    ...(request.department === undefined ? {} : { department: request.department }),
    ...(request.country === undefined ? {} : { country: request.country }),
    publicKey: typeof request.publicKey === "string" ? request.publicKey : encodePublicKey(request.publicKey),
    issuedAt: (request.issuedAt ?? new Date()).toISOString(),
    ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt.toISOString() }),
  };
  checkCertificate({ ...body, signature: "" }, "certificate", false);
  return { ...body, signature: signBytes(caPrivateKey, canonicalBytes(body)) };
}

/** Whether the certificate is signed by this CA key. */
export function verifyCertificate(cert: Certificate, caPublicKey: KeyObject): boolean {
  return verifyBytes(caPublicKey, canonicalBytes(certificateBody(cert)), cert.signature);
}

const OPTIONAL_TEXT = ["department", "country", "expiresAt"] as const;
const REQUIRED_TEXT = ["serumsId", "site", "role", "publicKey", "issuedAt", "signature"] as const;
const FIELDS = new Set<string>([...REQUIRED_TEXT, ...OPTIONAL_TEXT]);

/** Checks the shape of a certificate (not its signature); BAD_REQUEST names the field. */
export function checkCertificate(value: unknown, what = "certificate", needSignature = true): Certificate {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SerumsError("BAD_REQUEST", `${what} is ${showValue(value)}; expected a certificate object`);
  }
  const record = value as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!FIELDS.has(field))
      throw new SerumsError("BAD_REQUEST", `${what}.${field} is not a certificate field`);
  }
  for (const field of REQUIRED_TEXT) {
    const text = record[field];
    if (typeof text !== "string" || (text === "" && (needSignature || field !== "signature"))) {
      throw new SerumsError(
        "BAD_REQUEST",
        `${what}.${field} is ${showValue(text)}; expected non-empty text`,
        {
          path: `${what}.${field}`,
        },
      );
    }
  }
  for (const field of OPTIONAL_TEXT) {
    if (record[field] !== undefined && typeof record[field] !== "string") {
      throw new SerumsError("BAD_REQUEST", `${what}.${field} is ${showValue(record[field])}; expected text`);
    }
  }
  decodePublicKey(record.publicKey, `${what}.publicKey`);
  if (Number.isNaN(Date.parse(record.issuedAt as string))) {
    throw new SerumsError("BAD_REQUEST", `${what}.issuedAt ${showValue(record.issuedAt)} is not an instant`);
  }
  if (record.expiresAt !== undefined) {
    const expires = Date.parse(record.expiresAt as string);
    if (Number.isNaN(expires) || !(expires > Date.parse(record.issuedAt as string))) {
      throw new SerumsError(
        "BAD_REQUEST",
        `${what}.expiresAt ${showValue(record.expiresAt)} is not an instant after ${what}.issuedAt (${showValue(record.issuedAt)})`,
        { path: `${what}.expiresAt` },
      );
    }
  }
  return value as Certificate;
}

/** A signer from a certificate and its private key; refuses a key that is not the certificate's. */
export function createSigner(certificate: Certificate, privateKey: KeyObject): Signer {
  checkCertificate(certificate);
  if (!keyMatches(privateKey, certificate.publicKey)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the private key does not match the certificate of ${certificate.serumsId} at ${certificate.site}`,
    );
  }
  return { certificate, privateKey };
}

/** The certificate as contracts see it (Fabric's ClientIdentity). */
export class CertificateIdentity implements LedgerClientIdentity {
  readonly #cert: Certificate;

  constructor(cert: Certificate) {
    this.#cert = cert;
  }

  getID(): string {
    return this.#cert.serumsId;
  }

  getMSPID(): string {
    return this.#cert.site;
  }

  getAttributeValue(name: string): string | null {
    switch (name) {
      case "serums_id":
        return this.#cert.serumsId;
      case "role":
        return this.#cert.role;
      case "department":
        return this.#cert.department ?? null;
      case "country":
        return this.#cert.country ?? null;
      default:
        return null;
    }
  }
}

/** A stable cache key for a certificate: its canonical JSON. */
export function certificateKey(cert: Certificate): string {
  return canonicalJson(cert);
}
