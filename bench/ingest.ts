/**
 * Ingest throughput: the five ECDG source tables, generated at the paper's scale (933 patients),
 * loaded through their mappings into a fresh vault, in source rows per second. The baseline,
 * measured in the same run on the same engine, is a plain insert of the same rows into one flat
 * table per source table (no key, no index) with the same store API: `insertMany` in batches of
 * the ingest's batch size, one transaction per table as ingest has one per load, reading the
 * rows through the same in-memory source. The ratio (ingest rows/s ÷ flat-insert rows/s) is the
 * share of the raw insert speed the vault keeps; the bar is 0.3. A second, idempotent load of
 * the same rows (nothing new) is reported against the same baseline. A third, diagnostic line
 * counts the rows the first load wrote into the vault (hubs, links, satellite rows, identifiers:
 * about seven per source row) instead of the source rows, to tell the cost of each write apart
 * from the number of writes. A fourth line is the floor (vault-write-floor.ts): the same vault
 * rows inserted as plain rows, with no mapping, hashing or lookups — the fastest any load that
 * writes them could be, in source rows per second, against the same baseline.
 */
import path from "node:path";
import { generateSample, type Sample } from "../examples/ecdg/sample.ts";
import { ecdgTables, findTable, type SourceColumn } from "../examples/ecdg/schemas.ts";
import { ingest, loadMapping, type Mapping, recordMigrations } from "../src/record/index.ts";
import { MemorySource, type SourceValue } from "../src/sources/index.ts";
import type { ColumnDef, SqlValue, Store } from "../src/store/index.ts";
import {
  type BenchEngine,
  type BenchOptions,
  describeEngine,
  type Metric,
  median,
  metric,
  progress,
  timed,
  withBenchStore,
} from "./harness.ts";
import { insertVaultRows, readVaultRows, type VaultTableRows, vaultRowCount } from "./vault-write-floor.ts";

const BENCH = "ingest";
/** The ingest's default batch size (src/record/ingest.ts); the baseline inserts in batches of the same size. */
const BATCH_SIZE = 500;
const MAPPINGS = path.join(import.meta.dirname, "..", "examples", "ecdg", "mappings");
/** The order `serums demo` loads them in. */
const LOAD_ORDER = ["ndc_smr01", "ndc_smr06", "ndc_charlson", "chemocare_treatment", "chemocare_toxicity"];
/** The bar the issue sets: ingest keeps at least this share of the flat-insert speed. */
export const INGEST_BAR = 0.3;

interface Scale {
  patients: number;
  /** Timed repetitions of the loads; the median is reported. */
  repetitions: number;
  /** Timed flat inserts per repetition: the baseline takes ~0.1 s, so noise weighs more on it. */
  flatRepetitions: number;
}

const FULL: Scale = { patients: 933, repetitions: 2, flatRepetitions: 3 };
const QUICK: Scale = { patients: 12, repetitions: 1, flatRepetitions: 1 };
const WARM_UP_PATIENTS = 40;

function rowCount(sample: Sample): number {
  return LOAD_ORDER.reduce((sum, table) => sum + sample[table]!.length, 0);
}

function source(sample: Sample, table: string): MemorySource {
  const columns = findTable(table).columns.map((c) => c.name);
  return new MemorySource(`${table} (generated)`, columns, sample[table]! as Record<string, SourceValue>[]);
}

// ---- the baseline: flat tables ----

const flatName = (table: string) => `flat_${table}`;

function flatType(column: SourceColumn): ColumnDef["type"] {
  return column.type === "integer" || column.type === "boolean" ? "bigint" : "text";
}

function flatColumns(table: string): ColumnDef[] {
  return findTable(table).columns.map((c) => ({ name: c.name, type: flatType(c) }));
}

function flatValue(value: SourceValue | undefined, type: ColumnDef["type"]): SqlValue {
  if (value === null || value === undefined) return null;
  if (type === "bigint") return typeof value === "boolean" ? (value ? 1 : 0) : value;
  return String(value);
}

