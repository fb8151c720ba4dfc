/**
 * The site's secret for second factors: one 32-byte master key from which HKDF derives a key per
 * purpose — HMAC-SHA-256 for codes stored as keyed hashes (recovery, SMS and enrolment codes) and
 * AES-256-GCM for values that must be read back (TOTP secrets, phone numbers), each sealed value
 * bound to its purpose and owner as associated data, so a row copied to another user does not open.
 *
 * The master key comes from SERUMS_FACTOR_KEY (base64url of 32 bytes) or from the file
 * `<dir>/factor-secret.key` (created on first use, mode 0600). Never logged, never printed.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";

export interface FactorKeys {
  /** HMAC-SHA-256 of `value` under the key of `purpose`, hex (64 characters). */
  mac(purpose: string, value: string): string;
  /** AES-256-GCM: `plaintext` sealed for `purpose`, bound to `owner` (e.g. a Serums ID). */
  seal(purpose: string, owner: string, plaintext: string): string;
  /** Opens what `seal` made for the same purpose and owner; throws TAMPERED otherwise. */
  open(purpose: string, owner: string, sealed: string): string;
}

const KEY_FILE = "factor-secret.key";

/** Keys derived from a 32-byte master key. */
export function factorKeysFrom(master: Uint8Array): FactorKeys {
  if (master.length !== 32) {
    throw new SerumsError("BAD_CONFIG", `the factor master key has ${master.length} bytes; it must have 32`);
  }
  const derived = new Map<string, Buffer>();
  const keyFor = (kind: string, purpose: string): Buffer => {
    const info = `serums/factors/${kind}/${purpose}`;
    let key = derived.get(info);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", master, new Uint8Array(0), info, 32));
      derived.set(info, key);
    }
    return key;
  };
  return {
    mac: (purpose, value) => createHmac("sha256", keyFor("mac", purpose)).update(value, "utf8").digest("hex"),
    seal(purpose, owner, plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keyFor("seal", purpose), iv);
      cipher.setAAD(Buffer.from(`${purpose}\u0000${owner}`, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return ["v1", iv, body, cipher.getAuthTag()]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },
    open(purpose, owner, sealed) {
      const [version, iv, body, tag] = sealed.split(".");
      if (version !== "v1" || iv === undefined || body === undefined || tag === undefined) {
        throw new SerumsError("TAMPERED", `a sealed ${purpose} value is not in the v1 format`);
      }
      try {
        const decipher = createDecipheriv(
          "aes-256-gcm",
          keyFor("seal", purpose),
          Buffer.from(iv, "base64url"),
        );
        decipher.setAAD(Buffer.from(`${purpose}\u0000${owner}`, "utf8"));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
          "utf8",
        );
      } catch (error) {
        throw new SerumsError(
          "TAMPERED",
          `a sealed ${purpose} value does not open with this site's factor key (another key, or altered)`,
          {},
          { cause: error },
        );
      }
    },
  };
}

/** Fresh random keys, for tests. */
export function randomFactorKeys(): FactorKeys {
  return factorKeysFrom(randomBytes(32));
}

function decodeMaster(text: string, where: string): Buffer {
  const bytes = Buffer.from(text.trim(), "base64url");
  if (bytes.length !== 32 || bytes.toString("base64url") !== text.trim().replace(/=+$/, "")) {
    throw new SerumsError("BAD_CONFIG", `${where} must hold 32 bytes in base64url (43 characters)`, {
      path: where,
    });
  }
  return bytes;
}

const loaded = new Map<string, FactorKeys>();

/**
 * The site's factor keys: from SERUMS_FACTOR_KEY when set, else from `dir`/factor-secret.key,
 * which is created (mode 0600) the first time. Cached per source.
 */
export function loadFactorKeys(dir: string, env: NodeJS.ProcessEnv = process.env): FactorKeys {
  const fromEnv = env.SERUMS_FACTOR_KEY || undefined;
  const source = fromEnv ? "env" : path.resolve(dir, KEY_FILE);
  const cached = loaded.get(source);
  if (cached) return cached;
  let master: Buffer;
  if (fromEnv) master = decodeMaster(fromEnv, "SERUMS_FACTOR_KEY");
  else {
    mkdirSync(path.dirname(source), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(source, `${randomBytes(32).toString("base64url")}\n`, { flag: "wx", mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    chmodSync(source, 0o600);
    master = decodeMaster(readFileSync(source, "utf8"), source);
  }
  const keys = factorKeysFrom(master);
  loaded.set(source, keys);
  return keys;
}

/**
 * Constant-time equality of two hex or base64url strings of the same kind (MACs, fixed-width
 * codes). Unequal lengths are unequal, after a comparison of the same cost.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
