/**
 * Value transforms: from a value definition of a mapping (docs/mapping.md, "Values") to a
 * `ValueSpec` whose `convert` turns a raw source value into a typed one. Everything that can be
 * decided once (the date format, the zone, the code list, the unit) is compiled here, so that
 * `convert` is a few comparisons per call on the ingest hot path.
 *
 * Errors in the definition are SerumsError BAD_MAPPING with `where.path` the offending field of
 * the value ("format", "unit.from", "constant"...), for the loader to locate in the file. Errors
 * in a row are SerumsError BAD_ROW with `where.column` and `where.value`.
 */
import { SerumsError, showValue } from "../errors/index.ts";
import type { SourceValue } from "../sources/index.ts";
import {
  DAY,
  dateParser,
  HAS_TIME,
  HOUR,
  isoInstant,
  MINUTE,
  MONTH,
  MS,
  OFFSET,
  rangeProblem,
  SECOND,
  YEAR,
} from "./date-formats.ts";
import type { TypedValue, ValueSpec, ValueType } from "./mapping-types.ts";
import { formatOffset, isTimeZone, utcMs, type ZoneResolver, zoneResolver } from "./time-zones.ts";
import { unitConverter } from "./units.ts";

export const VALUE_TYPES: readonly ValueType[] = [
  "string",
  "integer",
  "decimal",
  "boolean",
  "date",
  "datetime",
  "code",
];

/** A named or inline code list: source code → label. */
export interface CodeList {
  /** The name under `codes:`, for messages; absent for an inline list. */
  name?: string;
  codes: ReadonlyMap<string, string>;
}

/** A value definition as written in a mapping, its structure already checked. */
export interface ValueDefinition {
  column?: string;
  constant?: string | number | boolean;
  /** Default "string". */
  type?: ValueType;
  /** Default false. */
  required?: boolean;
  /** For date and datetime: tokens YYYY MM DD HH mm ss SSS with literals between; default ISO-8601. */
  format?: string;
  /** For date and datetime: the IANA zone of local times; default the context's. */
  timeZone?: string;
  /** For code: the list, resolved. */
  codes?: CodeList;
  /** For integer and decimal. */
  unit?: { from: string; to: string };
  /** Default true. */
  trim?: boolean;
  /** For string and code. */
  case?: "upper" | "lower";
  /** For string. */
  pad?: { length: number; with: string };
}

export interface ValueContext {
  /** The zone of local times when the value names none: the mapping's `source.time_zone`. */
  timeZone: string;
}

type Fail = (raw: SourceValue, reason: string) => never;
type Core = (raw: SourceValue) => TypedValue;

function mappingError(path: string, message: string, value?: unknown): never {
  throw new SerumsError("BAD_MAPPING", message, { path, value });
}

function rowFailure(column: string): Fail {
  return (raw, reason) => {
    throw new SerumsError("BAD_ROW", `column ${column}: ${showValue(raw)} ${reason}`, { column, value: raw });
  };
}

const constantFailure: Fail = (raw, reason) => mappingError("constant", `${showValue(raw)} ${reason}`, raw);

function typeList(types: readonly string[]): string {
  return types.length === 1 ? types[0]! : `${types.slice(0, -1).join(", ")} and ${types.at(-1)}`;
}

// ---------------------------------------------------------------------------------------------
// Text: string and code

/** The text of a raw value, trimmed when asked; null for null and empty. */
function textOf(raw: SourceValue, trim: boolean): string | null {
  if (raw === null) return null;
  const text = typeof raw === "string" ? (trim ? raw.trim() : raw) : String(raw);
  return text === "" ? null : text;
}

function stringCore(def: ValueDefinition): Core {
  const trim = def.trim ?? true;
  const upper = def.case === "upper";
  const lower = def.case === "lower";
  const pad = def.pad;
  return (raw) => {
    let text = textOf(raw, trim);
    if (text === null) return null;
    if (upper) text = text.toUpperCase();
    else if (lower) text = text.toLowerCase();
    if (pad !== undefined && text.length < pad.length) text = text.padStart(pad.length, pad.with);
    return text;
  };
}

