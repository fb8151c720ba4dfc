/**
 * Date formats of mapping values: the format tokens (YYYY MM DD HH mm ss SSS, literals between)
 * compiled once into a parser, the ISO-8601 parsers used by default, range checks that say what
 * is wrong, and a fast ISO-8601 writer. No regular expression is built per value parsed.
 */
import { SerumsError } from "../errors/index.ts";

/** Indexes into the fields a date parser fills. */
export const YEAR = 0;
export const MONTH = 1;
export const DAY = 2;
export const HOUR = 3;
export const MINUTE = 4;
export const SECOND = 5;
export const MS = 6;
/** The offset in minutes written in the text, or NaN when there is none (a local time). */
export const OFFSET = 7;
/** 1 when the text has a time of day, 0 for a date alone. */
export const HAS_TIME = 8;

export interface DateParser {
  /** "a date in format DD/MM/YYYY". */
  readonly description: string;
  /** Parses into `fields`; returns undefined, or why the text does not fit (without ranges). */
  parse(text: string, fields: number[]): string | undefined;
}

interface Step {
  /** A literal to match, or undefined for a number. */
  literal?: string;
  field: number;
  min: number;
  max: number;
}

const TOKENS: readonly [token: string, field: number][] = [
  ["YYYY", YEAR],
  ["SSS", MS],
  ["MM", MONTH],
  ["DD", DAY],
  ["HH", HOUR],
  ["mm", MINUTE],
  ["ss", SECOND],
];
const TOKEN_NAMES = "YYYY MM DD HH mm ss SSS";
const SAMPLE: Record<string, string> = {
  YYYY: "2014",
  MM: "03",
  DD: "05",
  HH: "09",
  mm: "30",
  ss: "00",
  SSS: "000",
};

/** Runs the steps of a compiled format over `text`; true when it fits exactly. */
function runSteps(steps: readonly Step[], text: string, fields: number[]): boolean {
  let i = 0;
  const end = text.length;
  for (const step of steps) {
    if (step.literal !== undefined) {
      if (!text.startsWith(step.literal, i)) return false;
      i += step.literal.length;
      continue;
    }
    let n = 0;
    let digits = 0;
    while (digits < step.max && i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
      digits++;
    }
    if (digits < step.min) return false;
    if (step.field === MS) n = digits <= 3 ? n * 10 ** (3 - digits) : Math.floor(n / 10 ** (digits - 3));
    fields[step.field] = n;
  }
  return i === end;
}

function formatError(path: string, message: string, value: string): never {
  throw new SerumsError("BAD_MAPPING", message, { path, value });
}

function compileFormat(format: string, type: "date" | "datetime"): DateParser {
  const bad = (why: string): never =>
    formatError("format", `${JSON.stringify(format)} is not a date format: ${why}`, format);
  if (format === "") bad(`it is empty; tokens: ${TOKEN_NAMES}`);
  const parts: ({ token: string; field: number } | { literal: string })[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < format.length) {
    const hit = TOKENS.find(([token]) => format.startsWith(token, i));
    if (hit !== undefined) {
      const [token, field] = hit;
      if (seen.has(token)) bad(`${token} appears twice`);
      seen.add(token);
      parts.push({ token, field });
      i += token.length;
      continue;
    }
    const c = format[i]!;
    if (/[A-Za-z]/.test(c) && c !== "T") {
      bad(
        `${JSON.stringify(c)} at position ${i + 1} is not a token (tokens, case-sensitive: ${TOKEN_NAMES}; letters other than T cannot be literals)`,
      );
    }
    const last = parts.at(-1);
    if (last !== undefined && "literal" in last) last.literal += c;
    else parts.push({ literal: c });
    i++;
  }
  for (const token of ["YYYY", "MM", "DD"])
    if (!seen.has(token)) bad(`it has no ${token}; a date needs YYYY, MM and DD`);
  const needs: [string, string][] = [
    ["mm", "HH"],
    ["ss", "mm"],
    ["SSS", "ss"],
  ];
  for (const [token, before] of needs)
    if (seen.has(token) && !seen.has(before)) bad(`it has ${token} without ${before}`);
  const steps: Step[] = parts.map((part, index) => {
    if ("literal" in part) return { literal: part.literal, field: -1, min: 0, max: 0 };
    const next = parts[index + 1];
    const fixed = next !== undefined && !("literal" in next); // directly followed by a number
    if (part.token === "YYYY") return { field: YEAR, min: 4, max: 4 };
    if (part.token === "SSS") return { field: MS, min: fixed ? 3 : 1, max: fixed ? 3 : 9 };
    return { field: part.field, min: fixed ? 2 : 1, max: 2 };
  });
  const hasTime = seen.has("HH");
  const example = format.replace(/YYYY|SSS|MM|DD|HH|mm|ss/g, (token) => SAMPLE[token]!);
  const expected = `expected e.g. ${example}`;
  return {
    description: `a ${type} in format ${format}`,
    parse(text, fields) {
      fields[HOUR] = 0;
      fields[MINUTE] = 0;
      fields[SECOND] = 0;
      fields[MS] = 0;
      fields[OFFSET] = Number.NaN;
      fields[HAS_TIME] = hasTime ? 1 : 0;
      return runSteps(steps, text, fields) ? undefined : expected;
    },
  };
}