async function createFlatTables(store: Store): Promise<void> {
  for (const table of LOAD_ORDER) {
    const columns = flatColumns(table).map((c) => `${c.name} ${c.type === "bigint" ? "BIGINT" : "TEXT"}`);
    await store.exec(`CREATE TABLE ${flatName(table)} (${columns.join(", ")})`);
  }
}

/** Every table into its flat table: batches of BATCH_SIZE, one transaction per table. */
async function flatInsert(store: Store, sample: Sample): Promise<void> {
  for (const table of LOAD_ORDER) {
    const columns = flatColumns(table);
    const reader = source(sample, table);
    await store.transaction(async (tx) => {
      let batch: SqlValue[][] = [];
      for await (const row of reader.rows()) {
        batch.push(columns.map((c) => flatValue(row.values[c.name], c.type)));
        if (batch.length >= BATCH_SIZE) {
          await tx.insertMany(flatName(table), columns, batch);
          batch = [];
        }
      }
      if (batch.length > 0) await tx.insertMany(flatName(table), columns, batch);
    });
  }
}

// ---- the vault ----

interface LoadTotals {
  read: number;
  changed: number;
  rejected: number;
  /** Rows the load wrote into the vault: hubs, links, satellite rows, identifiers. */
  written: number;
}

/** Loads every table through its mapping, one load each. */
async function loadAll(store: Store, mappings: Map<string, Mapping>, sample: Sample): Promise<LoadTotals> {
  const totals: LoadTotals = { read: 0, changed: 0, rejected: 0, written: 0 };
  for (const table of LOAD_ORDER) {
    const report = await ingest(store, mappings.get(table)!, source(sample, table), {
      batchSize: BATCH_SIZE,
    });
    totals.read += report.rowsRead;
    totals.changed += report.rowsChanged;
    totals.rejected += report.rowsRejected;
    totals.written += report.newHubs + report.newLinks + report.newSatellites + report.newIdentifiers;
  }
  return totals;
}

async function loadMappings(): Promise<Map<string, Mapping>> {
  const mappings = new Map<string, Mapping>();
  for (const table of ecdgTables)
    mappings.set(table.name, await loadMapping(path.join(MAPPINGS, `${table.name}.yaml`)));
  return mappings;
}

interface Timings {
  flatMs: number[];
  firstMs: number;
  reloadMs: number;
  /** Vault rows the first load wrote. */
  written: number;
  /** Inserting the first load's vault rows as plain rows into a fresh vault. */
  floorMs: number;
}

async function timeVaultWriteFloor(engine: BenchEngine, tables: readonly VaultTableRows[]): Promise<number> {
  return withBenchStore(engine, recordMigrations, (store) =>
    timed(() => insertVaultRows(store, tables, BATCH_SIZE)),
  );
}

async function timeFlatInsert(engine: BenchEngine, sample: Sample): Promise<number> {
  return withBenchStore(engine, [], async (store) => {
    await createFlatTables(store);
    return timed(() => flatInsert(store, sample));
  });
}

