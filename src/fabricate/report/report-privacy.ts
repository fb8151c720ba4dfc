/**
 * Privacy of synthetic data against the real data, per table:
 *
 * - Exact copies of rare real rows: synthetic rows equal, on every compared column (all columns
 *   but identifier-like and key ones, which a fabricator draws afresh), to a real row that fewer
 *   than k real rows share. Must be 0. A synthetic row equal to a COMMON real row (one that k or
 *   more real rows share) reveals no one: a table of few low-cardinality columns has many
 *   identical real rows, and a faithful fabricator makes those combinations too. Such matches are
 *   counted apart (information, not a failure), beside the real data's own duplicate rate (the
 *   share of real rows equal to another real row), which says how common identical rows are.
 *   Counted over every row: the real rows' hashes (53-bit, of their normalised values) are
 *   counted in a map, then every synthetic row is looked up. The compared columns and the
 *   normalised row key are src/fabricate/privacy/row-key.ts's, which the copy filter of
 *   `fabricate run --avoid-copies-of` shares.
 * - Distance to the closest record (DCR): each synthetic row's distance to its nearest real row,
 *   against the real rows' own nearest-neighbour distances. The distance is the mean over the
 *   scored columns of: numbers and dates |a − b| / (the real range), capped at 1; categories 0 if
 *   equal else 1; 0 when both are missing, 1 when one is. To stay O(n·m) it is computed on seeded
 *   samples: a reference set of at most REFERENCE_ROWS real rows, at most QUERY_ROWS synthetic
 *   rows, and at most REAL_QUERY_ROWS of the reference rows against the rest of the reference
 *   set (leaving themselves out). A share of synthetic rows closer than the real rows' 5th
 *   percentile far above 5% means the synthetic rows sit on top of real ones.
 */
import type { SourceValue } from "../../sources/index.ts";
import { rowKey, copyColumns as sharedCopyColumns } from "../privacy/row-key.ts";
import {
  type CatalogueTable,
  type ColumnClass,
  hashText,
  quantileSorted,
  sampleIndexes,
} from "../profile/index.ts";
import type { ScoredColumn } from "./report-columns.ts";
import { numbersAs, type SideTable, textsAs } from "./report-side.ts";
import type { PrivacyTable } from "./report-types.ts";

