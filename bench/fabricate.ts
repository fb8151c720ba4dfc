/**
 * Fabrication: rows per second of a five-table, use-case-like project (every mandatory rule
 * holding) written to CSV, against a baseline measured in the same run — the same tables and
 * columns, the same row counts, from a plain seeded loop with no rules, through the same CSV
 * writer (bar: ≥ 300,000 rows/s and a ratio ≥ 0.5). On PostgreSQL (when the run has a PostgreSQL
 * engine): fabricating through the COPY writer against COPY of the same rows pre-formatted (bar:
 * a ratio ≥ 0.7). And the peak resident memory of a run of 1 million rows (10 million unless
 * quick) in a child process, into a writer that keeps nothing, against the
 * child's resident memory before fabricating: flat beyond the key indexes.
 *
 * The same CSV measure is made on the use case itself (examples/ecdg/fabrication.yaml), the
 * project the issue's bar names.
 *
 * Metrics: fabricate/rows_per_second_csv, fabricate/use_case_rows_per_second_csv,
 * fabricate/rows_per_second_postgres,
 * fabricate/peak_rss_1m_rows (fabricate/peak_rss_10m_rows).
 *
 * The project is BENCH_PROJECT below unless SERUMS_BENCH_FABRICATION names a project file (such
 * as examples/ecdg/fabrication.yaml); `--rows` scales its tables given as a number.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pgClient from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { CompiledProject } from "../src/fabricate/index.ts";
import { compileProject, loadProject, Prng, parseProject, runProject } from "../src/fabricate/index.ts";
import type { CellValue, TableSpec } from "../src/fabricate/table-spec.ts";
import { openWriter } from "../src/fabricate/writers/index.ts";
import { addForeignKeysSql, createTableSql } from "../src/fabricate/writers/sql-tables.ts";
import type { FabricationWriter } from "../src/fabricate/writers/writer-types.ts";
import { type Bench, type Metric, metric, progress } from "./harness.ts";

const BENCH = "fabricate";

export const BENCH_PROJECT = `
name: bench-ecdg-like
seed: 2014
tables:
  patients:
    columns:
      patient_id: { type: integer }
      upi_number: { type: string }
      sex: { type: categorical, categories: ["1", "2"] }
      birth_date: { type: date }
      postcode: { type: string }
      ethnic_group: { type: categorical, categories: [1A, 1B, 1C, 2A, 3F, 6A] }
    primary_key: [patient_id]
    unique: [[upi_number]]
    rules:
      - { id: chi, pattern: { column: upi_number, format: chi } }
      - { id: sex, categories: { column: sex, weights: { "2": 99, "1": 1 } } }
      - { id: born, distribution: { column: birth_date, kind: truncated_normal, mean: "1955-06-01", sd: 4000, min: "1925-01-01", max: "1992-12-31" } }
      - { id: district, pattern: { column: postcode, format: uk_postcode_district } }
      - { id: ethnic, categories: { column: ethnic_group, weights: { 1A: 80, 1B: 10, 1C: 3, 2A: 2, 3F: 3, 6A: 2 } } }
  ndc_smr01:
    columns:
      admission_id: { type: integer }
      patient_id: { type: integer }
      admission_date: { type: date }
      discharge_date: { type: date }
      length_of_stay: { type: integer }
      age_in_years: { type: integer }
      emergency: { type: boolean }
      marital_status: { type: categorical, categories: [A, B, C, D, E] }
      main_condition: { type: string }
    primary_key: [admission_id]
    foreign_keys: [{ columns: [patient_id], table: patients, references: [patient_id] }]
    rules:
      - { id: admitted, range: { column: admission_date, min: "2014-01-01", max: "2016-12-31" } }
      - { id: order, constraint: "discharge_date >= admission_date" }
      - { id: stay, constraint: "length_of_stay = discharge_date - admission_date" }
      - { id: stay-range, range: { column: length_of_stay, min: 0, max: 60 } }
      - { id: stay-shape, distribution: { column: length_of_stay, kind: exponential, mean: 4 } }
      - { id: age, constraint: "age_in_years = age(patients.birth_date, admission_date)" }
      - { id: adult, constraint: "admission_date >= patients.birth_date + 6575" }
      - { id: emergency, categories: { column: emergency, weights: { "true": 40, "false": 60 } } }
      - { id: marital, categories: { column: marital_status, weights: { A: 20, B: 50, C: 15, D: 10, E: 5 } } }
      - { id: icd10, pattern: { column: main_condition, regex: "C50\\\\.[0-9]|Z51\\\\.1|D70|R50\\\\.9" } }
  ndc_charlson:
    columns:
      patient_id: { type: integer }
      mi: { type: boolean }
      chf: { type: boolean }
      pvd: { type: boolean }
      dementia: { type: boolean }
      diabetes: { type: boolean }
      renal: { type: boolean }
      charlson_index: { type: integer }
    primary_key: [patient_id]
    foreign_keys: [{ columns: [patient_id], table: patients, references: [patient_id] }]
    rules:
      - { id: mi, categories: { column: mi, weights: { "true": 5, "false": 95 } } }
      - { id: chf, categories: { column: chf, weights: { "true": 4, "false": 96 } } }
      - { id: pvd, categories: { column: pvd, weights: { "true": 3, "false": 97 } } }
      - { id: dementia, categories: { column: dementia, weights: { "true": 2, "false": 98 } } }
      - { id: diabetes, categories: { column: diabetes, weights: { "true": 9, "false": 91 } } }
      - { id: renal, categories: { column: renal, weights: { "true": 3, "false": 97 } } }
      - { id: charlson, constraint: "charlson_index = mi + chf + pvd + dementia + diabetes + 2 * renal" }
  regimes:
    columns:
      regime_id: { type: integer }
      patient_id: { type: integer }
      regimen: { type: categorical, categories: [FEC-T, AC, Docetaxel, Paclitaxel, Trastuzumab, Capecitabine] }
      start_date: { type: date }
      planned_cycles: { type: integer }
    primary_key: [regime_id]
    foreign_keys: [{ columns: [patient_id], table: patients, references: [patient_id] }]
    rules:
      - { id: regimen, categories: { column: regimen, weights: { FEC-T: 30, AC: 20, Docetaxel: 15, Paclitaxel: 15, Trastuzumab: 12, Capecitabine: 8 } } }
      - { id: started, range: { column: start_date, min: "2014-01-01", max: "2016-06-30" } }
      - { id: adult-at-start, constraint: "start_date >= patients.birth_date + 6575" }
      - { id: fec-t-six, when: "regimen = 'FEC-T'", range: { column: planned_cycles, min: 6, max: 6 } }
      - { id: planned, range: { column: planned_cycles, min: 1, max: 18 } }
  chemocare_toxicity:
    columns:
      regime_id: { type: integer }
      cycle_number: { type: integer }
      assessment_date: { type: date }
      nausea: { type: integer }
      neutropenia: { type: integer }
      infection: { type: integer }
      neuropathy: { type: integer }
      action_taken: { type: categorical, categories: [NONE, SUPPORT, DELAY, REDUCE] }
    primary_key: [regime_id, cycle_number]
    foreign_keys: [{ columns: [regime_id], table: regimes, references: [regime_id] }]
    rules:
      - { id: cycle, constraint: "cycle_number = row_number()" }
      - { id: assessed, constraint: "assessment_date = regimes.start_date + cycle_number * 21 - 1" }
      - { id: nausea, categories: { column: nausea, values: [0, 0, 0, 1, 1, 2, 3] } }
      - { id: neutropenia, range: { column: neutropenia, min: 0, max: 4 } }
      - { id: infection, categories: { column: infection, weights: { "0": 88, "1": 3, "2": 5, "3": 3.4, "4": 0.6 } } }
      - { id: febrile, when: "infection >= 3", constraint: "neutropenia >= 2" }
      - { id: neuropathy-taxane, when: "regimes.regimen in ('Docetaxel', 'Paclitaxel')", range: { column: neuropathy, min: 0, max: 3 } }
      - { id: neuropathy-other, when: "regimes.regimen not in ('Docetaxel', 'Paclitaxel')", range: { column: neuropathy, min: 0, max: 1 } }
      - { id: action, categories: { column: action_taken, weights: { NONE: 70, SUPPORT: 15, DELAY: 10, REDUCE: 5 } } }
fabricate:
  patients: { rows: 1000 }
  ndc_smr01: { rows: { per: patients, count: { kind: uniform, min: 1, max: 4 } } }
  ndc_charlson: { rows: { per: patients, count: 1 } }
  regimes: { rows: { per: patients, count: { kind: uniform, min: 1, max: 3 } } }
  chemocare_toxicity: { rows: { per: regimes, count: { kind: uniform, min: 1, max: 40 } } }
`;

/** About this many rows of all tables per patient in BENCH_PROJECT (1 + 2.5 + 1 + 2 + 2 × 20.5). */
const ROWS_PER_PATIENT = 47.5;

