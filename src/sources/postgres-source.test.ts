/** Runs against a real PostgreSQL only when SERUMS_TEST_PG_URL is set; each run uses its own schema. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { SerumsError } from "../errors/index.ts";
import { PostgresSource, parseTableName } from "./postgres-source.ts";
import type { SourceRow } from "./types.ts";

const url = process.env.SERUMS_TEST_PG_URL;
const schema = `serums_src_${randomBytes(5).toString("hex")}`;

async function readAll(source: PostgresSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  try {
    for await (const row of source.rows()) rows.push(row);
  } finally {
    await source.close();
  }
  return rows;
}

async function rejectsWith(action: () => Promise<unknown>, message: RegExp): Promise<SerumsError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SerumsError, `expected a SerumsError, got ${String(caught)}`);
  assert.equal(caught.code, "BAD_SOURCE");
  assert.match(caught.message, message);
  return caught;
}

/** The test URL with a password and a search_path of the test schema. */
function urlWith(options: { password?: string; searchPath?: boolean; application?: string }): string {
  const result = new URL(url!);
  if (options.password) result.password = options.password;
  if (options.searchPath) result.searchParams.set("options", `-c search_path=${schema}`);
  if (options.application) result.searchParams.set("application_name", options.application);
  return result.toString();
}

/** What the connection named `application` is doing, seen from another connection. */
async function activity(application: string): Promise<{ state: string; query: string }> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const result = await client.query(
      "SELECT state, query FROM pg_stat_activity WHERE application_name = $1",
      [application],
    );
    assert.equal(result.rows.length, 1);
    return result.rows[0];
  } finally {
    await client.end();
  }
}

describe("parseTableName", () => {
  it("accepts table and schema.table, and rejects quotes, extra dots and control characters", () => {
    assert.deepEqual(parseTableName("admissions", "db"), { table: "admissions" });
    assert.deepEqual(parseTableName("ward 7.Patients", "db"), { schema: "ward 7", table: "Patients" });
    for (const bad of ['x"; DROP TABLE y; --', "a.b.c", "", "a.", "tab\nle", "x".repeat(64)]) {
      assert.throws(
        () => parseTableName(bad, "postgres://h/db"),
        (error: unknown) => {
          assert.ok(error instanceof SerumsError);
          assert.equal(error.code, "BAD_SOURCE");
          assert.match(error.message, /postgres:\/\/h\/db: the table name .* is not valid/);
          return true;
        },
      );
    }
  });
});

