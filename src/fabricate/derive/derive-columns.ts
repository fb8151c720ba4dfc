/**
 * One column of a profile as a data project column and its single-column rules, each with a
 * comment saying where it came from:
 *
 * - categories (categorical, boolean, and numbers with few values): weights from the profile's
 *   common values. The rare values (seen fewer than k times) were never in the profile: the
 *   project OMITS them, spreading their share over the common values in proportion (the comment
 *   gives the share omitted). A categorical column with no common value at all becomes a string
 *   drawn from its common shapes (generic values).
 * - numbers and dates: a mandatory range, the profile's bottom- and top-coded bounds; and a
 *   distribution: truncated normal or log-normal when the profile's quantiles are within 2% of
 *   the range of that fit, else the profile's histogram (empirical, uniform within each bin).
 * - strings: a pattern, a named format (CHI, NHS number, postcode) when most values match one,
 *   else a regular expression of the common shapes.
 * - nulls: the profile's share of null and empty values.
 * - identifier-like columns: never any value; a pattern or a range of the right length, and
 *   unique when the real values were.
 */

import type { ColumnProfile, NumericStats } from "../profile/index.ts";
import { QUANTILE_NAMES } from "../profile/index.ts";
import type { ColumnDef, DistributionDef, RuleDef } from "../project/index.ts";
import { formatDate, formatDateTime } from "../table-spec.ts";

export interface DerivedRule {
  rule: RuleDef;
  /** Where the rule came from, for the YAML comment. */
  comment: string;
}

export interface DerivedColumn {
  name: string;
  def: ColumnDef;
  rules: DerivedRule[];
  unique: boolean;
  comment: string;
  /** Drawn from its common values (categorical, boolean, or a whole number with few values). */
  discrete: boolean;
}

/** Share of the non-empty rows the common values must cover for a number column to be drawn from them. */
const DISCRETE_COVER = 0.95;
const MAX_DISCRETE_VALUES = 30;
/** A parametric fit is used when every reported quantile is within this share of the range. */
const FIT_TOLERANCE = 0.02;
const Z: Record<string, number> = {
  p1: -2.3263,
  p5: -1.6449,
  p25: -0.6745,
  p50: 0,
  p75: 0.6745,
  p95: 1.6449,
  p99: 2.3263,
};

const round = (x: number, digits = 4) => Number(x.toFixed(digits));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A project value of the column's unit: dates and date-times as ISO text, numbers as they are. */
function unitValue(x: number, stats: NumericStats): number | string {
  if (stats.unit === "days") return formatDate(Math.round(x));
  if (stats.unit === "seconds") return formatDateTime(Math.round(x));
  return round(x, 6);
}

/** A regular expression for a character-class shape ("AA9 9AA" → "[A-Z]{2}[0-9] [0-9][A-Z]{2}"). */
export function shapeRegex(shape: string): string {
  let out = "";
  let i = 0;
  while (i < shape.length) {
    const char = shape[i]!;
    let j = i;
    while (j < shape.length && shape[j] === char) j++;
    const run = j - i;
    const atom =
      char === "A"
        ? "[A-Z]"
        : char === "a"
          ? "[a-z]"
          : char === "9"
            ? "[0-9]"
            : char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    out += run === 1 ? atom : atom.length === 1 ? atom.repeat(run) : `${atom}{${run}}`;
    i = j;
  }
  return out;
}

function patternRule(column: ColumnProfile): DerivedRule | undefined {
  const known = column.knownPatterns.find(
    (p) => p.rate >= 0.9 && ["chi", "nhs_number", "uk_postcode", "uk_postcode_district"].includes(p.pattern),
  );
  if (known) {
    return {
      rule: { id: `${column.name}-format`, pattern: { column: column.name, format: known.pattern as "chi" } },
      comment: `${pct(known.rate)} of the values are ${known.pattern.replaceAll("_", " ")}s`,
    };
  }
  const shapes = column.patterns.top.slice(0, 5);
  if (shapes.length > 0) {
    const regex =
      shapes.length === 1
        ? shapeRegex(shapes[0]!.pattern)
        : `(${shapes.map((s) => shapeRegex(s.pattern)).join("|")})`;
    const covered = shapes.reduce((sum, s) => sum + s.count, 0);
    return {
      rule: { id: `${column.name}-pattern`, pattern: { column: column.name, regex } },
      comment: `the ${shapes.length} most common shape(s), ${covered} of ${column.count - column.nulls - column.empties} values; rarer shapes omitted`,
    };
  }
  const length = column.lengths.top[0]?.length;
  return {
    rule: {
      id: `${column.name}-pattern`,
      pattern: { column: column.name, regex: length ? `[A-Z0-9]{${length}}` : "[A-Z0-9]{8}" },
    },
    comment: length
      ? `no shape is common; the most common length, ${length}`
      : "no shape or length is common: generic values",
  };
}