/** One repetition: flat inserts, each into a fresh store; then the first load and the re-load into another. */
async function measure(
  engine: BenchEngine,
  mappings: Map<string, Mapping>,
  sample: Sample,
  flatRepetitions: number,
): Promise<Timings> {
  const rows = rowCount(sample);
  const flatMs: number[] = [];
  for (let i = 0; i < flatRepetitions; i++) flatMs.push(await timeFlatInsert(engine, sample));
  const timings = await withBenchStore(engine, recordMigrations, async (store) => {
    let first: LoadTotals = { read: 0, changed: 0, rejected: 0, written: 0 };
    const firstMs = await timed(async () => {
      first = await loadAll(store, mappings, sample);
    });
    if (first.read !== rows || first.rejected !== 0 || first.changed === 0) {
      throw new Error(`first load read ${first.read} of ${rows} rows, rejected ${first.rejected}`);
    }
    let again: LoadTotals = { read: 0, changed: 0, rejected: 0, written: 0 };
    const reloadMs = await timed(async () => {
      again = await loadAll(store, mappings, sample);
    });
    if (again.read !== rows || again.changed !== 0 || again.written !== 0) {
      throw new Error(
        `the re-load changed ${again.changed} of ${again.read} rows; loading is not idempotent`,
      );
    }
    const tables = await readVaultRows(store);
    if (vaultRowCount(tables) !== first.written) {
      throw new Error(`the vault holds ${vaultRowCount(tables)} rows but the load reported ${first.written}`);
    }
    return { flatMs, firstMs, reloadMs, written: first.written, tables };
  });
  const { tables, ...rest } = timings;
  return { ...rest, floorMs: await timeVaultWriteFloor(engine, tables) };
}

export async function ingestBench(options: BenchOptions): Promise<Metric[]> {
  const scale = options.quick ? QUICK : FULL;
  const mappings = await loadMappings();
  const sample = generateSample({ patients: scale.patients });
  const warmUp = generateSample({ patients: options.quick ? 4 : WARM_UP_PATIENTS, seed: 2 });
  const rows = rowCount(sample);
  progress(
    `ingest: ${scale.patients} patients, ${rows} source rows (${LOAD_ORDER.map((t) => `${t} ${sample[t]!.length}`).join(", ")})`,
  );
  const metrics: Metric[] = [];
  for (const engine of options.engines) {
    const name = describeEngine(engine);
    await measure(engine, mappings, warmUp, 1);
    const runs: Timings[] = [];
    for (let i = 0; i < scale.repetitions; i++) {
      const run = await measure(engine, mappings, sample, scale.flatRepetitions);
      progress(
        `ingest ${name} #${i + 1}: flat insert ${run.flatMs.map((ms) => ms.toFixed(0)).join(", ")} ms; first load ${run.firstMs.toFixed(0)} ms (${run.written} vault rows), re-load ${run.reloadMs.toFixed(0)} ms; the same vault rows as plain inserts ${run.floorMs.toFixed(0)} ms`,
      );
      runs.push(run);
    }
    const perSecond = (count: number, ms: number) => (count * 1000) / ms;
    const flatMs = median(runs.flatMap((r) => r.flatMs));
    const firstMs = median(runs.map((r) => r.firstMs));
    const flat = perSecond(rows, flatMs);
    const first = perSecond(rows, firstMs);
    const reload = perSecond(rows, median(runs.map((r) => r.reloadMs)));
    const written = perSecond(runs[0]!.written, firstMs);
    const floor = perSecond(rows, median(runs.map((r) => r.floorMs)));
    const e = engine.engine;
    metrics.push(
      metric(BENCH, `${e}.first_load_rows_per_s_vs_flat_insert`, first, flat, "rows/s"),
      metric(BENCH, `${e}.reload_unchanged_rows_per_s_vs_flat_insert`, reload, flat, "rows/s"),
      // Diagnostic: the vault writes several rows per source row; this compares row for row.
      metric(BENCH, `${e}.first_load_vault_rows_written_per_s_vs_flat_insert`, written, flat, "rows/s"),
      // The ceiling: the vault's rows alone, written bare; no load can beat it.
      metric(BENCH, `${e}.vault_rows_bare_insert_source_rows_per_s_vs_flat_insert`, floor, flat, "rows/s"),
    );
    progress(
      `ingest ${name}: first load ${(first / flat).toFixed(3)} of the flat-insert speed — bar ≥ ${INGEST_BAR}: ${first / flat >= INGEST_BAR ? "met" : "NOT met"}; writing the vault's rows alone reaches ${(floor / flat).toFixed(3)}`,
    );
  }
  return metrics;
}
