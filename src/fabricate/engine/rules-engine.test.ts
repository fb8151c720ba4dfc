import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { mod11CheckDigit } from "../rules/formats.ts";
import { parseDate } from "../table-spec.ts";
import { compileText, fabricateText } from "./test-support.ts";

const day = (text: string) => parseDate(text)!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/** One table `t` with these columns and rules, `rows` rows. */
function single(columns: string, rules: string, rows = 2000, extra = ""): string {
  return `
tables:
  t:
    columns:
      id: { type: integer }
${columns
  .trim()
  .split("\n")
  .map((l) => `      ${l.trim()}`)
  .join("\n")}
    primary_key: [id]
    rules:
${rules
  .trim()
  .split("\n")
  .map((l) => `      ${l.trim()}`)
  .join("\n")}
${extra}
fabricate:
  t: { rows: ${rows} }
`;
}

async function rowsOf(yaml: string, table = "t") {
  const { writer, summary } = await fabricateText(yaml);
  return { rows: writer.objects(table), summary, writer };
}

describe("rule kinds, each holding in the output", () => {
  test("range on integers and dates; the sequence key counts from 1", async () => {
    const { rows } = await rowsOf(
      single(
        "n: { type: integer }\nd: { type: date }",
        "- { range: { column: n, min: -3, max: 4 } }\n- { range: { column: d, min: '2014-01-01', max: '2014-01-31' } }",
      ),
    );
    assert.equal(rows.length, 2000);
    assert.deepEqual(
      rows.map((r) => r.id),
      rows.map((_, i) => i + 1),
    );
    const ns = new Set(rows.map((r) => r.n));
    assert.deepEqual(
      [...ns].sort((a, b) => (a as number) - (b as number)),
      [-3, -2, -1, 0, 1, 2, 3, 4],
    );
    for (const r of rows) {
      assert.ok((r.d as number) >= day("2014-01-01") && (r.d as number) <= day("2014-01-31"));
      assert.ok(Number.isInteger(r.d));
    }
  });

  test("categories with weights, and equal values", async () => {
    const { rows } = await rowsOf(
      single(
        "sex: { type: categorical, categories: [F, M, U] }\nflag: { type: boolean }\nward: { type: string }",
        "- { categories: { column: sex, weights: { F: 9, M: 1 } } }\n- { categories: { column: flag, weights: { 'true': 1, 'false': 3 } } }\n- { categories: { column: ward, values: [A1, B2] } }",
      ),
    );
    const f = rows.filter((r) => r.sex === "F").length / rows.length;
    assert.ok(f > 0.86 && f < 0.94, `share of F ${f}`);
    assert.equal(rows.filter((r) => r.sex === "U").length, 0, "a category of weight 0 never appears");
    const t = rows.filter((r) => r.flag === true).length / rows.length;
    assert.ok(t > 0.21 && t < 0.29, `share of true ${t}`);
    assert.deepEqual(new Set(rows.map((r) => r.ward)), new Set(["A1", "B2"]));
  });

  test("distributions: normal, truncated normal, log-normal, exponential, histogram, uniform", async () => {
    const { rows } = await rowsOf(
      single(
        `a: { type: decimal, precision: 8, scale: 2 }
b: { type: decimal, precision: 8, scale: 2 }
c: { type: decimal, precision: 10, scale: 3 }
e: { type: decimal, precision: 10, scale: 3 }
h: { type: integer }
u: { type: date }`,
        `- { distribution: { column: a, kind: normal, mean: 50, sd: 10 } }
- { distribution: { column: b, kind: truncated_normal, mean: 50, sd: 10, min: 45, max: 80 } }
- { distribution: { column: c, kind: lognormal, mu: 1, sigma: 0.5 } }
- { distribution: { column: e, kind: exponential, mean: 4, offset: 1 } }
- { distribution: { column: h, kind: histogram, edges: [0, 10, 20, 30], weights: [1, 0, 3] } }
- { distribution: { column: u, kind: uniform, min: '2015-01-01', max: '2015-12-31' } }`,
        4000,
      ),
    );
    const a = rows.map((r) => r.a as number);
    assert.ok(Math.abs(mean(a) - 50) < 1, `normal mean ${mean(a)}`);
    assert.ok(Math.abs(sd(a) - 10) < 0.8, `normal sd ${sd(a)}`);
    assert.ok(
      a.every((x) => Math.round(x * 100) / 100 === x),
      "decimals keep their scale",
    );
    const b = rows.map((r) => r.b as number);
    assert.ok(b.every((x) => x >= 45 && x <= 80));
    const c = rows.map((r) => r.c as number);
    assert.ok(c.every((x) => x > 0));
    const median = [...c].sort((x, y) => x - y)[c.length >> 1]!;
    assert.ok(Math.abs(median - Math.E) < 0.2, `log-normal median ${median}`);
    const e = rows.map((r) => r.e as number);
    assert.ok(e.every((x) => x >= 1));
    assert.ok(Math.abs(mean(e) - 5) < 0.35, `exponential mean ${mean(e)}`);
    const h = rows.map((r) => r.h as number);
    assert.equal(h.filter((x) => x > 10 && x < 20).length, 0, "an empty bin stays empty");
    const high = h.filter((x) => x >= 20).length / h.length;
    assert.ok(high > 0.7 && high < 0.8, `histogram share of the third bin ${high}`);
    const u = rows.map((r) => r.u as number);
    assert.ok(u.every((x) => x >= day("2015-01-01") && x <= day("2015-12-31")));
  });

  test("patterns: a regular expression and named formats", async () => {
    const { rows } = await rowsOf(
      single(
        "code: { type: string }\nchi: { type: string }\npc: { type: string }\nuid: { type: string }\nopcs: { type: string }",
        `- { pattern: { column: code, regex: '^C(50|18)\\.[0-9]{1,2}[A-Z]?$' } }
- { pattern: { column: chi, format: chi } }
- { pattern: { column: pc, format: uk_postcode } }
- { pattern: { column: uid, format: uuid } }
- { pattern: { column: opcs, regex: '[A-HJ-NP-TV-Z]\\d{2}(\\.\\d)?' } }`,
        500,
      ),
    );
    for (const r of rows) {
      assert.match(r.code as string, /^C(50|18)\.[0-9]{1,2}[A-Z]?$/);
      assert.match(r.chi as string, /^\d{10}$/);
      assert.equal(mod11CheckDigit(r.chi as string), Number((r.chi as string)[9]));
      const dd = Number((r.chi as string).slice(0, 2));
      const mm = Number((r.chi as string).slice(2, 4));
      assert.ok(dd >= 1 && dd <= 31 && mm >= 1 && mm <= 12);
      assert.match(r.pc as string, /^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$/);
      assert.match(r.uid as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.match(r.opcs as string, /^[A-HJ-NP-TV-Z]\d{2}(\.\d)?$/);
    }
    assert.ok(new Set(rows.map((r) => r.code)).size > 50, "the pattern's alternatives and options all occur");
  });

  test("relations and computations between columns: ordering, a difference, a weighted sum", async () => {
    const { rows } = await rowsOf(
      single(
        `admission_date: { type: date }
discharge_date: { type: date }
length_of_stay: { type: integer }
mi: { type: boolean }
chf: { type: boolean }
dementia: { type: boolean }
charlson_index: { type: integer }`,
        `- { id: admitted, range: { column: admission_date, min: '2014-01-01', max: '2016-12-31' } }
- { id: order, constraint: "discharge_date >= admission_date" }
- { id: stay, constraint: "length_of_stay = discharge_date - admission_date" }
- { id: stay-max, range: { column: length_of_stay, max: 20 } }
- { id: charlson, constraint: "charlson_index = 1*mi + 1*chf + 2*dementia" }`,
      ),
    );
    for (const r of rows) {
      const a = r.admission_date as number;
      const d = r.discharge_date as number;
      assert.ok(d >= a);
      assert.equal(r.length_of_stay, d - a);
      assert.ok((r.length_of_stay as number) <= 20);
      assert.equal(r.charlson_index, Number(r.mi) + Number(r.chf) + 2 * Number(r.dementia));
    }
    assert.ok(new Set(rows.map((r) => r.length_of_stay)).size > 15, "stays spread over the allowed interval");
  });

  test("conditional rules: `when` chooses the values and ranges", async () => {
    const { rows } = await rowsOf(
      single(
        "sex: { type: categorical, categories: [F, M] }\nage: { type: integer }\ntreatment: { type: string }",
        `- { range: { column: age, min: 18, max: 90 } }
- { when: "sex = 'M'", range: { column: age, min: 60, max: 70 } }
- { when: "sex = 'F'", categories: { column: treatment, values: [mastectomy, lumpectomy] } }
- { when: "sex = 'M'", categories: { column: treatment, values: [none] } }`,
      ),
    );
    const men = rows.filter((r) => r.sex === "M");
    assert.ok(men.length > 500);
    for (const r of men) {
      assert.ok((r.age as number) >= 60 && (r.age as number) <= 70, `age ${r.age}`);
      assert.equal(r.treatment, "none");
    }
    for (const r of rows.filter((x) => x.sex === "F"))
      assert.ok(["mastectomy", "lumpectomy"].includes(r.treatment as string));
    assert.ok(rows.some((r) => r.sex === "F" && (r.age as number) < 60));
  });

  test("uniqueness: single and composite, with domains small enough to collide", async () => {
    const { rows, summary } = await rowsOf(
      single(
        "a: { type: integer }\nb: { type: integer }\nc: { type: integer }",
        "- { range: { column: a, min: 1, max: 300 } }\n- { range: { column: b, min: 1, max: 20 } }\n- { range: { column: c, min: 1, max: 20 } }\n- { unique: [b, c] }",
        300,
        "    unique: [[a]]",
      ),
    );
    assert.equal(summary.tables[0]!.failed, 0);
    assert.equal(new Set(rows.map((r) => r.a)).size, 300, "all 300 values of a, each once");
    assert.equal(new Set(rows.map((r) => `${r.b},${r.c}`)).size, 300);
  });

  test("nulls: a share of a nullable column, conditionally", async () => {
    const { rows } = await rowsOf(
      single(
        "sex: { type: categorical, categories: [F, M] }\nweight: { type: decimal, precision: 5, scale: 1, nullable: true }",
        `- { when: "sex = 'F'", nulls: { column: weight, share: 0.5 } }\n- { range: { column: weight, min: 40, max: 120 } }`,
      ),
    );
    const women = rows.filter((r) => r.sex === "F");
    const share = women.filter((r) => r.weight === null).length / women.length;
    assert.ok(share > 0.44 && share < 0.56, `null share ${share}`);
    assert.equal(rows.filter((r) => r.sex === "M" && r.weight === null).length, 0);
  });
});

describe("cross-table rules and the table graph", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-fabricate-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, "regimens.csv"),
    "regimen,drug,cycle_days,weight\nFEC-T,epirubicin,21,3\nFEC-T,docetaxel,21,3\nAC,doxorubicin,21,2\nAC,cyclophosphamide,21,2\nPaclitaxel,paclitaxel,7,1\n",
  );
  const project = (fabricate: string) => `
knowledge:
  regimens: regimens.csv
tables:
  patients:
    columns:
      patient_id: { type: integer }
      birth_date: { type: date }
    primary_key: [patient_id]
    rules:
      - { range: { column: birth_date, min: '1930-01-01', max: '1990-12-31' } }
  regimes:
    columns:
      regime_id: { type: integer }
      patient_id: { type: integer }
      regimen: { type: categorical, categories: [FEC-T, AC, Paclitaxel] }
      start_date: { type: date }
      end_date: { type: date }
    primary_key: [regime_id]
    foreign_keys: [{ columns: [patient_id], table: patients, references: [patient_id] }]
    rules:
      - { range: { column: start_date, min: '2014-01-01', max: '2016-06-30' } }
      - { constraint: "end_date >= start_date + 20 and end_date <= start_date + 200" }
      - { constraint: "start_date >= patients.birth_date + 6570" }
  cycles:
    columns:
      cycle_id: { type: integer }
      regime_id: { type: integer }
      regimen: { type: categorical, categories: [FEC-T, AC, Paclitaxel] }
      drug: { type: string }
      cycle_days: { type: integer }
      cycle_date: { type: date }
    primary_key: [cycle_id]
    foreign_keys: [{ columns: [regime_id], table: regimes, references: [regime_id] }]
    rules:
      - { id: same-regimen, constraint: "regimen = regimes.regimen" }
      - { id: within, constraint: "cycle_date >= regimes.start_date and cycle_date <= regimes.end_date" }
      - { id: drugs, lookup: { table: regimens, columns: { regimen: regimen, drug: drug, cycle_days: cycle_days }, weight: weight } }
fabricate:
${fabricate}
`;
  const file = path.join(dir, "project.yaml");
  const standard =
    "  patients: { rows: 40 }\n  regimes: { rows: { per: patients, count: { kind: uniform, min: 1, max: 3 } } }\n  cycles: { rows: { per: regimes, count: { kind: uniform, min: 1, max: 12 } } }";

  test("children per parent, referential integrity, a child's dates within its parent's, knowledge lookups", async () => {
    const { writer } = await fabricateText(project(standard), {}, file);
    const patients = writer.objects("patients");
    const regimes = writer.objects("regimes");
    const cycles = writer.objects("cycles");
    assert.equal(patients.length, 40);
    const byPatient = new Map<unknown, number>();
    for (const r of regimes) byPatient.set(r.patient_id, (byPatient.get(r.patient_id) ?? 0) + 1);
    assert.equal(byPatient.size, 40, "every patient has regimes");
    for (const n of byPatient.values()) assert.ok(n >= 1 && n <= 3);
    assert.deepEqual(new Set(byPatient.values()), new Set([1, 2, 3]));
    const patientById = new Map(patients.map((p) => [p.patient_id, p]));
    const regimeById = new Map(regimes.map((r) => [r.regime_id, r]));
    for (const r of regimes) {
      const p = patientById.get(r.patient_id);
      assert.ok(p, "a regime's patient exists");
      assert.ok((r.start_date as number) >= (p.birth_date as number) + 6570);
      assert.ok(
        (r.end_date as number) >= (r.start_date as number) + 20 &&
          (r.end_date as number) <= (r.start_date as number) + 200,
      );
    }
    const pairs = new Set([
      "FEC-T/epirubicin/21",
      "FEC-T/docetaxel/21",
      "AC/doxorubicin/21",
      "AC/cyclophosphamide/21",
      "Paclitaxel/paclitaxel/7",
    ]);
    for (const c of cycles) {
      const r = regimeById.get(c.regime_id);
      assert.ok(r, "a cycle's regime exists");
      assert.equal(c.regimen, r.regimen);
      assert.ok(
        (c.cycle_date as number) >= (r.start_date as number) &&
          (c.cycle_date as number) <= (r.end_date as number),
      );
      assert.ok(
        pairs.has(`${c.regimen}/${c.drug}/${c.cycle_days}`),
        `${c.regimen}/${c.drug}/${c.cycle_days} is a knowledge row`,
      );
    }
    const perRegime = new Map<unknown, number>();
    for (const c of cycles) perRegime.set(c.regime_id, (perRegime.get(c.regime_id) ?? 0) + 1);
    assert.ok([...perRegime.values()].every((n) => n >= 1 && n <= 12));
  });

  test("a ratio of row counts between tables", async () => {
    const { writer } = await fabricateText(
      project(
        "  patients: { rows: 40 }\n  regimes: { rows: { ratio: 2.5, of: patients } }\n  cycles: { rows: { per: regimes, count: 1 } }",
      ),
      {},
      file,
    );
    assert.equal(writer.rows.get("regimes")!.length, 100);
    assert.equal(writer.rows.get("cycles")!.length, 100);
    const ids = new Set(writer.objects("patients").map((p) => p.patient_id));
    assert.ok(writer.objects("regimes").every((r) => ids.has(r.patient_id)));
  });

  test("the same project and seed give the same rows; another seed others; another table changes nothing", async () => {
    const one = await fabricateText(project(standard), { seed: 42 }, file);
    const two = await fabricateText(project(standard), { seed: 42 }, file);
    const three = await fabricateText(project(standard), { seed: 43 }, file);
    assert.deepEqual(one.writer.rows, two.writer.rows);
    assert.notDeepEqual(one.writer.rows.get("regimes"), three.writer.rows.get("regimes"));
    const more = project(standard)
      .replace("tables:\n", "tables:\n  extra:\n    columns: { x: { type: integer } }\n")
      .replace("fabricate:\n", "fabricate:\n  extra: { rows: 7 }\n");
    const four = await fabricateText(more, { seed: 42 }, file);
    assert.equal(four.writer.rows.get("extra")!.length, 7);
    for (const t of ["patients", "regimes", "cycles"])
      assert.deepEqual(four.writer.rows.get(t), one.writer.rows.get(t), t);
  });

  test("reuse takes existing parent rows; mixed continues their keys", async () => {
    const existing = async function* (table: string) {
      assert.equal(table, "patients");
      for (let i = 1; i <= 5; i++) yield { patient_id: i * 10, birth_date: "1950-01-01" };
    };
    const reuse = await fabricateText(
      project(standard.replace("patients: { rows: 40 }", "patients: { mode: reuse }")),
      { target: "db", existingRows: existing },
      file,
    );
    assert.equal(reuse.writer.rows.has("patients"), false, "reused rows are not written again");
    assert.deepEqual(
      new Set(reuse.writer.objects("regimes").map((r) => r.patient_id)),
      new Set([10, 20, 30, 40, 50]),
    );
    assert.equal(reuse.summary.tables[0]!.reused, 5);
    const mixed = await fabricateText(
      project(standard.replace("patients: { rows: 40 }", "patients: { rows: 8, mode: mixed, share: 0.5 }")),
      { target: "db", existingRows: existing },
      file,
    );
    assert.deepEqual(
      mixed.writer.objects("patients").map((p) => p.patient_id),
      [41, 42, 43, 44],
      "round(0.5 × 8) = 4 existing rows are taken (10…40), and 4 new ones continue after the largest key",
    );
    const parents = new Set(mixed.writer.objects("regimes").map((r) => r.patient_id));
    assert.ok(parents.has(10) && parents.has(44) && !parents.has(50));
    await assert.rejects(
      fabricateText(
        project(standard.replace("patients: { rows: 40 }", "patients: { mode: reuse }")),
        {},
        file,
      ),
      (e: SerumsError) => e.code === "BAD_USAGE" && /give the target database/.test(e.message),
    );
  });
});

