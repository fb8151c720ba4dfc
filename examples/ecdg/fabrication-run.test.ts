/**
 * Fabricating the use case: the same seed gives the same bytes, every mandatory rule holds (by
 * the engine's independent checker and by this file's own checks of the key rules, written from
 * the paper and the knowledge tables, not from the project), keys resolve across the tables, the
 * paper's scale comes out by default, and the rows load into the smart patient record.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseCsv } from "csv-parse/sync";
import { checkOutput } from "../../src/fabricate/check/index.ts";
import {
  type CellValue,
  compileProject,
  loadProject,
  MemoryWriter,
  runProject,
} from "../../src/fabricate/index.ts";
import { openWriter } from "../../src/fabricate/writers/index.ts";
import { RecordWriter } from "../../src/fabricate/writers/record-writer.ts";
import { assembleRecord, listRecords, recordMigrations } from "../../src/record/index.ts";
import { describeEachEngine, openTestStore } from "../../src/store/test-engines.ts";

const here = import.meta.dirname;
const PROJECT = path.join(here, "fabrication.yaml");
const MAPPINGS = path.join(here, "mappings");
const { project, source } = loadProject(PROJECT);
const SMALL = 30;

type Row = Record<string, CellValue>;
type Tables = Record<string, Row[]>;

async function fabricate(rows: number | undefined, seed?: number): Promise<Tables> {
  const writer = new MemoryWriter();
  const summary = await runProject(compileProject(project, source), writer, {
    ...(rows === undefined ? {} : { rows }),
    ...(seed === undefined ? {} : { seed }),
  });
  for (const t of summary.tables) assert.equal(t.failed, 0, `${t.table}: records that could not be made`);
  return Object.fromEntries([...writer.tables.keys()].map((name) => [name, writer.objects(name)]));
}

async function fabricateCsv(dir: string, rows: number, seed?: number): Promise<void> {
  const writer = await openWriter(`csv:${dir}`, { overwrite: true });
  await runProject(compileProject(project, source), writer, {
    rows,
    ...(seed === undefined ? {} : { seed }),
  });
}

function knowledge(name: string): Record<string, string>[] {
  return parseCsv(readFileSync(path.join(here, project.knowledge![name]!), "utf8"), { columns: true });
}

const DRUGS = knowledge("regimen_drugs");
const REGIMENS = knowledge("regimens");
const CHEMO = new Set(DRUGS.map((r) => r.drug!));
/**
 * Drugs of a regimen given in a cycle, from knowledge/regimen_drugs.csv (cycle_from-cycle_to).
 * Past the protocol's last cycle (a palliative regime goes on until progression), the last
 * cycle's drugs.
 */
function regimenDrugs(regimen: string, cycle: number): string[] {
  const rows = DRUGS.filter((r) => r.regimen === regimen);
  const at = Math.min(cycle, Math.max(...rows.map((r) => Number(r.cycle_to))));
  return rows.filter((r) => Number(r.cycle_from) <= at && at <= Number(r.cycle_to)).map((r) => r.drug!);
}

/** Charlson 1987 weights, written here from the paper's table, not read from the project. */
function charlson(r: Row): number {
  const flag = (x: CellValue | undefined) => (x === true ? 1 : 0);
  const liver = Number(r.liver_disease_severity);
  const malignancy = Number(r.malignancy_severity);
  return (
    flag(r.myocardial_infarction) +
    flag(r.congestive_heart_failure) +
    flag(r.peripheral_vascular_disease) +
    flag(r.cerebrovascular_disease) +
    flag(r.dementia) +
    flag(r.chronic_pulmonary_disease) +
    (r.rheumatic_disease === "N" ? 0 : 1) +
    (liver === 2 ? 3 : liver) +
    Number(r.diabetes_severity) +
    (r.hemiplegia === "N" ? 0 : 2) +
    2 * Number(r.renal_disease) +
    (malignancy === 2 ? 6 : 2 * malignancy) +
    (r.hiv_aids === "AIDS" ? 6 : 0)
  );
}

const key = (r: Row, columns: readonly string[]) => columns.map((c) => String(r[c])).join("|");

/**
 * The key rules of the use case, checked from the rows (dates as days, date-times as seconds):
 * one message per broken rule and row, at most a few per rule.
 */
