/**
 * The benchmarks run (in quick mode) and print what the convention says: every stdout line a
 * JSON object with bench, metric, value, unit, baseline and ratio = value / baseline. Speed is
 * not asserted: this machine's numbers are for the benchmark run, not for a test. PostgreSQL is
 * included when SERUMS_BENCH_PG_URL or SERUMS_TEST_PG_URL is set.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const RUN = path.join(import.meta.dirname, "run.ts");
const FIELDS = ["bench", "metric", "value", "unit", "baseline", "ratio"];

function benchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Never let a developer's DATABASE_URL pick the database a test benchmarks.
  delete env.DATABASE_URL;
  const url = process.env.SERUMS_BENCH_PG_URL || process.env.SERUMS_TEST_PG_URL;
  if (url) env.SERUMS_BENCH_PG_URL = url;
  else delete env.SERUMS_BENCH_PG_URL;
  return env;
}

it("bench/run.ts --quick prints one well-formed JSON metric per line, each ratio value/baseline", async () => {
  const { stdout } = await run(process.execPath, [RUN, "--quick"], {
    env: benchEnv(),
    timeout: 300_000,
    maxBuffer: 1 << 20,
  });
  const lines = stdout.split("\n").filter((line) => line !== "");
  const engines = benchEnv().SERUMS_BENCH_PG_URL ? 2 : 1;
  // Per engine: ingest gives four metrics, assembly two, ledger five; the others below.
  assert.ok(lines.length >= 11 * engines, stdout);
  const names = new Set<string>();
  for (const line of lines) {
    const m = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(m).sort(), [...FIELDS].sort(), line);
    assert.ok(typeof m.bench === "string" && m.bench !== "", line);
    assert.ok(typeof m.metric === "string" && m.metric !== "", line);
    assert.ok(typeof m.unit === "string" && m.unit !== "", line);
    for (const field of ["value", "baseline", "ratio"]) {
      assert.ok(typeof m[field] === "number" && Number.isFinite(m[field]), `${field} in ${line}`);
    }
    const { value, baseline, ratio } = m as { value: number; baseline: number; ratio: number };
    assert.ok(baseline > 0 && value > 0, line);
    // Each number has four significant digits: the ratio of the rounded numbers is within 0.2%.
    assert.ok(Math.abs(ratio - value / baseline) <= 0.002 * ratio, `ratio ${ratio} vs ${value / baseline}`);
    const name = `${m.bench} ${m.metric}`;
    assert.ok(!names.has(name), `${name} is reported twice`);
    names.add(name);
  }
  assert.ok(names.has("ingest sqlite.first_load_rows_per_s_vs_flat_insert"), [...names].join(", "));
  assert.ok(
    names.has("ingest sqlite.vault_rows_bare_insert_source_rows_per_s_vs_flat_insert"),
    [...names].join(", "),
  );
  assert.ok(names.has("assembly sqlite.p99_ms_vs_plain_query"), [...names].join(", "));
  for (const ledger of [
    "decide_tx_per_s_vs_plain_insert",
    "submit_to_commit_p50_ms_vs_plain_batch",
    "submit_to_commit_p99_ms_vs_plain_batch",
    "verify_tx_per_s_vs_read_and_hash",
    "decide_1000_rules_p50_ms_vs_pure_decide",
  ]) {
    assert.ok(names.has(`ledger sqlite.${ledger}`), [...names].join(", "));
  }
  // Every other benchmark reports at least one metric under its own name.
  const benches = new Set([...names].map((name) => name.split(" ")[0]));
  for (const bench of ["fabricate", "fabricate-writers", "profile", "auth"]) {
    assert.ok(benches.has(bench), `no metric from ${bench}: ${[...benches].join(", ")}`);
  }
  assert.ok(names.has("fabricate rows_per_second_csv"), [...names].join(", "));
});

it("bench/run.ts refuses an unknown benchmark with exit status 2", async () => {
  await assert.rejects(
    run(process.execPath, [RUN, "--only", "nonesuch"], { env: benchEnv() }),
    (error: { code?: number; stderr?: string }) => error.code === 2 && /nonesuch/.test(error.stderr ?? ""),
  );
});
