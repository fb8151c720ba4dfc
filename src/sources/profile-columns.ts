/**
 * Column profiling for metadata extraction (`serums map suggest`): for each column of a source,
 * what type its values have, how complete and how distinct it is, and which well-known patterns
 * (dates, UK postcodes, CHI and NHS numbers, ICD-10, OPCS-4, ICD-O-3 codes, grades, flags) its
 * values follow, with match rates.
 *
 * A profile may be printed or shared: it never holds a value of the source, except the minimum
 * and maximum of a numeric or date column (and not even those for identifier-like numbers, whose
 * range would reveal identifiers). No top values, no examples.
 */

import type { SourceRow, SourceValue } from "./types.ts";
import {
  isBooleanLike,
  isBooleanWord,
  isChiNumber,
  isGrade0to4,
  isIcd10Code,
  isIcdO3Morphology,
  isNhsNumber,
  isOpcs4Code,
  isUkPostcode,
  isUkPostcodeDistrict,
} from "./value-patterns.ts";

export type ProfiledType = "integer" | "decimal" | "boolean" | "date" | "datetime" | "string" | "empty";

export type PatternName =
  | "date"
  | "datetime"
  | "uk_postcode"
  | "uk_postcode_district"
  | "chi"
  | "nhs_number"
  | "icd10"
  | "opcs4"
  | "icdo3_morphology"
  | "grade_0_4"
  | "boolean_like";

export interface PatternMatch {
  pattern: PatternName;
  /** For `date` and `datetime`: the format, in the mapping's token syntax or "ISO-8601". */
  format?: string;
  /** Non-empty values that match. */
  matches: number;
  /** matches / non-empty values. */
  rate: number;
}

export interface ColumnProfile {
  column: string;
  /**
   * The narrowest type every non-empty value has: `boolean` (true/false, yes/no, y/n, t/f, with
   * at least two distinct words unless stored as booleans: a column of "N" alone may be a code
   * list; 0/1 columns are `integer` with the `boolean_like` pattern), `integer` (digit strings with a
   * leading zero are `string`: converting them would lose it), `decimal`, `date`, `datetime`
   * (one format matches all values), else `string`; `empty` when no value is non-empty.
   */
  type: ProfiledType;
  /** For `date`/`datetime`: the format, e.g. "DD/MM/YYYY", "YYYY-MM-DD HH:mm:ss" or "ISO-8601" (any ISO date-time, zone optional). */
  format?: string;
  /** Fraction of non-empty values that would convert to each type (dates: the best single format). */
  typeRates: { boolean: number; integer: number; decimal: number; date: number; datetime: number };
  /** Rows read. */
  count: number;
  nulls: number;
  /** Empty or blank strings. */
  empties: number;
  /** (nulls + empties) / count. */
  missingRate: number;
  nonEmpty: number;
  /** Distinct non-empty values (trimmed): exact when `distinctExact`, else a HyperLogLog estimate (±2%). */
  distinct: number;
  distinctExact: boolean;
  /** distinct / nonEmpty (0 for an empty column). */
  uniqueness: number;
  /** Lengths of the non-empty values as text. */
  minLength?: number;
  maxLength?: number;
  /** Numbers: for integer and decimal columns. Dates: ISO strings ("2014-03-05", "2014-03-05T09:30:00"). */
  min?: number | string;
  max?: number | string;
  mean?: number;
  stddev?: number;
  /** CHI/NHS numbers, or long integers: min, max, mean and stddev are withheld. */
  identifierLike: boolean;
  /** Patterns matched by at least one value, best rate first. */
  patterns: PatternMatch[];
}

export interface ProfileOptions {
  /** Read at most this many rows (default: all). */
  sampleLimit?: number;
  /** Count distinct values exactly up to this many per column, then estimate (default 10,000). */
  distinctExactLimit?: number;
}

const DEFAULT_DISTINCT_EXACT_LIMIT = 10_000;

export async function profileColumns(
  rows: AsyncIterable<SourceRow> | Iterable<SourceRow>,
  columns: string[],
  options: ProfileOptions = {},
): Promise<ColumnProfile[]> {
  const limit = options.sampleLimit ?? Number.POSITIVE_INFINITY;
  const exactLimit = options.distinctExactLimit ?? DEFAULT_DISTINCT_EXACT_LIMIT;
  const accumulators = columns.map((column) => new ColumnAccumulator(column, exactLimit));
  let read = 0;
  if (limit > 0) {
    for await (const row of rows) {
      for (const accumulator of accumulators) accumulator.add(row.values[accumulator.column]);
      read += 1;
      if (read >= limit) break;
    }
  }
  return accumulators.map((accumulator) => accumulator.finish());
}

