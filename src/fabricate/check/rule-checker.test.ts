import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { compileProject, MemoryWriter, runProject } from "../engine/index.ts";
import { parseProject } from "../project/index.ts";
import type { CellValue } from "../table-spec.ts";
import { parseDate } from "../table-spec.ts";
import { openWriter } from "../writers/index.ts";
import { checkingWriter, checkOutput, checkRows } from "./index.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  path.join(dir, "regimens.csv"),
  "regimen,drug,cycle_days,weight\nFEC-T,epirubicin,21,3\nFEC-T,docetaxel,21,3\nAC,doxorubicin,21,2\nPaclitaxel,paclitaxel,7,1\nAC,never,99,0\n",
);
const file = path.join(dir, "project.yaml");

/** A project with every rule kind, conditions, parents' columns, rows per parent and a ratio. */
const PROJECT = `
seed: 7
knowledge:
  regimens: regimens.csv
tables:
  patients:
    columns:
      patient_id: { type: integer }
      chi: { type: string }
      sex: { type: categorical, categories: [F, M] }
      birth_date: { type: date }
      weight: { type: decimal, precision: 5, scale: 1, nullable: true }
      grade: { type: integer }
      code: { type: string }
    primary_key: [patient_id]
    unique: [[chi]]
    rules:
      - { id: chi, pattern: { column: chi, format: chi } }
      - { id: sex, categories: { column: sex, weights: { F: 9, M: 1 } } }
      - { id: born, range: { column: birth_date, min: "1930-01-01", max: "1990-12-31" } }
      - { id: weight, distribution: { column: weight, kind: truncated_normal, mean: 70, sd: 12, min: 40, max: 150 } }
      - { id: weight-nulls, nulls: { column: weight, share: 0.1 } }
      - { id: grade, categories: { column: grade, weights: { "0": 5, "1": 3, "2": 2 } } }
      - { id: code, pattern: { column: code, regex: "C50\\\\.[0-9]|D70" } }
      - { id: code-unique, unique: [code, patient_id] }
  regimes:
    columns:
      regime_id: { type: integer }
      patient_id: { type: integer }
      regimen: { type: categorical, categories: [FEC-T, AC, Paclitaxel] }
      start_date: { type: date }
      end_date: { type: date }
      length: { type: integer }
      cycles: { type: integer }
    primary_key: [regime_id]
    foreign_keys: [{ columns: [patient_id], table: patients, references: [patient_id] }]
    rules:
      - { id: started, range: { column: start_date, min: "2014-01-01", max: "2016-06-30" } }
      - { id: adult, constraint: "start_date >= patients.birth_date + 6570" }
      - { id: order, constraint: "end_date >= start_date + 20 and end_date <= start_date + 200" }
      - { id: length, constraint: "length = end_date - start_date" }
      - { id: fec-t-six, when: "regimen = 'FEC-T'", range: { column: cycles, min: 6, max: 6 } }
      - { id: cycles, range: { column: cycles, min: 1, max: 18 } }
  cycles:
    columns:
      cycle_id: { type: integer }
      regime_id: { type: integer }
      number: { type: integer }
      regimen: { type: categorical, categories: [FEC-T, AC, Paclitaxel] }
      drug: { type: string }
      cycle_days: { type: integer }
    primary_key: [cycle_id]
    foreign_keys: [{ columns: [regime_id], table: regimes, references: [regime_id] }]
    rules:
      - { id: number, constraint: "number = row_number()" }
      - { id: same-regimen, constraint: "regimen = regimes.regimen" }
      - { id: drugs, lookup: { table: regimens, columns: { regimen: regimen, drug: drug, cycle_days: cycle_days }, weight: weight } }
  notes:
    columns:
      note_id: { type: integer }
      score: { type: decimal, precision: 6, scale: 2 }
    primary_key: [note_id]
    rules:
      - { id: score, distribution: { column: score, kind: uniform, min: 1, max: 5 } }
fabricate:
  patients: { rows: 60 }
  regimes: { rows: { per: patients, count: { kind: uniform, min: 1, max: 3 } } }
  cycles: { rows: { per: regimes, count: { kind: uniform, min: 1, max: 8 } } }
  notes: { rows: { ratio: 0.5, of: patients } }
`;

async function fabricate() {
  const { project, source } = parseProject(PROJECT, file);
  const writer = new MemoryWriter();
  const summary = await runProject(compileProject(project, source), writer);
  const tables = Object.fromEntries([...writer.rows].map(([name, rows]) => [name, rows]));
  return { project, source, tables, summary, writer };
}

function clone(tables: Record<string, CellValue[][]>): Record<string, CellValue[][]> {
  return Object.fromEntries(Object.entries(tables).map(([k, rows]) => [k, rows.map((r) => [...r])]));
}

