/**
 * The database writers on their engines: SQLite always, PostgreSQL when SERUMS_TEST_PG_URL is
 * set (each test in a fresh schema, dropped after). Rows are read back in each engine's own text
 * and compared with what was written.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, test } from "node:test";
import pg from "pg";
import { formatDate, formatDateTime, type RowValues, type TableSpec } from "../table-spec.ts";
import { PostgresWriter } from "./postgres-writer.ts";
import { type DatabaseWriterOptions, SqliteWriter } from "./sqlite-writer.ts";
import {
  PATIENT_ROWS,
  PATIENTS,
  TABLES,
  TREATMENT_ROWS,
  TREATMENTS,
  writeFixtures,
} from "./writer-fixtures.ts";
import type { FabricationWriter } from "./writer-types.ts";

type Cell = string | number | boolean | null;

interface Engine {
  name: "sqlite" | "postgres";
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(options?: DatabaseWriterOptions): FabricationWriter;
  /** The table's rows ordered by id, each value normalised to the form `expected` gives. */
  rows(table: TableSpec): Promise<Cell[][]>;
  tables(): Promise<string[]>;
  /** The declared type of each column. */
  types(table: string): Promise<Record<string, string>>;
  exec(sql: string): Promise<void>;
  location: string;
}

/** What a written value reads back as, in both engines after normalising. */
function expected(table: TableSpec, row: RowValues): Cell[] {
  return row.map((value, i) => {
    const column = table.columns[i]!;
    if (value === null) return null;
    if (column.type === "date") return formatDate(value as number);
    if (column.type === "datetime") return formatDateTime(value as number);
    // (+ 0 turns -0 into 0: a database keeps no sign on zero.)
    if (column.type === "decimal") return Number((value as number).toFixed(column.scale!)) + 0;
    return value;
  });
}

function sqliteEngine(): Engine {
  let dir = "";
  let file = "";
  const read = <T>(work: (db: DatabaseSync) => T): T => {
    const db = new DatabaseSync(file);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    name: "sqlite",
    async setup() {
      dir = fs.mkdtempSync(path.join(tmpdir(), "serums-sqlite-writer-"));
      file = path.join(dir, "out.db");
    },
    async teardown() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
    open: (options) => new SqliteWriter(file, options),
    get location() {
      return `sqlite:${file}`;
    },
    async rows(table) {
      return read((db) =>
        (db.prepare(`SELECT * FROM "${table.name}" ORDER BY id`).all() as Record<string, Cell>[]).map((r) =>
          table.columns.map((c) => {
            const v = r[c.name] ?? null;
            return c.type === "boolean" && v !== null ? v === 1 : v;
          }),
        ),
      );
    },
    async tables() {
      if (!fs.existsSync(file)) return [];
      return read((db) =>
        (
          db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
            name: string;
          }[]
        ).map((r) => r.name),
      );
    },
    async types(table) {
      return read((db) =>
        Object.fromEntries(
          (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; type: string }[]).map((r) => [
            r.name,
            r.type,
          ]),
        ),
      );
    },
    async exec(sql) {
      read((db) => db.exec(sql));
    },
  };
}

