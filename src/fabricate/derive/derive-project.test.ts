import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { writeSample } from "../../../examples/ecdg/write-sample.ts";
import { compileProject, parseProject, runProject } from "../index.ts";
import { profileCatalogue, profileSource } from "../profile/index.ts";
import { memoryCatalogue } from "../profile/test-catalogue.ts";
import { qualityReport } from "../report/index.ts";
import { formatDate } from "../table-spec.ts";
import { SqliteWriter } from "../writers/index.ts";
import { shapeRegex } from "./derive-columns.ts";
import { deriveProject, safeName } from "./derive-project.ts";

function admissions(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const admitted = 16_000 + ((i * 37) % 700);
    const stay = (i * 7) % 9;
    const regimen = ["FEC", "AC", "PACLITAXEL", "CAPECITABINE"][i % 4]!;
    return {
      "admission id": 5000 + i,
      admission_date: formatDate(admitted),
      discharge_date: formatDate(admitted + stay),
      length_of_stay: stay,
      regimen,
      cycle_length: regimen === "PACLITAXEL" ? 7 : 21,
      weight: Math.round((60 + 12 * Math.sin(i) + (i % 7)) * 10) / 10,
      postcode: i % 10 === 0 ? null : `EH${1 + (i % 9)} ${i % 10}AB`,
    };
  });
}

describe("derive", () => {
  it("turns names into project names and shapes into regular expressions", () => {
    const taken = new Set<string>();
    assert.equal(safeName("admission id", taken), "admission_id");
    assert.equal(safeName("admission-id", taken), "admission_id_2");
    assert.equal(safeName("1st", taken), "_1st");
    assert.equal(shapeRegex("AA9 9AA"), "[A-Z]{2}[0-9] [0-9][A-Z]{2}");
    assert.equal(shapeRegex("A99.9"), "[A-Z][0-9]{2}\\.[0-9]");
  });

  it("derives a project the engine's schema accepts, with rules from every part of the profile", async () => {
    const rows = admissions(200);
    const profile = await profileCatalogue(
      memoryCatalogue([{ name: "admissions", columns: Object.keys(rows[0]!), rows }]),
      { k: 5 },
    );
    const { project, yaml } = deriveProject(profile);
    parseProject(yaml, "derived.yaml");
    const table = project.tables.admissions!;
    assert.ok("admission_id" in table.columns, "names are made safe");
    const rules = table.rules ?? [];
    const find = (id: string) => rules.find((r) => r.id === `admissions.${id}`);
    assert.ok(find("regimen-values"), "categorical weights");
    assert.deepEqual(table.columns.regimen, {
      type: "categorical",
      categories: ["AC", "CAPECITABINE", "FEC", "PACLITAXEL"],
    });
    assert.ok(find("weight-distribution") && find("weight-range"), "a distribution and a range for a number");
    assert.ok(find("postcode-nulls"), "nulls");
    assert.equal(table.columns.postcode!.nullable, true);
    assert.ok(find("postcode-pattern") || find("postcode-format"), "a pattern for a string");
    // The difference becomes a computation of the discharge date, whose own rules are dropped.
    const compute = rules.find(
      (r) => "constraint" in r && r.constraint === "discharge_date = admission_date + length_of_stay",
    );
    assert.ok(compute, JSON.stringify(rules.filter((r) => "constraint" in r)));
    assert.ok(!find("discharge_date-distribution"));
    assert.ok(rules.some((r) => "constraint" in r && r.constraint === "admission_date <= discharge_date"));
    // regimen determines cycle_length: conditional, mandatory rules.
    const conditional = rules.filter((r) => r.when?.startsWith("regimen = "));
    assert.equal(conditional.length, 4);
    assert.ok(conditional.every((r) => !r.soft));
    // Comments say where rules came from; no rare value made it into the project.
    assert.match(yaml, /# ordering held in all 200 sampled rows/);
    assert.match(yaml, /functional dependency/);
    assert.ok(!yaml.includes("5000") && !yaml.includes("5123"), "identifier values never appear");
  });

  describe("derive, run, and compare (end to end on the use-case sample)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "serums-derive-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reproduces the profiled data with overall quality ≥ 0.9 and no exact copies", async () => {
      await writeSample(path.join(dir, "real"));
      const real = path.join(dir, "real", "chemocare.db");
      const profile = await profileSource(real, { k: 10 });
      const { yaml } = deriveProject(profile, { seed: 7 });
      const { project, source } = parseProject(yaml, path.join(dir, "derived.yaml"));
      const synthetic = path.join(dir, "synthetic.db");
      const summary = await runProject(compileProject(project, source), new SqliteWriter(synthetic));
      for (const table of summary.tables)
        assert.equal(table.failed, 0, `${table.table}: ${JSON.stringify(table.failures)}`);
      const report = await qualityReport(real, synthetic);
      for (const p of report.privacy) assert.equal(p.exactCopies, 0, p.table);
      assert.ok(
        report.overall >= 0.9,
        `overall quality ${report.overall} (columns ${report.columnAverage}, pairs ${report.pairAverage})`,
      );
    });
  });
});
