/**
 * Signature checks with memory. Ed25519 verification is the dominant cost of validation, and a
 * result depends only on (public key, message, signature): a verifier remembers the triples it
 * has checked (keyed by the key, the signature and the SHA-256 of the message) and each
 * certificate it has checked, so a signature is verified once — at endorsement or at commit,
 * whichever comes first. The peers of one embedded network share a verifier, since they share
 * one process and its CPU; `verify` (the audit) always uses a fresh one.
 */
import type { KeyObject } from "node:crypto";
import { type Certificate, certificateKey, verifyCertificate } from "./certificate.ts";
import type { Consortium } from "./consortium-config.ts";
import { sha256 } from "./encoding.ts";
import { decodePublicKey, verifyBytes } from "./keys.ts";

const LIMIT = 200_000;

export class Verifier {
  readonly #signatures = new Map<string, boolean>();
  readonly #certificates = new Map<string, boolean>();

  /** Whether `signature` is the signature of `bytes` by the key whose base64 text is `keyText`. */
  signature(keyText: string, bytes: Uint8Array, signature: unknown, key?: KeyObject): boolean {
    if (typeof signature !== "string") return false;
    const id = `${keyText}\u0000${signature}\u0000${sha256(bytes).toString("base64")}`;
    let ok = this.#signatures.get(id);
    if (ok === undefined) {
      ok = verifyBytes(key ?? decodePublicKey(keyText), bytes, signature);
      if (this.#signatures.size >= LIMIT) this.#signatures.clear();
      this.#signatures.set(id, ok);
    }
    return ok;
  }

  /** null when the certificate is a member site's and signed by its CA; otherwise why not. */
  certificate(cert: Certificate, consortium: Consortium): string | null {
    const site = consortium.sites.get(cert.site);
    if (!site)
      return `the creator's certificate names site ${JSON.stringify(cert.site)}, not a member of the consortium`;
    const id = `${site.config.caPublicKey}\u0000${certificateKey(cert)}`;
    let ok = this.#certificates.get(id);
    if (ok === undefined) {
      ok = verifyCertificate(cert, site.caKey);
      if (this.#certificates.size >= LIMIT) this.#certificates.clear();
      this.#certificates.set(id, ok);
    }
    return ok ? null : `the creator's certificate is not signed by the CA of site ${cert.site}`;
  }
}
