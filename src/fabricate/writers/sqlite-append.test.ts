/**
 * Inflating a SQLite database in place (`fabricate run --target DB --out sqlite:DB --append`):
 * the existing rows each table needs are read through the writer's own connection. A second
 * connection is locked out once the writer's transaction outgrows SQLite's page cache (its
 * changes spill to the file under an exclusive lock), which every large append reaches.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import { compileProject } from "../engine/compile-project.ts";
import { runProject } from "../engine/runner.ts";
import { parseProject } from "../project/index.ts";
import { openWriter } from "./open-writer.ts";
import type { FabricationWriter } from "./writer-types.ts";

// Enough long texts (about 4 MB) between the first table and the last that the writer's
// transaction outgrows the default 2 MB page cache before the last table's rows are read.
const yaml = `
name: inflate
seed: 3
tables:
  wards:
    columns: { ward_id: { type: integer }, name: { type: string } }
    primary_key: [ward_id]
    rules: [ { id: name, pattern: { column: name, regex: "[A-Z]{8}" } } ]
  notes:
    columns: { ward_id: { type: integer }, n: { type: integer }, body: { type: string } }
    primary_key: [ward_id, n]
    foreign_keys: [ { columns: [ward_id], table: wards, references: [ward_id] } ]
    rules:
      - { id: n, constraint: "n = row_number()" }
      - { id: body, pattern: { column: body, regex: "[a-z]{2000}" } }
  beds:
    columns: { bed_id: { type: integer }, label: { type: string } }
    primary_key: [bed_id]
    unique: [[label]]
    rules: [ { id: label, pattern: { column: label, regex: "B[0-9]{6}" } } ]
fabricate:
  wards: { rows: 20 }
  notes: { rows: { per: wards, count: 100 } }
  beds: { rows: 30 }
`;

function compiled() {
  const { project, source } = parseProject(yaml, "inflate.yaml");
  return compileProject(project, source);
}

function counts(file: string): Record<string, number> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { wards: count("wards"), notes: count("notes"), beds: count("beds") };
  } finally {
    db.close();
  }
}

describe("appending to the SQLite database the run reads (inflating it in place)", () => {
  let dir = "";
  let file = "";
  before(async () => {
    dir = fs.mkdtempSync(path.join(tmpdir(), "serums-append-"));
    file = path.join(dir, "hospital.db");
    await runProject(compiled(), await openWriter(`sqlite:${file}`));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a second connection reading the target is locked out (what the writer's own connection avoids)", async () => {
    const copy = path.join(dir, "copy.db");
    fs.copyFileSync(file, copy);
    const inner = await openWriter(`sqlite:${copy}`, { append: true });
    // The same writer without its own reading: every read opens another connection.
    const secondConnection: FabricationWriter = {
      begin: (tables) => inner.begin(tables),
      table: (name) => inner.table(name),
      finish: () => inner.finish(),
      abort: () => inner.abort(),
    };
    await assert.rejects(
      runProject(compiled(), secondConnection, { target: copy, append: true }),
      /database is locked/,
    );
    // Nothing half-written: the failed run rolled back.
    assert.deepEqual(counts(copy), { wards: 20, notes: 2000, beds: 30 });
  });

  test("the rows are added, keys continue after the existing ones, nothing repeats", async () => {
    const writer = await openWriter(`sqlite:${file}`, { append: true });
    const summary = await runProject(compiled(), writer, { target: file, append: true });
    assert.equal(summary.rows, 20 + 2000 + 30);
    assert.deepEqual(counts(file), { wards: 40, notes: 4000, beds: 60 });
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const distinct = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      assert.equal(distinct("SELECT count(DISTINCT ward_id) AS n FROM wards"), 40);
      assert.equal(distinct("SELECT count(DISTINCT bed_id) AS n FROM beds"), 60);
      assert.equal(distinct("SELECT count(DISTINCT label) AS n FROM beds"), 60);
      assert.equal(
        distinct("SELECT count(*) AS n FROM notes WHERE ward_id NOT IN (SELECT ward_id FROM wards)"),
        0,
      );
      assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
    } finally {
      db.close();
    }
  });

  test("only the database being written is read through the writer; another target is not", async () => {
    const other = path.join(dir, "other.db");
    await runProject(compiled(), await openWriter(`sqlite:${other}`));
    const writer = await openWriter(`sqlite:${file}`, { append: true });
    await writer.begin(compiled().tables.map((t) => t.shape.spec));
    try {
      assert.equal(writer.existingRows?.("beds", other), undefined);
      const own = writer.existingRows?.("beds", path.join(dir, ".", "hospital.db"));
      assert.ok(own !== undefined);
      const labels: unknown[] = [];
      for await (const row of own) labels.push(row.label);
      assert.equal(labels.length, 60);
      assert.ok(labels.every((x) => typeof x === "string" && /^B[0-9]{6}$/.test(x)));
    } finally {
      await writer.abort();
    }
    assert.deepEqual(counts(file), { wards: 40, notes: 4000, beds: 60 });
  });
});