/**
 * A number column is drawn from a distribution, not a categories rule: each common value is a bin
 * [v − ½, v + ½) of its own (the engine rounds a whole number drawn there to v), with empty bins
 * between values that are not neighbours.
 */
export function discreteHistogram(values: readonly { x: number; count: number }[]): {
  kind: "histogram";
  edges: number[];
  weights: number[];
} {
  const edges: number[] = [];
  const weights: number[] = [];
  for (const { x, count } of [...values].sort((a, b) => a.x - b.x)) {
    if (edges.length > 0 && edges[edges.length - 1]! < x - 0.5) {
      edges.push(x - 0.5);
      weights.push(0);
    } else if (edges.length === 0) edges.push(x - 0.5);
    edges.push(x + 0.5);
    weights.push(count);
  }
  return { kind: "histogram", edges, weights };
}

function fitError(stats: NumericStats, predict: (z: number) => number): number {
  const span = stats.upper - stats.lower || 1;
  let worst = 0;
  let n = 0;
  for (const name of QUANTILE_NAMES) {
    const q = stats.quantiles[name];
    if (q === undefined) continue;
    n++;
    worst = Math.max(worst, Math.abs(predict(Z[name]!) - q) / span);
  }
  return n >= 3 ? worst : Number.POSITIVE_INFINITY;
}

function distribution(stats: NumericStats, integer: boolean): { def: DistributionDef; comment: string } {
  const normalError =
    stats.sd > 0 ? fitError(stats, (z) => stats.mean + stats.sd * z) : Number.POSITIVE_INFINITY;
  const p25 = stats.quantiles.p25;
  const p50 = stats.quantiles.p50;
  const p75 = stats.quantiles.p75;
  let logError = Number.POSITIVE_INFINITY;
  let mu = 0;
  let sigma = 0;
  if (stats.unit === "number" && stats.lower > 0 && p25 && p50 && p75 && p25 > 0 && p75 > p25) {
    mu = Math.log(p50);
    sigma = (Math.log(p75) - Math.log(p25)) / 1.349;
    logError = fitError(stats, (z) => Math.exp(mu + sigma * z));
  }
  if (normalError <= FIT_TOLERANCE && normalError <= logError) {
    return {
      def: {
        kind: "truncated_normal",
        mean: unitValue(stats.mean, stats),
        sd: round(stats.sd, 4),
        min: unitValue(stats.lower, stats),
        max: unitValue(stats.upper, stats),
      },
      comment: `normal fit (quantiles within ${pct(normalError)} of the range), truncated to the coded bounds`,
    };
  }
  if (logError <= FIT_TOLERANCE) {
    return {
      def: { kind: "lognormal", mu: round(mu, 6), sigma: round(sigma, 6) },
      comment: `log-normal fit (quantiles within ${pct(logError)} of the range)`,
    };
  }
  const { edges, counts } = stats.histogram;
  // The engine rounds an integer drawn in [a, b) (from [a − ½, b + ½)), so an integer bin [a, b)
  // of the profile is [a − ½, b − ½) here.
  const shift = integer ? -0.5 : 0;
  return {
    def: { kind: "histogram", edges: edges.map((e) => unitValue(e + shift, stats)), weights: counts },
    comment: `empirical histogram of ${stats.sampled} sampled values (no normal or log-normal fit within ${pct(FIT_TOLERANCE)})`,
  };
}

function scaleOf(column: ColumnProfile): number {
  let scale = 0;
  for (const { pattern } of column.patterns.top) {
    const dot = pattern.indexOf(".");
    if (dot >= 0) scale = Math.max(scale, pattern.length - dot - 1);
  }
  return scale === 0 ? 2 : Math.min(scale, 10);
}