function listCodes(codes: Iterable<string>): string {
  const all = [...codes];
  const shown = all.slice(0, 20).map((code) => JSON.stringify(code));
  return all.length > 20 ? `${shown.join(", ")}, … (${all.length} in all)` : shown.join(", ");
}

function codeCore(def: ValueDefinition, list: CodeList, fail: Fail): Core {
  const trim = def.trim ?? true;
  const upper = def.case === "upper";
  const lower = def.case === "lower";
  const normalise = (code: string) => (upper ? code.toUpperCase() : lower ? code.toLowerCase() : code);
  const codes = new Map<string, string>();
  for (const [code, label] of list.codes) {
    const key = normalise(code);
    const other = codes.get(key);
    if (other !== undefined && other !== label) {
      mappingError(
        "codes",
        `codes ${JSON.stringify(code)} and another are both ${JSON.stringify(key)} under case: ${def.case}, with different labels (${JSON.stringify(other)}, ${JSON.stringify(label)})`,
        code,
      );
    }
    codes.set(key, label);
  }
  const listName = list.name === undefined ? "the code list" : `code list ${list.name}`;
  const reason = `is not in ${listName}; valid: ${listCodes(codes.keys())}`;
  return (raw) => {
    if (typeof raw === "boolean") return fail(raw, reason);
    const text = textOf(raw, trim);
    if (text === null) return null;
    const label = codes.get(upper || lower ? normalise(text) : text);
    return label === undefined ? fail(raw, reason) : label;
  };
}

// ---------------------------------------------------------------------------------------------
// Numbers and booleans

const INTEGER = /^[+-]?\d+(?:\.0*)?$/;
const FRACTIONAL = /^[+-]?\d*\.\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d*,\d+$/;

function roundHalfAway(value: number): number {
  const rounded = Math.sign(value) * Math.round(Math.abs(value));
  return rounded === 0 ? 0 : rounded;
}

function integerCore(def: ValueDefinition, fail: Fail): Core {
  const trim = def.trim ?? true;
  const convert = def.unit === undefined ? undefined : unitConverter(def.unit.from, def.unit.to);
  const notInteger = "is not an integer (e.g. 12 or 12.0)";
  return (raw) => {
    let n: number;
    if (typeof raw === "number") {
      n = raw;
    } else if (typeof raw === "string") {
      const text = trim ? raw.trim() : raw;
      if (text === "") return null;
      if (!INTEGER.test(text)) {
        return fail(raw, FRACTIONAL.test(text) ? "is not an integer: it has a fractional part" : notInteger);
      }
      n = Number(text);
    } else if (raw === null) {
      return null;
    } else {
      return fail(raw, notInteger);
    }
    if (!Number.isInteger(n)) {
      return fail(raw, Number.isFinite(n) ? "is not an integer: it has a fractional part" : notInteger);
    }
    if (!Number.isSafeInteger(n)) return fail(raw, "is too large for an integer (beyond ±9007199254740991)");
    if (n === 0) n = 0; // no -0
    return convert === undefined ? n : roundHalfAway(convert(n));
  };
}

function decimalCore(def: ValueDefinition, fail: Fail): Core {
  const trim = def.trim ?? true;
  const convert = def.unit === undefined ? undefined : unitConverter(def.unit.from, def.unit.to);
  const notDecimal = "is not a decimal number (e.g. 1.5)";
  return (raw) => {
    let n: number;
    if (typeof raw === "number") {
      n = raw;
    } else if (typeof raw === "string") {
      const text = trim ? raw.trim() : raw;
      if (text === "") return null;
      if (!DECIMAL.test(text)) {
        return fail(
          raw,
          DECIMAL_COMMA.test(text)
            ? "is not a decimal number (e.g. 1.5): the decimal separator is a dot, not a comma"
            : notDecimal,
        );
      }
      n = Number(text);
    } else if (raw === null) {
      return null;
    } else {
      return fail(raw, notDecimal);
    }
    if (!Number.isFinite(n)) return fail(raw, "is not a finite decimal number");
    if (convert !== undefined) n = convert(n);
    return n === 0 ? 0 : n;
  };
}

