/**
 * Data Vault 2.0 keys. A hash key is SHA-256 over the business key's parts, each trimmed and
 * upper-cased, nulls as a placeholder, joined with `||`; the hub kind comes first so keys of
 * different hubs never meet in the shared satellite table. A hashdiff is SHA-256 over a
 * satellite's attribute values in name order — trimmed but not upper-cased, so a correction of
 * case is a change.
 */
import { hash } from "node:crypto";
import type { TypedValue } from "./mapping-types.ts";

export const NULL_PLACEHOLDER = "^^";
export const PART_SEPARATOR = "||";

/** The effective time of a fact whose source does not say when it became true. */
export const TIMELESS = -8_640_000_000_000_000;

export type HubKind = "PERSON" | "OBJECT" | "LOCATION" | "EVENT";

function keyPart(value: TypedValue | undefined): string {
  if (value === null || value === undefined) return NULL_PLACEHOLDER;
  const text = String(value).trim();
  return text === "" ? NULL_PLACEHOLDER : text.toUpperCase();
}

/** The business key as the hash sees it: useful to compare keys without hashing. */
export function businessKeyText(parts: readonly (TypedValue | undefined)[]): string {
  return parts.map(keyPart).join(PART_SEPARATOR);
}

export function hashKey(kind: HubKind | "LINK", parts: readonly (TypedValue | undefined)[]): string {
  return hash("sha256", `${kind}${PART_SEPARATOR}${businessKeyText(parts)}`, "hex");
}

/** `attributes` must already be in name order (mappings compile them sorted). */
export function hashDiff(attributes: readonly [string, TypedValue][]): string {
  let text = "";
  for (const [name, value] of attributes) {
    const shown = value === null ? NULL_PLACEHOLDER : String(value).trim();
    text += `${name}=${shown}${PART_SEPARATOR}`;
  }
  return hash("sha256", text, "hex");
}
