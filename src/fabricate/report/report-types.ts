/**
 * The quality report of synthetic data against the real data it imitates (`serums fabricate
 * report`). Scores are in [0, 1], 1 the best. Like the profile, the report shows no value of the
 * real data: only scores, counts, distances and column names.
 */

export interface ColumnScore {
  table: string;
  column: string;
  /** ks: 1 − the Kolmogorov–Smirnov statistic (numbers, dates); tv: 1 − total variation (categories). */
  metric: "ks" | "tv";
  score: number;
  /** Share of missing values in each. */
  missingReal: number;
  missingSynthetic: number;
}

export interface PairScore {
  table: string;
  a: string;
  b: string;
  /** correlation: 1 − |ρr − ρs| / 2 (Pearson, numbers and dates); contingency: 1 − TV of the binned joint distributions. */
  metric: "correlation" | "contingency";
  score: number;
  real?: number;
  synthetic?: number;
}

export interface CardinalityScore {
  table: string;
  columns: string[];
  references: { table: string; columns: string[] };
  /** 1 − KS of the children-per-parent counts (parents without children count as 0). */
  score: number;
  meanReal: number;
  meanSynthetic: number;
}

export interface PrivacyTable {
  table: string;
  /** The columns compared (identifier-like and key columns are left out: fabricated keys always differ). */
  columns: string[];
  /**
   * Synthetic rows equal, on those columns, to a real row that fewer than `copyK` real rows share
   * (must be 0): a copy of a rare real row can disclose the person it describes.
   */
  exactCopies: number;
  /** The k of that criterion (the report's k, 10 by default). */
  copyK: number;
  /**
   * Synthetic rows equal to a real row that `copyK` or more real rows share: common combinations,
   * which reveal no one (information, not a failure).
   */
  commonMatches: number;
  /** Share of the real rows equal to at least one other real row on those columns (for scale). */
  realDuplicateRate: number;
  syntheticRows: number;
  /** Rows the distances were computed on (seeded samples; see report-privacy.ts). */
  sampled: { reference: number; synthetic: number; real: number };
  /** Distance of each sampled synthetic row to its closest reference real row: quantiles. */
  dcr: { p5: number; p50: number; p95: number };
  /** Each sampled real row's distance to its closest other reference row: quantiles. */
  realNearest: { p5: number; p50: number; p95: number };
  /** Share of sampled synthetic rows closer to a real row than the real rows' 5th percentile. */
  closerThanRealP5: number;
}

export interface SkippedColumn {
  table: string;
  column: string;
  reason: string;
}

export interface QualityReport {
  version: 1;
  kind: "serums-quality-report";
  real: string;
  synthetic: string;
  /** Mean of the column score average and the pair score average. */
  overall: number;
  columnAverage: number | null;
  pairAverage: number | null;
  tables: { name: string; realRows: number; syntheticRows: number }[];
  columns: ColumnScore[];
  pairs: PairScore[];
  cardinality: CardinalityScore[];
  privacy: PrivacyTable[];
  /** How the privacy section counts exact copies (what must be 0, what is information). */
  privacyCriterion: string;
  /** Mandatory-rule violations of the synthetic data, when its project was given (must be 0). */
  rules?: RuleCheckSection;
  skipped: SkippedColumn[];
  /** Tables or columns of the real data the synthetic data lacks. */
  missing: string[];
}

/** The synthetic data checked against its data project's mandatory rules (src/fabricate/check). */
export interface RuleCheckSection {
  checked: boolean;
  /** The project file. */
  project?: string;
  violations: number;
  /** Rows checked. */
  rows?: number;
  /** Per rule (or structural name such as `patients.primary_key`), the violations. */
  byRule?: Record<string, number>;
  /** The first few, with the synthetic value at fault (never a real one). */
  examples?: { table: string; rule: string; row: number; message: string }[];
  /** Soft rules not holding, per rule (they may be dropped by priority: not violations). */
  soft?: Record<string, number>;
  notChecked?: string[];
  note?: string;
}