describe("conflicts between rules", () => {
  test("mandatory rules that cannot both hold are an error naming both", () => {
    assert.throws(
      () =>
        compileText(
          single(
            "a: { type: integer }\nb: { type: integer }",
            "- { id: a-small, range: { column: a, max: 10 } }\n- { id: b-big, range: { column: b, min: 50 } }\n- { id: a-above-b, constraint: 'a > b' }",
          ),
          "p.yaml",
        ),
      (e: SerumsError) => {
        assert.equal(e.code, "BAD_PROJECT");
        assert.match(e.message, /cannot all hold/);
        for (const id of ["a-small", "b-big", "a-above-b"])
          assert.ok(e.message.includes(id), `${id} in ${e.message}`);
        return true;
      },
    );
    assert.throws(
      () =>
        compileText(
          single(
            "sex: { type: categorical, categories: [F, M] }",
            "- { id: only-x, constraint: \"sex = 'X'\" }",
          ),
          "p.yaml",
        ),
      /only-x/,
    );
  });

  test("conflicting soft rules: the lower priority is dropped, the higher holds", async () => {
    const { rows, summary } = await rowsOf(
      single(
        "a: { type: integer }",
        "- { id: hard, range: { column: a, min: 0, max: 100 } }\n- { id: low, soft: true, priority: 1, range: { column: a, max: 10 } }\n- { id: high, soft: true, priority: 5, range: { column: a, min: 50 } }\n- { id: fine, soft: true, range: { column: a, max: 60 } }",
        500,
      ),
    );
    assert.deepEqual(
      summary.tables[0]!.droppedUpFront.map((d) => d.rule),
      ["low"],
    );
    for (const r of rows) assert.ok((r.a as number) >= 50 && (r.a as number) <= 60, `a ${r.a}`);
  });

  test("a soft rule that fails for some records is dropped for those only, and counted", async () => {
    const { rows, summary } = await rowsOf(
      single(
        "a: { type: integer }\nb: { type: integer }",
        "- { range: { column: a, min: 0, max: 9 } }\n- { range: { column: b, min: 0, max: 9 } }\n- { id: never-seven, constraint: 'a != 7' }\n- { id: soft-a-even, soft: true, constraint: 'a * a = 49 or b > 100' }",
        300,
      ),
    );
    assert.equal(summary.tables[0]!.softDropped["soft-a-even"], 300);
    assert.ok(
      rows.every((r) => r.a !== 7),
      "the mandatory rule still holds",
    );
  });

  test("only soft rules in the conflict set are dropped: a lower-priority rule not involved stays", async () => {
    const { rows, summary } = await rowsOf(
      single(
        "c: { type: integer }\na: { type: integer }\nb: { type: integer }",
        "- { range: { column: a, min: 0, max: 9 } }\n- { range: { column: b, min: 0, max: 9 } }\n- { id: never-seven, constraint: 'a != 7' }\n- { id: conflicting, soft: true, priority: 5, constraint: 'a * a = 49 or b > 100' }\n- { id: unrelated, soft: true, priority: 1, constraint: 'c * c <= 25' }\n- { range: { column: c, min: 0, max: 9 } }",
        300,
      ),
    );
    // c comes first: the unrelated rule's check fails now and then (c > 5 is drawn again) before
    // the search is stuck on the conflicting one; only the conflicting one is dropped.
    assert.deepEqual(summary.tables[0]!.softDropped, { conflicting: 300 });
    assert.equal(summary.tables[0]!.failed, 0);
    for (const r of rows) {
      assert.ok((r.c as number) <= 5, `the unrelated soft rule holds: c ${r.c}`);
      assert.notEqual(r.a, 7);
    }
  });

  test("a record that cannot be satisfied is not written, and reported with its rule", async () => {
    const { rows, summary } = await rowsOf(
      single(
        "a: { type: integer }",
        "- { range: { column: a, min: 1, max: 5 } }\n- { id: impossible, constraint: 'a * a = 7' }",
        10,
      ),
    );
    assert.equal(rows.length, 0);
    assert.equal(summary.tables[0]!.failed, 10);
    assert.ok((summary.tables[0]!.failures.impossible ?? 0) > 0);
  });
});

