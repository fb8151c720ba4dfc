/**
 * Inflating a PostgreSQL schema in place (`fabricate run --target URL#schema --out
 * postgres:URL#schema --append`): the target's existing rows are read from that schema, so the new
 * rows' keys continue after them. Before, `URL#schema` was read as the table `patients` in the
 * search path, which the schema's tables are not on: none were found, and the new keys repeated
 * the old ones. The PostgreSQL part runs when SERUMS_TEST_PG_URL is set.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import pg from "pg";
import { compileProject } from "../engine/compile-project.ts";
import { runProject, targetTable } from "../engine/runner.ts";
import { parseProject } from "../project/index.ts";
import { openWriter } from "./open-writer.ts";

describe("the target table's source spec", () => {
  test("a SQLite file's table, and a PostgreSQL URL's table in its #schema", () => {
    assert.equal(targetTable("data/hospital.db", "patients"), "data/hospital.db#patients");
    const url = "postgres://u@127.0.0.1:5432/test";
    assert.equal(targetTable(url, "patients"), `${url}#patients`);
    assert.equal(targetTable(`${url}#`, "patients"), `${url}#patients`);
    assert.equal(targetTable(`${url}#ward_a`, "patients"), `${url}#ward_a.patients`);
    // As --out takes it: with the postgres: prefix.
    assert.equal(targetTable(`postgres:${url}#ward_a`, "patients"), `${url}#ward_a.patients`);
    assert.equal(targetTable("postgresql://u@h/db#s", "regimes"), "postgresql://u@h/db#s.regimes");
  });
});

const yaml = `
name: inflate
seed: 4
tables:
  wards:
    columns: { ward_id: { type: integer }, name: { type: string } }
    primary_key: [ward_id]
    rules: [ { id: name, pattern: { column: name, regex: "[A-Z]{8}" } } ]
  beds:
    columns: { ward_id: { type: integer }, n: { type: integer }, label: { type: string } }
    primary_key: [ward_id, n]
    unique: [[label]]
    foreign_keys: [ { columns: [ward_id], table: wards, references: [ward_id] } ]
    rules:
      - { id: n, constraint: "n = row_number()" }
      - { id: label, pattern: { column: label, regex: "B[0-9]{6}" } }
fabricate:
  wards: { rows: 30 }
  beds: { rows: { per: wards, count: 4 } }
`;

const url = process.env.SERUMS_TEST_PG_URL;

describe("appending to the PostgreSQL schema the run reads", { skip: url === undefined }, () => {
  const schema = `serums_test_${randomBytes(6).toString("hex")}`;
  const query = async <T>(sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };
  after(() => query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));

  test("keys continue after the schema's rows; nothing repeats; the foreign keys hold", async () => {
    const compiled = () => {
      const { project, source } = parseProject(yaml, "inflate.yaml");
      return compileProject(project, source);
    };
    await runProject(compiled(), await openWriter(`postgres:${url}#${schema}`));
    const writer = await openWriter(`postgres:${url}#${schema}`, { append: true });
    const summary = await runProject(compiled(), writer, { target: `${url}#${schema}`, append: true });
    assert.equal(summary.rows, 30 + 120);
    const [counts] = await query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM "${schema}".wards) AS wards,
              (SELECT count(DISTINCT ward_id) FROM "${schema}".wards) AS ward_ids,
              (SELECT count(*) FROM "${schema}".beds) AS beds,
              (SELECT count(DISTINCT label) FROM "${schema}".beds) AS labels,
              (SELECT count(*) FROM "${schema}".beds b LEFT JOIN "${schema}".wards w USING (ward_id)
                WHERE w.ward_id IS NULL) AS orphans`,
    );
    assert.deepEqual(counts, { wards: "60", ward_ids: "60", beds: "240", labels: "240", orphans: "0" });
  });
});
