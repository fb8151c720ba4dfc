/**
 * The normalised key of a row on the columns compared for exact copies, shared by the quality
 * report (which counts synthetic rows equal to rare real rows) and the copy filter (which keeps
 * the engine from making them), so that both judge a copy the same way:
 *
 * - Compared columns: every column of the real table but identifier-like and empty ones (a
 *   fabricator draws identifiers afresh), matched to the other side's by name (exact, else
 *   without regard to case); a real column the other side lacks is not compared.
 * - Values: numbers, dates and date-times as numbers on the real column's scale (each side read
 *   with its own parser when it was inferred as the same kind and unit as the real column, else
 *   with the real column's), as their shortest decimal text; booleans as "true"/"false"; other
 *   values as their trimmed text; missing or unreadable values as "". The key is the JSON array
 *   of those texts.
 */
import type { SourceValue } from "../../sources/index.ts";
import { type ColumnClass, comparableText, numericParser } from "../profile/index.ts";
import type { ColumnSpec } from "../table-spec.ts";

/** What the key needs to know of a column: how its values were inferred and measured. */
export type KeyColumn = Pick<ColumnClass, "name" | "inferred" | "format" | "kind" | "unit">;

/** Whether a real column takes part in the copy comparison. */
export function isCompared(column: ColumnClass): boolean {
  return !column.identifier && column.kind !== "empty";
}

/** The column of `columns` named `name`: the exact name first, else without regard to case. */
export function columnNamed<T extends { name: string }>(columns: readonly T[], name: string): T | undefined {
  return (
    columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase())
  );
}

/** The compared columns of a real table, each with the other side's column of that name. */
export function copyColumns<T extends { name: string }>(
  real: readonly ColumnClass[],
  other: readonly T[],
): { real: ColumnClass; synthetic: T }[] {
  return real.filter(isCompared).flatMap((c) => {
    const match = columnNamed(other, c.name);
    return match ? [{ real: c, synthetic: match }] : [];
  });
}

/** The normalised text of one value of `own`, read on the scale of the real column `as`. */
export function valueKey(own: KeyColumn, as: ColumnClass): (raw: SourceValue) => string {
  const numeric = as.kind === "numeric" || as.kind === "temporal";
  const sameKind = own.kind === as.kind && own.unit === as.unit;
  const parse = numeric
    ? ((sameKind ? numericParser(own.inferred, own.format) : undefined) ??
      numericParser(as.inferred, as.format))
    : undefined;
  if (parse) {
    return (raw) => {
      const n = parse(raw);
      return Number.isNaN(n) ? "" : String(n);
    };
  }
  return (raw) => comparableText(raw, as) ?? "";
}

/** A function giving the normalised key of a row (column name → value) on the compared columns. */
export function rowKey(
  columns: readonly { own: KeyColumn; as: ColumnClass }[],
): (values: Record<string, SourceValue>) => string {
  const parts = columns.map(({ own, as }) => {
    const part = valueKey(own, as);
    return (values: Record<string, SourceValue>) => part(values[own.name] ?? null);
  });
  return (values) => JSON.stringify(parts.map((part) => part(values)));
}

/**
 * How the report would see a column a writer wrote from this spec: numbers as numbers, dates and
 * date-times in ISO 8601 (as every writer prints them), booleans as booleans, texts as texts.
 */
export function specKeyColumn(column: ColumnSpec): KeyColumn {
  switch (column.type) {
    case "integer":
    case "decimal":
      return { name: column.name, inferred: column.type, format: undefined, kind: "numeric", unit: "number" };
    case "date":
      return { name: column.name, inferred: "date", format: "ISO-8601", kind: "temporal", unit: "days" };
    case "datetime":
      return {
        name: column.name,
        inferred: "datetime",
        format: "ISO-8601",
        kind: "temporal",
        unit: "seconds",
      };
    case "boolean":
      return { name: column.name, inferred: "boolean", format: undefined, kind: "boolean", unit: undefined };
    case "categorical":
      return {
        name: column.name,
        inferred: "string",
        format: undefined,
        kind: "categorical",
        unit: undefined,
      };
    case "string":
      return { name: column.name, inferred: "string", format: undefined, kind: "text", unit: undefined };
  }
}