/** The column and its rules. `name` is the project's (safe) name of the column. */
export function deriveColumn(column: ColumnProfile, name: string): DerivedColumn {
  const nonEmpty = column.count - column.nulls - column.empties;
  const missing = column.count === 0 ? 0 : (column.nulls + column.empties) / column.count;
  const rules: DerivedRule[] = [];
  const renamed = name === column.name ? "" : ` (source column "${column.name}")`;
  let def: ColumnDef = { type: column.type };
  let unique = false;
  let discreteValues = false;
  let comment = `${column.inferred} in the source${renamed}`;

  const top = column.values?.top ?? [];
  const covered = top.reduce((sum, v) => sum + v.count, 0);
  const omitted = nonEmpty === 0 ? 0 : 1 - covered / nonEmpty;
  const weights = () => Object.fromEntries(top.map((v) => [v.value, v.count]));
  const weightsComment = () =>
    `weights: the ${top.length} value(s) seen at least k times${omitted > 0 ? `; ${pct(omitted)} of the values were rarer: omitted, their share spread over these` : ""}`;

  if (column.identifier) {
    comment = `identifier-like (${column.identifierReasons.join("; ")}): no value of it was profiled${renamed}`;
    unique = column.distinctExact && column.distinct >= 0.99 * nonEmpty && nonEmpty > 0;
    if (column.type === "integer") {
      const length = column.lengths.top[0]?.length;
      def = { type: "integer" };
      if (length !== undefined && length > 1) {
        rules.push({
          rule: {
            id: `${name}-range`,
            range: { column: name, min: 10 ** (length - 1), max: 10 ** length - 1 },
          },
          comment: `identifiers of ${length} digits`,
        });
      }
    } else {
      def = { type: "string" };
      const pattern = patternRule({ ...column, name });
      if (pattern) rules.push(pattern);
    }
  } else if (column.type === "categorical") {
    if (top.length > 0) {
      def = { type: "categorical", categories: top.map((v) => v.value) };
      discreteValues = true;
      rules.push({
        rule: { id: `${name}-values`, categories: { column: name, weights: weights() } },
        comment: weightsComment(),
      });
    } else {
      def = { type: "string" };
      comment += "; no value is common: generic values of its common shapes";
      const pattern = patternRule({ ...column, name });
      if (pattern) rules.push(pattern);
    }
  } else if (column.type === "boolean") {
    if (top.length > 0) {
      discreteValues = true;
      rules.push({
        rule: { id: `${name}-values`, categories: { column: name, weights: weights() } },
        comment: weightsComment(),
      });
    }
  } else if (column.type === "string") {
    const pattern = patternRule({ ...column, name });
    if (pattern) rules.push(pattern);
  } else {
    // integer, decimal, date, datetime
    if (column.type === "decimal") def = { type: "decimal", precision: 12, scale: scaleOf(column) };
    const stats = column.numeric;
    const discrete =
      column.type === "integer" &&
      top.length > 0 &&
      top.length <= MAX_DISCRETE_VALUES &&
      covered >= DISCRETE_COVER * nonEmpty;
    if (discrete) {
      const values = top.map((v) => ({ x: Number(v.value), count: v.count })).sort((a, b) => a.x - b.x);
      discreteValues = true;
      rules.push({
        rule: {
          id: `${name}-range`,
          range: { column: name, min: values[0]!.x, max: values[values.length - 1]!.x },
        },
        comment: "the smallest and largest of the common values",
      });
      rules.push({
        rule: {
          id: `${name}-values`,
          distribution: { column: name, ...discreteHistogram(values) },
        },
        comment: weightsComment(),
      });
    } else if (stats) {
      rules.push({
        rule: {
          id: `${name}-range`,
          range: { column: name, min: unitValue(stats.lower, stats), max: unitValue(stats.upper, stats) },
        },
        comment: `the k-th smallest and largest values, rounded outward to ${stats.step}${stats.unit === "number" ? "" : ` ${stats.unit}`} (${stats.belowLower + stats.aboveUpper} sampled values outside)`,
      });
      const fitted = distribution(stats, column.type === "integer");
      rules.push({
        rule: { id: `${name}-distribution`, distribution: { column: name, ...fitted.def } },
        comment: fitted.comment,
      });
    } else {
      comment += "; too few values for a summary: the engine's default values";
    }
  }

  if (missing > 0) {
    def.nullable = true;
    rules.push({
      rule: { id: `${name}-nulls`, nulls: { column: name, share: round(missing, 4) } },
      comment: `${column.nulls + column.empties} of ${column.count} values are null or empty`,
    });
  }
  return { name, def, rules, unique, comment, discrete: discreteValues };
}
