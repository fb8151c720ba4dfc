/**
 * What every benchmark shares: the engines to run on (SQLite on a temporary file always,
 * PostgreSQL in a schema of its own when SERUMS_BENCH_PG_URL or DATABASE_URL is set), fresh
 * stores, timing helpers, and the JSON line each metric is printed as. Measurements go to
 * stdout, one JSON object per line; progress and diagnostics go to stderr.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { redactLocation } from "../src/config/index.ts";
import { type Engine, type Migration, openStore, PostgresStore, type Store } from "../src/store/index.ts";

/** One line of output: a measurement against a baseline measured in the same run. */
export interface Metric {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  baseline: number;
  /** value / baseline. */
  ratio: number;
}

export interface BenchEngine {
  engine: Engine;
  /** PostgreSQL only. */
  url?: string;
}

export interface BenchOptions {
  /** A smoke run: small data, few repetitions. */
  quick: boolean;
  engines: readonly BenchEngine[];
}

export type Bench = (options: BenchOptions) => Promise<Metric[]>;

/** Four significant digits: enough to compare runs, few enough to read. */
function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** A metric whose ratio is computed from the unrounded value and baseline. */
export function metric(bench: string, name: string, value: number, baseline: number, unit: string): Metric {
  return {
    bench,
    metric: name,
    value: round(value),
    unit,
    baseline: round(baseline),
    ratio: round(value / baseline),
  };
}

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The PostgreSQL the benches may use, or undefined (and the PostgreSQL benches are skipped). */
export function benchPostgresUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.SERUMS_BENCH_PG_URL || env.DATABASE_URL;
  return url && /^postgres(ql)?:\/\//i.test(url) ? url : undefined;
}

export function describeEngine(engine: BenchEngine): string {
  return engine.engine === "sqlite" ? "sqlite" : `postgres (${redactLocation(engine.url!)})`;
}

export interface BenchStore {
  store: Store;
  /** Closes the store and removes its file or schema. */
  dispose(): Promise<void>;
}

/**
 * A fresh store with `migrations` applied: SQLite on a new file in a temporary folder (the real
 * default is a file, with its WAL and fsync on commit), or PostgreSQL in a new uniquely named
 * schema, dropped by `dispose`.
 */
export async function openBenchStore(
  engine: BenchEngine,
  migrations: readonly Migration[],
): Promise<BenchStore> {
  if (engine.engine === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "serums-bench-"));
    try {
      const store = await openStore({ sqlitePath: path.join(dir, "bench.db") }, { migrations });
      return {
        store,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const url = engine.url!;
  const schema = `serums_bench_${randomBytes(6).toString("hex")}`;
  const dropSchema = async () => {
    const admin = new PostgresStore(url);
    try {
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await admin.close();
    }
  };
  const admin = new PostgresStore(url);
  try {
    await admin.exec(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.close();
  }
  let store: Store;
  try {
    store = await openStore({ databaseUrl: url, sqlitePath: "" }, { migrations, schema });
  } catch (error) {
    await dropSchema();
    throw error;
  }
  return {
    store,
    async dispose() {
      await store.close();
      await dropSchema();
    },
  };
}

/** Runs `body` with a fresh store and always disposes of it. */
export async function withBenchStore<T>(
  engine: BenchEngine,
  migrations: readonly Migration[],
  body: (store: Store) => Promise<T>,
): Promise<T> {
  const bench = await openBenchStore(engine, migrations);
  try {
    return await body(bench.store);
  } finally {
    await bench.dispose();
  }
}

/** Milliseconds `work` takes. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** The q-quantile (0..1) of samples, by the nearest-rank method. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}