describe("PostgresSource [postgres]", { skip: url ? false : "SERUMS_TEST_PG_URL is not set" }, () => {
  before(async () => {
    const client = new pg.Client(url);
    await client.connect();
    await client.query(`
      CREATE SCHEMA ${schema};
      SET search_path = ${schema};
      CREATE TABLE measurements (
        id bigint PRIMARY KEY, taken date, at timestamp, at_tz timestamptz, big bigint, amount numeric(20, 2),
        ratio numeric, flag boolean, note text, tags text[], doc jsonb, f float8, small int2);
      INSERT INTO measurements VALUES
        (2, '2015-06-30', '2015-06-30 23:59:59', '2015-06-30 23:59:59+01', -9007199254740993, 12.50,
         0.1000000000000000000001, false, '', '{a,b}', '{"k": [1]}', 'NaN', -3),
        (1, '2014-01-02', '2014-01-02 09:15:00.123456', '2014-01-02 09:15:00.5+05:30', 9007199254740991,
         123456789012345678.90, 0.25, true, 'first', NULL, NULL, 1.5, 7),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      CREATE TABLE "Treatments" (regime text, cycle int, day int, dose real, PRIMARY KEY (regime, cycle));
      INSERT INTO "Treatments" SELECT 'R' || (g % 7), g, g % 28, g / 4.0 FROM generate_series(2500, 1, -1) AS g;
      CREATE TABLE heap (v int);
      INSERT INTO heap VALUES (3), (1), (2);
      CREATE TABLE scans (id int PRIMARY KEY, image bytea);
      INSERT INTO scans VALUES (1, NULL), (2, '\\x00ff');
      CREATE VIEW recent AS SELECT id, note FROM measurements WHERE id > 1;
    `);
    await client.end();
  });

  after(async () => {
    const client = new pg.Client(url);
    await client.connect();
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  });

  it("converts dates, timestamps, 64-bit integers, numerics and other types", async () => {
    const source = await PostgresSource.open(url!, `${schema}.measurements`);
    assert.deepEqual(await source.columns(), [
      "id",
      "taken",
      "at",
      "at_tz",
      "big",
      "amount",
      "ratio",
      "flag",
      "note",
      "tags",
      "doc",
      "f",
      "small",
    ]);
    const rows = await readAll(source);
    assert.deepEqual(
      rows.map((row) => row.line),
      [1, 2, 3],
    );
    assert.deepEqual(rows[0]!.values, {
      id: 1,
      taken: "2014-01-02",
      at: "2014-01-02T09:15:00.123456",
      at_tz: "2014-01-02T03:45:00.500Z",
      big: 9007199254740991,
      amount: "123456789012345678.90",
      ratio: 0.25,
      flag: true,
      note: "first",
      tags: null,
      doc: null,
      f: 1.5,
      small: 7,
    });
    assert.deepEqual(rows[1]!.values, {
      id: 2,
      taken: "2015-06-30",
      at: "2015-06-30T23:59:59.000",
      at_tz: "2015-06-30T22:59:59.000Z",
      big: "-9007199254740993",
      amount: 12.5,
      ratio: "0.1000000000000000000001",
      flag: false,
      note: "",
      tags: "{a,b}",
      doc: '{"k": [1]}',
      f: "NaN",
      small: -3,
    });
    assert.ok(
      Object.values(rows[2]!.values)
        .slice(1)
        .every((value) => value === null),
    );
  });

  it("streams more than one cursor batch in primary-key order (a composite, quoted, mixed-case table)", async () => {
    const application = `${schema}_stream`;
    const source = await PostgresSource.open(urlWith({ application }), `${schema}.Treatments`);
    assert.equal(await source.countRows(), 2500);
    const rows: SourceRow[] = [];
    try {
      for await (const row of source.rows()) {
        rows.push(row);
        if (row.line === 1 || row.line === 1001) {
          // Mid-stream the connection holds an open read-only transaction and has fetched one batch.
          const { state, query } = await activity(application);
          assert.equal(state, "idle in transaction");
          assert.match(query, /^FETCH FORWARD 1000 FROM serums_source_rows$/);
        }
      }
    } finally {
      await source.close();
    }
    assert.equal(rows.length, 2500);
    assert.deepEqual(rows[0], { line: 1, values: { regime: "R0", cycle: 7, day: 7, dose: 1.75 } });
    const keys = rows.map((row) => `${row.values.regime}/${String(row.values.cycle).padStart(5, "0")}`);
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(rows[2499]!.line, 2500);
  });

  it("finds an unqualified table through the search path, and a view", async () => {
    const source = await PostgresSource.open(urlWith({ searchPath: true }), "heap");
    assert.deepEqual((await readAll(source)).map((row) => row.values.v).sort(), [1, 2, 3]);
    const view = await PostgresSource.open(url!, `${schema}.recent`);
    assert.deepEqual(await view.columns(), ["id", "note"]);
    assert.equal((await readAll(view)).length, 2);
  });

  it("ends its transaction when the reader stops early, and can still count", async () => {
    const application = `${schema}_early`;
    const source = await PostgresSource.open(urlWith({ application }), `${schema}.Treatments`);
    try {
      let seen = 0;
      for await (const _ of source.rows()) if (++seen === 1500) break;
      assert.equal(seen, 1500);
      assert.deepEqual(await activity(application), { state: "idle", query: "ROLLBACK" });
      assert.equal(await source.countRows(), 2500);
    } finally {
      await source.close();
    }
  });

  it("rejects a bytea value, naming the column and row", async () => {
    const source = await PostgresSource.open(url!, `${schema}.scans`);
    const error = await rejectsWith(
      () => readAll(source),
      /#.*scans, row 2, column image: a bytea \(binary\) value/,
    );
    assert.equal(error.where.line, 2);
    assert.equal(error.where.column, "image");
  });

  it("rejects a missing table, listing the tables there are, without printing the password", async () => {
    const secretUrl = urlWith({ password: "s3cret-pw", searchPath: true });
    const error = await rejectsWith(
      () => PostgresSource.open(secretUrl, "patients"),
      /no table "patients"; the tables are: (?=.*Treatments)(?=.*heap)(?=.*measurements)(?=.*recent)(?=.*scans)/,
    );
    assert.doesNotMatch(error.message, /s3cret-pw/);
    assert.match(error.message, /\*\*\*/);
    await rejectsWith(() => PostgresSource.open(url!, `${schema}.nothing`), /no table ".*\.nothing"/);
    await rejectsWith(() => PostgresSource.open(url!, undefined), /no table given; add "#table"/);
  });

  it("rejects an unreachable server without printing the password", async () => {
    const error = await rejectsWith(
      () => PostgresSource.open("postgres://someone:topsecret@127.0.0.1:1/db", "t"),
      /postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/db: PostgreSQL: /,
    );
    assert.doesNotMatch(error.message, /topsecret/);
  });
});
