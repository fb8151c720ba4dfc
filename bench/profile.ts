/**
 * Bench: the profiler and the quality report on a CSV source of 100,000 rows (10,000 with
 * quick), 10 columns of the use case's kinds (an identifier, dates with a stay between them,
 * ages, weights, grades, categories, free text). Baseline: the sources' own column profiler
 * (`serums map suggest`'s pass) over the same file in the same run, so the ratios say what the
 * profile's extra statistics (value counts, shapes, the sample, pairs, relations) cost.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { profileSource, seededRandom } from "../src/fabricate/profile/index.ts";
import { qualityReport } from "../src/fabricate/report/index.ts";
import { openSource, profileColumns } from "../src/sources/index.ts";
import { type Bench, type Metric, metric, progress } from "./harness.ts";

function writeCsv(file: string, rows: number, seed: number): void {
  const random = seededRandom(seed);
  const lines = ["patient_id,admitted,discharged,stay,age,weight,grade,sex,ward,note"];
  const day = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
  for (let i = 0; i < rows; i++) {
    const admitted = 16_000 + Math.floor(random() * 1000);
    const stay = Math.floor(random() * 12);
    const age = 18 + Math.floor(random() * 80);
    lines.push(
      [
        1_000_000 + i,
        day(admitted),
        day(admitted + stay),
        stay,
        age,
        (45 + age * 0.3 + random() * 30).toFixed(1),
        Math.floor(random() * 5),
        random() < 0.6 ? "F" : "M",
        `W${Math.floor(random() * 30)}`,
        `note ${Math.floor(random() * 1e9)}`,
      ].join(","),
    );
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

export const profileBench: Bench = async ({ quick }) => {
  const rows = quick ? 10_000 : 100_000;
  const dir = mkdtempSync(path.join(tmpdir(), "serums-bench-profile-"));
  try {
    const real = path.join(dir, "real.csv");
    const synthetic = path.join(dir, "synthetic.csv");
    writeCsv(real, rows, 1);
    writeCsv(synthetic, rows, 2);
    progress(`profile: ${rows} rows`);
    const baseline = await seconds(async () => {
      const source = await openSource(real);
      try {
        await profileColumns(source.rows(), await source.columns());
      } finally {
        await source.close();
      }
    });
    const profile = await seconds(() => profileSource(real));
    const report = await seconds(() => qualityReport(real, synthetic));
    const metrics: Metric[] = [
      metric("profile", `profile ${rows} rows (rows/s)`, rows / profile, rows / baseline, "rows/s"),
      metric(
        "profile",
        `quality report ${rows} + ${rows} rows (rows/s)`,
        (2 * rows) / report,
        rows / baseline,
        "rows/s",
      ),
    ];
    return metrics;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
