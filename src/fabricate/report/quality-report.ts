/**
 * `serums fabricate report --real R --synthetic S`: how closely synthetic data follows the real
 * data (columns, pairs, children per parent) and how far it stays from any real row (exact
 * copies, distance to the closest record). Tables and columns are matched by name, without regard
 * to case. Foreign keys are the real source's declared ones plus those given.
 *
 * The overall score is the mean of two averages, the column scores' and the pair scores' (so that
 * the many pairs of a wide table do not drown its columns); the children-per-parent scores are
 * reported beside it.
 */
import {
  type Catalogue,
  type CatalogueForeignKey,
  DEFAULT_K,
  DEFAULT_SEED,
  ksStatistic,
  readCatalogue,
} from "../profile/index.ts";
import { compareTable } from "./report-columns.ts";
import { closestRecords, copyColumns, countExactCopies } from "./report-privacy.ts";
import { loadSide, type Side } from "./report-side.ts";
import type {
  CardinalityScore,
  ColumnScore,
  PairScore,
  PrivacyTable,
  QualityReport,
  SkippedColumn,
} from "./report-types.ts";

export interface ReportOptions {
  seed?: number;
  /** Rows sampled per table for the scores (default 100,000). */
  sampleSize?: number;
  /** For telling identifier-like columns, and the default of copyK (default 10). */
  k?: number;
  /**
   * A synthetic row equal to a real row that fewer than copyK real rows share is an exact copy
   * (must be 0); matches of rows that copyK or more share are counted apart (default k).
   */
  copyK?: number;
  /** Foreign keys beyond those the real source declares. */
  foreignKeys?: readonly CatalogueForeignKey[];
  /** Called as each step starts (for progress). */
  onStep?: (step: string) => void;
}

const DEFAULT_REPORT_SAMPLE = 100_000;
const round = (x: number) => Math.round(x * 10_000) / 10_000;
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

function childCounts(side: Side, fk: CatalogueForeignKey): Float64Array | undefined {
  const parent = side.tables.get(fk.references.table.toLowerCase());
  const child = side.tables.get(fk.table.toLowerCase());
  const parents = parent?.scan.keyCounts.get(fk.references.columns.join(","));
  const children = child?.scan.keyCounts.get(fk.columns.join(","));
  if (!parents || !children) return undefined;
  return Float64Array.from([...parents.keys()].map((key) => children.get(key) ?? 0)).sort();
}

export function privacyCriterion(k: number): string {
  return `exactCopies: synthetic rows equal, on every compared column (identifier-like and key columns left out), to a real row that fewer than ${k} real rows share — a copy of a rare real row can disclose its person, so it must be 0. commonMatches: synthetic rows equal to a real row that ${k} or more real rows share — a common combination reveals no one (information). realDuplicateRate: the share of real rows equal to another real row, for scale.`;
}

export async function compareCatalogues(
  real: Catalogue,
  synthetic: Catalogue,
  options: ReportOptions = {},
): Promise<QualityReport> {
  const seed = options.seed ?? DEFAULT_SEED;
  const k = options.k ?? DEFAULT_K;
  const copyK = options.copyK ?? k;
  const foreignKeys = [...real.foreignKeys, ...(options.foreignKeys ?? [])];
  const sideOptions = { sampleSize: options.sampleSize ?? DEFAULT_REPORT_SAMPLE, seed, k, foreignKeys };
  options.onStep?.(`reading ${real.name}`);
  const realSide = await loadSide(real, sideOptions);
  options.onStep?.(`reading ${synthetic.name}`);
  const syntheticSide = await loadSide(synthetic, sideOptions);

  const columns: ColumnScore[] = [];
  const pairs: PairScore[] = [];
  const skipped: SkippedColumn[] = [];
  const missing: string[] = [];
  const privacy: PrivacyTable[] = [];
  const tables: QualityReport["tables"] = [];
  for (const [key, realTable] of realSide.tables) {
    const syntheticTable = syntheticSide.tables.get(key);
    if (!syntheticTable) {
      missing.push(realTable.name);
      continue;
    }
    options.onStep?.(`comparing ${realTable.name}`);
    tables.push({
      name: realTable.name,
      realRows: realTable.scan.rows,
      syntheticRows: syntheticTable.scan.rows,
    });
    const compared = compareTable(realTable, syntheticTable, seed);
    columns.push(...compared.columns);
    pairs.push(...compared.pairs);
    skipped.push(...compared.skipped);
    missing.push(...compared.missing);

    const compare = copyColumns(realTable, syntheticTable);
    const realEntry = real.tables.find((t) => t.name === realTable.name)!;
    const syntheticEntry = synthetic.tables.find((t) => t.name === syntheticTable.name)!;
    const copies = await countExactCopies(realEntry, syntheticEntry, compare, copyK);
    privacy.push({
      table: realTable.name,
      columns: compare.map((c) => c.real.name),
      exactCopies: copies.rare,
      copyK,
      commonMatches: copies.common,
      realDuplicateRate: copies.realDuplicateRate,
      syntheticRows: syntheticTable.scan.rows,
      ...closestRecords(realTable, syntheticTable, compared.scored, seed),
    });
  }

  const cardinality: CardinalityScore[] = [];
  for (const fk of foreignKeys) {
    const r = childCounts(realSide, fk);
    const s = childCounts(syntheticSide, fk);
    if (!r || !s) continue;
    const avg = (xs: Float64Array) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
    cardinality.push({
      table: fk.table,
      columns: fk.columns,
      references: fk.references,
      score: round(1 - ksStatistic(r, s)),
      meanReal: round(avg(r)),
      meanSynthetic: round(avg(s)),
    });
  }

  const columnAverage = mean(columns.map((c) => c.score));
  const pairAverage = mean(pairs.map((p) => p.score));
  const parts = [columnAverage, pairAverage].filter((x): x is number => x !== null);
  return {
    version: 1,
    kind: "serums-quality-report",
    real: real.name,
    synthetic: synthetic.name,
    overall: round(mean(parts) ?? 0),
    columnAverage: columnAverage === null ? null : round(columnAverage),
    pairAverage: pairAverage === null ? null : round(pairAverage),
    tables,
    columns,
    pairs,
    cardinality,
    privacy,
    privacyCriterion: privacyCriterion(copyK),
    skipped,
    missing,
  };
}

/** Compares two source specs (files, folders of files, SQLite files, postgres:// URLs). */
export async function qualityReport(
  realSpec: string,
  syntheticSpec: string,
  options: ReportOptions = {},
): Promise<QualityReport> {
  const real = await readCatalogue(realSpec);
  const synthetic = await readCatalogue(syntheticSpec);
  return compareCatalogues(real, synthetic, options);
}
