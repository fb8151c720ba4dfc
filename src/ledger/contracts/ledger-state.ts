/**
 * Reading and writing the contracts' state: values are the UTF-8 bytes of canonical JSON, and
 * every value read back is checked against its schema, so a corrupted or foreign value fails
 * loudly (TAMPERED) instead of feeding a decision.
 *
 * As on Fabric, a transaction does not read its own writes: reads see committed state only.
 */
import type { z } from "zod";
import { SerumsError } from "../../errors/index.ts";
import { canonicalBytes } from "../canonical-json.ts";
import { isCompositeKey, splitCompositeKey } from "../composite-key.ts";
import type { LedgerStub } from "../contract-context.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Values already checked, per schema, by their exact text: the contracts read the same stored
 * values again and again (a site's rules on every decision), and a value's check depends on
 * nothing but its text. Entries are deeply frozen, so no caller can change what another reads.
 */
const checked = new WeakMap<z.ZodType<unknown>, Map<string, unknown>>();
const CHECKED_LIMIT = 50_000;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function decode<T>(schema: z.ZodType<T>, bytes: Uint8Array, key: string): T {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new SerumsError("TAMPERED", `the value under ledger key ${printable(key)} is not JSON`);
  }
  let known = checked.get(schema);
  if (known === undefined) {
    known = new Map();
    checked.set(schema, known);
  }
  if (known.has(text)) return known.get(text) as T;
  const value = parseChecked(schema, text, key);
  if (known.size >= CHECKED_LIMIT) known.clear();
  known.set(text, deepFreeze(value));
  return value;
}

function parseChecked<T>(schema: z.ZodType<T>, text: string, key: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SerumsError("TAMPERED", `the value under ledger key ${printable(key)} is not JSON`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SerumsError(
      "TAMPERED",
      `the value under ledger key ${printable(key)} does not have the shape the contracts write (${issue?.path.join(".")}: ${issue?.message})`,
    );
  }
  return result.data;
}

/** A key as text for messages: a composite key's type and attributes joined by "/". */
export function printable(key: string): string {
  if (!isCompositeKey(key)) return JSON.stringify(key);
  const { objectType, attributes } = splitCompositeKey(key);
  return JSON.stringify([objectType, ...attributes].join("/"));
}

/** The value under `key`, or undefined when it has none. */
export async function readState<T>(
  stub: LedgerStub,
  schema: z.ZodType<T>,
  key: string,
): Promise<T | undefined> {
  const bytes = await stub.getState(key);
  if (!bytes || bytes.length === 0) return undefined;
  return decode(schema, bytes, key);
}

/** Writes `value`, checked against `schema` first (only the schema's fields ever reach the ledger). */
export async function writeState<T>(
  stub: LedgerStub,
  schema: z.ZodType<T>,
  key: string,
  value: T,
): Promise<void> {
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new SerumsError(
      "LEDGER",
      `refusing to write ${printable(key)}: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  await stub.putState(key, canonicalBytes(value));
}

/** Every value whose composite key begins with `objectType` and `attributes`, in key order. */
export async function readRange<T>(
  stub: LedgerStub,
  schema: z.ZodType<T>,
  objectType: string,
  attributes: string[],
): Promise<{ key: string; value: T }[]> {
  const rows: { key: string; value: T }[] = [];
  for await (const { key, value } of stub.getStateByPartialCompositeKey(objectType, attributes)) {
    rows.push({ key, value: decode(schema, value, key) });
  }
  return rows;
}

/**
 * Every committed version of `key`, oldest first, each with its transaction ID. The contracts
 * never delete what they version; a deletion in the history means the state was tampered with.
 */
export async function readHistory<T>(
  stub: LedgerStub,
  schema: z.ZodType<T>,
  key: string,
): Promise<{ txId: string; value: T }[]> {
  const versions: { txId: string; value: T }[] = [];
  for await (const modification of stub.getHistoryForKey(key)) {
    if (modification.isDelete) {
      throw new SerumsError(
        "TAMPERED",
        `ledger key ${printable(key)} was deleted in transaction ${modification.txId}; the contracts never delete`,
      );
    }
    versions.push({ txId: modification.txId, value: decode(schema, modification.value, key) });
  }
  return versions.reverse();
}

/** The transaction's ID and time (the proposal's timestamp, which every endorser sees alike). */
export function txStamp(stub: LedgerStub): { at: string; txId: string } {
  return { at: stub.getDateTimestamp().toISOString(), txId: stub.getTxID() };
}