function compileBenchProject(): CompiledProject {
  const file = process.env.SERUMS_BENCH_FABRICATION;
  const { project, source } = file ? loadProject(file) : parseProject(BENCH_PROJECT, "bench-project.yaml");
  return compileProject(project, source);
}

/** The issue's own yardstick: the use case, examples/ecdg/fabrication.yaml. */
const USE_CASE = fileURLToPath(new URL("../examples/ecdg/fabrication.yaml", import.meta.url));
/** About this many rows of all tables per patient in the use case (71,313 rows for 933 patients). */
const USE_CASE_ROWS_PER_PATIENT = 76;

function compileUseCase(): CompiledProject {
  const { project, source } = loadProject(USE_CASE);
  return compileProject(project, source);
}

/** A writer that counts and keeps nothing (the memory runs measure the engine). */
function nullWriter(): FabricationWriter {
  const rows: Record<string, number> = {};
  return {
    begin: async () => undefined,
    table(name) {
      rows[name] = 0;
      return {
        write() {
          rows[name]!++;
        },
        end: async () => undefined,
      };
    },
    finish: async () => ({ rows, location: "null" }),
    abort: async () => undefined,
  };
}

/** The baseline: the same tables and row counts, each column a plain seeded draw, no rules. */
async function plainLoop(
  specs: readonly TableSpec[],
  counts: Record<string, number>,
  writer: FabricationWriter,
): Promise<void> {
  await writer.begin(specs);
  const rng = new Prng(1, "baseline");
  for (const spec of specs) {
    const out = writer.table(spec.name);
    const draws = spec.columns.map((c): (() => CellValue) => {
      switch (c.type) {
        case "categorical": {
          const cats = c.categories!;
          return () => cats[Math.floor(rng.next() * cats.length)]!;
        }
        case "boolean":
          return () => rng.next() < 0.5;
        case "string":
          return () => `S${Math.floor(rng.next() * 1e9)}`;
        case "date":
          return () => 16000 + Math.floor(rng.next() * 1000);
        case "datetime":
          return () => 1.4e9 + Math.floor(rng.next() * 1e8);
        case "decimal": {
          // A value of the column's type: its scale's digits, within its precision.
          const unit = 10 ** (c.scale ?? 2);
          const span = 10 ** ((c.precision ?? 10) - (c.scale ?? 2));
          return () => Math.floor(rng.next() * span * unit) / unit;
        }
        default:
          return () => Math.floor(rng.next() * 1000);
      }
    });
    const n = counts[spec.name] ?? 0;
    for (let i = 0; i < n; i++) {
      const row = new Array<CellValue>(draws.length);
      for (let k = 0; k < draws.length; k++) row[k] = draws[k]!();
      const pending = out.write(row);
      if (pending !== undefined) await pending;
    }
    await out.end();
  }
  await writer.finish();
}

