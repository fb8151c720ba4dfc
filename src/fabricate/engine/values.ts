/**
 * Project values (as written in YAML or a knowledge file) to the engine's forms (table-spec.ts),
 * and the widest domain of each column type.
 */
import type { ColumnSpec } from "../table-spec.ts";
import { parseDate, parseDateTime } from "../table-spec.ts";

const DAY_MIN = -719162; // 0001-01-01
const DAY_MAX = 2932896; // 9999-12-31

/** The smallest step between two values of the column (decimals: 10^-scale). */
export function columnStep(column: ColumnSpec): number {
  return column.type === "decimal" ? 10 ** -(column.scale ?? 2) : 1;
}

/** The widest interval the column's type allows. */
export function typeDomain(column: ColumnSpec): [number, number] {
  switch (column.type) {
    case "integer":
      return [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    case "decimal": {
      const scale = column.scale ?? 2;
      const max = 10 ** ((column.precision ?? 12) - scale) - 10 ** -scale;
      return [-max, max];
    }
    case "date":
      return [DAY_MIN, DAY_MAX];
    case "datetime":
      return [DAY_MIN * 86400, DAY_MAX * 86400 + 86399];
    case "boolean":
      return [0, 1];
    default:
      return [0, 0];
  }
}

/** When a side of a domain is still the type's own limit, sampling uses this window instead. */
export function defaultWindow(column: ColumnSpec): [number, number] {
  switch (column.type) {
    case "date":
      return [parseDate("2000-01-01")!, parseDate("2025-12-31")!];
    case "datetime":
      return [parseDate("2000-01-01")! * 86400, parseDate("2025-12-31")! * 86400];
    case "decimal":
      return [0, Math.min(1000, typeDomain(column)[1])];
    default:
      return [0, 1000];
  }
}

/**
 * A number, date or date-time as the engine holds it, or undefined when `value` is not one:
 * dates from "YYYY-MM-DD" (or a number of days), date-times from ISO-8601 (or seconds).
 */
export function toEngineNumber(value: unknown, column: ColumnSpec): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (column.type === "date") return parseDate(value.trim());
  if (column.type === "datetime") return parseDateTime(value.trim());
  const text = value.trim();
  if (text === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** What a valid value of the column looks like, for messages. */
export function describeType(column: ColumnSpec): string {
  switch (column.type) {
    case "date":
      return "a date YYYY-MM-DD";
    case "datetime":
      return "a date-time such as 2015-03-01T08:30:00Z";
    case "integer":
      return "a whole number";
    case "decimal":
      return "a number";
    case "boolean":
      return "true or false";
    case "categorical":
      return `one of ${(column.categories ?? []).join(", ")}`;
    default:
      return "a text";
  }
}

/** A knowledge-file or database text (or value) as the column's value; undefined when invalid. */
export function toEngineValue(
  value: unknown,
  column: ColumnSpec,
): string | number | boolean | null | undefined {
  if (value === null || value === undefined || value === "") return null;
  switch (column.type) {
    case "string":
      return typeof value === "string" ? value : String(value);
    case "categorical": {
      const text = String(value);
      return (column.categories ?? []).includes(text) ? text : undefined;
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      const text = String(value).trim().toLowerCase();
      if (["true", "t", "1", "yes", "y"].includes(text)) return true;
      if (["false", "f", "0", "no", "n"].includes(text)) return false;
      return undefined;
    }
    case "integer": {
      const n = toEngineNumber(value, column);
      return n !== undefined && Number.isInteger(n) ? n : undefined;
    }
    case "date":
    case "datetime":
      if (value instanceof Date) {
        const ms = value.getTime();
        return column.type === "date" ? Math.floor(ms / 86_400_000) : Math.floor(ms / 1000);
      }
      return toEngineNumber(value, column);
    default:
      return toEngineNumber(value, column);
  }
}