const BOOLEAN_WORDS = new Map<string, boolean>([
  ["true", true],
  ["false", false],
  ["1", true],
  ["0", false],
  ["y", true],
  ["n", false],
  ["yes", true],
  ["no", false],
  ["t", true],
  ["f", false],
]);

function booleanCore(def: ValueDefinition, fail: Fail): Core {
  const trim = def.trim ?? true;
  const reason = "is not a boolean; valid: true/false, 1/0, y/n, yes/no, t/f (any case)";
  return (raw) => {
    if (typeof raw === "boolean") return raw;
    if (raw === null) return null;
    if (typeof raw === "number") return raw === 1 ? true : raw === 0 ? false : fail(raw, reason);
    const text = trim ? raw.trim() : raw;
    if (text === "") return null;
    const value = BOOLEAN_WORDS.get(text.toLowerCase());
    return value === undefined ? fail(raw, reason) : value;
  };
}

// ---------------------------------------------------------------------------------------------
// Dates and datetimes
function dateCore(def: ValueDefinition, type: "date" | "datetime", resolver: ZoneResolver, fail: Fail): Core {
  const trim = def.trim ?? true;
  const parser = dateParser(def.format, type);
  const fields: number[] = [0, 1, 1, 0, 0, 0, 0, Number.NaN, 0];
  const isDate = type === "date";
  return (raw) => {
    let text: string;
    if (typeof raw === "string") {
      text = trim ? raw.trim() : raw;
      if (text === "") return null;
    } else if (typeof raw === "number") {
      text = String(raw);
    } else if (raw === null) {
      return null;
    } else {
      return fail(raw, `is not ${parser.description}`);
    }
    const problem = parser.parse(text, fields) ?? rangeProblem(fields);
    if (problem !== undefined) return fail(raw, `is not ${parser.description} (${problem})`);
    const year = fields[YEAR]!;
    const month = fields[MONTH]!;
    const day = fields[DAY]!;
    let t: number;
    if (isDate || fields[HAS_TIME] === 0) {
      t = resolver.startOfDay(year, month, day);
    } else {
      const hour = fields[HOUR]!;
      const minute = fields[MINUTE]!;
      const second = fields[SECOND]!;
      const ms = fields[MS]!;
      const offset = fields[OFFSET]!;
      if (Number.isNaN(offset)) {
        t = resolver.toUtc(year, month, day, hour, minute, second, ms);
        if (Number.isNaN(t)) {
          const naive = utcMs(year, month, day, hour, minute, second, ms);
          const before = formatOffset(resolver.offsetAt(naive - 86_400_000));
          const after = formatOffset(resolver.offsetAt(naive + 86_400_000));
          return fail(
            raw,
            `is a local time that does not exist in ${resolver.zone}: the clocks went forward from ${before} to ${after}`,
          );
        }
      } else {
        t = utcMs(year, month, day, hour, minute, second, ms) - offset * 60_000;
      }
    }
    return isoInstant(t);
  };
}

// ---------------------------------------------------------------------------------------------
// The definition

/** A code list as the mapping wrote it: its name, or the inline map. */
function asWritten(list: CodeList): string | Record<string, string> {
  return list.name ?? Object.fromEntries(list.codes);
}

function checkApplies(def: ValueDefinition, type: ValueType): void {
  const rules: [field: keyof ValueDefinition, yaml: string, types: readonly ValueType[]][] = [
    ["format", "format", ["date", "datetime"]],
    ["timeZone", "time_zone", ["date", "datetime"]],
    ["codes", "codes", ["code"]],
    ["unit", "unit", ["integer", "decimal"]],
    ["case", "case", ["string", "code"]],
    ["pad", "pad", ["string"]],
  ];
  for (const [field, yaml, types] of rules) {
    if (def[field] !== undefined && !types.includes(type)) {
      const hint = types.length === 1 ? ` (add type: ${types[0]})` : "";
      const value = field === "codes" && def.codes !== undefined ? asWritten(def.codes) : def[field];
      mappingError(
        yaml,
        `${yaml} applies to ${typeList(types)} values only; this value is ${type}${hint}`,
        value,
      );
    }
  }
}

