/**
 * The site's token-signing keys: Ed25519, one active (it signs new tokens), the retired ones kept
 * in the JWKS until every token they signed has expired. On disk, in the key folder (mode 0700):
 * `keyring.json` (which kids exist, when each was created and retired — no secrets) and one
 * `<kid>.private.jwk` per key, written with mode 0600 and refused if others can read it. The
 * folder also holds `address-hash.key`, the key of the keyed hash of client addresses.
 * Private keys never leave this module: not in logs, not in errors, not in the repository.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type CryptoKey, calculateJwkThumbprint, importJWK, type JWK } from "jose";
import { SerumsError } from "../../errors/index.ts";

/** Access tokens live 10 minutes; verification allows this much clock skew. */
export const ACCESS_TOKEN_TTL_SECONDS = 600;
export const CLOCK_LEEWAY_SECONDS = 5;

export interface SigningKeyInfo {
  kid: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** When a newer key took over signing; null for the active key. */
  retiredAt: number | null;
}

interface LoadedKey extends SigningKeyInfo {
  publicJwk: JWK;
  publicKey: CryptoKey;
  privateKey: CryptoKey | null;
}

interface KeyringFile {
  version: 1;
  keys: SigningKeyInfo[];
}

async function loadKey(info: SigningKeyInfo, privateJwk: JWK): Promise<LoadedKey> {
  const { d: _secret, ...publicJwk } = privateJwk;
  const full: JWK = { ...publicJwk, kid: info.kid, alg: "EdDSA", use: "sig" };
  return {
    ...info,
    publicJwk: full,
    publicKey: (await importJWK(full, "EdDSA")) as CryptoKey,
    privateKey: (await importJWK({ ...privateJwk, alg: "EdDSA" }, "EdDSA")) as CryptoKey,
  };
}

async function newPrivateJwk(): Promise<{ kid: string; jwk: JWK }> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! });
  return { kid, jwk };
}

/** A key still verifies tokens until its last token has expired. */
function stillVerifies(key: SigningKeyInfo, now: number): boolean {
  return (
    key.retiredAt === null || now < key.retiredAt + (ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000
  );
}

export class KeyRing {
  readonly dir: string | null;
  #keys: LoadedKey[] = [];
  #loadedMtime = 0;
  #addressKey: Uint8Array;

  private constructor(dir: string | null, addressKey: Uint8Array) {
    this.dir = dir;
    this.#addressKey = addressKey;
  }

  /** A key ring kept in memory only (tests, benchmarks), with one fresh key. */
  static async inMemory(options: { now?: () => number } = {}): Promise<KeyRing> {
    const ring = new KeyRing(null, randomBytes(32));
    await ring.rotate(options);
    return ring;
  }

  /** Opens the key folder, creating it (0700) with a first key and an address key if empty. */
  static async open(dir: string, options: { now?: () => number } = {}): Promise<KeyRing> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const addressFile = path.join(dir, "address-hash.key");
    if (!existsSync(addressFile)) writeSecret(addressFile, randomBytes(32).toString("base64url"));
    const ring = new KeyRing(dir, Buffer.from(readSecret(addressFile), "base64url"));
    if (existsSync(path.join(dir, "keyring.json"))) await ring.reloadIfChanged();
    if (!ring.#keys.some((k) => k.retiredAt === null)) await ring.rotate(options);
    return ring;
  }

  /** The key of the keyed hash of client addresses (rate limits, the event log). */
  get addressKey(): Uint8Array {
    return this.#addressKey;
  }

  /** Every key the ring holds, newest first, without secrets. */
  list(): SigningKeyInfo[] {
    return this.#keys.map(({ kid, createdAt, retiredAt }) => ({ kid, createdAt, retiredAt }));
  }

  /** The key that signs new tokens. */
  active(): { kid: string; privateKey: CryptoKey } {
    const key = this.#keys.find((k) => k.retiredAt === null && k.privateKey);
    if (!key?.privateKey) throw new SerumsError("BAD_CONFIG", "the token key ring has no active signing key");
    return { kid: key.kid, privateKey: key.privateKey };
  }

  /** The public key of `kid` if it may still verify tokens at `now`, else undefined. */
  verificationKey(kid: string, now: number): CryptoKey | undefined {
    const key = this.#keys.find((k) => k.kid === kid);
    return key && stillVerifies(key, now) ? key.publicKey : undefined;
  }

  /** The JSON Web Key Set: the public keys that may still verify tokens at `now`. */
  jwks(now: number): { keys: JWK[] } {
    return { keys: this.#keys.filter((k) => stillVerifies(k, now)).map((k) => ({ ...k.publicJwk })) };
  }

  /**
   * A new key signs from now on; the previous active key is retired (kept in the JWKS until its
   * tokens expire). Keys that can no longer verify anything are dropped from the ring file.
   */
  async rotate(options: { now?: () => number } = {}): Promise<string> {
    const now = (options.now ?? Date.now)();
    const { kid, jwk } = await newPrivateJwk();
    const info: SigningKeyInfo = { kid, createdAt: now, retiredAt: null };
    for (const key of this.#keys) if (key.retiredAt === null) key.retiredAt = now;
    if (this.dir) writeSecret(path.join(this.dir, `${kid}.private.jwk`), JSON.stringify(jwk));
    this.#keys = [await loadKey(info, jwk), ...this.#keys.filter((k) => stillVerifies(k, now))];
    if (this.dir) {
      const file: KeyringFile = { version: 1, keys: this.list() };
      const target = path.join(this.dir, "keyring.json");
      writeFileSync(`${target}.tmp`, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      renameSync(`${target}.tmp`, target);
      this.#loadedMtime = statSync(target).mtimeMs;
    }
    return kid;
  }

  /** Re-reads the ring file when another process (`serums user rotate-key`) changed it. */
  async reloadIfChanged(): Promise<void> {
    if (!this.dir) return;
    const file = path.join(this.dir, "keyring.json");
    const mtime = statSync(file).mtimeMs;
    if (mtime === this.#loadedMtime) return;
    let parsed: KeyringFile;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8")) as KeyringFile;
    } catch (error) {
      throw new SerumsError("BAD_CONFIG", `${file} is not a key ring file: ${(error as Error).message}`, {
        file,
      });
    }
    const keys: LoadedKey[] = [];
    for (const info of parsed.keys) {
      const jwk = JSON.parse(readSecret(path.join(this.dir, `${info.kid}.private.jwk`))) as JWK;
      keys.push(await loadKey(info, jwk));
    }
    this.#keys = keys.sort((a, b) => b.createdAt - a.createdAt);
    this.#loadedMtime = mtime;
  }
}

function writeSecret(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
}

function readSecret(file: string): string {
  if (!existsSync(file)) throw new SerumsError("BAD_CONFIG", `the key file ${file} is missing`, { file });
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new SerumsError(
      "BAD_CONFIG",
      `the key file ${file} can be read by others (mode ${mode.toString(8)}); run chmod 600 on it`,
      { file },
    );
  }
  return readFileSync(file, "utf8").trim();
}