describe("numbering and keys shared between foreign keys", () => {
  test("row_number() numbers a parent's children; a second key sharing columns takes the matching parent", async () => {
    const { writer } = await fabricateText(`
tables:
  regimes:
    columns: { regime_id: { type: integer }, start: { type: date } }
    primary_key: [regime_id]
    rules: [{ range: { column: start, min: '2015-01-01', max: '2015-12-31' } }]
  cycles:
    columns: { regime_id: { type: integer }, cycle: { type: integer }, due: { type: date } }
    primary_key: [regime_id, cycle]
    foreign_keys: [{ columns: [regime_id], table: regimes, references: [regime_id] }]
    rules:
      - { constraint: "cycle = row_number()" }
      - { constraint: "due = regimes.start + (cycle - 1) * 21" }
  drugs:
    columns: { regime_id: { type: integer }, cycle: { type: integer }, given: { type: datetime } }
    foreign_keys:
      - { columns: [regime_id, cycle], table: cycles, references: [regime_id, cycle] }
      - { columns: [regime_id], table: regimes, references: [regime_id] }
    rules:
      - { constraint: "given >= (regimes.start + (cycle - 1) * 21) * 86400 + 30600" }
      - { constraint: "given <= (regimes.start + (cycle - 1) * 21) * 86400 + 63000" }
fabricate:
  regimes: { rows: 20 }
  cycles: { rows: { per: regimes, count: { kind: uniform, min: 1, max: 30 } } }
  drugs: { rows: { per: cycles, count: 2 } }
`);
    const regimes = new Map(writer.objects("regimes").map((r) => [r.regime_id, r.start as number]));
    const byRegime = new Map<unknown, number[]>();
    for (const c of writer.objects("cycles")) {
      byRegime.set(c.regime_id, [...(byRegime.get(c.regime_id) ?? []), c.cycle as number]);
      assert.equal(c.due, regimes.get(c.regime_id)! + ((c.cycle as number) - 1) * 21);
    }
    for (const cycles of byRegime.values())
      assert.deepEqual(
        cycles,
        cycles.map((_, i) => i + 1),
      );
    const drugs = writer.objects("drugs");
    assert.equal(drugs.length, 2 * writer.rows.get("cycles")!.length, "no drug row failed");
    for (const d of drugs) {
      const day = (regimes.get(d.regime_id)! + ((d.cycle as number) - 1) * 21) * 86400;
      assert.ok(
        (d.given as number) >= day + 30600 && (d.given as number) <= day + 63000,
        "given on its cycle's day, in opening hours",
      );
    }
  });
});

