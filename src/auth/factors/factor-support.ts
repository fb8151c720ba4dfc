/** Small shared pieces of the factor modules: random identifiers and codes, the clock, atomicity. */
import { randomBytes, randomInt } from "node:crypto";
import type { Executor, Store } from "../../store/index.ts";
import type { FactorKeys } from "./factor-keys.ts";

/** What every factor function accepts: the clock (ms) and the site's factor keys. */
export interface FactorOptions {
  now?: () => number;
  keys: FactorKeys;
}

export interface ClockOption {
  now?: () => number;
}

export function clock(options: ClockOption | undefined): number {
  return (options?.now ?? Date.now)();
}

/**
 * A random identifier: 128 bits, base64url (22 characters), never starting with "-" or "_" so
 * that it can be typed as a command-line argument (about 1/32 of draws are redrawn).
 */
export function newId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (id[0] !== "-" && id[0] !== "_") return id;
  }
}

/** `n` random decimal digits (leading zeros kept), each uniform. */
export function randomDigits(n: number): string {
  let text = "";
  for (let i = 0; i < n; i++) text += String(randomInt(10));
  return text;
}

/** Crockford base32 without I, L, O, U: codes people read and type. */
const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

/** `n` random Crockford base32 characters (5 bits each). */
export function randomBase32(n: number): string {
  let text = "";
  for (let i = 0; i < n; i++) text += BASE32[randomInt(32)];
  return text;
}

/**
 * A typed code in canonical form: lower case, without spaces or dashes, with the letters people
 * confuse read as the digits they look like (o→0, i/l→1), as Crockford base32 does.
 */
export function normalizeCode(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s-]+/g, "")
    .replace(/o/g, "0")
    .replace(/[il]/g, "1");
}

export function isBase32Code(text: string, length: number): boolean {
  return text.length === length && [...text].every((c) => BASE32.includes(c));
}

/** "abcde12345" → "abcde-12345": groups of `size` for reading. */
export function groupCode(code: string, size: number): string {
  const groups: string[] = [];
  for (let i = 0; i < code.length; i += size) groups.push(code.slice(i, i + size));
  return groups.join("-");
}

function isStore(db: Executor): db is Store {
  return typeof (db as Partial<Store>).transaction === "function";
}

/**
 * Runs writes that belong together in one transaction: a new one when `db` is a store, the
 * caller's when `db` is already a transaction's executor.
 */
export function atomically<T>(db: Executor, work: (tx: Executor) => Promise<T>): Promise<T> {
  return isStore(db) ? db.transaction(work) : work(db);
}
