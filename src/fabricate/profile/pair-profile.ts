/**
 * Statistics of pairs of columns on the sample: Pearson and Spearman for numbers and dates;
 * Cramér's V where a categorical column is involved (the other one binned when numeric); and, for
 * strong categorical associations, the joint counts that k or more rows share (the raw material
 * of conditional rules). Identifier-like and free-text columns take no part.
 */

import { commonLevels } from "./column-profile.ts";
import type { ColumnProfile, PairProfile } from "./profile-types.ts";
import { sampleIndexes } from "./sampling.ts";
import { cramersV, pearson, spearman } from "./statistics.ts";
import { binCodes, levelCodes, type TypedColumn } from "./typed-table.ts";

/** Rows the pair statistics use at most (a seeded subset of the sample). */
export const PAIR_ROWS = 20_000;
/** Cramér's V at or above which the joint counts are published. */
export const STRONG_ASSOCIATION = 0.5;
/** Most levels a column may have for its joint counts to be published. */
const MAX_CONTINGENCY_LEVELS = 30;

interface PairColumn {
  name: string;
  numbers: Float64Array | undefined;
  /** Levels (common values, or histogram bins) and codes into them; levels.length is "other". */
  codes: Int32Array | undefined;
  levels: string[];
  categorical: boolean;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

function subset<T extends Float64Array | Int32Array>(array: T, indexes: Int32Array | undefined): T {
  if (!indexes) return array;
  const out = new (array.constructor as new (n: number) => T)(indexes.length);
  for (let i = 0; i < indexes.length; i++) out[i] = array[indexes[i]!]!;
  return out;
}

export function profilePairs(
  typed: readonly TypedColumn[],
  profiles: readonly ColumnProfile[],
  k: number,
  seed: number,
): PairProfile[] {
  const rows = typed[0]?.codes.length ?? 0;
  const indexes = rows > PAIR_ROWS ? sampleIndexes(rows, PAIR_ROWS, seed) : undefined;
  const columns: PairColumn[] = [];
  typed.forEach((t, i) => {
    const column = t.column;
    const profile = profiles[i]!;
    if (column.identifier) return;
    const numeric = column.kind === "numeric" || column.kind === "temporal";
    const categorical = column.kind === "categorical" || column.kind === "boolean" || column.discrete;
    if (!numeric && !categorical) return;
    let codes: Int32Array | undefined;
    let levels: string[] = [];
    if (categorical) {
      levels = commonLevels(profile, column);
      codes = levelCodes(t, levels);
    } else if (profile.numeric) {
      const edges = profile.numeric.histogram.edges;
      levels = edges.slice(0, -1).map((edge) => String(edge));
      codes = binCodes(t.numbers!, edges);
    }
    columns.push({
      name: column.name,
      numbers: numeric && t.numbers ? subset(t.numbers, indexes) : undefined,
      codes: codes ? subset(codes, indexes) : undefined,
      levels,
      categorical,
    });
  });

  const pairs: PairProfile[] = [];
  const minimum = Math.max(2 * k, 3);
  for (let i = 0; i < columns.length; i++) {
    for (let j = i + 1; j < columns.length; j++) {
      const a = columns[i]!;
      const b = columns[j]!;
      const pair: PairProfile = { a: a.name, b: b.name, n: 0 };
      if (a.numbers && b.numbers) {
        const p = pearson(a.numbers, b.numbers);
        pair.n = p.n;
        if (p.n >= minimum && !Number.isNaN(p.r)) pair.pearson = round(p.r);
        const s = spearman(a.numbers, b.numbers);
        if (s.n >= minimum && !Number.isNaN(s.r)) pair.spearman = round(s.r);
      }
      if ((a.categorical || b.categorical) && a.codes && b.codes) {
        const v = cramersV(a.codes, a.levels.length + 1, b.codes, b.levels.length + 1);
        pair.n = Math.max(pair.n, v.n);
        if (v.n >= minimum) {
          pair.cramersV = round(v.r);
          if (
            a.categorical &&
            b.categorical &&
            v.r >= STRONG_ASSOCIATION &&
            a.levels.length <= MAX_CONTINGENCY_LEVELS &&
            b.levels.length <= MAX_CONTINGENCY_LEVELS
          ) {
            pair.contingency = jointCounts(a, b, k);
          }
        }
      }
      if (pair.pearson !== undefined || pair.spearman !== undefined || pair.cramersV !== undefined)
        pairs.push(pair);
    }
  }
  return pairs;
}

/** Joint counts of two common-value columns: cells of k or more rows; the rest (and "other") counted. */
function jointCounts(a: PairColumn, b: PairColumn, k: number): NonNullable<PairProfile["contingency"]> {
  const width = b.levels.length + 1;
  const table = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < a.codes!.length; i++) {
    const x = a.codes![i]!;
    const y = b.codes![i]!;
    if (x < 0 || y < 0) continue;
    total++;
    const key = x * width + y;
    table.set(key, (table.get(key) ?? 0) + 1);
  }
  const cells: { a: string; b: string; count: number }[] = [];
  let shown = 0;
  for (const [key, count] of [...table].sort((p, q) => p[0] - q[0])) {
    const x = Math.floor(key / width);
    const y = key % width;
    if (count < k || x >= a.levels.length || y >= b.levels.length) continue;
    cells.push({ a: a.levels[x]!, b: b.levels[y]!, count });
    shown += count;
  }
  return { cells, otherRows: total - shown };
}
