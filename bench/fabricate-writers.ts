/**
 * The fabrication writers alone, on rows shaped like the use case's NDC SMR01 table (17 columns:
 * integers, dates, categories, codes, a decimal, a boolean, nullable codes). The rows are made
 * before timing (a pool of distinct rows, cycled, so the engine's cost is not in the figure);
 * dates span three years, as they do in the use case, so the date cache sees realistic reuse.
 *
 * 1. CSV writer, rows/s — formatting (RFC 4180 quoting, dates, decimals) plus writing the file
 *    through its 64 KiB chunks, temporary name, fsync and rename. Baseline: the floor — the same
 *    rows already formatted as CSV lines, appended to the same chunked file writes. The ratio is
 *    the share of the floor's speed the writer keeps. The end-to-end bar is 300,000
 *    rows/s for engine + writer on one core, so the writer alone must run well above that.
 * 2. SQLite writer, rows/s, against prepared inserts of the same rows already converted to SQLite
 *    values, in one transaction into the same table.
 * 3. PostgreSQL writer (when a PostgreSQL is configured), rows/s from begin to finish (connect,
 *    create, COPY, foreign keys, commit), against a raw COPY of the same rows pre-formatted as
 *    COPY text, in the same chunks, into the same table (connect, create, COPY, commit). The
 *    issue's bar: fabricate-to-PostgreSQL ≥ 0.7 of COPY of the same rows; the writer's overhead
 *    is what decides it.
 *
 * `--quick` shrinks every count to a smoke run.
 */

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { seededRandom } from "../src/fabricate/profile/index.ts";
import type { RowValues, TableSpec } from "../src/fabricate/table-spec.ts";
import {
  CSV_FORMAT,
  copyRowEncoder,
  createTableSql,
  csvEncoder,
  type FabricationWriter,
  FileWriter,
  PostgresWriter,
  SqliteWriter,
} from "../src/fabricate/writers/index.ts";
import {
  type BenchOptions,
  describeEngine,
  type Metric,
  median,
  metric,
  progress,
  timed,
} from "./harness.ts";

const BENCH = "fabricate-writers";
/** The bar for fabricate-to-PostgreSQL against COPY of the same rows. */
export const POSTGRES_COPY_BAR = 0.7;
const CHUNK_CHARS = 64 * 1024;

interface Scale {
  csvRows: number;
  sqliteRows: number;
  postgresRows: number;
  repetitions: number;
}
const FULL: Scale = { csvRows: 1_000_000, sqliteRows: 200_000, postgresRows: 300_000, repetitions: 3 };
const QUICK: Scale = { csvRows: 20_000, sqliteRows: 5_000, postgresRows: 5_000, repetitions: 1 };
const POOL = 4096;

const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);
const ICD10 = codes("C50.", 9).concat(codes("Z51.", 5), codes("I10", 1), codes("E11.", 9));
const OPCS = codes("B28.", 9).concat(codes("X35.", 4));

export const SMR01: TableSpec = {
  name: "ndc_smr01",
  columns: [
    { name: "episode_id", type: "integer", nullable: false },
    { name: "patient_id", type: "integer", nullable: false },
    { name: "admission_date", type: "date", nullable: false },
    { name: "discharge_date", type: "date", nullable: false },
    { name: "length_of_stay", type: "integer", nullable: false },
    { name: "sex", type: "categorical", nullable: false, categories: ["F", "M"] },
    { name: "age", type: "integer", nullable: false },
    {
      name: "ethnic_group",
      type: "categorical",
      nullable: false,
      categories: ["1A", "1B", "2A", "3F", "9", "Other, not known"],
    },
    {
      name: "marital_status",
      type: "categorical",
      nullable: true,
      categories: ["A", "B", "C", "D", "E", "Z"],
    },
    { name: "postcode", type: "string", nullable: true },
    { name: "main_operation_a", type: "categorical", nullable: true, categories: OPCS },
    { name: "main_operation_b", type: "categorical", nullable: true, categories: OPCS },
    { name: "main_condition", type: "categorical", nullable: false, categories: ICD10 },
    { name: "other_condition_1", type: "categorical", nullable: true, categories: ICD10 },
    { name: "other_condition_2", type: "categorical", nullable: true, categories: ICD10 },
    { name: "weight_kg", type: "decimal", nullable: true, precision: 5, scale: 1 },
    { name: "elective", type: "boolean", nullable: false },
  ],
  primaryKey: ["episode_id"],
  unique: [],
  foreignKeys: [],
};

