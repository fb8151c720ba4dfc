import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { chiCheckDigit, isValidChi } from "./chi.ts";
import { ageOn, parseDay } from "./dates.ts";
import { generateSample, type Sample, type SampleRow, stageGroup } from "./sample.ts";
import { ecdgTables, findTable } from "./schemas.ts";

const here = import.meta.dirname;
const defaultSample = generateSample();
const str = (v: unknown): string => v as string;
const n = (v: unknown): number => v as number;
const chiOf = (r: SampleRow): string => String(r.upi_number).padStart(10, "0");
/** The birth date a CHI records (every patient of the sample was born in the 1900s). */
const birthOf = (chi: string) => ({
  year: 1900 + Number(chi.slice(4, 6)),
  month: Number(chi.slice(2, 4)),
  day: Number(chi.slice(0, 2)),
});
const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    out.set(k, [...(out.get(k) ?? []), item]);
  }
  return out;
};

describe("generateSample: determinism and shape", () => {
  it("gives byte-identical JSON for the same seed and different data for another", () => {
    const a = JSON.stringify(generateSample({ seed: 7, patients: 20 }));
    assert.equal(JSON.stringify(generateSample({ seed: 7, patients: 20 })), a);
    assert.notEqual(JSON.stringify(generateSample({ seed: 8, patients: 20 })), a);
    assert.equal(JSON.stringify(generateSample({ seed: 1, patients: 36 })), JSON.stringify(defaultSample));
  });

  it("defaults to 36 patients and honours the patients option", () => {
    assert.equal(defaultSample.ndc_smr06!.length, 36);
    assert.equal(generateSample({ patients: 5 }).ndc_smr06!.length, 5);
    assert.throws(() => generateSample({ patients: 0 }), RangeError);
    assert.throws(() => generateSample({ seed: 1.5 }), RangeError);
  });
});

