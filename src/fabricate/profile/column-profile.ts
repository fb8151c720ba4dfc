/**
 * The published profile of one column: counts over every row, and only what k or more rows
 * share. Values, shapes and lengths seen fewer than k times are merged into `otherRows`;
 * identifier-like columns show no value at all (no common values, no numeric summary).
 */
import type { ColumnClass } from "./column-class.ts";
import { numericStats } from "./numeric-stats.ts";
import type { ColumnProfile } from "./profile-types.ts";
import { sortedPresent } from "./statistics.ts";
import type { TypedColumn } from "./typed-table.ts";
import type { ValueCounter } from "./value-counter.ts";

/** Most common values listed per column. */
export const MAX_TOP_VALUES = 200;
/** Most shapes listed per column. */
export const MAX_TOP_PATTERNS = 50;

export function buildColumnProfile(
  column: ColumnClass,
  counter: ValueCounter,
  typed: TypedColumn,
  k: number,
): ColumnProfile {
  const base = column.base;
  const nonEmpty = base.nonEmpty;

  const shapes = counter.shapes.frequent(k).slice(0, MAX_TOP_PATTERNS);
  const shapeRows = shapes.reduce((sum, [, n]) => sum + n, 0);
  const lengths = counter.lengths.frequent(k).sort((a, b) => Number(a[0]) - Number(b[0]));
  const lengthRows = lengths.reduce((sum, [, n]) => sum + n, 0);

  const profile: ColumnProfile = {
    name: column.name,
    type: column.type,
    inferred: column.inferred,
    ...(column.format === undefined ? {} : { format: column.format }),
    count: base.count,
    nulls: base.nulls,
    empties: base.empties,
    distinct: base.distinct,
    distinctExact: base.distinctExact,
    identifier: column.identifier,
    identifierReasons: column.identifierReasons,
    knownPatterns: base.patterns.map((p) => ({
      pattern: p.pattern,
      ...(p.format === undefined ? {} : { format: p.format }),
      rate: p.rate,
    })),
    patterns: {
      top: shapes.map(([pattern, n]) => ({ pattern, count: n })),
      otherRows: Math.max(0, nonEmpty - counter.longTexts - shapeRows),
      long: counter.longTexts,
    },
    lengths: {
      top: lengths.map(([length, n]) => ({ length: Number(length), count: n })),
      otherRows: Math.max(0, nonEmpty - lengthRows),
    },
  };
  if (column.identifier) return profile;

  if ((column.kind === "numeric" || column.kind === "temporal") && typed.numbers && column.unit) {
    const stats = numericStats(sortedPresent(typed.numbers), column.unit, k, column.type !== "decimal");
    if (stats) profile.numeric = stats;
  }
  const top = counter.values.frequent(k).slice(0, MAX_TOP_VALUES);
  const topRows = top.reduce((sum, [, n]) => sum + n, 0);
  profile.values = {
    top: top.map(([value, n]) => ({ value, count: n })),
    otherRows: Math.max(0, nonEmpty - topRows),
    exact: counter.values.exact,
  };
  return profile;
}

/** The values a column's categories are made of for contingency statistics: those listed as common. */
export function commonLevels(profile: ColumnProfile, column: ColumnClass): string[] {
  const top = profile.values?.top ?? [];
  if (column.kind !== "boolean") return top.map((entry) => entry.value);
  // Booleans are compared as "true"/"false" whatever the source's spelling.
  const levels = new Set<string>();
  for (const entry of top) {
    const word = entry.value.toLowerCase();
    if (["true", "t", "yes", "y", "1"].includes(word)) levels.add("true");
    else if (["false", "f", "no", "n", "0"].includes(word)) levels.add("false");
  }
  return [...levels];
}
