/** The quality report of synthetic data against real data (`serums fabricate report`). */
export { compareCatalogues, qualityReport, type ReportOptions } from "./quality-report.ts";
export { renderReport } from "./render-report.ts";
export { checkProjectRules } from "./report-rules.ts";
export type {
  CardinalityScore,
  ColumnScore,
  PairScore,
  PrivacyTable,
  QualityReport,
  RuleCheckSection,
  SkippedColumn,
} from "./report-types.ts";