const ISO_DATE_STEPS: readonly Step[] = [
  { field: YEAR, min: 4, max: 4 },
  { literal: "-", field: -1, min: 0, max: 0 },
  { field: MONTH, min: 2, max: 2 },
  { literal: "-", field: -1, min: 0, max: 0 },
  { field: DAY, min: 2, max: 2 },
];

const isoDateParser: DateParser = {
  description: "a date in format YYYY-MM-DD",
  parse(text, fields) {
    fields[HOUR] = 0;
    fields[MINUTE] = 0;
    fields[SECOND] = 0;
    fields[MS] = 0;
    fields[OFFSET] = Number.NaN;
    fields[HAS_TIME] = 0;
    return runSteps(ISO_DATE_STEPS, text, fields) ? undefined : "expected e.g. 2014-03-05";
  },
};

/** Reads exactly `count` digits at `i`, or -1. */
function digitsAt(text: string, i: number, count: number): number {
  if (i + count > text.length) return -1;
  let n = 0;
  for (let k = 0; k < count; k++) {
    const c = text.charCodeAt(i + k);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** ISO-8601 date or date-time: 2014-03-05, 2014-03-05T09:30[:00[.000]], then Z, ±HH:mm, ±HHmm or ±HH. */
function parseIsoDateTime(text: string, fields: number[]): boolean {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 0 || day < 0 || text[4] !== "-" || text[7] !== "-") return false;
  fields[YEAR] = year;
  fields[MONTH] = month;
  fields[DAY] = day;
  fields[HOUR] = 0;
  fields[MINUTE] = 0;
  fields[SECOND] = 0;
  fields[MS] = 0;
  fields[OFFSET] = Number.NaN;
  fields[HAS_TIME] = 0;
  if (text.length === 10) return true;
  const sep = text[10];
  if (sep !== "T" && sep !== "t" && sep !== " ") return false;
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  if (hour < 0 || minute < 0 || text[13] !== ":") return false;
  fields[HOUR] = hour;
  fields[MINUTE] = minute;
  fields[HAS_TIME] = 1;
  let i = 16;
  if (text[i] === ":") {
    const second = digitsAt(text, i + 1, 2);
    if (second < 0) return false;
    fields[SECOND] = second;
    i += 3;
    if (text[i] === "." || text[i] === ",") {
      i++;
      let n = 0;
      let digits = 0;
      while (i < text.length && digits < 9) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) break;
        n = n * 10 + (c - 48);
        i++;
        digits++;
      }
      if (digits === 0) return false;
      fields[MS] = digits <= 3 ? n * 10 ** (3 - digits) : Math.floor(n / 10 ** (digits - 3));
    }
  }
  if (i === text.length) return true;
  const zone = text[i];
  if (zone === "Z" || zone === "z") {
    fields[OFFSET] = 0;
    return i + 1 === text.length;
  }
  if (zone !== "+" && zone !== "-") return false;
  const oh = digitsAt(text, i + 1, 2);
  if (oh < 0) return false;
  let om = 0;
  const rest = text.length - (i + 3);
  if (rest === 3 && text[i + 3] === ":") om = digitsAt(text, i + 4, 2);
  else if (rest === 2) om = digitsAt(text, i + 3, 2);
  else if (rest !== 0) return false;
  if (om < 0 || oh > 23 || om > 59) return false;
  fields[OFFSET] = (zone === "-" ? -1 : 1) * (oh * 60 + om);
  return true;
}

const isoDateTimeParser: DateParser = {
  description: "a datetime in ISO-8601 format",
  parse(text, fields) {
    return parseIsoDateTime(text, fields)
      ? undefined
      : "expected e.g. 2014-03-05T09:30:00, optionally with Z or an offset like +01:00";
  },
};

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function daysInMonth(year: number, month: number): number {
  return month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;
}

/** Why the fields are out of range, or undefined when they are fine. */
export function rangeProblem(fields: number[]): string | undefined {
  const year = fields[YEAR]!;
  const month = fields[MONTH]!;
  const day = fields[DAY]!;
  if (year < 1) return `year ${year} is out of range: valid years are 0001 to 9999`;
  if (month < 1 || month > 12) return `month ${month} is out of range`;
  if (day < 1 || day > daysInMonth(year, month)) {
    return `day ${day} is out of range: ${MONTH_NAMES[month - 1]} ${year} has ${daysInMonth(year, month)} days`;
  }
  if (fields[HOUR]! > 23) return `hour ${fields[HOUR]} is out of range`;
  if (fields[MINUTE]! > 59) return `minute ${fields[MINUTE]} is out of range`;
  if (fields[SECOND]! > 59) return `second ${fields[SECOND]} is out of range`;
  return undefined;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/** `new Date(t).toISOString()`, several times faster (civil-from-days, after H. Hinnant). */
export function isoInstant(t: number): string {
  const days = Math.floor(t / 86_400_000);
  let rest = t - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999 || !Number.isFinite(t)) return new Date(t).toISOString();
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const ms = rest - second * 1000;
  const yy = year >= 1000 ? String(year) : String(year).padStart(4, "0");
  return `${yy}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${THREE_DIGITS[ms]}Z`;
}

/**
 * The parser of a format, compiled once; the ISO-8601 parser of the type when there is none.
 * Throws SerumsError BAD_MAPPING at path "format" for a format that is not one.
 */
export function dateParser(format: string | undefined, type: "date" | "datetime"): DateParser {
  if (format !== undefined) return compileFormat(format, type);
  return type === "date" ? isoDateParser : isoDateTimeParser;
}
