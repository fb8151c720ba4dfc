/**
 * How PostgreSQL values become source values. The reader's session uses `TimeZone = UTC` and
 * `DateStyle = ISO`, and every value arrives as text, converted here:
 *
 * - boolean → boolean; int2, int4, oid → number;
 * - int8, numeric, float4, float8 → number when a number holds the value exactly, else the text
 *   ("12345678901234567890", "NaN", "Infinity");
 * - date → "YYYY-MM-DD";
 * - timestamptz → ISO-8601 in UTC with "Z" ("2024-03-01T12:34:56.000Z", microseconds kept);
 * - timestamp (without time zone) → ISO-8601 *without* a zone ("2024-03-01T12:34:56.000"): the
 *   column holds a wall-clock reading, and the mapping's time zone says where it was read;
 * - infinite or BC dates and timestamps → their PostgreSQL text ("infinity");
 * - json, jsonb, arrays, uuid, time, interval and every other type → their PostgreSQL text;
 * - bytea → a Buffer, which the reader rejects, naming the column and row.
 */
import pg from "pg";
import { exactNumber } from "./values.ts";

export const PG_TYPES = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

const TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d(?::?\d\d){0,2})?$/;
const UTC_OFFSET = /^[+-]00(?::?00){0,2}$/;

/**
 * A PostgreSQL timestamp text (DateStyle ISO) as ISO-8601: "Z" when it has a zero offset, the
 * instant in UTC for another offset, no zone designator when it has none; other text unchanged.
 */
export function isoTimestamp(text: string): string {
  const match = TIMESTAMP.exec(text);
  if (!match) return text;
  const [, date, time, fraction = "", offset] = match;
  const local = `${date}T${time}${(fraction || ".").padEnd(4, "0")}`;
  if (offset === undefined) return local;
  if (UTC_OFFSET.test(offset)) return `${local}Z`;
  // Only when the session time zone was not UTC; a JavaScript Date keeps milliseconds.
  const digits = offset.slice(1).replaceAll(":", "");
  const zone = `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || "00"}`;
  const instant = Date.parse(`${date}T${time}${fraction.slice(0, 4)}${zone}`);
  return Number.isNaN(instant) ? text : new Date(instant).toISOString();
}

const identity = (text: string): string => text;

function textParser(oid: number): (text: string) => unknown {
  switch (oid) {
    case PG_TYPES.bool:
      return (text) => text === "t" || text === "true";
    case PG_TYPES.int2:
    case PG_TYPES.int4:
    case PG_TYPES.oid:
      return Number;
    case PG_TYPES.int8:
    case PG_TYPES.numeric:
    case PG_TYPES.float4:
    case PG_TYPES.float8:
      return exactNumber;
    case PG_TYPES.timestamp:
    case PG_TYPES.timestamptz:
      return isoTimestamp;
    case PG_TYPES.bytea:
      return pg.types.getTypeParser(oid, "text");
    default:
      return identity;
  }
}

/** The `types` of a `pg` client that reads source values as described above. */
export const sourceTypeParsers = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    format === "binary" ? pg.types.getTypeParser(oid, "binary") : textParser(oid),
} as pg.CustomTypesConfig;