/** Fabricates about `rows` rows into a null writer in this process; prints the peak RSS (MB). */
async function memoryChild(rows: number): Promise<void> {
  const compiled = compileBenchProject();
  const before = process.memoryUsage().rss;
  const summary = await runProject(compiled, nullWriter(), {
    rows: Math.max(1, Math.round(rows / ROWS_PER_PATIENT)),
  });
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ rows: summary.rows, before, peak })}\n`);
}

function measureMemory(rows: number): { rows: number; before: number; peak: number } {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [self, "--memory-child", String(rows)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: process.env,
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

/**
 * Fabrication into PostgreSQL (the committed COPY writer, in a scratch schema) against COPY of
 * the same rows, pre-formatted, into the same tables created the same way (the baseline: the
 * rows dumped from the first load with COPY TO, then loaded again with COPY FROM, keys and
 * foreign keys as the writer makes them, in one transaction). Best of 1 (quick) or 3 runs each.
 */
async function postgresMetric(url: string, patients: number, quick: boolean): Promise<Metric> {
  const client = new pgClient.Client({ connectionString: url });
  await client.connect();
  const schemaA = `bench_fabricate_${process.pid}_a`;
  const schemaB = `bench_fabricate_${process.pid}_b`;
  const q = (schema: string) => (name: string) => `"${schema}"."${name.replaceAll('"', '""')}"`;
  try {
    const repetitions = quick ? 1 : 3;
    let best = 0;
    let bestBaseline = 0;
    let rows = 0;
    for (let r = 0; r < repetitions; r++) {
      await client.query(
        `DROP SCHEMA IF EXISTS "${schemaA}" CASCADE; DROP SCHEMA IF EXISTS "${schemaB}" CASCADE`,
      );
      const compiled = compileBenchProject();
      const writer = await openWriter(`postgres:${url}#${schemaA}`, { overwrite: true });
      const started = performance.now();
      const summary = await runProject(compiled, writer, { rows: patients });
      best = Math.max(best, summary.rows / ((performance.now() - started) / 1000));
      rows = summary.rows;
      // The same rows as COPY text (not timed).
      const specs = compiled.tables.map((t) => t.shape.spec);
      const texts: string[] = [];
      for (const spec of specs) {
        const chunks: Buffer[] = [];
        const stream = client.query(copyTo(`COPY ${q(schemaA)(spec.name)} TO STDOUT`));
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        texts.push(Buffer.concat(chunks).toString("utf8"));
      }
      const baseStarted = performance.now();
      await client.query("BEGIN");
      await client.query(`CREATE SCHEMA "${schemaB}"`);
      for (const spec of specs)
        await client.query(createTableSql(spec, "postgres", q(schemaB), { foreignKeys: false }));
      for (let i = 0; i < specs.length; i++) {
        const stream = client.query(copyFrom(`COPY ${q(schemaB)(specs[i]!.name)} FROM STDIN`));
        await new Promise<void>((resolve, reject) => {
          stream.on("finish", resolve);
          stream.on("error", reject);
          stream.end(texts[i]!);
        });
      }
      for (const spec of specs)
        for (const sql of addForeignKeysSql(spec, q(schemaB))) await client.query(sql);
      await client.query("COMMIT");
      bestBaseline = Math.max(bestBaseline, rows / ((performance.now() - baseStarted) / 1000));
    }
    progress(
      `fabricate: ${rows} rows to PostgreSQL, ${Math.round(best)} rows/s; COPY of the same rows ${Math.round(bestBaseline)} rows/s`,
    );
    return metric(BENCH, "rows_per_second_postgres", best, bestBaseline, "rows/s");
  } finally {
    await client
      .query(`DROP SCHEMA IF EXISTS "${schemaA}" CASCADE; DROP SCHEMA IF EXISTS "${schemaB}" CASCADE`)
      .catch(() => undefined);
    await client.end();
  }
}

