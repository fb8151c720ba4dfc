/**
 * argon2id with `node:crypto`, stored as PHC strings:
 *
 *   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64 without padding>$<tag, base64 without padding>
 *
 * The string carries its own parameters, so a site can raise them without invalidating stored
 * hashes. Policy:
 * - new hashes are never made below OWASP's minimum (argon2id, m = 19456 KiB, t = 2, p = 1);
 * - a stored hash is verified with the parameters it carries; when it is right and its parameters
 *   are below the site's current ones (including a legacy hash below OWASP's minimum), the caller
 *   is told to REHASH it — the key modules then replace it with a current hash on that login;
 * - a stored string that is not argon2id v19 PHC, or whose parameters are absurd (more than
 *   MAX_MEMORY_KIB, MAX_PASSES), is REFUSED: it never verifies, and the same work as a real
 *   verification is done anyway;
 * - with no stored hash at all (an unknown user), a dummy hash with the current parameters is
 *   verified, so the work — and the time — is the same as for a known user; the answer is false.
 * Comparison is constant-time (`timingSafeEqual`).
 */
import { argon2, randomBytes, timingSafeEqual } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";

export interface Argon2Params {
  /** Memory in KiB. */
  memory: number;
  /** Passes (iterations). */
  passes: number;
  parallelism: number;
}

/** OWASP's minimum for argon2id (Password Storage Cheat Sheet). */
export const OWASP_MINIMUM: Readonly<Argon2Params> = { memory: 19456, passes: 2, parallelism: 1 };
export const MAX_MEMORY_KIB = 1024 * 1024;
export const MAX_PASSES = 64;
const SALT_BYTES = 16;
const TAG_BYTES = 32;

/** The raw argon2id function: injectable so tests can count the work done. */
export type Argon2Function = (input: {
  message: Buffer;
  nonce: Buffer;
  memory: number;
  passes: number;
  parallelism: number;
  tagLength: number;
}) => Promise<Buffer>;

export const nodeArgon2id: Argon2Function = (input) =>
  new Promise((resolve, reject) =>
    argon2("argon2id", input, (error, key) => (error ? reject(error) : resolve(key))),
  );

export interface HashOptions {
  /** The site's current parameters (default OWASP's minimum). */
  argon2Params?: Argon2Params;
  argon2?: Argon2Function;
}

export interface ParsedPhc {
  params: Argon2Params;
  salt: Buffer;
  tag: Buffer;
}

const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");

export function encodePhc(parsed: ParsedPhc): string {
  const { memory, passes, parallelism } = parsed.params;
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${b64(parsed.salt)}$${b64(parsed.tag)}`;
}

/** The parts of an argon2id v19 PHC string, or undefined if it is anything else. */
export function parsePhc(phc: string): ParsedPhc | undefined {
  const match =
    /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,5}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/.exec(
      phc,
    );
  if (!match) return undefined;
  const params = { memory: Number(match[1]), passes: Number(match[2]), parallelism: Number(match[3]) };
  if (
    params.parallelism < 1 ||
    params.passes < 1 ||
    params.passes > MAX_PASSES ||
    params.memory < 8 * params.parallelism ||
    params.memory > MAX_MEMORY_KIB
  )
    return undefined;
  const salt = Buffer.from(match[4]!, "base64");
  const tag = Buffer.from(match[5]!, "base64");
  if (salt.length < 8 || tag.length < 16) return undefined;
  return { params, salt, tag };
}

/** Whether `params` are at least `floor` in every dimension that costs an attacker. */
export function meetsParams(params: Argon2Params, floor: Argon2Params): boolean {
  return params.memory >= floor.memory && params.passes >= floor.passes;
}

/** The site's parameters, checked against OWASP's minimum. */
export function currentParams(options: HashOptions): Argon2Params {
  const params = options.argon2Params ?? OWASP_MINIMUM;
  if (!meetsParams(params, OWASP_MINIMUM) || params.parallelism < 1 || params.memory > MAX_MEMORY_KIB) {
    throw new SerumsError(
      "BAD_CONFIG",
      `argon2id parameters m=${params.memory},t=${params.passes},p=${params.parallelism} are below OWASP's minimum; valid: m ≥ ${OWASP_MINIMUM.memory} KiB and t ≥ ${OWASP_MINIMUM.passes} (p ≥ 1)`,
      { value: params },
    );
  }
  return params;
}

/** Hashes a secret (already canonical: NFC text, or a key module's canonical form). */
export async function hashSecret(message: string, options: HashOptions = {}): Promise<string> {
  const params = currentParams(options);
  const salt = randomBytes(SALT_BYTES);
  const tag = await (options.argon2 ?? nodeArgon2id)({
    message: Buffer.from(message, "utf8"),
    nonce: salt,
    ...params,
    tagLength: TAG_BYTES,
  });
  return encodePhc({ params, salt, tag });
}

const dummies = new Map<string, ParsedPhc>();

/** A fixed hash of a random secret with the current parameters (made once per process). */
function dummyHash(params: Argon2Params): ParsedPhc {
  const key = `${params.memory},${params.passes},${params.parallelism}`;
  let dummy = dummies.get(key);
  if (!dummy) {
    dummy = { params, salt: randomBytes(SALT_BYTES), tag: randomBytes(TAG_BYTES) };
    dummies.set(key, dummy);
  }
  return dummy;
}

export interface Verification {
  ok: boolean;
  /** Right, but stored with parameters below the current ones: replace it with `hashSecret`. */
  needsRehash: boolean;
  /** The stored string was not an acceptable argon2id PHC string. */
  refused: boolean;
}

/**
 * Verifies `message` against a stored PHC string, or — when `stored` is undefined (no such user
 * or no such key) — against a dummy, doing one argon2id computation in every case.
 */
export async function verifySecret(
  stored: string | undefined,
  message: string,
  options: HashOptions = {},
): Promise<Verification> {
  const params = currentParams(options);
  const parsed = stored === undefined ? undefined : parsePhc(stored);
  const target = parsed ?? dummyHash(params);
  const tag = await (options.argon2 ?? nodeArgon2id)({
    message: Buffer.from(message, "utf8"),
    nonce: target.salt,
    ...target.params,
    tagLength: target.tag.length,
  });
  const equal = tag.length === target.tag.length && timingSafeEqual(tag, target.tag);
  const ok = equal && parsed !== undefined;
  return {
    ok,
    needsRehash: ok && parsed !== undefined && !meetsParams(parsed.params, params),
    refused: stored !== undefined && parsed === undefined,
  };
}