function keyRuleProblems(t: Tables): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const fail = (rule: string, message: string) => {
    const n = (seen.get(rule) ?? 0) + 1;
    seen.set(rule, n);
    if (n <= 3) problems.push(`${rule}: ${message}`);
  };
  const patients = new Map(t.patients!.map((p) => [p.upi_number as string, p]));
  for (const r of t.ndc_smr01!) {
    const p = patients.get(r.upi_number as string)!;
    if (r.length_of_stay !== (r.discharge_date as number) - (r.admission_date as number))
      fail("length-of-stay", `${r.upi_number} ${r.admission_date}: ${r.length_of_stay}`);
    if ((r.discharge_date as number) < (r.admission_date as number)) fail("dates-ordered", `${r.upi_number}`);
    if ((r.admission_date as number) < (p.diagnosis_date as number))
      fail("after-diagnosis", `${r.upi_number}`);
  }
  for (const r of t.ndc_charlson!) {
    if (r.charlson_index !== charlson(r)) fail("charlson-index", `${r.upi_number}: ${r.charlson_index}`);
  }
  const maxGrade = knowledge("ctcae").filter((c) => c.column !== "");
  for (const r of t.chemocare_toxicity!) {
    for (const c of maxGrade) {
      const grade = r[c.column!] as number;
      if (!(Number.isInteger(grade) && grade >= 0 && grade <= Math.min(4, Number(c.max_grade))))
        fail("ctcae-grade", `${c.column} ${grade}`);
    }
  }
  const regimes = new Map(t.regimes!.map((r) => [key(r, ["upi_number", "regime_id"]), r]));
  const cycles = new Map<string, number[]>();
  for (const r of t.chemocare_toxicity!) {
    const k = key(r, ["upi_number", "regime_id"]);
    const regime = regimes.get(k)!;
    const due =
      (regime.start_date as number) + (r.cycle_number as number) * (regime.cycle_length_days as number) - 1;
    if (r.assessment_date !== due) fail("assessed-before-next-cycle", `${k} cycle ${r.cycle_number}`);
    cycles.set(k, [...(cycles.get(k) ?? []), r.cycle_number as number]);
  }
  for (const [k, numbers] of cycles) {
    if (numbers.some((n, i) => n !== i + 1)) fail("cycles-numbered-1-to-n", `${k}: ${numbers.join(",")}`);
  }
  // A regime's cycles follow its regimen (knowledge/regimens.csv, read here): within its
  // maximum, and no more than planned unless palliative (until progression).
  for (const [k, regime] of regimes) {
    const n = cycles.get(k)?.length ?? 0;
    const regimen = REGIMENS.find((r) => r.regimen === regime.regimen)!;
    if (n < 1 || n > Number(regimen.cycles_max))
      fail("cycles-within-regimen", `${k}: ${n} cycles of ${regime.regimen}`);
    if (regime.intent !== "PALLIATIVE" && n > Number(regimen.cycles_planned))
      fail("curative-cycles-as-planned", `${k}: ${n} cycles of ${regime.regimen}`);
  }
  const byCycle = new Map<string, Row[]>();
  for (const r of t.chemocare_treatment!) {
    const k = key(r, ["upi_number", "regime_id", "cycle_number"]);
    byCycle.set(k, [...(byCycle.get(k) ?? []), r]);
  }
  const assessed = new Map(
    t.chemocare_toxicity!.map((r) => [key(r, ["upi_number", "regime_id", "cycle_number"]), r]),
  );
  for (const [k, rows] of byCycle) {
    const first = rows[0]!;
    const regime = regimes.get(key(first, ["upi_number", "regime_id"]))!;
    const day =
      (regime.start_date as number) +
      ((first.cycle_number as number) - 1) * (regime.cycle_length_days as number);
    const expected = regimenDrugs(regime.regimen as string, first.cycle_number as number).sort();
    const chemo = rows.filter((r) => CHEMO.has(r.drug as string)).map((r) => r.drug as string);
    if (JSON.stringify(chemo.sort()) !== JSON.stringify(expected))
      fail("the-regimen's-drugs", `${k} (${regime.regimen}): ${chemo.join(",")} not ${expected.join(",")}`);
    if (new Set(rows.map((r) => r.drug)).size !== rows.length) fail("a-drug-once-per-cycle", k);
    for (const field of [
      "treatment_datetime",
      "cycle_status",
      "dose_percent",
      "weight_kg",
      "performance_status",
    ]) {
      if (rows.some((r) => r[field] !== first[field])) fail("one-value-per-cycle", `${k} ${field}`);
    }
    const time = first.treatment_datetime as number;
    if (Math.floor(time / 86400) !== day || time % 86400 < 30600 || time % 86400 > 61200)
      fail("given-on-the-cycle-day-in-hours", `${k}: ${new Date(time * 1000).toISOString()}`);
    const assessment = assessed.get(k);
    if (assessment === undefined) fail("cycle-assessed", k);
    else if (time >= (assessment.assessment_date as number) * 86400) fail("given-before-assessment", k);
    if (first.regimen !== regime.regimen || first.planned_cycles !== regime.planned_cycles)
      fail("regime-of-cycle", k);
  }
  for (const [rule, n] of seen) if (n > 3) problems.push(`${rule}: ${n - 3} more`);
  return problems;
}