/** Best rows/s of `repetitions` runs to CSV, and of the plain loop writing the same tables. */
async function csvRate(
  compile: () => CompiledProject,
  rowsOption: number,
  repetitions: number,
): Promise<{ best: number; baseline: number; rows: number }> {
  const compiled = compile();
  const dir = mkdtempSync(path.join(tmpdir(), "serums-bench-fabricate-"));
  try {
    let best = 0;
    let baseline = 0;
    let rows = 0;
    for (let r = 0; r < repetitions; r++) {
      const writer = await openWriter(`csv:${path.join(dir, `run-${r}`)}`, { overwrite: true });
      const started = performance.now();
      const summary = await runProject(compile(), writer, { rows: rowsOption });
      const seconds = (performance.now() - started) / 1000;
      rows = summary.rows;
      const failed = summary.tables.reduce((s, t) => s + t.failed, 0);
      if (failed > 0) throw new Error(`fabricate bench: ${failed} records could not be made`);
      best = Math.max(best, summary.rows / seconds);
      const counts = Object.fromEntries(summary.tables.map((t) => [t.table, t.rows]));
      const baseWriter = await openWriter(`csv:${path.join(dir, `base-${r}`)}`, { overwrite: true });
      const baseStarted = performance.now();
      await plainLoop(
        compiled.tables.map((t) => t.shape.spec),
        counts,
        baseWriter,
      );
      baseline = Math.max(baseline, summary.rows / ((performance.now() - baseStarted) / 1000));
      rmSync(path.join(dir, `run-${r}`), { recursive: true, force: true });
      rmSync(path.join(dir, `base-${r}`), { recursive: true, force: true });
    }
    return { best, baseline, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const fabricateBench: Bench = async (options) => {
  const metrics: Metric[] = [];
  const target = options.quick ? 100_000 : 1_000_000;
  const patients = Math.max(1, Math.round(target / ROWS_PER_PATIENT));
  const repetitions = options.quick ? 1 : 3;
  const bench = await csvRate(compileBenchProject, patients, repetitions);
  progress(
    `fabricate: bench project, ${bench.rows} rows to CSV, ${Math.round(bench.best)} rows/s; plain loop ${Math.round(bench.baseline)} rows/s`,
  );
  metrics.push(metric(BENCH, "rows_per_second_csv", bench.best, bench.baseline, "rows/s"));
  const useCasePatients = Math.max(1, Math.round(target / USE_CASE_ROWS_PER_PATIENT));
  const useCase = await csvRate(compileUseCase, useCasePatients, repetitions);
  progress(
    `fabricate: the use case (${useCasePatients} patients), ${useCase.rows} rows to CSV, ${Math.round(useCase.best)} rows/s; plain loop ${Math.round(useCase.baseline)} rows/s`,
  );
  metrics.push(metric(BENCH, "use_case_rows_per_second_csv", useCase.best, useCase.baseline, "rows/s"));
  const pg = options.engines.find((e) => e.engine === "postgres");
  if (pg?.url !== undefined) metrics.push(await postgresMetric(pg.url, patients, options.quick));
  for (const rows of options.quick ? [1_000_000] : [1_000_000, 10_000_000]) {
    const m = measureMemory(rows);
    progress(
      `fabricate: ${m.rows} rows, peak RSS ${Math.round(m.peak / 1e6)} MB (before ${Math.round(m.before / 1e6)} MB)`,
    );
    metrics.push(metric(BENCH, `peak_rss_${rows / 1_000_000}m_rows`, m.peak / 1e6, m.before / 1e6, "MB"));
  }
  return metrics;
};

if (import.meta.main && process.argv[2] === "--memory-child") {
  await memoryChild(Number(process.argv[3]));
}