// ---------------------------------------------------------------------------------------------
// Date formats

interface DateFormat {
  format: string;
  kind: "date" | "datetime";
  /** The layout alone (digits and literals), regardless of whether the digits make a real date. */
  layout: RegExp;
  /** Returns the value as a normalised ISO string, or null when it does not match or is not a real date. */
  parse(text: string): string | null;
}

const TOKEN_PATTERN = /YYYY|MM|DD|HH|mm|ss|SSS/g;
const TOKEN_DIGITS: Record<string, number> = { YYYY: 4, MM: 2, DD: 2, HH: 2, mm: 2, ss: 2, SSS: 3 };

function tokenFormat(format: string): DateFormat {
  const tokens: string[] = [];
  let source = "^";
  let last = 0;
  for (const match of format.matchAll(TOKEN_PATTERN)) {
    source += escapeRegExp(format.slice(last, match.index));
    source += `(\\d{${TOKEN_DIGITS[match[0]]}})`;
    tokens.push(match[0]);
    last = match.index + match[0].length;
  }
  source += `${escapeRegExp(format.slice(last))}$`;
  const regex = new RegExp(source);
  const kind = tokens.includes("HH") ? "datetime" : "date";
  return {
    format,
    kind,
    layout: regex,
    parse(text) {
      const match = regex.exec(text);
      if (!match) return null;
      const parts: Record<string, string> = {};
      tokens.forEach((token, index) => {
        parts[token] = match[index + 1]!;
      });
      return normaliseParts(
        parts.YYYY!,
        parts.MM!,
        parts.DD!,
        kind === "datetime" ? (parts.HH ?? "00") : undefined,
        parts.mm,
        parts.ss,
        parts.SSS,
      );
    },
  };
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

const isoFormat: DateFormat = {
  format: "ISO-8601",
  kind: "datetime",
  layout: ISO_DATETIME,
  parse(text) {
    const match = ISO_DATETIME.exec(text);
    if (!match) return null;
    const local = normaliseParts(match[1]!, match[2]!, match[3]!, match[4]!, match[5], match[6], match[7]);
    if (local === null) return null;
    const zone = match[8];
    if (zone === undefined) return local;
    const instant = Date.parse(`${local}${zone === "Z" ? "Z" : zone.length === 3 ? `${zone}:00` : zone}`);
    return Number.isNaN(instant) ? null : new Date(instant).toISOString();
  },
};

const DATE_PARTS = ["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD-MM-YYYY", "DD.MM.YYYY", "YYYY/MM/DD"];

/** Candidate formats, in order of preference when several match every value (UK day-first before US). */
const DATE_FORMATS: DateFormat[] = [
  ...DATE_PARTS.map(tokenFormat),
  tokenFormat("YYYYMMDD"),
  ...DATE_PARTS.flatMap((date) => [tokenFormat(`${date} HH:mm`), tokenFormat(`${date} HH:mm:ss`)]),
  tokenFormat("YYYY-MM-DD HH:mm:ss.SSS"),
  tokenFormat("YYYY-MM-DDTHH:mm"),
  tokenFormat("YYYY-MM-DDTHH:mm:ss"),
  tokenFormat("YYYY-MM-DDTHH:mm:ss.SSS"),
  isoFormat,
];

const MIN_YEAR = 1850;
const MAX_YEAR = 2150;

function normaliseParts(
  year: string,
  month: string,
  day: string,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  fraction: string | undefined,
): string | null {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  const date = `${year}-${month}-${day}`;
  if (hour === undefined) return date;
  const mm = minute ?? "00";
  const ss = second ?? "00";
  if (Number(hour) > 23 || Number(mm) > 59 || Number(ss) > 59) return null;
  return `${date}T${hour}:${mm}:${ss}${fraction === undefined ? "" : `.${fraction}`}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Shape ("99/99/9999") → indexes of the formats whose layout fits it; bounded memo. */
const shapeMemo = new Map<string, number[]>();
const SHAPE_MEMO_LIMIT = 2000;

function candidateFormats(text: string): number[] {
  const shape = text.replace(/\d/g, "9");
  let found = shapeMemo.get(shape);
  if (found === undefined) {
    found = [];
    for (let index = 0; index < DATE_FORMATS.length; index++) {
      if (DATE_FORMATS[index]!.layout.test(shape)) found.push(index);
    }
    if (shapeMemo.size >= SHAPE_MEMO_LIMIT) shapeMemo.clear();
    shapeMemo.set(shape, found);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Distinct counting: exact set up to a bound, HyperLogLog always.

const HLL_BITS = 12;
const HLL_SIZE = 1 << HLL_BITS;

class HyperLogLog {
  readonly registers = new Uint8Array(HLL_SIZE);

  add(text: string): void {
    const [h1, h2] = hash64(text);
    const index = h1 >>> (32 - HLL_BITS);
    const rank = Math.clz32(h2) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (const register of this.registers) {
      sum += 2 ** -register;
      if (register === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / HLL_SIZE);
    const raw = (alpha * HLL_SIZE * HLL_SIZE) / sum;
    if (raw <= 2.5 * HLL_SIZE && zeros > 0) return HLL_SIZE * Math.log(HLL_SIZE / zeros);
    return raw;
  }
}

/** Two independent 32-bit hashes (cyrb53's mixing). */
function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

// ---------------------------------------------------------------------------------------------
// Per-column accumulation

const INTEGER_TEXT = /^[+-]?\d+(?:\.0+)?$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;
const LEADING_ZERO = /^[+-]?0\d/;

type ValuePattern = Exclude<PatternName, "date" | "datetime">;

const VALUE_PATTERNS: [ValuePattern, (text: string, raw: SourceValue) => boolean][] = [
  ["uk_postcode", (text) => isUkPostcode(text)],
  ["uk_postcode_district", (text) => isUkPostcodeDistrict(text)],
  ["chi", (text) => isChiNumber(text)],
  ["nhs_number", (text) => isNhsNumber(text)],
  ["icd10", (text) => isIcd10Code(text)],
  ["opcs4", (text) => isOpcs4Code(text)],
  ["icdo3_morphology", (text) => isIcdO3Morphology(text)],
  ["grade_0_4", (text) => isGrade0to4(text)],
  ["boolean_like", (text, raw) => typeof raw === "boolean" || isBooleanLike(text)],
];

/** The longest text a value pattern can match (an NHS number with separators). */
const PATTERN_MAX_LENGTH = 13;

interface FormatStats {
  matches: number;
  min: string | null;
  max: string | null;
}

class ColumnAccumulator {
  readonly column: string;
  private readonly exactLimit: number;
  private count = 0;
  private nulls = 0;
  private empties = 0;
  private booleans = 0;
  private realBooleans = 0;
  private integers = 0;
  private decimals = 0;
  private leadingZeros = 0;
  private minLength = Number.POSITIVE_INFINITY;
  private maxLength = 0;
  private numbers = 0;
  private numericMin = Number.POSITIVE_INFINITY;
  private numericMax = Number.NEGATIVE_INFINITY;
  private mean = 0;
  private m2 = 0;
  private exact: Set<string> | null = new Set();
  private readonly hll = new HyperLogLog();
  private readonly formats: FormatStats[] = DATE_FORMATS.map(() => ({ matches: 0, min: null, max: null }));
  private readonly patternCounts = new Map<ValuePattern, number>();

  constructor(column: string, exactLimit: number) {
    this.column = column;
    this.exactLimit = exactLimit;
  }

  add(raw: SourceValue | undefined): void {
    this.count++;
    if (raw === null || raw === undefined) {
      this.nulls++;
      return;
    }
    const text = typeof raw === "string" ? raw.trim() : String(raw);
    if (text === "") {
      this.empties++;
      return;
    }
    if (typeof raw === "boolean") this.realBooleans++;
    if (typeof raw === "boolean" || (typeof raw === "string" && isBooleanWord(text))) this.booleans++;
    if (this.exact !== null) {
      this.exact.add(text);
      if (this.exact.size > this.exactLimit) this.exact = null;
    }
    this.hll.add(text);
    this.minLength = Math.min(this.minLength, text.length);
    this.maxLength = Math.max(this.maxLength, text.length);

    const numeric = typeof raw === "number" ? Number.isFinite(raw) : DECIMAL_TEXT.test(text);
    if (numeric) {
      this.decimals++;
      const isInteger = typeof raw === "number" ? Number.isSafeInteger(raw) : INTEGER_TEXT.test(text);
      if (isInteger) {
        this.integers++;
        if (typeof raw === "string" && LEADING_ZERO.test(text)) this.leadingZeros++;
      }
      const value = typeof raw === "number" ? raw : Number(text);
      this.numbers++;
      if (value < this.numericMin) this.numericMin = value;
      if (value > this.numericMax) this.numericMax = value;
      const delta = value - this.mean;
      this.mean += delta / this.numbers;
      this.m2 += delta * (value - this.mean);
    }

    if (text.length >= 8 && text.length <= 35 && text.charCodeAt(0) >= 48 && text.charCodeAt(0) <= 57) {
      for (const index of candidateFormats(text)) {
        const normalised = DATE_FORMATS[index]!.parse(text);
        if (normalised === null) continue;
        const stats = this.formats[index]!;
        stats.matches++;
        if (stats.min === null || normalised < stats.min) stats.min = normalised;
        if (stats.max === null || normalised > stats.max) stats.max = normalised;
      }
    }

    if (text.length <= PATTERN_MAX_LENGTH) {
      for (const [name, test] of VALUE_PATTERNS) {
        if (test(text, raw)) this.patternCounts.set(name, (this.patternCounts.get(name) ?? 0) + 1);
      }
    }
  }

  finish(): ColumnProfile {
    const nonEmpty = this.count - this.nulls - this.empties;
    const rate = (n: number) => (nonEmpty === 0 ? 0 : n / nonEmpty);
    const distinctExact = this.exact !== null;
    const distinct = this.exact !== null ? this.exact.size : Math.round(this.hll.estimate());

    const patterns: PatternMatch[] = [];
    DATE_FORMATS.forEach((format, index) => {
      const matches = this.formats[index]!.matches;
      if (matches > 0)
        patterns.push({ pattern: format.kind, format: format.format, matches, rate: rate(matches) });
    });
    for (const [name] of VALUE_PATTERNS) {
      const matches = this.patternCounts.get(name) ?? 0;
      if (matches > 0) patterns.push({ pattern: name, matches, rate: rate(matches) });
    }
    patterns.sort((a, b) => b.rate - a.rate);

    let bestDate = 0;
    let bestDatetime = 0;
    DATE_FORMATS.forEach((format, index) => {
      const matches = this.formats[index]!.matches;
      if (format.kind === "date") bestDate = Math.max(bestDate, matches);
      else bestDatetime = Math.max(bestDatetime, matches);
    });

    // The type: the narrowest every non-empty value has.
    let type: ProfiledType = "string";
    let formatIndex = -1;
    const fullFormat = () => DATE_FORMATS.findIndex((_, index) => this.formats[index]!.matches === nonEmpty);
    if (nonEmpty === 0) type = "empty";
    else if (this.booleans === nonEmpty && (this.realBooleans === nonEmpty || distinct >= 2))
      type = "boolean";
    else if (this.integers === nonEmpty && this.leadingZeros === 0) {
      // Eight-digit integers that are all real dates are YYYYMMDD dates.
      const yyyymmdd = DATE_FORMATS.findIndex((format) => format.format === "YYYYMMDD");
      if (this.formats[yyyymmdd]!.matches === nonEmpty) {
        type = "date";
        formatIndex = yyyymmdd;
      } else type = "integer";
    } else if (this.decimals === nonEmpty && this.integers < nonEmpty) type = "decimal";
    else {
      formatIndex = fullFormat();
      if (formatIndex >= 0) type = DATE_FORMATS[formatIndex]!.kind;
    }

    const chiRate = rate(this.patternCounts.get("chi") ?? 0);
    const nhsRate = rate(this.patternCounts.get("nhs_number") ?? 0);
    const identifierLike =
      chiRate >= 0.5 || nhsRate >= 0.5 || (type === "integer" && this.minLength >= 9 && nonEmpty > 0);

    let stats: Pick<ColumnProfile, "min" | "max" | "mean" | "stddev"> = {};
    if (formatIndex >= 0) {
      const { min, max } = this.formats[formatIndex]!;
      if (min !== null && max !== null) stats = { min, max };
    } else if ((type === "integer" || type === "decimal") && !identifierLike) {
      stats = {
        min: this.numericMin,
        max: this.numericMax,
        mean: this.mean,
        stddev: this.numbers > 1 ? Math.sqrt(this.m2 / (this.numbers - 1)) : 0,
      };
    }
    const profile: ColumnProfile = {
      column: this.column,
      type,
      ...(formatIndex >= 0 ? { format: DATE_FORMATS[formatIndex]!.format } : {}),
      count: this.count,
      nulls: this.nulls,
      empties: this.empties,
      missingRate: this.count === 0 ? 0 : (this.nulls + this.empties) / this.count,
      nonEmpty,
      distinct,
      distinctExact,
      uniqueness: rate(distinct),
      ...(nonEmpty > 0 ? { minLength: this.minLength, maxLength: this.maxLength } : {}),
      ...stats,
      identifierLike,
      typeRates: {
        boolean: rate(this.booleans),
        integer: rate(this.integers),
        decimal: rate(this.decimals),
        date: rate(bestDate),
        datetime: rate(bestDatetime),
      },
      patterns,
    };
    return profile;
  }
}