function postgresEngine(url: string): Engine {
  const schema = () => current;
  let current = "";
  const withClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    // Every value as PostgreSQL's own text.
    const client = new pg.Client({
      connectionString: url,
      types: { getTypeParser: () => (text: string) => text },
    });
    await client.connect();
    try {
      await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const withPassword = new URL(url);
  withPassword.password = "not-a-secret";
  return {
    name: "postgres",
    async setup() {
      current = `serums_test_${randomBytes(6).toString("hex")}`;
    },
    async teardown() {
      await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${schema()} CASCADE`));
    },
    // Trust authentication ignores the password; the summary must not show it.
    open: (options) => new PostgresWriter(withPassword.href, schema(), options),
    get location() {
      const shown = new URL(withPassword.href);
      shown.password = "***";
      return `postgres:${shown.href}#${schema()}`;
    },
    async rows(table) {
      return withClient(async (c) => {
        const result = await c.query(`SELECT * FROM ${schema()}."${table.name}" ORDER BY id`);
        return result.rows.map((r: Record<string, string | null>) =>
          table.columns.map((column) => {
            const v = r[column.name] ?? null;
            if (v === null) return null;
            switch (column.type) {
              case "integer":
              case "decimal":
                return Number(v);
              case "boolean":
                return v === "t";
              case "datetime":
                return v.replace(" ", "T").replace(/\+00$/, "Z");
              default:
                return v;
            }
          }),
        );
      });
    },
    async tables() {
      return withClient(async (c) =>
        (
          await c.query("SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", [
            schema(),
          ])
        ).rows.map((r: { tablename: string }) => r.tablename),
      );
    },
    async types(table) {
      return withClient(async (c) => {
        const result = await c.query(
          `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
          [`${schema()}."${table}"`],
        );
        return Object.fromEntries(
          result.rows.map((r: { attname: string; type: string }) => [r.attname, r.type]),
        );
      });
    },
    async exec(sql) {
      await withClient((c) => c.query(sql.replaceAll("SCHEMA.", `${schema()}.`)));
    },
  };
}

/** Every writer a test opens is aborted after it (a no-op once finished), so a failing test leaves no open transaction. */
function tracked(engine: Engine): Engine & { release(): Promise<void> } {
  const open: FabricationWriter[] = [];
  return Object.assign(Object.create(engine) as Engine, {
    open(options?: DatabaseWriterOptions) {
      const writer = engine.open(options);
      open.push(writer);
      return writer;
    },
    async release() {
      for (const writer of open.splice(0)) await writer.abort().catch(() => undefined);
    },
  });
}

const engines = [sqliteEngine()];
if (process.env.SERUMS_TEST_PG_URL) engines.push(postgresEngine(process.env.SERUMS_TEST_PG_URL));

for (const untracked of engines) {
  const engine = tracked(untracked);
  describe(`database writer [${engine.name}]`, () => {
    beforeEach(() => engine.setup());
    afterEach(async () => {
      await engine.release();
      await engine.teardown();
    });
    const qualified = (table: string) => (engine.name === "postgres" ? `SCHEMA.${table}` : table);

    test("round trip: every type, awkward strings, nulls; summary without a password", async () => {
      const writer = engine.open();
      await writeFixtures(writer);
      const summary = await writer.finish();
      assert.deepEqual(summary, {
        rows: { patients: PATIENT_ROWS.length, treatments: TREATMENT_ROWS.length },
        location: engine.location,
      });
      assert.doesNotMatch(summary.location, /not-a-secret/);
      assert.deepEqual(
        await engine.rows(PATIENTS),
        PATIENT_ROWS.map((row) => expected(PATIENTS, row)),
      );
      assert.deepEqual(
        await engine.rows(TREATMENTS),
        TREATMENT_ROWS.map((row) => expected(TREATMENTS, row)),
      );
    });

    test("tables are created with the spec's types and NOT NULL", async () => {
      const writer = engine.open();
      await writeFixtures(writer);
      await writer.finish();
      const types = await engine.types("patients");
      assert.deepEqual(
        types,
        engine.name === "sqlite"
          ? {
              id: "INTEGER",
              name: "TEXT",
              sex: "TEXT",
              birth_date: "DATE",
              weight: "NUMERIC(5,2)",
              smoker: "BOOLEAN",
              registered: "DATETIME",
            }
          : {
              id: "bigint",
              name: "text",
              sex: "text",
              birth_date: "date",
              weight: "numeric(5,2)",
              smoker: "boolean",
              registered: "timestamp with time zone",
            },
      );
      // NOT NULL, the primary key, the unique set and the foreign key hold in the database itself.
      await assert.rejects(
        engine.exec(
          `INSERT INTO ${qualified("patients")} (id, sex, birth_date, registered) VALUES (500, NULL, '2015-01-01', '2015-01-01T00:00:00Z')`,
        ),
        /null|NOT NULL/i,
      );
      await assert.rejects(
        engine.exec(
          `INSERT INTO ${qualified("patients")} (id, sex, birth_date, registered) VALUES (1, 'F', '2015-01-01', '2015-01-01T00:00:00Z')`,
        ),
        /unique|duplicate/i,
      );
      await assert.rejects(
        engine.exec(
          `INSERT INTO ${qualified("treatments")} (id, patient_id, cycle, drug) VALUES (9, 2, 1, 'AC, then T')`,
        ),
        /unique|duplicate/i,
      );
      if (engine.name === "postgres") {
        await assert.rejects(
          engine.exec(
            `INSERT INTO ${qualified("treatments")} (id, patient_id, cycle, drug) VALUES (9, 999, 1, 'AC, then T')`,
          ),
          /foreign key/i,
        );
      }
    });

    test("abort rolls back: no table is left, and a new SQLite file is removed", async () => {
      const writer = engine.open();
      await writer.begin(TABLES);
      for (const row of PATIENT_ROWS) await writer.table("patients").write(row);
      await writer.table("patients").end();
      await writer.table("treatments").write(TREATMENT_ROWS[0]!);
      await writer.abort();
      assert.deepEqual(await engine.tables(), []);
    });

    test("a duplicate key fails the run, and abort leaves nothing", async () => {
      const writer = engine.open();
      await writer.begin([PATIENTS]);
      const patients = writer.table("patients");
      let failure: unknown;
      try {
        await patients.write(PATIENT_ROWS[0]!);
        await patients.write(PATIENT_ROWS[0]!);
        await patients.end();
        await writer.finish();
      } catch (error) {
        failure = error;
        await writer.abort();
      }
      assert.match(String((failure as Error)?.message), /patients/);
      assert.match(String((failure as Error)?.message), /UNIQUE|duplicate/i);
      assert.equal((failure as { code?: string }).code, "STORE");
      assert.deepEqual(await engine.tables(), []);
    });

    test("a child referencing a missing parent fails at finish, and nothing is committed", async () => {
      const writer = engine.open();
      await writer.begin(TABLES);
      await writer.table("patients").write(PATIENT_ROWS[0]!);
      await writer.table("patients").end();
      await writer.table("treatments").write([1, 999, 1, "FEC-T", 16500]);
      await writer.table("treatments").end();
      await assert.rejects(writer.finish(), /FOREIGN KEY|foreign key/);
      await writer.abort();
      assert.deepEqual(await engine.tables(), []);
    });

    test("existing tables: refused by default, replaced with overwrite, added to with append", async () => {
      const first = engine.open();
      await writeFixtures(first);
      await first.finish();

      const refused = engine.open();
      await assert.rejects(
        refused.begin(TABLES),
        (e: Error & { code?: string }) =>
          e.code === "BAD_USAGE" && /tables patients, treatments already exist; pass --force/.test(e.message),
      );
      assert.equal((await engine.rows(PATIENTS)).length, PATIENT_ROWS.length);

      const replacing = engine.open({ overwrite: true });
      await replacing.begin(TABLES);
      await replacing.table("patients").write(PATIENT_ROWS[1]!);
      await replacing.finish();
      assert.deepEqual(await engine.rows(PATIENTS), [expected(PATIENTS, PATIENT_ROWS[1]!)]);
      assert.deepEqual(await engine.rows(TREATMENTS), []);

      // Reuse: the parent already there, new children appended.
      const appending = engine.open({ append: true });
      await appending.begin([TREATMENTS]);
      await appending.table("treatments").write([7, 2, 1, "FEC-T", 17000]);
      const summary = await appending.finish();
      assert.deepEqual(summary.rows, { treatments: 1 });
      assert.deepEqual(await engine.rows(TREATMENTS), [[7, 2, 1, "FEC-T", "2016-07-18"]]);
    });

    test("append refuses a table that lacks a column of the spec", async () => {
      const writer = engine.open();
      await writer.begin([PATIENTS]);
      await writer.finish();
      const wider: TableSpec = {
        ...PATIENTS,
        columns: [...PATIENTS.columns, { name: "extra", type: "string", nullable: true }],
      };
      const appending = engine.open({ append: true });
      await assert.rejects(appending.begin([wider]), /patients exists without column extra/);
      await appending.abort();
    });

    test("many rows stream through in chunks (back-pressure) and all arrive", async () => {
      const writer = engine.open();
      await writer.begin([TREATMENTS, PATIENTS].reverse());
      await writer.table("patients").write(PATIENT_ROWS[0]!);
      await writer.table("patients").end();
      const treatments = writer.table("treatments");
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        const wait = treatments.write([
          i,
          1,
          i,
          i % 2 ? "FEC-T" : 'say "docetaxel"',
          i % 3 ? 16000 + (i % 500) : null,
        ]);
        if (wait) await wait;
      }
      await treatments.end();
      const summary = await writer.finish();
      assert.equal(summary.rows.treatments, n);
      const rows = await engine.rows(TREATMENTS);
      assert.equal(rows.length, n);
      assert.deepEqual(rows[n - 1], [n - 1, 1, n - 1, "FEC-T", formatDate(16000 + ((n - 1) % 500))]);
      assert.deepEqual(rows[3], [3, 1, 3, "FEC-T", null]);
    });
  });
}

test("SQLite: abort keeps a database file that existed before, with its other tables", async () => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "serums-sqlite-writer-"));
  const file = path.join(dir, "target.db");
  try {
    const db = new DatabaseSync(file);
    db.exec("CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (42)");
    db.close();
    const writer = new SqliteWriter(file);
    await writer.begin(TABLES);
    await writer.table("patients").write(PATIENT_ROWS[0]!);
    await writer.abort();
    const after = new DatabaseSync(file);
    assert.deepEqual(
      after
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .all()
        .map((r) => r.name),
      ["mine"],
    );
    after.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("PostgreSQL: an unreachable server is a STORE error naming the location without its password", async () => {
  const writer = new PostgresWriter("postgres://u:hunter2@127.0.0.1:1/none", undefined, {});
  await assert.rejects(
    writer.begin(TABLES),
    (e: Error & { code?: string }) =>
      e.code === "STORE" &&
      e.message.includes("postgres://u:***@127.0.0.1:1/none") &&
      !e.message.includes("hunter2"),
  );
});