export const REFERENCE_ROWS = 5_000;
export const QUERY_ROWS = 2_000;
export const REAL_QUERY_ROWS = 1_000;

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** What the exact-copy count found (see the file's comment). */
export interface CopyCount {
  /** Synthetic rows equal to a real row that fewer than k real rows share (must be 0). */
  rare: number;
  /** Synthetic rows equal to a real row that k or more real rows share (information). */
  common: number;
  /** Share of the real rows equal to at least one other real row. */
  realDuplicateRate: number;
}

/**
 * Synthetic rows equal to a real row on the compared columns, over every row of both, split by
 * how many real rows share that row: fewer than `k` (rare: a disclosure) or `k` and more (common).
 */
export async function countExactCopies(
  realTable: CatalogueTable,
  syntheticTable: CatalogueTable,
  columns: readonly { real: ColumnClass; synthetic: ColumnClass }[],
  k: number,
): Promise<CopyCount> {
  if (columns.length === 0) return { rare: 0, common: 0, realDuplicateRate: 0 };
  const realKey = rowKey(columns.map((c) => ({ own: c.real, as: c.real })));
  const syntheticKey = rowKey(columns.map((c) => ({ own: c.synthetic, as: c.real })));
  const seen = new Map<string, number>();
  let realRows = 0;
  const real = await realTable.open();
  try {
    for await (const row of real.rows()) {
      const hash = hashText(realKey(row.values));
      seen.set(hash, (seen.get(hash) ?? 0) + 1);
      realRows++;
    }
  } finally {
    await real.close();
  }
  let duplicated = 0;
  for (const n of seen.values()) if (n > 1) duplicated += n;
  let rare = 0;
  let common = 0;
  const synthetic = await syntheticTable.open();
  try {
    for await (const row of synthetic.rows()) {
      const n = seen.get(hashText(syntheticKey(row.values)));
      if (n === undefined) continue;
      if (n < k) rare++;
      else common++;
    }
  } finally {
    await synthetic.close();
  }
  return { rare, common, realDuplicateRate: realRows === 0 ? 0 : round(duplicated / realRows) };
}

/** The columns compared for exact copies (src/fabricate/privacy/row-key.ts: every column of the real table but identifier-like and empty ones). */
export function copyColumns(
  real: SideTable,
  synthetic: SideTable,
): { real: ColumnClass; synthetic: ColumnClass }[] {
  return sharedCopyColumns(real.classes, synthetic.classes);
}

interface Encoded {
  /** Row-major: rows × columns. Numbers scaled by the real range; categories as shared codes; NaN missing. */
  values: Float64Array;
  rows: number;
}

function encode(
  rows: readonly SourceValue[][],
  scored: readonly ScoredColumn[],
  side: "real" | "synthetic",
  scales: number[],
  dictionaries: Map<string, number>[],
): Encoded {
  const m = scored.length;
  const values = new Float64Array(rows.length * m);
  scored.forEach((column, j) => {
    const own = side === "real" ? column.real : column.synthetic;
    if (column.numeric) {
      const numbers = numbersAs(rows, own, column.real);
      for (let i = 0; i < rows.length; i++) values[i * m + j] = numbers[i]! / scales[j]!;
    } else {
      const dictionary = dictionaries[j]!;
      const texts = textsAs(rows, own, column.real);
      for (let i = 0; i < rows.length; i++) {
        const text = texts[i]!;
        if (text === null) values[i * m + j] = Number.NaN;
        else {
          let code = dictionary.get(text);
          if (code === undefined) {
            code = dictionary.size;
            dictionary.set(text, code);
          }
          values[i * m + j] = code;
        }
      }
    }
  });
  return { values, rows: rows.length };
}

function nearest(query: Encoded, q: number, reference: Encoded, numeric: boolean[], skip: number): number {
  const m = numeric.length;
  let best = Number.POSITIVE_INFINITY;
  const qBase = q * m;
  for (let r = 0; r < reference.rows; r++) {
    if (r === skip) continue;
    let sum = 0;
    const rBase = r * m;
    for (let j = 0; j < m; j++) {
      const a = query.values[qBase + j]!;
      const b = reference.values[rBase + j]!;
      const aMissing = Number.isNaN(a);
      const bMissing = Number.isNaN(b);
      if (aMissing || bMissing) sum += aMissing && bMissing ? 0 : 1;
      else if (numeric[j]) sum += Math.min(1, Math.abs(a - b));
      else sum += a === b ? 0 : 1;
      if (sum >= best * m) break;
    }
    const distance = sum / m;
    if (distance < best) best = distance;
  }
  return best;
}

function quantiles(values: number[]): { p5: number; p50: number; p95: number } {
  const sorted = Float64Array.from(values).sort();
  return {
    p5: round(quantileSorted(sorted, 0.05)),
    p50: round(quantileSorted(sorted, 0.5)),
    p95: round(quantileSorted(sorted, 0.95)),
  };
}

/** Distances to the closest record, on seeded samples (see the file's comment). */
export function closestRecords(
  real: SideTable,
  synthetic: SideTable,
  scored: readonly ScoredColumn[],
  seed: number,
): Pick<PrivacyTable, "sampled" | "dcr" | "realNearest" | "closerThanRealP5"> {
  const empty = {
    sampled: { reference: 0, synthetic: 0, real: 0 },
    dcr: { p5: 0, p50: 0, p95: 0 },
    realNearest: { p5: 0, p50: 0, p95: 0 },
    closerThanRealP5: 0,
  };
  const realRows = real.scan.sample;
  const synthRows = synthetic.scan.sample;
  if (scored.length === 0 || realRows.length < 2 || synthRows.length === 0) return empty;
  const referenceRows = [...sampleIndexes(realRows.length, REFERENCE_ROWS, seed)].map((i) => realRows[i]!);
  const queryRows = [...sampleIndexes(synthRows.length, QUERY_ROWS, seed + 1)].map((i) => synthRows[i]!);
  const scales = scored.map((column) => {
    if (!column.numeric) return 1;
    const numbers = numbersAs(referenceRows, column.real, column.real);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const x of numbers) {
      if (Number.isNaN(x)) continue;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    return max > min ? max - min : 1;
  });
  const dictionaries = scored.map(() => new Map<string, number>());
  const reference = encode(referenceRows, scored, "real", scales, dictionaries);
  const queries = encode(queryRows, scored, "synthetic", scales, dictionaries);
  const numeric = scored.map((c) => c.numeric);

  const dcr: number[] = [];
  for (let q = 0; q < queries.rows; q++) dcr.push(nearest(queries, q, reference, numeric, -1));
  const realQueries = sampleIndexes(reference.rows, REAL_QUERY_ROWS, seed + 2);
  const realNearest: number[] = [];
  for (const r of realQueries) realNearest.push(nearest(reference, r, reference, numeric, r));
  const realP5 = quantileSorted(Float64Array.from(realNearest).sort(), 0.05);
  return {
    sampled: { reference: reference.rows, synthetic: queries.rows, real: realQueries.length },
    dcr: quantiles(dcr),
    realNearest: quantiles(realNearest),
    closerThanRealP5: round(dcr.filter((d) => d < realP5).length / dcr.length),
  };
}
