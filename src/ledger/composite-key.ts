/**
 * Fabric's composite keys: U+0000, the object type, then each attribute, each followed by
 * U+0000. Keys built this way sort by type, then attribute by attribute, so a partial key is a
 * range. The same encoding as Fabric's shim, so state written by either engine reads the same.
 */
import { SerumsError } from "../errors/index.ts";

const NAMESPACE = "\u0000";
const SEPARATOR = "\u0000";
/** The highest code point: a range over a partial key ends just before prefix + MAX. */
const MAX_CODE_POINT = "\u{10FFFF}";

function checkPart(part: string, what: string): void {
  if (part.includes(SEPARATOR)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what} ${JSON.stringify(part)} holds U+0000, which composite keys reserve`,
      {
        value: part,
      },
    );
  }
}

export function createCompositeKey(objectType: string, attributes: readonly string[]): string {
  checkPart(objectType, "the object type");
  for (const attribute of attributes) checkPart(attribute, "the attribute");
  return `${NAMESPACE}${objectType}${SEPARATOR}${attributes.map((a) => `${a}${SEPARATOR}`).join("")}`;
}

export function splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
  if (!key.startsWith(NAMESPACE)) return { objectType: "", attributes: [] };
  const parts = key.slice(1).split(SEPARATOR);
  parts.pop(); // the trailing separator leaves an empty last part
  const [objectType = "", ...attributes] = parts;
  return { objectType, attributes };
}

/** The [start, end) key range of every composite key that begins with these parts. */
export function partialKeyRange(objectType: string, attributes: readonly string[]): [string, string] {
  const start = createCompositeKey(objectType, attributes);
  return [start, `${start}${MAX_CODE_POINT}`];
}

/** Whether a key is a composite key (simple keys never start with U+0000). */
export function isCompositeKey(key: string): boolean {
  return key.startsWith(NAMESPACE);
}
