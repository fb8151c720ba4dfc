/**
 * The words of the rule model other than categories (category.ts): the reserved values, and what
 * a Serums ID, a name (site, role, department, rule ID), a purpose, a country and an instant look
 * like. The schemas (rule-schema.ts) check input against these; `decide` only uses the constants.
 */

/** A site rule's `patient` when it is about every patient; also a site default's. */
export const ANY_PATIENT = "*";

/** In a rule's `purposes`: any purpose. */
export const ANY_PURPOSE = "*";

/** The purpose of break-glass: an emergency access, allowed with a stated reason unless refused. */
export const EMERGENCY_PURPOSE = "emergency";

/**
 * A Serums ID: "srm-" then four groups of four Crockford base-32 digits (no i, l, o, u), as
 * src/record/serums-id.ts issues them. Restated here because `access` imports no other module.
 */
const SERUMS_ID = /^srm(-[0-9a-hjkmnp-tv-z]{4}){4}$/;

export function isSerumsId(value: string): boolean {
  return SERUMS_ID.test(value);
}

export const VALID_SERUMS_ID =
  'a Serums ID ("srm-" and four groups of four of 0-9 a-z, e.g. "srm-7k3m-9qx2-hv4t-8dpa")';

/** Site IDs, rule IDs, roles, departments: ASCII letters, digits and _ . : @ -; 1–128 long. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

export function isName(value: string): boolean {
  return NAME.test(value);
}

export const VALID_NAME = "1-128 characters of A-Z a-z 0-9 _ . : @ -, starting with a letter or digit";

/** A purpose: lower-case, e.g. "treatment", "emergency", "research", "insurance". */
const PURPOSE = /^[a-z][a-z0-9_-]{0,63}$/;

export function isPurpose(value: string): boolean {
  return PURPOSE.test(value);
}

export const VALID_PURPOSE =
  'a purpose of a-z 0-9 _ -, starting with a letter (e.g. "treatment", "emergency", "research")';

/** ISO 3166-1 alpha-2, upper case. */
const COUNTRY = /^[A-Z]{2}$/;

export function isCountry(value: string): boolean {
  return COUNTRY.test(value);
}

/**
 * An ISO-8601 UTC instant: date, "T", hours, minutes and seconds, an optional fraction of 1–9
 * digits, and "Z". No other offset, no leap second, no hour 24, and the date must exist
 * (Date.parse alone would take "2024-02-30" as 1 March).
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

export function isUtcInstant(value: string): boolean {
  const parts = INSTANT.exec(value);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return false;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return false;
  const date = new Date(ms);
  return date.getUTCFullYear() === year && date.getUTCMonth() + 1 === month && date.getUTCDate() === day;
}

export const VALID_INSTANT =
  'an ISO-8601 UTC instant ending in "Z" (e.g. "2024-05-01T09:30:00Z" or "2024-05-01T09:30:00.250Z")';
