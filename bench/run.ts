/**
 * `npm run bench`: runs every benchmark in turn and prints one JSON line per metric on stdout,
 * `{"bench","metric","value","unit","baseline","ratio"}`. Progress goes to stderr.
 *
 *   node bench/run.ts [--only NAME] [--quick]
 *
 * PostgreSQL is benchmarked too when SERUMS_BENCH_PG_URL (or DATABASE_URL) is set; each bench
 * creates and drops its own schema there.
 */
import { parseArgs } from "node:util";
import { assemblyBench } from "./assembly.ts";
import { authBench } from "./auth.ts";
import { fabricateBench } from "./fabricate.ts";
import { fabricateWritersBench } from "./fabricate-writers.ts";
import { type Bench, type BenchEngine, benchPostgresUrl, progress } from "./harness.ts";
import { ingestBench } from "./ingest.ts";
import { ledgerBench } from "./ledger.ts";
import { profileBench } from "./profile.ts";

const BENCHES: Record<string, Bench> = {
  ingest: ingestBench,
  assembly: assemblyBench,
  ledger: ledgerBench,
  fabricate: fabricateBench,
  "fabricate-writers": fabricateWritersBench,
  profile: profileBench,
  auth: authBench,
};

const USAGE = `Usage: node bench/run.ts [--only NAME] [--quick]

Runs the benchmarks (${Object.keys(BENCHES).join(", ")}) and prints one JSON line per metric.
  --only NAME   run one benchmark
  --quick       a smoke run: small data, few repetitions (numbers are not meaningful)
Set SERUMS_BENCH_PG_URL (or DATABASE_URL) to a postgres:// URL to benchmark PostgreSQL too.`;

async function main(argv: string[]): Promise<number> {
  let values: { only?: string; quick?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        only: { type: "string" },
        quick: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.only !== undefined && !(values.only in BENCHES)) {
    process.stderr.write(`no benchmark named ${JSON.stringify(values.only)}\n\n${USAGE}\n`);
    return 2;
  }
  const engines: BenchEngine[] = [{ engine: "sqlite" }];
  const url = benchPostgresUrl();
  if (url) engines.push({ engine: "postgres", url });
  else progress("PostgreSQL benchmarks skipped: set SERUMS_BENCH_PG_URL (or DATABASE_URL) to run them");

  const started = performance.now();
  for (const [name, bench] of Object.entries(BENCHES)) {
    if (values.only !== undefined && values.only !== name) continue;
    progress(`${name}: starting${values.quick ? " (quick)" : ""}`);
    const metrics = await bench({ quick: values.quick ?? false, engines });
    for (const m of metrics) process.stdout.write(`${JSON.stringify(m)}\n`);
  }
  progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
});
