/**
 * Converts raw source values to numbers in the engine's form (src/fabricate/table-spec.ts), given
 * the type and date format the column profiler inferred: numbers as they are, dates as whole days
 * since 1970-01-01, date-times as seconds since the epoch (UTC; a time without a zone is read as
 * UTC), booleans as 1 and 0. A value that does not convert is NaN (and counts as missing).
 */
import type { ProfiledType, SourceValue } from "../../sources/index.ts";

const MS_PER_DAY = 86_400_000;
const TOKEN = /YYYY|MM|DD|HH|mm|ss|SSS/g;
const DIGITS: Record<string, number> = { YYYY: 4, MM: 2, DD: 2, HH: 2, mm: 2, ss: 2, SSS: 3 };

type Parser = (text: string) => number;

const parsers = new Map<string, Parser>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Milliseconds since the epoch of a civil time, or NaN when the parts are not a real time. */
function civilMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return Number.NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(t);
  return check.getUTCFullYear() === y && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d
    ? t
    : Number.NaN;
}

function tokenParser(format: string, kind: "date" | "datetime"): Parser {
  const tokens: string[] = [];
  let source = "^";
  let last = 0;
  for (const match of format.matchAll(TOKEN)) {
    source += escapeRegExp(format.slice(last, match.index));
    source += `(\\d{${DIGITS[match[0]]}})`;
    tokens.push(match[0]);
    last = match.index + match[0].length;
  }
  const regex = new RegExp(`${source}${escapeRegExp(format.slice(last))}$`);
  return (text) => {
    const match = regex.exec(text);
    if (!match) return Number.NaN;
    const part = (token: string) => {
      const index = tokens.indexOf(token);
      return index < 0 ? 0 : Number(match[index + 1]);
    };
    const ms = civilMs(part("YYYY"), part("MM"), part("DD"), part("HH"), part("mm"), part("ss"), part("SSS"));
    return kind === "date" ? ms / MS_PER_DAY : Math.floor(ms / 1000);
  };
}

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

function isoParser(kind: "date" | "datetime"): Parser {
  return (text) => {
    if (!ISO.test(text)) return Number.NaN;
    const normal = text.replace(" ", "T");
    const zoned = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(normal.slice(10));
    const withTime = normal.length === 10 ? `${normal}T00:00:00` : normal;
    const ms = Date.parse(zoned ? withTime : `${withTime}Z`);
    if (Number.isNaN(ms)) return Number.NaN;
    return kind === "date" ? Math.floor(ms / MS_PER_DAY) : Math.floor(ms / 1000);
  };
}

/** The parser of a date or date-time format ("DD/MM/YYYY", "YYYY-MM-DD HH:mm", "ISO-8601"). */
export function temporalParser(format: string | undefined, kind: "date" | "datetime"): Parser {
  const key = `${kind}|${format ?? "ISO-8601"}`;
  let parser = parsers.get(key);
  if (parser === undefined) {
    parser = format === undefined || format === "ISO-8601" ? isoParser(kind) : tokenParser(format, kind);
    parsers.set(key, parser);
  }
  return parser;
}

const TRUE_WORDS = new Set(["true", "t", "yes", "y", "1"]);
const FALSE_WORDS = new Set(["false", "f", "no", "n", "0"]);

/** true, false, or undefined when the value is not a boolean word. */
export function booleanOf(raw: SourceValue): boolean | undefined {
  if (typeof raw === "boolean") return raw;
  if (raw === null) return undefined;
  const word = String(raw).trim().toLowerCase();
  return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : undefined;
}

/** A number converter for a column of the given profiled type and format; undefined for text types. */
export function numericParser(
  type: ProfiledType,
  format: string | undefined,
): ((raw: SourceValue) => number) | undefined {
  switch (type) {
    case "integer":
    case "decimal":
      return (raw) => {
        if (raw === null || typeof raw === "boolean") return Number.NaN;
        if (typeof raw === "number") return raw;
        const text = raw.trim();
        return text === "" ? Number.NaN : Number(text);
      };
    case "date":
    case "datetime": {
      const parse = temporalParser(format, type);
      return (raw) => {
        if (raw === null || typeof raw === "boolean") return Number.NaN;
        const text = typeof raw === "number" ? String(raw) : raw.trim();
        return text === "" ? Number.NaN : parse(text);
      };
    }
    case "boolean":
      return (raw) => {
        const value = booleanOf(raw);
        return value === undefined ? Number.NaN : value ? 1 : 0;
      };
    default:
      return undefined;
  }
}
