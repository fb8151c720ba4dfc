/**
 * The profile `serums profile` writes: metadata about a source's tables, never a rare value.
 * Versioned (`version`), with a zod schema that is also its JSON Schema (`profileJsonSchema`).
 *
 * Numbers of date and date-time columns are in the engine's form (src/fabricate/table-spec.ts):
 * days since 1970-01-01 and seconds since 1970-01-01T00:00:00Z (`unit` says which), with the
 * bounds also spelt as ISO text for the reader.
 */
import { z } from "zod";
import { COLUMN_TYPES } from "../table-spec.ts";

export const PROFILE_VERSION = 1;

const count = z.number().int().nonnegative();

export const QUANTILE_NAMES = ["p1", "p5", "p25", "p50", "p75", "p95", "p99"] as const;
export type QuantileName = (typeof QUANTILE_NAMES)[number];
export const QUANTILE_LEVELS: Record<QuantileName, number> = {
  p1: 0.01,
  p5: 0.05,
  p25: 0.25,
  p50: 0.5,
  p75: 0.75,
  p95: 0.95,
  p99: 0.99,
};

export const numericStatsSchema = z.object({
  /** number: as stored; days: days since 1970-01-01; seconds: seconds since the epoch. */
  unit: z.enum(["number", "days", "seconds"]),
  /** The grid bounds and quantiles are rounded to. */
  step: z.number().positive(),
  /** Bottom- and top-coded range: the k-th smallest and largest values rounded outward to `step`. */
  lower: z.number(),
  upper: z.number(),
  lowerText: z.string().optional(),
  upperText: z.string().optional(),
  /** Sampled values below `lower` / above `upper` (fewer than k each). */
  belowLower: count,
  aboveUpper: count,
  /** Of the values clipped to [lower, upper] (winsorised), so that no outlier moves them. */
  mean: z.number(),
  sd: z.number().nonnegative(),
  /** Only the quantiles with at least k sampled values on either side, rounded to `step`. */
  quantiles: z.partialRecord(z.enum(QUANTILE_NAMES), z.number()),
  /** Bins from lower to upper on a fixed grid, merged so that each holds at least k sampled values (edges.length = counts.length + 1). */
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(count) }),
  /** Values the statistics were computed on (the sample's present values). */
  sampled: count,
});
export type NumericStats = z.infer<typeof numericStatsSchema>;

export const columnProfileSchema = z.object({
  name: z.string(),
  /** The type a data project would give the column. */
  type: z.enum(COLUMN_TYPES),
  /** What the values look like in the source (src/sources' column profiler), "empty" when all are missing. */
  inferred: z.enum(["integer", "decimal", "boolean", "date", "datetime", "string", "empty"]),
  format: z.string().optional(),
  count,
  nulls: count,
  empties: count,
  distinct: count,
  distinctExact: z.boolean(),
  /** Identifier-like columns show no value at all: no common values, bounds or quantiles. */
  identifier: z.boolean(),
  identifierReasons: z.array(z.string()),
  /** Well-known patterns (dates, postcodes, CHI numbers, ICD-10…) with their match rates. */
  knownPatterns: z.array(
    z.object({ pattern: z.string(), format: z.string().optional(), rate: z.number().min(0).max(1) }),
  ),
  numeric: numericStatsSchema.optional(),
  /** Values seen at least k times, most common first; the rest are counted, never shown. */
  values: z
    .object({
      top: z.array(z.object({ value: z.string(), count })),
      /** Non-empty rows whose value is not listed (rare, or beyond the list's length). */
      otherRows: count,
      /** false when memory bounds made counts lower bounds (a listed count is never too high). */
      exact: z.boolean(),
    })
    .optional(),
  /** Character-class shapes (A upper, a lower, 9 digit) seen at least k times. */
  patterns: z.object({
    top: z.array(z.object({ pattern: z.string(), count })),
    otherRows: count,
    /** Values longer than 24 characters (no shape). */
    long: count,
  }),
  /** Text lengths seen at least k times. */
  lengths: z.object({ top: z.array(z.object({ length: count, count })), otherRows: count }),
});
export type ColumnProfile = z.infer<typeof columnProfileSchema>;

export const pairProfileSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** Sampled rows where both are present. */
  n: count,
  pearson: z.number().min(-1).max(1).optional(),
  spearman: z.number().min(-1).max(1).optional(),
  /** Categorical pairs, and a categorical column against a binned numeric one. */
  cramersV: z.number().min(0).max(1).optional(),
  /** For strong categorical associations: the joint counts seen at least k times (sampled). */
  contingency: z
    .object({
      cells: z.array(z.object({ a: z.string(), b: z.string(), count })),
      otherRows: count,
    })
    .optional(),
});
export type PairProfile = z.infer<typeof pairProfileSchema>;

export const relationSchema = z.discriminatedUnion("kind", [
  /** left <= right (left < right when strict) in every row where both are present. */
  z.object({
    kind: z.literal("order"),
    left: z.string(),
    right: z.string(),
    strict: z.boolean(),
    support: count,
  }),
  /** left = right in every row where both are present. */
  z.object({ kind: z.literal("equal"), left: z.string(), right: z.string(), support: count }),
  /** target = minuend − subtrahend in every row where all three are present (dates: in `unit`). */
  z.object({
    kind: z.literal("difference"),
    target: z.string(),
    minuend: z.string(),
    subtrahend: z.string(),
    unit: z.enum(["number", "days", "seconds"]),
    support: count,
  }),
  /** Each value of `from` goes with one value of `to` (nulls included) in every row. */
  z.object({
    kind: z.literal("determines"),
    from: z.string(),
    to: z.string(),
    groups: count,
    support: count,
  }),
]);
export type Relation = z.infer<typeof relationSchema>;

export const tableProfileSchema = z.object({
  name: z.string(),
  rows: count,
  /** Rows the sample-based statistics (quantiles, pairs, relations) were computed on. */
  sampledRows: count,
  primaryKey: z.array(z.string()),
  columns: z.array(columnProfileSchema),
  pairs: z.array(pairProfileSchema),
  relations: z.array(relationSchema),
});
export type TableProfile = z.infer<typeof tableProfileSchema>;

export const childrenBinSchema = z.object({
  from: count,
  /** Absent on the last bin: "from and more" (its mean tells how many more). */
  to: count.optional(),
  parents: count,
  mean: z.number().nonnegative(),
});

export const foreignKeyProfileSchema = z.object({
  table: z.string(),
  columns: z.array(z.string()).min(1),
  references: z.object({ table: z.string(), columns: z.array(z.string()).min(1) }),
  parents: count,
  children: count,
  /** Children whose key matches no parent. */
  orphans: count,
  childrenPerParent: z.object({
    mean: z.number().nonnegative(),
    sd: z.number().nonnegative(),
    /** Consecutive counts merged so that every bin holds at least k parents. */
    bins: z.array(childrenBinSchema),
  }),
});
export type ForeignKeyProfile = z.infer<typeof foreignKeyProfileSchema>;

export const profileSchema = z.object({
  version: z.literal(PROFILE_VERSION),
  kind: z.literal("serums-profile"),
  /** The source, as safe to print (no password). */
  source: z.string(),
  settings: z.object({
    k: z.number().int().min(1),
    sampleSize: z.number().int().min(1),
    seed: z.number().int(),
  }),
  tables: z.array(tableProfileSchema),
  foreignKeys: z.array(foreignKeyProfileSchema),
});
export type Profile = z.infer<typeof profileSchema>;

/** The profile's JSON Schema (draft 2020-12). */
export function profileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(profileSchema) as Record<string, unknown>;
}