describe("the independent rule checker", () => {
  test("finds no violation in fabricated output of a project using every rule kind", async () => {
    const { project, source, tables, summary } = await fabricate();
    assert.equal(
      summary.tables.reduce((s, t) => s + t.failed, 0),
      0,
    );
    const check = checkRows(project, source, tables);
    assert.deepEqual(check.byRule, {});
    assert.equal(check.violations, 0);
    assert.equal(check.rows, summary.rows);
    assert.deepEqual(check.notChecked, []);
    assert.ok(tables.cycles!.length > 60, "enough rows to mean something");
  });

  // Each case: a table, a row, a change that breaks exactly one rule, and the rule named.
  const col = (project: ReturnType<typeof parseProject>["project"], table: string, name: string) =>
    Object.keys(project.tables[table]!.columns).indexOf(name);
  const planted: [string, string, (row: CellValue[], c: (n: string) => number) => void][] = [
    [
      "range",
      "born",
      (r, c) => {
        r[c("birth_date")] = parseDate("1920-05-01")!;
      },
    ],
    [
      "categories (text)",
      "sex",
      (r, c) => {
        r[c("sex")] = "M";
      } /* weights allow M: see below */,
    ],
    [
      "categories (integer)",
      "grade",
      (r, c) => {
        r[c("grade")] = 7;
      },
    ],
    [
      "distribution support",
      "weight",
      (r, c) => {
        r[c("weight")] = 30.5;
      },
    ],
    [
      "pattern (format check digit)",
      "chi",
      (r, c) => {
        const chi = String(r[c("chi")]);
        r[c("chi")] = `${chi.slice(0, 9)}${(Number(chi[9]) + 1) % 10}`;
      },
    ],
    [
      "pattern (regex)",
      "code",
      (r, c) => {
        r[c("code")] = "C51.0";
      },
    ],
    [
      "nullability",
      "patients.columns.sex",
      (r, c) => {
        r[c("sex")] = null;
      },
    ],
    [
      "type",
      "patients.columns.weight",
      (r, c) => {
        r[c("weight")] = 70.125;
      },
    ],
  ];
  for (const [what, rule, change] of planted) {
    test(`finds a planted ${what} violation, named ${rule}`, async () => {
      const { project, source, tables } = await fabricate();
      const broken = clone(tables);
      const rows = broken.patients!;
      let target = rows[3]!;
      if (rule === "sex") {
        // M has weight 1: it is allowed; plant a weight-0 value instead through a project edit.
        project.tables.patients!.rules![1] = {
          id: "sex",
          categories: { column: "sex", weights: { F: 1, M: 0 } },
        };
        target = rows.find((r) => r[col(project, "patients", "sex")] === "M") ?? rows[0]!;
        target[col(project, "patients", "sex")] = "M";
      } else change(target, (n) => col(project, "patients", n));
      const check = checkRows(project, source, broken);
      assert.deepEqual(Object.keys(check.byRule), [rule], JSON.stringify(check.examples));
      assert.equal(check.examples[0]!.table, "patients");
      assert.equal(check.examples[0]!.row, rows.indexOf(target) + 1);
    });
  }

  test("finds a broken constraint, a broken computation, a conditional range and a parent's column", async () => {
    const { project, source, tables } = await fabricate();
    const c = (n: string) => col(project, "regimes", n);
    const cases: [string, (r: CellValue[]) => void][] = [
      [
        "order",
        (r) => {
          r[c("end_date")] = (r[c("start_date")] as number) + 300;
        },
      ],
      [
        "length",
        (r) => {
          r[c("length")] = (r[c("length")] as number) + 1;
        },
      ],
      [
        "adult",
        (r) => {
          r[c("start_date")] = parseDate("2014-01-01")!;
        },
      ],
    ];
    for (const [rule, change] of cases) {
      const broken = clone(tables);
      const row = broken.regimes![0]!;
      if (rule === "adult") {
        // Make the patient young instead (a parent's column read through the foreign key): too
        // young for the regime, and born after the patients' own range.
        const p = broken.patients!.find((x) => x[0] === row[c("patient_id")])!;
        p[col(project, "patients", "birth_date")] = (row[c("start_date")] as number) - 100;
      } else change(row);
      const check = checkRows(project, source, broken);
      const expected = rule === "adult" ? ["born", "adult"] : rule === "order" ? ["order", "length"] : [rule];
      assert.deepEqual(
        Object.keys(check.byRule).sort(),
        expected.sort(),
        `${rule}: ${JSON.stringify(check.examples)}`,
      );
      assert.ok((check.byRule[rule] ?? 0) >= 1, `${rule} found`);
    }
    const broken = clone(tables);
    const fec = broken.regimes!.find((r) => r[c("regimen")] === "FEC-T")!;
    fec[c("cycles")] = 5;
    assert.deepEqual(checkRows(project, source, broken).byRule, { "fec-t-six": 1 });
    const other = broken.regimes!.find((r) => r[c("regimen")] !== "FEC-T")!;
    other[c("cycles")] = 5; // the condition does not hold: 5 is fine
    assert.deepEqual(checkRows(project, source, broken).byRule, { "fec-t-six": 1 });
  });

  test("finds lookups off the knowledge table (weight 0 rows included), row numbers, uniqueness, orphans", async () => {
    const { project, source, tables } = await fabricate();
    const c = (n: string) => col(project, "cycles", n);
    const run = (change: (t: Record<string, CellValue[][]>) => void) => {
      const broken = clone(tables);
      change(broken);
      return checkRows(project, source, broken).byRule;
    };
    assert.deepEqual(
      run((t) => {
        t.cycles![0]![c("cycle_days")] = 14;
      }),
      { drugs: 1 },
    );
    assert.deepEqual(
      run((t) => {
        const r = t.cycles!.find((x) => x[c("regimen")] === "AC");
        if (r) {
          r[c("drug")] = "never";
          r[c("cycle_days")] = 99;
        } else t.cycles![0]![c("drug")] = "never";
      }),
      { drugs: 1 },
    );
    assert.deepEqual(
      run((t) => {
        t.cycles![0]![c("number")] = 9;
      }),
      { number: 1 },
    );
    assert.deepEqual(
      run((t) => {
        t.patients![1]![col(project, "patients", "chi")] = t.patients![0]![col(project, "patients", "chi")]!;
      }),
      { "patients.unique[0]": 1 },
    );
    assert.deepEqual(
      run((t) => {
        t.patients!.push([...t.patients![0]!]);
      }),
      // The copy also makes 61 patients, so notes (0.5 × patients) should be 31.
      { "patients.primary_key": 1, "patients.unique[0]": 1, "code-unique": 1, "fabricate.notes.rows": 1 },
    );
    // An orphan: a regime whose patient does not exist; the patient loses its only… or one regime.
    const orphan = run((t) => {
      t.regimes![0]![col(project, "regimes", "patient_id")] = 10_000;
    });
    assert.equal(orphan["regimes.foreign_keys[0]"], 1);
  });

  test("finds children per parent outside the bounds and a ratio's count off", async () => {
    const { project, source, tables } = await fabricate();
    const broken = clone(tables);
    // Patient 1 gets four more regimes (max 3), with new keys.
    const r0 = broken.regimes!.find((r) => r[1] === 1)!;
    let next = Math.max(...broken.regimes!.map((r) => r[0] as number)) + 1;
    for (let i = 0; i < 4; i++) broken.regimes!.push([next++, ...r0.slice(1)]);
    broken.notes!.pop();
    const check = checkRows(project, source, broken);
    assert.equal(check.byRule["fabricate.regimes.rows"], 1);
    assert.equal(check.byRule["fabricate.notes.rows"], 1);
    // A parent with no children at all (min 1).
    const lonely = clone(tables);
    lonely.patients!.push([9999, "0101011234", "F", 0, null, 0, "D70"]);
    assert.ok((checkRows(project, source, lonely).byRule["fabricate.regimes.rows"] ?? 0) >= 1);
  });

  test("soft rules are counted apart and never as violations", async () => {
    const { project, source, tables } = await fabricate();
    project.tables.patients!.rules![2] = {
      id: "born",
      range: { column: "birth_date", min: "1980-01-01", max: "1990-12-31" },
      soft: true,
    };
    const check = checkRows(project, source, tables);
    assert.equal(check.violations, 0);
    assert.ok((check.soft.born ?? 0) > 0);
  });

  test("reads an output back (CSV files): no violation; a damaged file is caught; checks as written", async () => {
    const { project, source } = parseProject(PROJECT, file);
    const out = path.join(dir, "csv");
    const inner = await openWriter(`csv:${out}`, { overwrite: true });
    const writer = checkingWriter(project, source, inner);
    await runProject(compileProject(project, source), writer);
    assert.equal(writer.summary().violations, 0);
    assert.ok(writer.summary().rows > 100);
    const back = await checkOutput(project, source, out);
    assert.deepEqual(back.byRule, {});
    assert.equal(back.rows, writer.summary().rows);
    // Damage one value in the file: a date before the range.
    const { readFileSync } = await import("node:fs");
    const csv = path.join(out, "patients.csv");
    const lines = readFileSync(csv, "utf8").split("\n");
    const header = lines[0]!.split(",");
    const cells = lines[1]!.split(",");
    cells[header.indexOf("birth_date")] = "1901-01-01";
    lines[1] = cells.join(",");
    writeFileSync(csv, lines.join("\n"));
    const damaged = await checkOutput(project, source, out);
    assert.deepEqual(Object.keys(damaged.byRule), ["born"]);
    cells[header.indexOf("birth_date")] = "not a date";
    lines[1] = cells.join(",");
    writeFileSync(csv, lines.join("\n"));
    assert.equal((await checkOutput(project, source, out)).byRule["patients.columns.birth_date"], 1);
  });
});
