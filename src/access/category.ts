/**
 * Data categories: the names of parts of the smart patient record that rules and requests speak
 * of, from broad to narrow with ":" between levels — "person", "event",
 * "event:chemotherapy_cycle", "event:chemotherapy_cycle:<event hash key>", "object:medicine",
 * "satellite:body_measurements". "*" is every category.
 *
 * What is valid (checked by `categoryProblem`, used by the rule and request schemas):
 * - "*" on its own; or
 * - one or more segments joined by ":", each segment one or more of a–z, 0–9, "_", "@", ".", "-".
 *   Categories are lower-case: a hash key (an event's, say) appears as the lower-case hex that
 *   the record's `hashKey` produces, which this alphabet already contains. Upper case is refused
 *   rather than folded, because matching is exact and "Event" silently meaning "event" on one
 *   side only would hide mistakes;
 * - at most 256 characters in all.
 * "*" is never a segment ("event:*" is refused: "event" already covers every narrower category).
 *
 * Matching (`categoryCovers`): a rule's category covers a requested one when they are equal, when
 * the rule's is "*", or when the rule's is a prefix of the requested one that ends at a ":"
 * boundary. "event" covers "event:chemotherapy_cycle" and "event:chemotherapy_cycle:ab12…", but
 * not "events"; a requested "*" (the whole record) is covered only by "*".
 */

/** The category that covers every other. */
export const ANY_CATEGORY = "*";

/** The separator between the levels of a category. */
export const CATEGORY_SEPARATOR = ":";

/** The longest category accepted, in characters. */
export const MAX_CATEGORY_LENGTH = 256;

const SEGMENT = /^[a-z0-9_@.-]+$/;

/** What a valid category is, for error messages. */
export const VALID_CATEGORY =
  'valid: "*", or lower-case segments of a-z 0-9 _ @ . - joined by ":" (e.g. "event:chemotherapy_cycle")';

/** Whether the rule's category `ruleCategory` covers the requested category `requested`. */
export function categoryCovers(ruleCategory: string, requested: string): boolean {
  if (ruleCategory === ANY_CATEGORY || ruleCategory === requested) return true;
  return (
    requested.length > ruleCategory.length &&
    requested.charCodeAt(ruleCategory.length) === 58 /* ":" */ &&
    requested.startsWith(ruleCategory)
  );
}

/**
 * Every category that covers `category`, broadest first: "*", then each ":"-prefix, then the
 * category itself. "event:chemotherapy_cycle:ab12" gives
 * ["*", "event", "event:chemotherapy_cycle", "event:chemotherapy_cycle:ab12"]; "*" gives ["*"].
 * A rule covers `category` exactly when one of its data categories is in this list, which lets a
 * caller look rules up by category instead of testing each one.
 */
export function coveringCategories(category: string): string[] {
  const found = [ANY_CATEGORY];
  if (category === ANY_CATEGORY) return found;
  let at = category.indexOf(CATEGORY_SEPARATOR);
  while (at !== -1) {
    found.push(category.slice(0, at));
    at = category.indexOf(CATEGORY_SEPARATOR, at + 1);
  }
  found.push(category);
  return found;
}

/** Why `value` is not a valid category ("it has an empty segment"), or undefined when it is valid. */
export function categoryProblem(value: string): string | undefined {
  if (value === ANY_CATEGORY) return undefined;
  if (value === "") return "it is empty";
  if (value.length > MAX_CATEGORY_LENGTH) return `it is longer than ${MAX_CATEGORY_LENGTH} characters`;
  const segments = value.split(CATEGORY_SEPARATOR);
  for (const segment of segments) {
    if (segment === "") return "it has an empty segment";
    if (SEGMENT.test(segment)) continue;
    if (segment.includes(ANY_CATEGORY))
      return 'it has "*" in a segment ("*" stands alone, for every category)';
    if (/[A-Z]/.test(segment)) return "it has upper case (categories and hash keys are lower-case)";
    const bad = [...segment].find((ch) => !SEGMENT.test(ch));
    return `it has the character ${JSON.stringify(bad)}`;
  }
  return undefined;
}

/** Whether `value` is a valid category (see the file's comment). */
export function isCategory(value: string): boolean {
  return categoryProblem(value) === undefined;
}