/** Every foreign key of the project resolves, and every primary key is unique. */
function keyProblems(t: Tables): string[] {
  const problems: string[] = [];
  for (const [name, def] of Object.entries(project.tables)) {
    const rows = t[name]!;
    if (def.primary_key) {
      const keys = new Set(rows.map((r) => key(r, def.primary_key!)));
      if (keys.size !== rows.length)
        problems.push(`${name}: ${rows.length - keys.size} repeated primary keys`);
    }
    for (const fk of def.foreign_keys ?? []) {
      const parents = new Set(t[fk.table]!.map((r) => key(r, fk.references)));
      const orphans = rows.filter((r) => !parents.has(key(r, fk.columns))).length;
      if (orphans > 0) problems.push(`${name} → ${fk.table}: ${orphans} rows without a parent`);
    }
  }
  return problems;
}

describe("fabricating examples/ecdg/fabrication.yaml", () => {
  let small: Tables;
  let dir: string;
  before(async () => {
    small = await fabricate(SMALL);
    dir = mkdtempSync(path.join(tmpdir(), "serums-ecdg-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the same CSV bytes for the same seed, and other rows for another seed", async () => {
    const read = (d: string) =>
      Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(path.join(d, f), "utf8")]));
    await fabricateCsv(path.join(dir, "a"), SMALL);
    await fabricateCsv(path.join(dir, "b"), SMALL);
    await fabricateCsv(path.join(dir, "c"), SMALL, 7);
    const a = read(path.join(dir, "a"));
    assert.equal(Object.keys(a).length, 7);
    assert.deepEqual(read(path.join(dir, "b")), a);
    const c = read(path.join(dir, "c"));
    for (const file of Object.keys(a)) assert.notEqual(c[file], a[file], file);
  });

  it("breaks no mandatory rule, by the engine's independent checker reading the CSV back", async () => {
    await fabricateCsv(path.join(dir, "checked"), SMALL);
    const check = await checkOutput(project, source, path.join(dir, "checked"));
    assert.equal(check.violations, 0, JSON.stringify(check.examples.slice(0, 5)));
    assert.deepEqual(check.notChecked, []);
    assert.equal(check.tables.length, 7);
    assert.ok(check.rows > SMALL * 20, `${check.rows} rows checked`);
  });

  it("keeps the key rules: stays, dates, the Charlson index, CTCAE grades, cycles and their drugs", () => {
    assert.deepEqual(keyRuleProblems(small), []);
  });

  it("the key-rule checks find a broken stay, index, grade, cycle number and drug", () => {
    const broken = structuredClone(small);
    (broken.ndc_smr01![0]!.length_of_stay as number) += 1;
    (broken.ndc_charlson![0]!.charlson_index as number) += 2;
    broken.chemocare_toxicity![0]!.nausea = 4; // CTCAE has no grade 4 nausea
    broken.chemocare_toxicity![1]!.cycle_number = 9;
    // One curative regime given more cycles than its regimen plans.
    const curative = broken.regimes!.find((r) => r.intent !== "PALLIATIVE")!;
    const extra = broken.chemocare_toxicity!.filter(
      (r) => r.upi_number === curative.upi_number && r.regime_id === curative.regime_id,
    );
    for (let i = 0; i < 60; i++)
      broken.chemocare_toxicity!.push({
        ...extra.at(-1)!,
        cycle_number: (extra.at(-1)!.cycle_number as number) + 1 + i,
      });
    const cycle = broken.chemocare_treatment!.find((r) => CHEMO.has(r.drug as string))!;
    cycle.drug = "Dexamethasone";
    const problems = keyRuleProblems(broken).join("\n");
    for (const rule of [
      "length-of-stay",
      "charlson-index",
      "ctcae-grade",
      "cycles-numbered-1-to-n",
      "the-regimen's-drugs",
      "cycles-within-regimen",
      "curative-cycles-as-planned",
    ])
      assert.match(problems, new RegExp(`^${rule}:`, "m"), rule);
  });

  it("resolves every foreign key across the five tables and the auxiliary two; keys are unique", () => {
    assert.deepEqual(keyProblems(small), []);
    const orphan = structuredClone(small);
    orphan.chemocare_treatment![0]!.cycle_number = 99;
    orphan.ndc_smr06!.push({ ...orphan.ndc_smr06![0]! });
    assert.match(keyProblems(orphan).join("\n"), /chemocare_treatment → chemocare_toxicity: 1 rows/);
    assert.match(keyProblems(orphan).join("\n"), /ndc_smr06: 1 repeated primary keys/);
    for (const p of small.patients!) {
      assert.ok(
        small.ndc_smr06!.some((r) => r.upi_number === p.upi_number),
        "every patient has a tumour",
      );
      assert.ok(
        small.ndc_smr01!.some((r) => r.upi_number === p.upi_number),
        "and a hospital episode",
      );
    }
  });

  it("makes the paper's scale by default: 933 patients, 51,661 treatments ± 2%, 1 to over 50 cycles", async () => {
    const full = await fabricate(undefined);
    assert.equal(full.patients!.length, 933);
    assert.equal(full.ndc_smr06!.length, 933);
    const treatments = full.chemocare_treatment!.length;
    assert.ok(Math.abs(treatments - 51_661) <= 0.02 * 51_661, `${treatments} treatments`);
    const perRegime = new Map<string, number>();
    for (const r of full.chemocare_toxicity!) {
      const k = key(r, ["upi_number", "regime_id"]);
      perRegime.set(k, (perRegime.get(k) ?? 0) + 1);
    }
    assert.equal(perRegime.size, full.regimes!.length, "every regime has cycles");
    assert.equal(Math.min(...perRegime.values()), 1);
    assert.ok(Math.max(...perRegime.values()) > 50);
    const regimesPerPatient = full.regimes!.length / 933;
    assert.ok(regimesPerPatient > 1.4 && regimesPerPatient < 2.2, `${regimesPerPatient} regimes per patient`);
    assert.deepEqual(keyRuleProblems(full), []);
  });
});

