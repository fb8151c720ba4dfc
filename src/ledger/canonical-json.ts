/**
 * Canonical JSON: object keys sorted by code unit, no insignificant white space, numbers as
 * JavaScript prints them (RFC 8785's rules for the values Serums uses). Everything the ledger
 * hashes or signs is serialised this way, so two peers that agree on a value agree on its bytes.
 */
import { SerumsError } from "../errors/index.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function write(value: unknown, path: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new SerumsError(
          "BAD_REQUEST",
          `${path} is ${value}; canonical JSON holds finite numbers only`,
          {
            path,
          },
        );
      }
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((item, i) => write(item, `${path}[${i}]`)).join(",")}]`;
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new SerumsError(
          "BAD_REQUEST",
          `${path} is a ${prototype?.constructor?.name ?? "non-plain object"}; canonical JSON holds plain objects, arrays, strings, finite numbers, booleans and null`,
          { path },
        );
      }
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(",")}}`;
    }
    default:
      throw new SerumsError(
        "BAD_REQUEST",
        `${path} is a ${typeof value}; canonical JSON holds plain objects, arrays, strings, finite numbers, booleans and null`,
        { path },
      );
  }
}

/** Thrown by `fast` at a value canonical JSON cannot hold; `write` then says where and why. */
const UNREPRESENTABLE = Symbol("unrepresentable");

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The same text as `write`, without building a path for every value (the ledger serialises
 * every proposal, response, envelope and certificate, so this is on its hottest path).
 */
function fast(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw UNREPRESENTABLE;
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + fast(value[i]);
        return `${out}]`;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) throw UNREPRESENTABLE;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort(byCodeUnit);
      let out = "{";
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? "" : ","}${JSON.stringify(key)}:${fast(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw UNREPRESENTABLE;
  }
}

/** `value` as canonical JSON text; properties whose value is undefined are left out. */
export function canonicalJson(value: unknown): string {
  try {
    return fast(value);
  } catch (error) {
    if (error !== UNREPRESENTABLE) throw error;
    return write(value, "$");
  }
}

/** `value` as the UTF-8 bytes of its canonical JSON. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