/** A pool of distinct SMR01 rows; row i of a run is pool[i % POOL] given episode id i + 1. */
export function smr01Pool(): (string | number | boolean | null)[][] {
  const random = seededRandom(20140101); // mulberry32: the same rows every run
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const start = Date.UTC(2014, 0, 1) / 86_400_000;
  const rows: (string | number | boolean | null)[][] = [];
  for (let i = 0; i < POOL; i++) {
    const admission = start + Math.floor(random() * 1096);
    const stay = Math.floor(random() * 12);
    rows.push([
      0,
      1 + Math.floor(random() * 933),
      admission,
      admission + stay,
      stay,
      random() < 0.98 ? "F" : "M",
      25 + Math.floor(random() * 65),
      pick(SMR01.columns[7]!.categories!),
      random() < 0.1 ? null : pick(SMR01.columns[8]!.categories!),
      random() < 0.05
        ? null
        : `EH${1 + Math.floor(random() * 54)} ${Math.floor(random() * 10)}${pick(["AB", "DX", "QT", "RL"])}`,
      random() < 0.3 ? null : pick(OPCS),
      random() < 0.7 ? null : pick(OPCS),
      pick(ICD10),
      random() < 0.5 ? null : pick(ICD10),
      random() < 0.8 ? null : pick(ICD10),
      random() < 0.2 ? null : Math.round((45 + random() * 60) * 10) / 10,
      random() < 0.6,
    ]);
  }
  return rows;
}

const pool = smr01Pool();

/**
 * Row i of a run, without allocating: the pool's row, its id set in place. Every writer formats
 * or binds a row before `write` returns, so reusing the array is safe.
 */
function rowAt(i: number): RowValues {
  const row = pool[i % POOL]!;
  row[0] = i + 1;
  return row;
}

async function writeAll(writer: FabricationWriter, count: number): Promise<void> {
  await writer.begin([SMR01]);
  const table = writer.table(SMR01.name);
  for (let i = 0; i < count; i++) {
    const wait = table.write(rowAt(i));
    if (wait) await wait;
  }
  await table.end();
  await writer.finish();
}

