import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { writeSample } from "../../../examples/ecdg/write-sample.ts";
import { compileProject, MemoryWriter, parseProject, runProject } from "../index.ts";
import {
  type ForeignKeyProfile,
  parseForeignKey,
  profileCatalogue,
  profileSource,
} from "../profile/index.ts";
import { memoryCatalogue } from "../profile/test-catalogue.ts";
import { qualityReport } from "../report/index.ts";
import { formatDate } from "../table-spec.ts";
import { SqliteWriter } from "../writers/index.ts";
import { shapeRegex } from "./derive-columns.ts";
import { deriveProject, perParent, safeName } from "./derive-project.ts";

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
    // A valid Unicode-mode pattern: "-" is not escaped outside a class.
    assert.equal(shapeRegex("9999-99-99"), "[0-9]{4}-[0-9]{2}-[0-9]{2}");
    assert.ok(new RegExp(`^(?:${shapeRegex("9999-99-99 (A/a)")})$`, "u").test("2014-01-31 (B/c)"));
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

  it("makes a child's rows per its most specific parent, on a three-level schema", async () => {
    // regimes ← toxicity (one per cycle) ← treatment (drugs of a cycle), and treatment → regimes
    // too, declared FIRST, as SQLite lists a table's keys.
    const regimes: Record<string, string | number>[] = [];
    const toxicity: Record<string, string | number>[] = [];
    const treatment: Record<string, string | number>[] = [];
    for (let r = 0; r < 60; r++) {
      const upi = `P${100 + (r >> 1)}`;
      regimes.push({ upi, regime_id: r, regimen: r % 3 === 0 ? "AC" : "FEC" });
      for (let c = 1; c <= 2 + (r % 4); c++) {
        toxicity.push({ upi, regime_id: r, cycle: c, nausea: (r + c) % 3 });
        for (let d = 0; d < 2 + ((r + c) % 2); d++)
          treatment.push({ upi, regime_id: r, cycle: c, drug: `D${d}`, dose: 100 - 5 * ((r + d) % 3) });
      }
    }
    const foreignKeys = [
      "treatment.upi+regime_id=regimes.upi+regime_id",
      "treatment.upi+regime_id+cycle=toxicity.upi+regime_id+cycle",
      "toxicity.upi+regime_id=regimes.upi+regime_id",
    ].map(parseForeignKey);
    const profile = await profileCatalogue(
      memoryCatalogue(
        [
          {
            name: "regimes",
            columns: ["upi", "regime_id", "regimen"],
            rows: regimes,
            primaryKey: ["upi", "regime_id"],
          },
          { name: "toxicity", columns: ["upi", "regime_id", "cycle", "nausea"], rows: toxicity },
          { name: "treatment", columns: ["upi", "regime_id", "cycle", "drug", "dose"], rows: treatment },
        ],
        foreignKeys,
      ),
      { k: 5 },
    );
    const { project, yaml } = deriveProject(profile);
    const rows = (table: string) => project.fabricate![table]!.rows as { per?: string };
    assert.equal(rows("treatment").per, "toxicity", "per the cycle, not the regime");
    assert.equal(rows("toxicity").per, "regimes");
    // The driving key first, so that the regime key follows the cycle's.
    assert.deepEqual(
      project.tables.treatment!.foreign_keys!.map((fk) => fk.table),
      ["toxicity", "regimes"],
    );
    assert.match(yaml, /the most specific of its 2 parents \(regimes is less specific\)/);

    // Run it: every treatment row belongs to a made cycle, and to that cycle's regime.
    const parsed = parseProject(yaml, "derived.yaml");
    const writer = new MemoryWriter();
    const summary = await runProject(compileProject(parsed.project, parsed.source), writer);
    for (const t of summary.tables) assert.equal(t.failed, 0, t.table);
    const cycles = new Set(writer.objects("toxicity").map((r) => `${r.upi}|${r.regime_id}|${r.cycle}`));
    const made = new Set(writer.objects("regimes").map((r) => `${r.upi}|${r.regime_id}`));
    const treatments = writer.objects("treatment");
    assert.ok(treatments.length > 0);
    for (const r of treatments) {
      assert.ok(cycles.has(`${r.upi}|${r.regime_id}|${r.cycle}`), JSON.stringify(r));
      assert.ok(made.has(`${r.upi}|${r.regime_id}`), JSON.stringify(r));
    }
    // Children per cycle follow the profile (2 or 3 drugs), not children per regime (4 to 15).
    const perCycle = Map.groupBy(treatments, (r) => `${r.upi}|${r.regime_id}|${r.cycle}`);
    for (const group of perCycle.values()) assert.ok(group.length <= 3, `${group.length} drugs in a cycle`);
  });

  it("prefers, between unrelated parents, the key with more columns; never a self-reference", () => {
    const fk = (table: string, columns: string[], parent: string): ForeignKeyProfile => ({
      table,
      columns,
      references: { table: parent, columns },
      parents: 10,
      children: 20,
      orphans: 0,
      childrenPerParent: { mean: 2, sd: 0, bins: [{ from: 2, to: 2, parents: 10, mean: 2 }] },
    });
    const narrow = fk("c", ["a"], "p1");
    const wide = fk("c", ["a", "b"], "p2");
    assert.equal(perParent([narrow, wide], [narrow, wide]), wide);
    assert.equal(perParent([wide, narrow], [wide, narrow]), wide);
    // An ancestor relation outweighs the count of columns: p3 is below p2.
    const below = fk("c", ["x"], "p3");
    const chain = fk("p3", ["a", "b"], "p2");
    assert.equal(perParent([wide, below], [wide, below, chain]), below);
    const self = fk("c", ["a", "b", "z"], "c");
    assert.equal(perParent([self, narrow], [self, narrow]), narrow);
    assert.equal(perParent([], []), undefined);
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
