/** The quality report as a readable summary: the scores first, then what needs attention. */
import type { QualityReport } from "./report-types.ts";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const score = (x: number | null) => (x === null ? "n/a" : x.toFixed(3));

export function renderReport(report: QualityReport): string {
  const lines: string[] = [];
  lines.push(`Quality of ${report.synthetic} against ${report.real}`);
  lines.push("");
  lines.push(
    `  Overall quality      ${score(report.overall)}   (mean of the column and pair averages; 1 is best)`,
  );
  lines.push(`  Columns              ${score(report.columnAverage)}   (${report.columns.length} scored)`);
  lines.push(`  Pairs of columns     ${score(report.pairAverage)}   (${report.pairs.length} scored)`);
  for (const c of report.cardinality) {
    lines.push(
      `  Children per parent  ${score(c.score)}   ${c.table}.${c.columns.join("+")} → ${c.references.table} (mean ${c.meanReal} real, ${c.meanSynthetic} synthetic)`,
    );
  }
  if (report.rules) {
    const r = report.rules;
    lines.push(
      r.checked
        ? `  Mandatory rules      ${r.violations} violation(s)${r.violations === 0 ? "" : "  ← must be 0"}${r.rows === undefined ? "" : ` in ${r.rows} rows`}${r.project ? ` (${r.project})` : ""}`
        : `  Mandatory rules      not checked: ${r.note ?? ""}`,
    );
    const worst = Object.entries(r.byRule ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5);
    for (const [rule, n] of worst) lines.push(`    ${rule}: ${n}`);
    for (const e of (r.examples ?? []).slice(0, 3))
      lines.push(`    e.g. ${e.table} row ${e.row}, ${e.rule}: ${e.message}`);
    for (const note of r.notChecked ?? []) lines.push(`    not checked: ${note}`);
  }
  lines.push("");
  lines.push("  Tables (rows real / synthetic)");
  for (const t of report.tables) lines.push(`    ${t.name.padEnd(28)} ${t.realRows} / ${t.syntheticRows}`);

  lines.push("");
  const k = report.privacy[0]?.copyK;
  lines.push(
    k === undefined
      ? "  Privacy"
      : `  Privacy (an exact copy is a synthetic row equal to a real row that fewer than ${k} real rows share: must be 0;\n    rows equal to a real row that ${k} or more share reveal no one and are counted apart)`,
  );
  for (const p of report.privacy) {
    const copies =
      p.exactCopies === 0
        ? "no exact copies of rare real rows"
        : `${p.exactCopies} EXACT COPIES of rare real rows  ← must be 0`;
    lines.push(
      `    ${p.table}: ${copies}; ${p.commonMatches} row(s) equal to common real rows (real rows duplicated among themselves: ${pct(p.realDuplicateRate)})`,
    );
    lines.push(
      `      distance to closest real row: median ${p.dcr.p50} (real rows to each other: ${p.realNearest.p50}); ${pct(p.closerThanRealP5)} of synthetic rows closer than the real 5th percentile (${p.realNearest.p5})`,
    );
  }

  const worstColumns = [...report.columns]
    .sort((a, b) => a.score - b.score)
    .slice(0, 5)
    .filter((c) => c.score < 0.9);
  if (worstColumns.length > 0) {
    lines.push("");
    lines.push("  Weakest columns");
    for (const c of worstColumns)
      lines.push(
        `    ${score(c.score)}  ${c.table}.${c.column} (${c.metric === "ks" ? "KS" : "TV"} complement)`,
      );
  }
  const worstPairs = [...report.pairs]
    .sort((a, b) => a.score - b.score)
    .slice(0, 5)
    .filter((p) => p.score < 0.9);
  if (worstPairs.length > 0) {
    lines.push("");
    lines.push("  Weakest pairs");
    for (const p of worstPairs) {
      const detail =
        p.metric === "correlation" ? ` (ρ ${p.real} real, ${p.synthetic} synthetic)` : " (contingency)";
      lines.push(`    ${score(p.score)}  ${p.table}: ${p.a} × ${p.b}${detail}`);
    }
  }
  if (report.missing.length > 0) {
    lines.push("");
    lines.push(`  Missing from the synthetic data: ${report.missing.join(", ")}`);
  }
  if (report.skipped.length > 0) {
    lines.push("");
    lines.push(
      `  Not scored: ${report.skipped.map((s) => `${s.table}.${s.column} (${s.reason})`).join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
