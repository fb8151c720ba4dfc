/**
 * Signature checks with memory. Ed25519 verification is the dominant cost of validation, and a
 * result depends only on (public key, message, signature): a verifier remembers the triples it
 * has checked (keyed by the key, the signature and the SHA-256 of the message — the exact bytes,
 * so a changed byte anywhere is a new triple, checked afresh) and each certificate it has checked,
 * so a signature is verified once — at endorsement or at commit, whichever comes first. The peers
 * of one embedded network share a verifier, since they share one process and its CPU; `verify`
 * (the audit) uses a fresh one per call, shared by the peers it audits.
 *
 * `prefetch` verifies many triples at once on the signature pool's worker threads and remembers
 * the answers, so the synchronous checks that follow (validate-transaction.ts) find them.
 */
import { hash, type KeyObject } from "node:crypto";
import { canonicalBytes } from "../canonical-json.ts";
import { type Certificate, certificateBody } from "./certificate.ts";
import type { Consortium } from "./consortium-config.ts";
import { utf8 } from "./encoding.ts";
import { decodePublicKey, verifyBytes } from "./keys.ts";
import { type SignaturePool, sharedSignaturePool } from "./signature-pool.ts";
import type { TxCheck } from "./validate-transaction.ts";

const LIMIT = 200_000;
/** Transaction checks remembered: a few blocks' worth, enough for every peer to validate a block. */
const TRANSACTION_LIMIT = 8_192;

/**
 * A certificate's exact identity under a CA key: every field (checkCertificate admits no others),
 * JSON-quoted, so no two different certificates share it.
 */
function certificateId(caPublicKey: string, cert: Certificate): string {
  return JSON.stringify([
    caPublicKey,
    cert.serumsId,
    cert.site,
    cert.role,
    cert.department ?? null,
    cert.country ?? null,
    cert.publicKey,
    cert.issuedAt,
    cert.expiresAt ?? null,
    cert.signature,
  ]);
}

/**
 * One signature to check: the signer's base64 raw public key, the signed bytes (text: its UTF-8),
 * the base64 signature.
 */
export interface SignatureCheck {
  keyText: string;
  bytes: Uint8Array | string;
  signature: unknown;
}

export interface VerifierOptions {
  /** Where `prefetch` verifies (default: the process's shared pool; null: in this thread). */
  pool?: SignaturePool | null;
}

export class Verifier {
  readonly #signatures = new Map<string, boolean>();
  readonly #certificates = new Map<string, boolean>();
  /** Verifications on the pool not yet answered, so that two prefetches never ask twice. */
  readonly #pending = new Map<string, Promise<void>>();
  readonly #pool: SignaturePool | null | undefined;
  readonly #transactions = new Map<string, TxCheck>();
  #consortium: Consortium | undefined;

  constructor(options: VerifierOptions = {}) {
    this.#pool = options.pool;
  }

  /** The triple's identity: the key, the signature and the SHA-256 of the message's bytes (UTF-8 for text). */
  #id(keyText: string, bytes: Uint8Array | string, signature: string): string {
    return `${keyText}\u0000${signature}\u0000${hash("sha256", bytes, "base64")}`;
  }

  #remember(id: string, ok: boolean): void {
    if (this.#signatures.size >= LIMIT) this.#signatures.clear();
    this.#signatures.set(id, ok);
  }

  /**
   * Whether `signature` is the signature of `bytes` (text: its UTF-8) by the key whose base64
   * text is `keyText`.
   */
  signature(keyText: string, bytes: Uint8Array | string, signature: unknown, key?: KeyObject): boolean {
    if (typeof signature !== "string") return false;
    const id = this.#id(keyText, bytes, signature);
    let ok = this.#signatures.get(id);
    if (ok === undefined) {
      const message = typeof bytes === "string" ? utf8(bytes) : bytes;
      ok = verifyBytes(key ?? decodePublicKey(keyText), message, signature);
      this.#remember(id, ok);
    }
    return ok;
  }

  /**
   * Verifies the checks not yet remembered, in parallel on the signature pool, and remembers
   * the answers. Checks that are malformed (no 64-byte signature, no 32-byte key) are left to
   * the synchronous path, which refuses them.
   */
  async prefetch(checks: readonly SignatureCheck[]): Promise<void> {
    if (this.#pool === null) return;
    const waits: Promise<unknown>[] = [];
    for (const check of checks) {
      const { signature } = check;
      if (typeof signature !== "string" || signature.length !== 88) continue;
      const id = this.#id(check.keyText, check.bytes, signature);
      if (this.#signatures.has(id)) continue;
      const pending = this.#pending.get(id);
      if (pending) {
        waits.push(pending);
        continue;
      }
      const raw = Buffer.from(signature, "base64");
      const publicKey = Buffer.from(check.keyText, "base64");
      if (raw.length !== 64 || publicKey.length !== 32 || publicKey.toString("base64") !== check.keyText)
        continue;
      const job = (this.#pool ?? sharedSignaturePool())
        .verify({
          publicKey,
          message: typeof check.bytes === "string" ? utf8(check.bytes) : check.bytes,
          signature: raw,
        })
        .then((ok) => {
          this.#pending.delete(id);
          this.#remember(id, ok);
        });
      this.#pending.set(id, job);
      waits.push(job);
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  /**
   * The state-free check of a transaction (validate-transaction.ts) this verifier has made of
   * exactly this text, if any. That check is a pure function of the text and the consortium, so
   * the peers of one process — or of one audit — each validating the same block make it once.
   */
  transaction(text: string, consortium: Consortium): TxCheck | undefined {
    return this.#consortium === consortium ? this.#transactions.get(text) : undefined;
  }

  rememberTransaction(text: string, consortium: Consortium, check: TxCheck): void {
    if (this.#consortium !== consortium) {
      this.#transactions.clear();
      this.#consortium = consortium;
    }
    if (this.#transactions.size >= TRANSACTION_LIMIT) this.#transactions.clear();
    this.#transactions.set(text, check);
  }

  /** The check of a certificate's CA signature, for `prefetch` (undefined: not needed or not a member site's). */
  certificateCheck(cert: Certificate, consortium: Consortium): SignatureCheck | undefined {
    const site = consortium.sites.get(cert.site);
    if (!site || this.#certificates.has(certificateId(site.config.caPublicKey, cert))) return undefined;
    return {
      keyText: site.config.caPublicKey,
      bytes: canonicalBytes(certificateBody(cert)),
      signature: cert.signature,
    };
  }

  /** null when the certificate is a member site's and signed by its CA; otherwise why not. */
  certificate(cert: Certificate, consortium: Consortium): string | null {
    const site = consortium.sites.get(cert.site);
    if (!site)
      return `the creator's certificate names site ${JSON.stringify(cert.site)}, not a member of the consortium`;
    const id = certificateId(site.config.caPublicKey, cert);
    let ok = this.#certificates.get(id);
    if (ok === undefined) {
      ok = this.signature(
        site.config.caPublicKey,
        canonicalBytes(certificateBody(cert)),
        cert.signature,
        site.caKey,
      );
      if (this.#certificates.size >= LIMIT) this.#certificates.clear();
      this.#certificates.set(id, ok);
    }
    return ok ? null : `the creator's certificate is not signed by the CA of site ${cert.site}`;
  }
}