/** The invariants every sample keeps, whatever the seed and size. */
function checkSample(label: string, sample: Sample): void {
  const rows = (table: string): SampleRow[] => sample[table]!;
  const patients = sample.ndc_smr06!.length;

  describe(`${label}: shape`, () => {
    it("has every table, each row in the schema's column order with values of the column's type", () => {
      assert.deepEqual(Object.keys(sample).sort(), ecdgTables.map((t) => t.name).sort());
      for (const table of ecdgTables) {
        assert.ok(rows(table.name).length > 0, table.name);
        for (const row of rows(table.name)) {
          assert.deepEqual(
            Object.keys(row),
            table.columns.map((c) => c.name),
          );
          for (const c of table.columns) {
            const v = row[c.name];
            if (v === null) {
              assert.ok(c.nullable, `${table.name}.${c.name} is null`);
              continue;
            }
            const expected =
              { integer: "number", decimal: "number", boolean: "boolean" }[c.type as string] ?? "string";
            assert.equal(typeof v, expected, `${table.name}.${c.name} = ${JSON.stringify(v)}`);
            if (c.type === "integer") assert.ok(Number.isSafeInteger(v), `${c.name} ${v}`);
            if (typeof v === "string") assert.notEqual(v.trim(), "", `${table.name}.${c.name} is blank`);
          }
        }
      }
    });
  });

  describe(`${label}: patients and CHI numbers`, () => {
    const trakChis = rows("ndc_smr06").map((r) => str(r.upi_number));

    it("gives valid, unique CHI numbers (mod-11 check digit)", () => {
      assert.equal(new Set(trakChis).size, trakChis.length);
      for (const chi of trakChis) assert.ok(isValidChi(chi), chi);
      // The check: weights 10..2 over nine digits; 11 - remainder.
      assert.equal(
        chiCheckDigit("010170123"),
        11 - ((0 * 10 + 1 * 9 + 0 * 8 + 1 * 7 + 7 * 6 + 0 * 5 + 1 * 4 + 2 * 3 + 3 * 2) % 11),
      );
      assert.equal(isValidChi("0101701234"), chiCheckDigit("010170123") === 4);
    });

    it("has CHIs with a leading zero, which Chemocare stores as a shorter number", () => {
      const zero = trakChis.filter((c) => c.startsWith("0"));
      assert.ok(zero.length >= 5, `${zero.length} CHIs with a leading zero`);
      const chemocare = new Set(rows("chemocare_treatment").map((r) => r.upi_number));
      for (const chi of zero) {
        assert.ok(chemocare.has(Number(chi)), chi);
        assert.equal(String(Number(chi)).length, 9);
      }
    });

    it("has the same patients in all five tables", () => {
      const expected = [...trakChis].sort();
      for (const table of ecdgTables) {
        const chis = [...new Set(rows(table.name).map(chiOf))].sort();
        assert.deepEqual(chis, expected, table.name);
      }
    });

    it("records sex as the CHI's sex digit says and ages from the CHI's birth date", () => {
      for (const r of rows("ndc_smr01")) {
        const chi = str(r.upi_number);
        assert.equal(r.sex, Number(chi[8]) % 2 === 0 ? "2" : "1", chi);
        assert.equal(r.age_in_years, ageOn(birthOf(chi), parseDay(str(r.admission_date))), chi);
      }
      for (const r of rows("ndc_charlson")) {
        const chi = str(r.upi_number);
        assert.equal(r.age_at_assessment, ageOn(birthOf(chi), parseDay(str(r.assessment_date))), chi);
        assert.ok(n(r.age_at_assessment) >= 18 && n(r.age_at_assessment) <= 100);
      }
    });

    it("keeps a patient's demographics stable across admissions (up to case and spaces)", () => {
      for (const [chi, admissions] of groupBy(rows("ndc_smr01"), chiOf)) {
        for (const column of ["sex", "ethnic_group", "marital_status", "postcode"]) {
          const values = new Set(admissions.map((r) => str(r[column]).trim().toUpperCase()));
          assert.equal(values.size, 1, `${chi} ${column}`);
        }
      }
    });
  });

  describe(`${label}: clinical consistency`, () => {
    const diagnosis = new Map(rows("ndc_smr06").map((r) => [str(r.upi_number), r]));

    it("orders admissions: admission <= discharge, length of stay = the difference, in 2014-2016", () => {
      for (const r of rows("ndc_smr01")) {
        const a = parseDay(str(r.admission_date));
        const d = parseDay(str(r.discharge_date));
        assert.ok(a <= d);
        assert.equal(r.length_of_stay, d - a);
        assert.ok(str(r.admission_date) >= "2014-01-01" && str(r.admission_date) <= "2016-12-31");
      }
      for (const admissions of groupBy(rows("ndc_smr01"), chiOf).values()) {
        for (let i = 1; i < admissions.length; i++) {
          assert.ok(
            parseDay(str(admissions[i]!.admission_date)) > parseDay(str(admissions[i - 1]!.discharge_date)),
          );
        }
      }
    });

    it("computes the Charlson index as the weighted sum, with its band and count", () => {
      let nonZero = 0;
      for (const r of rows("ndc_charlson")) {
        const b = (name: string): number => (r[name] === true ? 1 : 0);
        const index =
          b("myocardial_infarction") +
          b("congestive_heart_failure") +
          b("peripheral_vascular_disease") +
          b("cerebrovascular_disease") +
          b("dementia") +
          b("chronic_pulmonary_disease") +
          (r.rheumatic_disease === "N" ? 0 : 1) +
          [0, 1, 3][n(r.liver_disease_severity)]! +
          [0, 1, 2][n(r.diabetes_severity)]! +
          (r.hemiplegia === "N" ? 0 : 2) +
          2 * n(r.renal_disease) +
          [0, 2, 6][n(r.malignancy_severity)]! +
          (r.hiv_aids === "AIDS" ? 6 : 0);
        assert.equal(r.charlson_index, index, str(r.upi_number));
        const band = index === 0 ? "0" : index <= 2 ? "1-2" : index <= 4 ? "3-4" : "5+";
        assert.equal(r.charlson_band, band);
        const present =
          b("myocardial_infarction") +
          b("congestive_heart_failure") +
          b("peripheral_vascular_disease") +
          b("cerebrovascular_disease") +
          b("dementia") +
          b("chronic_pulmonary_disease") +
          (r.rheumatic_disease === "N" ? 0 : 1) +
          (n(r.liver_disease_severity) > 0 ? 1 : 0) +
          (n(r.diabetes_severity) > 0 ? 1 : 0) +
          (r.hemiplegia === "N" ? 0 : 1) +
          n(r.renal_disease) +
          (n(r.malignancy_severity) > 0 ? 1 : 0) +
          (r.hiv_aids === "N" ? 0 : 1);
        assert.equal(r.comorbidity_count, present);
        if (index > 0) nonZero++;
      }
      assert.ok(nonZero >= 5, `${nonZero} patients with comorbidity`);
    });

    it("assesses Charlson at the date of incidence; stage IV is metastatic and palliative", () => {
      const intents = new Map(rows("chemocare_treatment").map((r) => [chiOf(r), r.intent]));
      for (const r of rows("ndc_charlson")) {
        const tumour = diagnosis.get(str(r.upi_number))!;
        assert.equal(parseDay(str(r.assessment_date)), parseDay(str(tumour.date_of_incidence)));
        const stageIV = tumour.tnm_stage === "IV";
        assert.equal(r.malignancy_severity === 2, stageIV);
        assert.equal(intents.get(str(r.upi_number)) === "PALLIATIVE", stageIV);
      }
      for (const r of rows("ndc_smr06")) {
        const stage = str(r.tnm_stage);
        if (stage !== "IV") {
          assert.ok(["IA", "IIA", "IIB", "IIIA", "IIIC"].includes(stage));
          if (n(r.tumour_size_mm) > 50) assert.ok(stage >= "IIB");
        }
        assert.match(str(r.icd10_site), /^C50\.\d$/);
        assert.match(str(r.morphology), /^\d{4}\/3$/);
      }
      assert.equal(stageGroup(15, 0, false), "IA");
      assert.equal(stageGroup(30, 1, false), "IIB");
      assert.equal(stageGroup(10, 0, true), "IV");
    });

    it("codes each Charlson comorbidity of SMR01 in the Charlson table", () => {
      const flags: Record<string, (r: SampleRow) => boolean> = {
        "I25.2": (r) => r.myocardial_infarction === true,
        "I50.0": (r) => r.congestive_heart_failure === true,
        "J44.9": (r) => r.chronic_pulmonary_disease === true,
        "E11.9": (r) => r.diabetes_severity === 1,
        "E11.2": (r) => r.diabetes_severity === 2,
        "N18.4": (r) => r.renal_disease === 1,
        "C79.5": (r) => r.malignancy_severity === 2,
      };
      const charlson = new Map(rows("ndc_charlson").map((r) => [str(r.upi_number), r]));
      for (const r of rows("ndc_smr01")) {
        for (const k of [1, 2, 3, 4]) {
          const code = r[`other_condition_${k}`];
          const flag = typeof code === "string" ? flags[code] : undefined;
          if (flag) assert.ok(flag(charlson.get(str(r.upi_number))!), `${r.upi_number} ${code}`);
        }
      }
    });

    it("gives each regime 1-18 consecutive cycles at its cycle length, after diagnosis", () => {
      const treatment = rows("chemocare_treatment");
      const regimes = groupBy(treatment, (r) => String(r.regime_id));
      assert.ok(regimes.size > patients);
      const regimens = new Set<string>();
      for (const [id, regimeRows] of regimes) {
        const first = regimeRows[0]!;
        regimens.add(str(first.regimen));
        const cycles = groupBy(regimeRows, (r) => String(r.cycle_number));
        const numbers = [...cycles.keys()].map(Number);
        assert.deepEqual(
          numbers,
          numbers.map((_, i) => i + 1),
          id,
        );
        assert.ok(numbers.length >= 1 && numbers.length <= n(first.planned_cycles) && numbers.length <= 18);
        const tumour = diagnosis.get(chiOf(first))!;
        assert.equal(first.diagnosis_code, tumour.icd10_site);
        let previousDay: number | undefined;
        for (const cycleRows of cycles.values()) {
          for (const column of [
            "upi_number",
            "regimen",
            "treatment_datetime",
            "dose_percent",
            "cycle_status",
            "weight_kg",
            "intent",
          ]) {
            assert.equal(new Set(cycleRows.map((r) => r[column])).size, 1, `${id} ${column} within a cycle`);
          }
          const day = parseDay(str(cycleRows[0]!.treatment_datetime));
          assert.match(
            str(cycleRows[0]!.treatment_datetime),
            /^\d{2}\/\d{2}\/201[4-6] (0[89]|1[0-6]):[0-5][05]$/,
          );
          assert.ok(day > parseDay(str(tumour.date_of_incidence)));
          if (previousDay !== undefined) {
            const gap = day - previousDay;
            const length = n(first.cycle_length_days);
            assert.ok(gap === length || gap === length + 7, `${id}: ${gap} days between cycles`);
          }
          previousDay = day;
        }
      }
      for (const r of ["FEC-T", "TRASTUZUMAB"]) assert.ok(regimens.has(r), r);
    });

    it("has one toxicity assessment per cycle, before the next cycle, and follows its actions", () => {
      const cycles = new Map<string, SampleRow>();
      for (const r of rows("chemocare_treatment")) cycles.set(`${r.regime_id}/${r.cycle_number}`, r);
      const toxicity = rows("chemocare_toxicity");
      assert.deepEqual(
        toxicity.map((r) => `${r.regime_id}/${r.cycle_number}`).sort(),
        [...cycles.keys()].sort(),
      );
      const grades = findTable("chemocare_toxicity").columns.slice(3, 14);
      for (const t of toxicity) {
        const cycle = cycles.get(`${t.regime_id}/${t.cycle_number}`)!;
        assert.equal(t.upi_number, cycle.upi_number);
        for (const g of grades) assert.ok([0, 1, 2, 3, 4].includes(n(t[g.name])), g.name);
        const treated = parseDay(str(cycle.treatment_datetime));
        const assessed = parseDay(str(t.assessment_date));
        assert.ok(assessed > treated);
        const next = cycles.get(`${t.regime_id}/${n(t.cycle_number) + 1}`);
        if (t.action_taken === "STOP") assert.equal(next, undefined);
        if (next) {
          assert.ok(assessed < parseDay(str(next.treatment_datetime)));
          const delayed = str(t.action_taken).includes("DELAY");
          assert.equal(str(next.cycle_status).includes("D"), delayed);
          const reduced = str(t.action_taken).includes("REDUCE");
          assert.equal(n(next.dose_percent), n(cycle.dose_percent) - (reduced ? 20 : 0));
        }
        assert.equal(str(cycle.cycle_status).includes("R"), n(cycle.dose_percent) < 100);
      }
    });

    it("admits as an emergency only after a cycle with grade 3-4 toxicity", () => {
      const severe = rows("chemocare_toxicity").filter((t) =>
        ["infection", "diarrhoea", "vomiting"].some((g) => n(t[g]) >= 3),
      );
      const treatedOn = new Map(
        rows("chemocare_treatment").map((r) => [
          `${r.regime_id}/${r.cycle_number}`,
          parseDay(str(r.treatment_datetime)),
        ]),
      );
      const emergencies = rows("ndc_smr01").filter((r) => r.emergency_admission === true);
      assert.ok(emergencies.length >= 2);
      for (const e of emergencies) {
        const day = parseDay(str(e.admission_date));
        const cause = severe.find((t) => {
          const treated = treatedOn.get(`${t.regime_id}/${t.cycle_number}`)!;
          return chiOf(t) === e.upi_number && day > treated && day <= treated + 11;
        });
        assert.ok(cause, `${e.upi_number} ${e.admission_date}`);
        assert.equal(e.main_operation_a, null);
        assert.equal(e.other_condition_1, diagnosis.get(str(e.upi_number))!.icd10_site);
      }
    });
  });

  describe(`${label}: values the mappings and the gazetteer accept`, () => {
    interface MappingDoc {
      source: { table: string };
      codes?: Record<string, Record<string, string>>;
    }
    const mappings = ecdgTables.map((t) => ({
      table: t.name,
      doc: parse(readFileSync(path.join(here, "mappings", `${t.name}.yaml`), "utf8")) as MappingDoc,
    }));

    /** Every value spec of a mapping (maps with `column` or `constant`, and bare column names where values go). */
    function valueSpecs(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
      if (Array.isArray(node)) for (const item of node) valueSpecs(item, out);
      else if (node && typeof node === "object") {
        const record = node as Record<string, unknown>;
        if (typeof record.column === "string") out.push(record);
        for (const [k, v] of Object.entries(record)) if (k !== "codes") valueSpecs(v, out);
      }
      return out;
    }

    it("reads only columns of its table, and reads every column of it", () => {
      for (const { table, doc } of mappings) {
        assert.equal(doc.source.table, table);
        const used = new Set(valueSpecs(doc).map((s) => s.column as string));
        const columns = findTable(table).columns.map((c) => c.name);
        assert.deepEqual(
          [...used].filter((c) => !columns.includes(c)),
          [],
          `${table}: unknown columns`,
        );
        assert.deepEqual(
          columns.filter((c) => !used.has(c)),
          [],
          `${table}: unmapped columns`,
        );
      }
    });

    it("has every coded value in its mapping's code list (after trim and case)", () => {
      let checked = 0;
      for (const { table, doc } of mappings) {
        for (const spec of valueSpecs(doc).filter((s) => s.type === "code")) {
          const list =
            typeof spec.codes === "string" ? doc.codes?.[spec.codes] : (spec.codes as Record<string, string>);
          assert.ok(list, `${table}: code list ${String(spec.codes)}`);
          for (const row of rows(table)) {
            const raw = row[spec.column as string];
            if (raw === null) continue;
            let value = String(raw);
            if (spec.trim !== false) value = value.trim();
            if (spec.case === "upper") value = value.toUpperCase();
            if (spec.case === "lower") value = value.toLowerCase();
            assert.ok(Object.hasOwn(list, value), `${table}.${String(spec.column)}: ${JSON.stringify(raw)}`);
            checked++;
          }
        }
      }
      assert.ok(checked > 1000, `${checked} coded values checked`);
    });

    it("carries valid messiness: lower-case postcodes and marital statuses, spaces, varying case", () => {
      const smr01 = rows("ndc_smr01");
      assert.ok(smr01.some((r) => /^eh\d+$/.test(str(r.postcode))));
      assert.ok(smr01.some((r) => str(r.ethnic_group) !== str(r.ethnic_group).trim()));
      assert.ok(smr01.some((r) => /^[a-e]$/.test(str(r.marital_status))));
      const treatment = rows("chemocare_treatment");
      assert.ok(treatment.some((r) => str(r.drug) === str(r.drug).toUpperCase()));
      assert.ok(treatment.some((r) => str(r.treatment_site) === str(r.treatment_site).toUpperCase()));
    });

    it("has every postcode district and treatment site in the gazetteer", () => {
      const lines = readFileSync(path.join(here, "gazetteer.csv"), "utf8").trim().split("\n");
      assert.equal(lines[0], "key,latitude,longitude,altitude");
      const keys = new Map<string, [number, number]>();
      for (const line of lines.slice(1)) {
        const [key, lat, lon, alt] = line.split(",");
        assert.ok(Number(lat) > 55.8 && Number(lat) < 56.1 && Number(lon) > -3.8 && Number(lon) < -2.4, line);
        assert.ok(Number.isFinite(Number(alt)));
        keys.set(key!, [Number(lat), Number(lon)]);
      }
      for (const r of rows("ndc_smr01"))
        assert.ok(keys.has(str(r.postcode).trim().toUpperCase()), str(r.postcode));
      for (const r of rows("chemocare_treatment")) assert.ok(keys.has(str(r.treatment_site).toUpperCase()));
      assert.deepEqual(keys.get("WESTERN GENERAL HOSPITAL"), [55.962, -3.233]);
    });
  });
}

checkSample("default sample", defaultSample);
checkSample("seed 2, 300 patients", generateSample({ seed: 2, patients: 300 }));
