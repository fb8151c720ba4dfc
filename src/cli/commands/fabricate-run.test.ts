/**
 * `serums fabricate run … --append`: inflating a database on both engines (its patients reused,
 * more made, children for old and new), and the refusals that keep a target's rows safe.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, test } from "node:test";
import pg from "pg";
import type { SerumsError } from "../../errors/index.ts";
import { testEngines } from "../../store/test-engines.ts";
import { fabricateRun } from "./fabricate-run.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-fabricate-run-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const project = (patients: string, regimes: string) => `
name: inflate
seed: 11
tables:
  patients:
    columns: { patient_id: { type: integer }, birth_date: { type: date } }
    primary_key: [patient_id]
    rules: [ { id: born, range: { column: birth_date, min: "1930-01-01", max: "1990-12-31" } } ]
  regimes:
    columns: { regime_id: { type: integer }, patient_id: { type: integer }, start_date: { type: date } }
    primary_key: [regime_id]
    foreign_keys: [ { columns: [patient_id], table: patients, references: [patient_id] } ]
    rules:
      - { id: started, range: { column: start_date, min: "2014-01-01", max: "2016-12-31" } }
      - { id: adult, constraint: "start_date >= patients.birth_date + 6575" }
fabricate:
  patients: ${patients}
  regimes: ${regimes}
`;
const seedFile = path.join(dir, "seed.yaml");
writeFileSync(seedFile, project("{ rows: 10 }", "{ rows: { per: patients, count: 1 } }"));
// 60 patients: round(0.1667 × 60) = 10 taken from the target, 50 new; 2 regimes each.
const inflateFile = path.join(dir, "inflate.yaml");
writeFileSync(
  inflateFile,
  project("{ rows: 60, mode: mixed, share: 0.1667 }", "{ rows: { per: patients, count: 2 } }"),
);

type Row = Record<string, number>;

/** Runs the command with its summary on stdout silenced; returns the exit code. */
async function run(argv: string[]): Promise<number> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fabricateRun(argv);
  } finally {
    process.stdout.write = write;
  }
}

interface Target {
  /** --target (a source spec) and --out (a writer spec) of the same database. */
  target: string;
  out: string;
  rows(table: string): Promise<Row[]>;
  dispose(): Promise<void>;
}

async function openTarget(engine: { engine: string; url?: string }): Promise<Target> {
  if (engine.engine === "sqlite") {
    const file = path.join(dir, `target-${randomBytes(4).toString("hex")}.db`);
    return {
      target: file,
      out: `sqlite:${file}`,
      async rows(table) {
        const db = new DatabaseSync(file, { readOnly: true });
        try {
          return db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Row[];
        } finally {
          db.close();
        }
      },
      async dispose() {},
    };
  }
  const schema = `serums_inflate_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: engine.url });
  await client.connect();
  const url = new URL(engine.url!);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    target: url.toString(),
    out: `postgres:${engine.url}#${schema}`,
    async rows(table) {
      const result = await client.query(`SELECT * FROM "${schema}"."${table}" ORDER BY ctid`);
      return result.rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.getTime() : Number(v)]),
        ),
      );
    },
    async dispose() {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

for (const engine of testEngines()) {
  describe(`fabricate run --append on ${engine.engine}`, () => {
    test("inflates a database: old rows intact, new children of old and new parents, keys continue", async () => {
      const db = await openTarget(engine);
      try {
        assert.equal(await run([seedFile, "--out", db.out]), 0);
        const oldPatients = await db.rows("patients");
        const oldRegimes = await db.rows("regimes");
        assert.equal(oldPatients.length, 10);
        assert.equal(oldRegimes.length, 10);

        assert.equal(await run([inflateFile, "--target", db.target, "--out", db.out, "--append"]), 0);
        const patients = await db.rows("patients");
        const regimes = await db.rows("regimes");
        assert.equal(patients.length, 60);
        assert.deepEqual(patients.slice(0, 10), oldPatients, "the old patients are intact");
        assert.equal(regimes.length, 10 + 120);
        assert.deepEqual(regimes.slice(0, 10), oldRegimes, "the old regimes are intact");
        // Keys continue: no repeat, new ones after the old ones.
        const patientIds = patients.map((p) => p.patient_id!);
        assert.equal(new Set(patientIds).size, 60);
        const oldMax = Math.max(...oldPatients.map((p) => p.patient_id!));
        for (const p of patients.slice(10)) assert.ok(p.patient_id! > oldMax, `patient ${p.patient_id}`);
        const regimeIds = regimes.map((r) => r.regime_id!);
        assert.equal(new Set(regimeIds).size, 130, "no regime key repeats an existing one");
        const oldRegimeMax = Math.max(...oldRegimes.map((r) => r.regime_id!));
        for (const r of regimes.slice(10)) assert.ok(r.regime_id! > oldRegimeMax, `regime ${r.regime_id}`);
        // New children reference old and new parents, each twice; every reference resolves.
        const ids = new Set(patientIds);
        const oldIds = new Set(oldPatients.map((p) => p.patient_id!));
        const perParent = new Map<number, number>();
        for (const r of regimes.slice(10)) {
          assert.ok(ids.has(r.patient_id!), `regime ${r.regime_id} → patient ${r.patient_id}`);
          perParent.set(r.patient_id!, (perParent.get(r.patient_id!) ?? 0) + 1);
        }
        assert.equal(perParent.size, 60);
        assert.ok([...perParent.values()].every((n) => n === 2));
        assert.ok([...perParent.keys()].some((id) => oldIds.has(id)));
        assert.ok([...perParent.keys()].some((id) => !oldIds.has(id)));
      } finally {
        await db.dispose();
      }
    });

    test("--force with tables that take existing rows is refused, and the target is untouched", async () => {
      const db = await openTarget(engine);
      try {
        assert.equal(await run([seedFile, "--out", db.out]), 0);
        const before = await db.rows("patients");
        await assert.rejects(
          run([inflateFile, "--target", db.target, "--out", db.out, "--force"]),
          (e: SerumsError) =>
            e.code === "BAD_USAGE" && /patients \(mixed\)/.test(e.message) && /--append/.test(e.message),
        );
        assert.deepEqual(await db.rows("patients"), before);
        assert.equal((await db.rows("regimes")).length, 10);
        // Without --append or --force, the existing tables are refused as before.
        await assert.rejects(run([inflateFile, "--target", db.target, "--out", db.out]), (e: SerumsError) =>
          /already exist/.test(e.message),
        );
        assert.deepEqual(await db.rows("patients"), before);
      } finally {
        await db.dispose();
      }
    });
  });
}

describe("fabricate run: --append and --force misuse", () => {
  test("--force with --append, --append to files, and --append without a target are bad usage", async () => {
    const db = path.join(dir, "misuse.db");
    await assert.rejects(
      run([inflateFile, "--target", db, "--out", `sqlite:${db}`, "--force", "--append"]),
      (e: SerumsError) => e.code === "BAD_USAGE" && /exclude each other/.test(e.message),
    );
    await assert.rejects(
      run([inflateFile, "--target", db, "--out", `csv:${path.join(dir, "csv")}`, "--append"]),
      (e: SerumsError) => e.code === "BAD_USAGE" && /database output/.test(e.message),
    );
    await assert.rejects(
      run([seedFile, "--out", `sqlite:${db}`, "--append"]),
      (e: SerumsError) => e.code === "BAD_USAGE" && /needs the target database/.test(e.message),
    );
  });
});
