/**
 * Column and pair scores of one table: per column the KS complement (numbers, dates) or the TV
 * complement (categories, booleans); per pair of columns the correlation similarity (both numeric:
 * 1 − |ρr − ρs| / 2, Pearson) or else the contingency similarity (1 − TV of the joint
 * distribution, numbers binned at the real data's deciles, categories as the real data's 20 most
 * common values plus "other", missing as a level of its own). Identifier-like and free-text
 * columns are not scored. Pairs use seeded samples of at most PAIR_ROWS rows per side.
 */
import type { SourceValue } from "../../sources/index.ts";
import {
  type ColumnClass,
  ksStatistic,
  pearson,
  quantileSorted,
  sampleIndexes,
  sortedPresent,
  totalVariation,
} from "../profile/index.ts";
import { findColumn, missingShare, numbersAs, type SideTable, textsAs } from "./report-side.ts";
import type { ColumnScore, PairScore, SkippedColumn } from "./report-types.ts";

export const PAIR_ROWS = 20_000;
const TOP_CATEGORIES = 20;
const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface ScoredColumn {
  name: string;
  real: ColumnClass;
  synthetic: ColumnClass;
  numeric: boolean;
  /** Binning for contingency: decile edges (numeric) or the real data's top categories. */
  edges: number[];
  categories: string[];
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

function pick(rows: readonly SourceValue[][], seed: number): SourceValue[][] {
  if (rows.length <= PAIR_ROWS) return rows as SourceValue[][];
  return [...sampleIndexes(rows.length, PAIR_ROWS, seed)].map((i) => rows[i]!);
}

function topCategories(texts: readonly (string | null)[]): string[] {
  const counts = new Map<string, number>();
  for (const text of texts) if (text !== null) counts.set(text, (counts.get(text) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_CATEGORIES)
    .map(([text]) => text);
}

/** Level codes for contingency: bins or categories, then "other", then "missing". */
function levels(column: ScoredColumn, rows: readonly SourceValue[][], own: ColumnClass): Int32Array {
  if (column.numeric) {
    const numbers = numbersAs(rows, own, column.real);
    const edges = column.edges;
    return Int32Array.from(numbers, (x) => {
      if (Number.isNaN(x)) return edges.length + 1;
      let bin = 0;
      while (bin < edges.length && x > edges[bin]!) bin++;
      return bin;
    });
  }
  const index = new Map(column.categories.map((c, i) => [c, i]));
  return Int32Array.from(textsAs(rows, own, column.real), (t) =>
    t === null ? column.categories.length + 1 : (index.get(t) ?? column.categories.length),
  );
}

function jointTv(
  a: Int32Array,
  aLevels: number,
  b: Int32Array,
  bLevels: number,
  c: Int32Array,
  d: Int32Array,
): number {
  const size = aLevels * bLevels;
  const real = new Float64Array(size);
  const synthetic = new Float64Array(size);
  for (let i = 0; i < a.length; i++) real[a[i]! * bLevels + b[i]!]!++;
  for (let i = 0; i < c.length; i++) synthetic[c[i]! * bLevels + d[i]!]!++;
  return totalVariation(real, synthetic);
}

export function compareTable(
  real: SideTable,
  synthetic: SideTable,
  seed: number,
): {
  columns: ColumnScore[];
  pairs: PairScore[];
  skipped: SkippedColumn[];
  missing: string[];
  scored: ScoredColumn[];
} {
  const columns: ColumnScore[] = [];
  const skipped: SkippedColumn[] = [];
  const missing: string[] = [];
  const scored: ScoredColumn[] = [];
  const realRows = real.scan.sample;
  const synthRows = synthetic.scan.sample;

  for (const column of real.classes) {
    const other = findColumn(synthetic, column.name);
    const skip = (reason: string) => skipped.push({ table: real.name, column: column.name, reason });
    if (!other) {
      missing.push(`${real.name}.${column.name}`);
      continue;
    }
    if (column.identifier) skip("identifier-like");
    else if (column.kind === "text") skip("free text");
    else if (column.kind === "empty") skip("no values in the real data");
    else {
      const numeric = column.kind === "numeric" || column.kind === "temporal";
      let score: number;
      let edges: number[] = [];
      let categories: string[] = [];
      if (numeric) {
        const r = sortedPresent(numbersAs(realRows, column, column));
        const s = sortedPresent(numbersAs(synthRows, other, column));
        score = 1 - ksStatistic(r, s);
        edges = [...new Set(DECILES.map((p) => quantileSorted(r, p)))].filter((x) => !Number.isNaN(x));
      } else {
        const r = textsAs(realRows, column, column);
        const s = textsAs(synthRows, other, column);
        const all = [...new Set([...r, ...s].filter((t): t is string => t !== null))];
        const index = new Map(all.map((t, i) => [t, i]));
        const count = (texts: (string | null)[]) => {
          const counts = new Float64Array(all.length);
          for (const t of texts) if (t !== null) counts[index.get(t)!]!++;
          return counts;
        };
        score = 1 - totalVariation(count(r), count(s));
        categories = topCategories(r);
      }
      columns.push({
        table: real.name,
        column: column.name,
        metric: numeric ? "ks" : "tv",
        score: round(score),
        missingReal: round(missingShare(column)),
        missingSynthetic: round(missingShare(other)),
      });
      scored.push({ name: column.name, real: column, synthetic: other, numeric, edges, categories });
    }
  }

  const realPairRows = pick(realRows, seed);
  const synthPairRows = pick(synthRows, seed);
  const pairs: PairScore[] = [];
  const numbers = scored.map((c) =>
    c.numeric
      ? { r: numbersAs(realPairRows, c.real, c.real), s: numbersAs(synthPairRows, c.synthetic, c.real) }
      : undefined,
  );
  const codes = scored.map((c) => ({
    r: levels(c, realPairRows, c.real),
    s: levels(c, synthPairRows, c.synthetic),
  }));
  const levelCount = (c: ScoredColumn) => (c.numeric ? c.edges.length + 1 : c.categories.length + 1) + 1;
  for (let i = 0; i < scored.length; i++) {
    for (let j = i + 1; j < scored.length; j++) {
      const a = scored[i]!;
      const b = scored[j]!;
      if (numbers[i] && numbers[j]) {
        const r = pearson(numbers[i]!.r, numbers[j]!.r).r;
        const s = pearson(numbers[i]!.s, numbers[j]!.s).r;
        if (!Number.isNaN(r) && !Number.isNaN(s)) {
          pairs.push({
            table: real.name,
            a: a.name,
            b: b.name,
            metric: "correlation",
            score: round(1 - Math.abs(r - s) / 2),
            real: round(r),
            synthetic: round(s),
          });
          continue;
        }
      }
      const tv = jointTv(codes[i]!.r, levelCount(a), codes[j]!.r, levelCount(b), codes[i]!.s, codes[j]!.s);
      pairs.push({ table: real.name, a: a.name, b: b.name, metric: "contingency", score: round(1 - tv) });
    }
  }
  return { columns, pairs, skipped, missing, scored };
}