function checkDefinition(def: ValueDefinition, type: ValueType): void {
  if (def.case !== undefined && def.case !== "upper" && def.case !== "lower") {
    mappingError("case", `${showValue(def.case)} is not a case; valid: upper, lower`, def.case);
  }
  if (def.timeZone !== undefined && !isTimeZone(def.timeZone)) {
    mappingError(
      "time_zone",
      `${showValue(def.timeZone)} is not an IANA time zone (e.g. Europe/London, Europe/Madrid, UTC)`,
      def.timeZone,
    );
  }
  if (def.pad !== undefined) {
    const { length, with: fill } = def.pad;
    if (!Number.isInteger(length) || length < 1 || length > 1000) {
      mappingError(
        "pad.length",
        `${showValue(length)} is not a pad length; valid: an integer from 1 to 1000`,
        length,
      );
    }
    if (typeof fill !== "string" || [...fill].length !== 1 || fill.length !== 1) {
      mappingError(
        "pad.with",
        `${showValue(fill)} is not a pad character; valid: one character, such as "0"`,
        fill,
      );
    }
  }
  if (type === "code") {
    if (def.codes === undefined) {
      mappingError(
        "codes",
        "a code value needs codes: the name of a list under codes:, or an inline map of code: label",
      );
    }
    if (def.codes.codes.size === 0)
      mappingError("codes", "the code list is empty; give at least one code: label");
  }
  if (def.unit !== undefined) {
    try {
      unitConverter(def.unit.from, def.unit.to);
    } catch (error) {
      if (error instanceof SerumsError) {
        mappingError(
          error.where.path === undefined ? "unit" : `unit.${error.where.path}`,
          error.message,
          error.where.value,
        );
      }
      throw error;
    }
  }
}

/**
 * Compiles a value definition. Throws SerumsError BAD_MAPPING, `where.path` naming the field of
 * the value at fault, when the definition is inconsistent.
 */
export function buildValueSpec(def: ValueDefinition, context: ValueContext): ValueSpec {
  const type = def.type ?? "string";
  if (!VALUE_TYPES.includes(type)) {
    mappingError("type", `${showValue(type)} is not a value type; valid: ${VALUE_TYPES.join(", ")}`, type);
  }
  const hasColumn = def.column !== undefined;
  const hasConstant = def.constant !== undefined;
  if (hasColumn && hasConstant)
    mappingError("constant", "a value has a column or a constant, not both", def.constant);
  if (!hasColumn && !hasConstant) mappingError("column", "a value needs a column (or a constant)");
  if (hasColumn && (typeof def.column !== "string" || def.column === "")) {
    mappingError("column", `${showValue(def.column)} is not a column name`, def.column);
  }
  checkApplies(def, type);
  checkDefinition(def, type);
  const required = def.required ?? false;
  const fail = hasColumn ? rowFailure(def.column!) : constantFailure;
  let core: Core;
  switch (type) {
    case "string":
      core = stringCore(def);
      break;
    case "code":
      core = codeCore(def, def.codes!, fail);
      break;
    case "integer":
      core = integerCore(def, fail);
      break;
    case "decimal":
      core = decimalCore(def, fail);
      break;
    case "boolean":
      core = booleanCore(def, fail);
      break;
    case "date":
    case "datetime":
      core = dateCore(def, type, zoneResolver(def.timeZone ?? context.timeZone), fail);
      break;
  }
  if (!hasColumn) {
    const value = core(def.constant!);
    if (value === null && required)
      mappingError("constant", "a required value cannot be an empty constant", def.constant);
    return { type, required, convert: () => value };
  }
  const column = def.column!;
  if (!required) return { column, type, required, convert: core };
  return {
    column,
    type,
    required,
    convert: (raw) => {
      const value = core(raw);
      if (value === null) {
        throw new SerumsError("BAD_ROW", `column ${column}: a value is required, got ${showValue(raw)}`, {
          column,
          value: raw,
        });
      }
      return value;
    },
  };
}
