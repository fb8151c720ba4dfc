import assert from "node:assert/strict";
import { after, test } from "node:test";
import { describeEachEngine, openTestStore, type TestStore } from "../../store/test-engines.ts";
import { compileProject, MemoryWriter, parseProject, runProject } from "../index.ts";
import { extractStructure, projectFromStructure, renderProjectYaml } from "./index.ts";

describeEachEngine("fabricate init: structure from a database", (engine) => {
  let db: TestStore;
  after(async () => db?.dispose());

  test("tables, types, keys, unique sets, foreign keys and nullability; the project runs", async () => {
    db = await openTestStore(engine);
    await db.store.exec(`
      CREATE TABLE patients (
        patient_id BIGINT PRIMARY KEY,
        upi_number TEXT NOT NULL UNIQUE,
        birth_date DATE NOT NULL,
        weight_kg NUMERIC(5, 1),
        deceased BOOLEAN
      );
      CREATE TABLE cycles (
        patient_id BIGINT NOT NULL REFERENCES patients (patient_id),
        cycle_number INTEGER NOT NULL,
        given_at TIMESTAMP NOT NULL,
        note TEXT,
        PRIMARY KEY (patient_id, cycle_number)
      );`);
    const tables = await extractStructure(db.store);
    const byName = new Map(tables.map((t) => [t.name, t]));
    const patients = byName.get("patients")!;
    assert.deepEqual(patients.primaryKey, ["patient_id"]);
    assert.deepEqual(patients.unique, [["upi_number"]]);
    assert.deepEqual(Object.fromEntries(patients.columns.map((c) => [c.name, c.def])), {
      patient_id: { type: "integer" },
      upi_number: { type: "string" },
      birth_date: { type: "date" },
      weight_kg: { type: "decimal", precision: 5, scale: 1, nullable: true },
      deceased: { type: "boolean", nullable: true },
    });
    const cycles = byName.get("cycles")!;
    assert.deepEqual(cycles.primaryKey, ["patient_id", "cycle_number"]);
    assert.deepEqual(cycles.foreignKeys, [
      { columns: ["patient_id"], table: "patients", references: ["patient_id"] },
    ]);
    assert.deepEqual(cycles.columns.find((c) => c.name === "given_at")!.def, { type: "datetime" });
    assert.deepEqual(cycles.columns.find((c) => c.name === "note")!.def, { type: "string", nullable: true });

    const { project } = projectFromStructure(tables, { name: "t", rows: 10 });
    assert.deepEqual(project.fabricate.cycles?.rows, {
      per: "patients",
      count: { kind: "uniform", min: 1, max: 3 },
    });
    // The YAML it writes reads back as the same project, and fabricates with its keys intact.
    const yaml = renderProjectYaml(project, ["a comment"]);
    assert.match(yaml, /^# a comment\n/);
    const { project: again, source } = parseProject(yaml, "init.yaml");
    assert.deepEqual(again, project);
    const writer = new MemoryWriter();
    await runProject(compileProject(again, source), writer);
    const ids = new Set(writer.objects("patients").map((p) => p.patient_id));
    assert.equal(ids.size, 10);
    const cyclesOut = writer.objects("cycles");
    assert.ok(cyclesOut.length >= 10);
    assert.ok(cyclesOut.every((c) => ids.has(c.patient_id)));
    assert.equal(new Set(cyclesOut.map((c) => `${c.patient_id}/${c.cycle_number}`)).size, cyclesOut.length);
  });
});
