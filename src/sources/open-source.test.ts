import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import pg from "pg";
import { SerumsError } from "../errors/index.ts";
import { CsvSource } from "./csv-source.ts";
import { JsonLinesSource, JsonSource } from "./json-source.ts";
import { openSource } from "./open-source.ts";
import { PostgresSource } from "./postgres-source.ts";
import { SqliteSource } from "./sqlite-source.ts";
import type { SourceReader, SourceValue } from "./types.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-open-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function firstValues(source: SourceReader): Promise<Record<string, SourceValue> | undefined> {
  try {
    for await (const row of source.rows()) return row.values;
    return undefined;
  } finally {
    await source.close();
  }
}

function isBadSource(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SerumsError);
    assert.equal(error.code, "BAD_SOURCE");
    assert.match(error.message, message);
    return true;
  };
}

describe("openSource", () => {
  it("opens CSV, TSV, JSON and JSON Lines files by extension, in any case", async () => {
    const csv = await openSource(write("a.CSV", "x;y\n1;2\n"));
    assert.ok(csv instanceof CsvSource);
    assert.deepEqual(await firstValues(csv), { x: "1", y: "2" });
    const tsv = await openSource(write("b.tsv", "x,y\tz\n1,2\t3\n"));
    assert.deepEqual(await firstValues(tsv), { "x,y": "1,2", z: "3" });
    const given = await openSource(write("c.csv", "x|y;z\n1|2;3\n"), { delimiter: "|" });
    assert.deepEqual(await firstValues(given), { x: "1", "y;z": "2;3" });
    const json = await openSource(write("d.json", '[{"n": 1}]'));
    assert.ok(json instanceof JsonSource);
    assert.deepEqual(await firstValues(json), { n: 1 });
    for (const name of ["e.jsonl", "f.ndjson"]) {
      const lines = await openSource(write(name, '{"n": 2}\n'));
      assert.ok(lines instanceof JsonLinesSource);
      assert.deepEqual(await firstValues(lines), { n: 2 });
    }
  });

  it("opens a SQLite table from a #table suffix, which wins over the table option", async () => {
    const file = path.join(dir, "site.sqlite3");
    const db = new DatabaseSync(file);
    db.exec(
      "CREATE TABLE a (v TEXT); INSERT INTO a VALUES ('from a'); CREATE TABLE b (v TEXT); INSERT INTO b VALUES ('from b');",
    );
    db.close();
    const suffixed = await openSource(`${file}#a`, { table: "b" });
    assert.ok(suffixed instanceof SqliteSource);
    assert.equal(suffixed.name, `${file}#a`);
    assert.deepEqual(await firstValues(suffixed), { v: "from a" });
    assert.deepEqual(await firstValues(await openSource(file, { table: "b" })), { v: "from b" });
    await assert.rejects(openSource(file), isBadSource(/no table given; add "#table".*its tables are: a, b/));
  });

  it("rejects a spec of no known kind, listing the valid kinds and hiding any password", async () => {
    await assert.rejects(
      openSource(write("notes.txt", "hello")),
      isBadSource(
        /notes\.txt" is not a kind of source Serums reads; give a \.csv or \.tsv file, .*\.jsonl.*SQLite.*postgres:\/\//,
      ),
    );
    await assert.rejects(openSource("mysql://root:hunter2@db/x#t"), (error: unknown) => {
      assert.ok(error instanceof SerumsError && error.code === "BAD_SOURCE");
      assert.doesNotMatch(error.message, /hunter2/);
      assert.doesNotMatch(JSON.stringify(error.where), /hunter2/);
      return true;
    });
    await assert.rejects(openSource(" "), isBadSource(/no source given/));
  });

  it("rejects a PostgreSQL URL without a table before connecting, hiding the password", async () => {
    await assert.rejects(openSource("postgresql://u:pw-123@127.0.0.1:1/db"), (error: unknown) => {
      assert.ok(error instanceof SerumsError && error.code === "BAD_SOURCE");
      assert.match(
        error.message,
        /postgresql:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: no table given; add "#table" or "#schema\.table"/,
      );
      assert.doesNotMatch(error.message, /pw-123/);
      return true;
    });
  });

  it("opens a PostgreSQL table from #schema.table", {
    skip: process.env.SERUMS_TEST_PG_URL ? false : "SERUMS_TEST_PG_URL is not set",
  }, async () => {
    const url = process.env.SERUMS_TEST_PG_URL!;
    const schema = `serums_open_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Client(url);
    await admin.connect();
    try {
      await admin.query(
        `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (v text); INSERT INTO ${schema}.t VALUES ('pg');`,
      );
      const source = await openSource(`${url}#${schema}.t`, { table: "ignored" });
      assert.ok(source instanceof PostgresSource);
      assert.deepEqual(await firstValues(source), { v: "pg" });
      assert.deepEqual(await firstValues(await openSource(url, { table: `${schema}.t` })), { v: "pg" });
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });
});
