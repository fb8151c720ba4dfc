import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import { SqliteSource } from "./sqlite-source.ts";
import type { SourceRow } from "./types.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-sqlite-"));
const file = path.join(dir, "hospital.db");
after(() => rmSync(dir, { recursive: true, force: true }));

before(() => {
  const db = new DatabaseSync(file);
  db.exec(`
    CREATE TABLE admissions (id INTEGER PRIMARY KEY, patient TEXT NOT NULL, weight REAL, big INTEGER, note TEXT);
    INSERT INTO admissions VALUES (3, 'C', NULL, 9007199254740993, 'later');
    INSERT INTO admissions VALUES (1, 'A', 72.5, 12, NULL);
    INSERT INTO admissions VALUES (2, 'B', 80, -4, '');
    CREATE TABLE "Mixed Case" (code TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
    INSERT INTO "Mixed Case" VALUES ('z', 'last'), ('a', 'first');
    CREATE TABLE keyed (k TEXT PRIMARY KEY, v INTEGER);
    INSERT INTO keyed VALUES ('m', 1), ('b', 2), ('x', 3);
    CREATE TABLE heap (v INTEGER);
    INSERT INTO heap VALUES (30), (10), (20);
    CREATE TABLE scans (id INTEGER PRIMARY KEY, image BLOB);
    INSERT INTO scans VALUES (1, NULL), (2, x'00ff');
    CREATE VIEW recent AS SELECT patient FROM admissions WHERE id > 1;
  `);
  const insert = db.prepare("INSERT INTO heap VALUES (?)");
  db.exec("BEGIN");
  for (let i = 0; i < 5000; i++) insert.run(1000 + i);
  db.exec("COMMIT");
  db.close();
});

async function readAll(table: string): Promise<{ columns: string[]; rows: SourceRow[] }> {
  const source = await SqliteSource.open(file, table);
  const columns = await source.columns();
  const rows: SourceRow[] = [];
  try {
    for await (const row of source.rows()) rows.push(row);
  } finally {
    await source.close();
  }
  return { columns, rows };
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

describe("SqliteSource", () => {
  it("reads a table in primary-key order with typed values; exact integers as numbers, others as text", async () => {
    const { columns, rows } = await readAll("admissions");
    assert.deepEqual(columns, ["id", "patient", "weight", "big", "note"]);
    assert.deepEqual(rows, [
      { line: 1, values: { id: 1, patient: "A", weight: 72.5, big: 12, note: null } },
      { line: 2, values: { id: 2, patient: "B", weight: 80, big: -4, note: "" } },
      { line: 3, values: { id: 3, patient: "C", weight: null, big: "9007199254740993", note: "later" } },
    ]);
  });

  it("orders a text primary key and a WITHOUT ROWID table by their key; finds names case-insensitively", async () => {
    assert.deepEqual(
      (await readAll("keyed")).rows.map((row) => row.values.k),
      ["b", "m", "x"],
    );
    const mixed = await readAll("mixed case");
    assert.deepEqual(
      mixed.rows.map((row) => row.values.label),
      ["first", "last"],
    );
  });

  it("reads a table without a key in rowid order, and counts its rows", async () => {
    const source = await SqliteSource.open(file, "heap");
    assert.equal(source.name, `${file}#heap`);
    assert.equal(await source.countRows(), 5003);
    const values: unknown[] = [];
    for await (const row of source.rows()) values.push(row.values.v);
    await source.close();
    assert.deepEqual(values.slice(0, 4), [30, 10, 20, 1000]);
    assert.equal(values.length, 5003);
  });

  it("reads a view", async () => {
    const { columns, rows } = await readAll("recent");
    assert.deepEqual(columns, ["patient"]);
    assert.deepEqual(rows.map((row) => row.values.patient).sort(), ["B", "C"]);
  });

  it("rejects a BLOB, naming the column and row", async () => {
    const error = await rejectsWith(
      () => readAll("scans"),
      /hospital\.db#scans, row 2, column image: a BLOB/,
    );
    assert.equal(error.where.line, 2);
    assert.equal(error.where.column, "image");
  });

  it("rejects a missing table, listing the tables that exist", async () => {
    await rejectsWith(
      () => SqliteSource.open(file, "patients"),
      /hospital\.db: no table "patients"; its tables are: Mixed Case, admissions, heap, keyed, recent, scans/,
    );
    await rejectsWith(
      () => SqliteSource.open(file, undefined),
      /no table given; add "#table".*its tables are/,
    );
  });

  it("rejects a missing file and a file that is not a database", async () => {
    await rejectsWith(
      () => SqliteSource.open(path.join(dir, "none.db"), "t"),
      /none\.db: the file does not exist/,
    );
    const notDb = path.join(dir, "text.db");
    writeFileSync(notDb, "this is not a database file, just text ".repeat(40));
    await rejectsWith(() => SqliteSource.open(notDb, "t"), /text\.db: cannot be read as a SQLite database/);
  });
});