describeEachEngine("the use case into the smart patient record", (engine) => {
  it("loads the five tables through the mappings, one person per patient, idempotently", async () => {
    const t = await openTestStore(engine, recordMigrations);
    try {
      const load = async () => {
        const writer = new RecordWriter({ store: t.store, mappings: MAPPINGS, unmapped: "skip" });
        await runProject(compileProject(project, source), writer, { rows: 12 });
        return writer;
      };
      const first = await load();
      assert.deepEqual([...first.skipped].sort(), ["patients", "regimes"]);
      assert.deepEqual(
        first.reports.map((r) => r.source),
        ["ndc_smr06", "ndc_charlson", "ndc_smr01", "chemocare_toxicity", "chemocare_treatment"].map(
          (n) => `fabricated:${n}`,
        ),
      );
      assert.equal(first.reports[0]!.newPersons, 12);
      for (const r of first.reports.slice(1))
        assert.equal(r.newPersons, 0, `${r.source} joins the same people`);
      const records = await listRecords(t.store, { limit: 100, offset: 0 });
      assert.equal(records.length, 12);
      const record = await assembleRecord(t.store, records[0]!.serumsId);
      const sources = new Set(record.events.map((e) => e.source));
      for (const s of ["oncology_db/ndc_smr06", "trak/ndc_smr01", "chemocare/chemocare_treatment"])
        assert.ok(sources.has(s), `${s} in ${[...sources].join(", ")}`);

      const second = await load();
      for (const r of second.reports) {
        assert.equal(r.newHubs + r.newLinks + r.newSatellites + r.newIdentifiers, 0, r.source);
        assert.equal(r.rowsUnchanged, r.rowsRead, r.source);
      }
    } finally {
      await t.dispose();
    }
  });
});