describe("categories and distributions on number and date columns", () => {
  test("a categories rule on an integer column draws its values by weight (issue: 0–998 came out)", async () => {
    const { rows } = await rowsOf(
      single(
        "grade: { type: integer }\nseen: { type: date }",
        "- { id: grade, categories: { column: grade, weights: { '0': 6, '1': 3, '2': 1 } } }\n- { id: seen, categories: { column: seen, values: ['2015-01-01', '2015-06-30'] } }",
      ),
    );
    const counts = [0, 0, 0];
    for (const r of rows) counts[r.grade as number]!++;
    assert.equal(counts[0]! + counts[1]! + counts[2]!, 2000, "every grade is 0, 1 or 2");
    assert.ok(counts[0]! > counts[1]! && counts[1]! > counts[2]! && counts[2]! > 100, `${counts}`);
    assert.deepEqual(new Set(rows.map((r) => r.seen)), new Set([day("2015-01-01"), day("2015-06-30")]));
  });

  test("listed integer values meet the other rules: only those within the bounds are drawn", async () => {
    const { rows, summary } = await rowsOf(
      single(
        "a: { type: integer }\nb: { type: integer }",
        "- { categories: { column: a, values: [1, 5, 9] } }\n- { range: { column: b, min: 0, max: 6 } }\n- { constraint: 'a <= b' }",
      ),
    );
    assert.equal(summary.tables[0]!.failed, 0);
    for (const r of rows) assert.ok([1, 5].includes(r.a as number) && (r.a as number) <= (r.b as number));
  });

  test("a conditional distribution keeps to its own bounds", async () => {
    const { rows } = await rowsOf(
      single(
        "kind: { type: categorical, categories: [x, y] }\nn: { type: integer }",
        "- { when: \"kind = 'x'\", distribution: { column: n, kind: uniform, min: 10, max: 20 } }\n- { range: { column: n, min: 0, max: 100 } }",
      ),
    );
    for (const r of rows)
      if (r.kind === "x") assert.ok((r.n as number) >= 10 && (r.n as number) <= 20, `${r.n}`);
    assert.ok(rows.some((r) => r.kind === "y" && ((r.n as number) < 10 || (r.n as number) > 20)));
  });
});