async function csvMetrics(scale: Scale): Promise<Metric[]> {
  const count = scale.csvRows;
  // The floor's input: each pool row as its CSV line after the id, formatted before timing.
  const encode = csvEncoder(SMR01);
  const tails = pool.map((_, i) => {
    const line = encode.row(rowAt(i), 0);
    return line.slice(line.indexOf(","));
  });
  const dir = fs.mkdtempSync(path.join(tmpdir(), "serums-bench-writers-"));
  const writerMs: number[] = [];
  const floorMs: number[] = [];
  try {
    for (let r = 0; r < scale.repetitions + 1; r++) {
      const out = path.join(dir, `csv-${r}`);
      const ms = await timed(() => writeAll(new FileWriter(CSV_FORMAT, out), count));
      const floorFile = path.join(dir, `floor-${r}.csv`);
      const floor = await timed(async () => {
        const fd = fs.openSync(floorFile, "wx");
        let buffer = "";
        for (let i = 0; i < count; i++) {
          buffer += `${i + 1}${tails[i % POOL]}`;
          if (buffer.length >= CHUNK_CHARS) {
            fs.writeSync(fd, buffer);
            buffer = "";
          }
        }
        fs.writeSync(fd, buffer);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      });
      if (r > 0) {
        // The first round warms up the JIT and the page cache.
        writerMs.push(ms);
        floorMs.push(floor);
      }
      fs.rmSync(out, { recursive: true, force: true });
      fs.rmSync(floorFile, { force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rate = (ms: number) => count / (ms / 1000);
  progress(
    `csv: writer ${Math.round(rate(median(writerMs)))} rows/s, floor ${Math.round(rate(median(floorMs)))} rows/s`,
  );
  return [
    metric(
      BENCH,
      "csv writer rows/s (vs writing pre-formatted lines)",
      rate(median(writerMs)),
      rate(median(floorMs)),
      "rows/s",
    ),
  ];
}

async function sqliteMetrics(scale: Scale): Promise<Metric[]> {
  const count = scale.sqliteRows;
  const converted = pool.map((row) =>
    row.map((v, i) => {
      const type = SMR01.columns[i]!.type;
      if (v === null) return null;
      if (type === "date") return new Date((v as number) * 86_400_000).toISOString().slice(0, 10);
      if (type === "boolean") return v ? 1 : 0;
      return v as string | number;
    }),
  );
  const dir = fs.mkdtempSync(path.join(tmpdir(), "serums-bench-writers-"));
  const writerMs: number[] = [];
  const rawMs: number[] = [];
  try {
    for (let r = 0; r < scale.repetitions + 1; r++) {
      const ms = await timed(() => writeAll(new SqliteWriter(path.join(dir, `w-${r}.db`)), count));
      const raw = await timed(async () => {
        const db = new DatabaseSync(path.join(dir, `raw-${r}.db`));
        db.exec(createTableSql(SMR01, "sqlite", (n) => `"${n}"`, { foreignKeys: true }));
        const insert = db.prepare(
          `INSERT INTO ndc_smr01 VALUES (${SMR01.columns.map(() => "?").join(", ")})`,
        );
        db.exec("BEGIN");
        for (let i = 0; i < count; i++) {
          const row = converted[i % POOL]!;
          row[0] = i + 1;
          insert.run(...row);
        }
        db.exec("COMMIT");
        db.close();
      });
      if (r > 0) {
        writerMs.push(ms);
        rawMs.push(raw);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rate = (ms: number) => count / (ms / 1000);
  progress(
    `sqlite: writer ${Math.round(rate(median(writerMs)))} rows/s, raw insert ${Math.round(rate(median(rawMs)))} rows/s`,
  );
  return [
    metric(
      BENCH,
      "sqlite writer rows/s (vs prepared inserts of pre-converted rows)",
      rate(median(writerMs)),
      rate(median(rawMs)),
      "rows/s",
    ),
  ];
}

async function rawCopy(url: string, schema: string, chunks: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      createTableSql(SMR01, "postgres", (n) => `"${schema}"."${n}"`, { foreignKeys: false }),
    );
    const stream = client.query(
      copyFrom(`COPY "${schema}"."ndc_smr01" FROM STDIN`, { highWaterMark: 1024 * 1024 }),
    );
    await new Promise<void>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("finish", () => resolve());
      let i = 0;
      const pump = () => {
        while (i < chunks.length) {
          if (!stream.write(chunks[i++]!)) {
            stream.once("drain", pump);
            return;
          }
        }
        stream.end();
      };
      pump();
    });
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

async function postgresMetrics(scale: Scale, url: string): Promise<Metric[]> {
  const count = scale.postgresRows;
  // The baseline's input: the same rows as COPY text, in the writer's chunk size, made before timing.
  const encode = copyRowEncoder(SMR01);
  const chunks: string[] = [];
  let buffer = "";
  for (let i = 0; i < count; i++) {
    buffer += encode(rowAt(i));
    if (buffer.length >= CHUNK_CHARS) {
      chunks.push(buffer);
      buffer = "";
    }
  }
  chunks.push(buffer);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const schemas: string[] = [];
  const fresh = async () => {
    const schema = `serums_bench_${randomBytes(6).toString("hex")}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    schemas.push(schema);
    return schema;
  };
  const writerMs: number[] = [];
  const copyMs: number[] = [];
  try {
    for (let r = 0; r < scale.repetitions + 1; r++) {
      // Alternate which goes first, so neither always finds the server warmer.
      const runWriter = async () => {
        const schema = await fresh();
        return timed(() => writeAll(new PostgresWriter(url, schema), count));
      };
      const runCopy = async () => {
        const schema = await fresh();
        return timed(() => rawCopy(url, schema, chunks));
      };
      let w: number;
      let c: number;
      if (r % 2 === 0) {
        w = await runWriter();
        c = await runCopy();
      } else {
        c = await runCopy();
        w = await runWriter();
      }
      if (r > 0) {
        writerMs.push(w);
        copyMs.push(c);
      }
      for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  } finally {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
  const rate = (ms: number) => count / (ms / 1000);
  progress(
    `postgres: writer ${Math.round(rate(median(writerMs)))} rows/s, raw COPY ${Math.round(rate(median(copyMs)))} rows/s`,
  );
  return [
    metric(
      BENCH,
      "postgres writer rows/s (vs raw COPY of the same rows)",
      rate(median(writerMs)),
      rate(median(copyMs)),
      "rows/s",
    ),
  ];
}

export async function fabricateWritersBench(options: BenchOptions): Promise<Metric[]> {
  const scale = options.quick ? QUICK : FULL;
  const metrics: Metric[] = [];
  metrics.push(...(await csvMetrics(scale)));
  for (const engine of options.engines) {
    progress(`${BENCH}: ${describeEngine(engine)}`);
    if (engine.engine === "sqlite") metrics.push(...(await sqliteMetrics(scale)));
    else metrics.push(...(await postgresMetrics(scale, engine.url!)));
  }
  return metrics;
}
