/**
 * The text forms of cell values that every writer shares, made cheap: dates repeat, so their text
 * is cached per day number; a date-time is its day's cached text plus a time of day built from
 * two-digit strings made once; a decimal is printed with its column's `scale` digits.
 *
 * The engine's values are trusted on the hot path; a value of the wrong kind is caught where
 * checking costs nothing extra (on a cache miss, or where the formatting would otherwise print
 * "NaN"), as a BAD_ROW error naming the column.
 */
import { SerumsError, showValue } from "../../errors/index.ts";
import { type CellValue, type ColumnSpec, civilFromDays, type TableSpec } from "../table-spec.ts";

const SECONDS_PER_DAY = 86_400;
/** Days are few (a century is 36,525 of them); the cache is cleared if something floods it. */
const DATE_CACHE_LIMIT = 200_000;

const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

const dateCache = new Map<number, string>();

/** The civil date of a day number (Howard Hinnant's algorithm), as "YYYY-MM-DD". */
function civilDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  if (year < 0 || year > 9999) {
    // Outside four-digit years, ISO 8601 needs the expanded form that Date prints.
    return new Date(days * SECONDS_PER_DAY * 1000).toISOString().slice(0, -14);
  }
  const yyyy = year < 1000 ? String(year).padStart(4, "0") : String(year);
  return `${yyyy}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

export function badValue(column: string, kind: string, value: unknown): SerumsError {
  return new SerumsError("BAD_ROW", `column ${column}: ${showValue(value)} is not ${kind}`, {
    column,
    value,
  });
}

/** Days from 1900-01-01 to 2100-12-31 are cached in a dense array; others in the map. */
const DENSE_FIRST = -25_567;
const DENSE_SIZE = 73_414;
const denseDates: (string | undefined)[] = new Array(DENSE_SIZE).fill(undefined);

/** "2015-03-01" from days since 1970-01-01, cached per day. */
export function dateText(days: number, column = "(date)"): string {
  const index = days - DENSE_FIRST;
  if (index >= 0 && index < DENSE_SIZE && typeof days === "number") {
    const hit = denseDates[index];
    if (hit !== undefined) return hit;
  }
  const cached = dateCache.get(days);
  if (cached !== undefined) return cached;
  if (typeof days !== "number" || !Number.isInteger(days) || Math.abs(days) > 100_000_000) {
    throw badValue(column, "a date (whole days since 1970-01-01)", days);
  }
  const text = civilDate(days);
  if (index >= 0 && index < DENSE_SIZE && Number.isInteger(index)) denseDates[index] = text;
  else {
    if (dateCache.size >= DATE_CACHE_LIMIT) dateCache.clear();
    dateCache.set(days, text);
  }
  return text;
}

/** "2015-03-01T08:30:00Z" from seconds since 1970-01-01T00:00:00Z. */
export function dateTimeText(seconds: number, column = "(datetime)"): string {
  if (typeof seconds !== "number" || !Number.isInteger(seconds)) {
    throw badValue(column, "a date-time (whole seconds since 1970-01-01T00:00:00Z)", seconds);
  }
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  let rest = seconds - days * SECONDS_PER_DAY;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  return `${dateText(days, column)}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[rest - minutes * 60]}Z`;
}

/** A decimal of 1e21 or more, which toFixed would print with an exponent (every such number is whole). */
function hugeDecimal(column: string, value: number, scale: number): string {
  if (typeof value !== "number" || !Number.isFinite(value)) throw badValue(column, "a finite decimal", value);
  return `${BigInt(value)}${scale > 0 ? `.${"0".repeat(scale)}` : ""}`;
}

/** A decimal with `scale` digits after the point (no exponent), or its shortest form without a scale. */
export function decimalFormatter(column: ColumnSpec): (value: number) => string {
  const scale = column.scale;
  const name = column.name;
  if (scale === undefined) {
    return (value) => {
      if (!(Math.abs(value) < 1e21)) return hugeDecimal(name, value, 0);
      return value !== 0 && Math.abs(value) < 1e-6 ? value.toFixed(20).replace(/\.?0+$/, "") : String(value);
    };
  }
  const unit = 10 ** scale;
  const zeros = "0".repeat(scale);
  const slow = (value: number): string => {
    if (!(Math.abs(value) < 1e21)) return hugeDecimal(name, value, scale);
    const text = value.toFixed(scale);
    // -0.001 to 2 digits is "-0.00": print zero without a sign.
    return text.charCodeAt(0) === 45 && Number(text) === 0 ? text.slice(1) : text;
  };
  if (scale === 0 || scale > 6) return slow;
  return (value) => {
    // The engine's decimals are already whole multiples of 10^-scale: their digits are those of
    // the integer value × 10^scale, without toFixed's cost. Anything else takes toFixed.
    const scaled = value * unit;
    const whole = Math.round(scaled);
    if (!(Math.abs(scaled - whole) < 1e-7 && Math.abs(whole) < 2 ** 52)) return slow(value);
    if (whole === 0) return `0.${zeros}`;
    const digits = `${whole < 0 ? -whole : whole}`;
    const sign = whole < 0 ? "-" : "";
    if (digits.length > scale) return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return `${sign}0.${zeros.slice(digits.length)}${digits}`;
  };
}

/**
 * A formatter per column that turns a non-null value into its plain text: what CSV, XML,
 * PostgreSQL's COPY and SQLite's TEXT columns hold before their own quoting or escaping.
 * Booleans become `trueText` / `falseText`.
 */
export function plainFormatter(
  column: ColumnSpec,
  trueText = "true",
  falseText = "false",
): (value: Exclude<CellValue, null>) => string {
  const name = column.name;
  switch (column.type) {
    case "integer":
      return (value) => {
        if (!Number.isSafeInteger(value)) throw badValue(name, "a safe integer", value);
        return `${value}`;
      };
    case "decimal": {
      const decimal = decimalFormatter(column);
      return (value) => decimal(value as number);
    }
    case "date":
      return (value) => dateText(value as number, name);
    case "datetime":
      return (value) => dateTimeText(value as number, name);
    case "boolean":
      return (value) => (value === true ? trueText : value === false ? falseText : boolError(name, value));
    case "string":
    case "categorical":
      return (value) => (typeof value === "string" ? value : `${value}`);
  }
}

function boolError(column: string, value: unknown): never {
  throw badValue(column, "true or false", value);
}

/** The table's column count, checked against a row without costing more than one comparison. */
export function rowLengthError(table: TableSpec, length: number): SerumsError {
  return new SerumsError(
    "BAD_ROW",
    `table ${table.name}: a row of ${length} values for ${table.columns.length} columns (${table.columns
      .map((c) => c.name)
      .join(", ")})`,
    { path: table.name, value: length },
  );
}

/** A null in a column that is not nullable: the engine broke a rule, and no output may hide it. */
export function nullError(table: string, column: string): SerumsError {
  return new SerumsError(
    "BAD_ROW",
    `table ${table}, column ${column}: null in a column that is not nullable`,
    {
      path: `${table}.${column}`,
      column,
    },
  );
}
