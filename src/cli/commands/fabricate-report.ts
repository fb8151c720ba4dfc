/**
 * `serums fabricate report --real R --synthetic S`: the quality and privacy of synthetic data
 * against the real data, and with --project its mandatory-rule violations. Exit 1 when a synthetic
 * row copies a real one or (with --project) a mandatory rule does not hold.
 */
import { existsSync, writeFileSync } from "node:fs";
import { SerumsError } from "../../errors/index.ts";
import { parseForeignKey } from "../../fabricate/profile/index.ts";
import { checkProjectRules, qualityReport, renderReport } from "../../fabricate/report/index.ts";
import { parse, parseCount, requireFlag } from "../args.ts";
import { printJson } from "../context.ts";

const USAGE = `Usage: serums fabricate report --real R --synthetic S [options]

Scores how closely S follows R, each from 0 to 1: per column the Kolmogorov-Smirnov complement
(numbers, dates) or the total-variation complement (categories); per pair of columns the
correlation similarity or the contingency similarity; per foreign key the children-per-parent
similarity; an overall score (the mean of the column and pair averages). Privacy: synthetic rows
that copy a real row fewer than k real rows share (must be 0; exit 1 otherwise; rows equal to a
common real row reveal no one and are counted apart, beside the real data's own duplicate rate),
and each synthetic row's distance to its closest real row against the real rows' own
nearest-neighbour distances. No real value is shown.

  --real R          the real data: a file, a folder of files (a table each), a SQLite file or a
                    postgres:// URL (tables are matched by name)
  --synthetic S     the synthetic data, likewise
  --fk C.col=P.col  a foreign key the real source does not declare (repeatable)
  --project P       the data project S was made from: S is read back and every mandatory rule
                    checked (types, nulls, ranges, categories, patterns, constraints, lookups,
                    keys, foreign keys, children per parent); exit 1 on any violation
  --k N             a real row fewer than N real rows share is rare: copying it is an exact
                    copy (default 10, as serums profile)
  --sample N        rows sampled per table (default 100000)
  --seed N          the sampling seed (default 1)
  --out FILE        also write the JSON report to FILE (--force to overwrite)
  --json            print the JSON report instead of the summary`;

export async function fabricateReport(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      real: { type: "string" },
      synthetic: { type: "string" },
      fk: { type: "string", multiple: true },
      project: { type: "string" },
      sample: { type: "string" },
      k: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      force: { type: "boolean", default: false },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    throw new SerumsError(
      "BAD_USAGE",
      `fabricate report takes no argument ${JSON.stringify(positionals[0])}; give --real and --synthetic\n\n${USAGE}`,
    );
  }
  const real = requireFlag("real", values.real as string | undefined, USAGE);
  const synthetic = requireFlag("synthetic", values.synthetic as string | undefined, USAGE);
  const out = values.out as string | undefined;
  if (out && existsSync(out) && !values.force) {
    throw new SerumsError("BAD_USAGE", `--out ${out} exists; add --force to overwrite it`, { file: out });
  }
  const k = parseCount("k", values.k as string | undefined, 10, 1_000_000);
  if (k < 1) throw new SerumsError("BAD_USAGE", `--k ${k} must be at least 1`, { path: "--k", value: k });
  const report = await qualityReport(real, synthetic, {
    sampleSize: Math.max(1, parseCount("sample", values.sample as string | undefined, 100_000, 100_000_000)),
    k,
    seed: parseCount("seed", values.seed as string | undefined, 1, 4_294_967_295),
    foreignKeys: ((values.fk as string[] | undefined) ?? []).map(parseForeignKey),
    onStep: (step) => {
      if (process.stderr.isTTY) process.stderr.write(`${step}\n`);
    },
  });
  if (values.project !== undefined) {
    if (process.stderr.isTTY) process.stderr.write(`checking the rules of ${values.project}\n`);
    report.rules = await checkProjectRules(values.project as string, synthetic);
  }
  if (out) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`, { flag: values.force ? "w" : "wx" });
  if (values.json) printJson(report);
  else process.stdout.write(renderReport(report));
  const copies = report.privacy.some((p) => p.exactCopies > 0);
  return copies || (report.rules?.violations ?? 0) > 0 ? 1 : 0;
}
