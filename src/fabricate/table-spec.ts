/**
 * The shape of fabricated data, shared by the engine (which makes rows), the writers (which put
 * them somewhere) and the profiler and quality report (which read them back).
 *
 * Rows are arrays in the table's column order, and values stay in the engine's own form until a
 * writer formats them, so that no row is turned into strings twice:
 *   integer      a safe integer (number)
 *   decimal      a number; the writer prints it with `scale` digits after the point
 *   string       a string
 *   categorical  a string (one of the column's categories)
 *   boolean      true or false
 *   date         whole days since 1970-01-01 (number); 0 is 1970-01-01
 *   datetime     whole seconds since 1970-01-01T00:00:00Z (number), UTC
 *   null         where the column is nullable
 */

export const COLUMN_TYPES = [
  "integer",
  "decimal",
  "string",
  "date",
  "datetime",
  "boolean",
  "categorical",
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export type CellValue = string | number | boolean | null;
export type RowValues = readonly CellValue[];

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
  /** decimal: total digits and digits after the point. */
  precision?: number;
  scale?: number;
  /** categorical: the allowed values, in a stable order. */
  categories?: readonly string[];
}

export interface ForeignKeySpec {
  /** Columns of this table… */
  columns: readonly string[];
  /** …that reference these columns (a primary key or unique set) of that table. */
  table: string;
  references: readonly string[];
}

export interface TableSpec {
  name: string;
  columns: readonly ColumnSpec[];
  primaryKey: readonly string[];
  /** Each entry is one unique set of columns (beyond the primary key). */
  unique: readonly (readonly string[])[];
  foreignKeys: readonly ForeignKeySpec[];
}

const MS_PER_DAY = 86_400_000;

/** The civil year, month (1–12) and day of a day count since 1970-01-01 (Howard Hinnant's algorithm, no Date). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: doy - Math.floor((153 * mp + 2) / 5) + 1,
  };
}

/** "2015-03-01" from days since the epoch. */
export function formatDate(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** "2015-03-01T08:30:00Z" from seconds since the epoch. */
export function formatDateTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** Days since the epoch from "YYYY-MM-DD", or undefined when the text is not such a date. */
export function parseDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || formatDate(ms / MS_PER_DAY) !== text) return undefined;
  return ms / MS_PER_DAY;
}

/** Seconds since the epoch from an ISO-8601 date-time (UTC unless it names an offset). */
export function parseDateTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text))
    return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const ms = Date.parse(hasZone ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
