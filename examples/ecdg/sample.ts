/**
 * A small, deterministic sample of the five ECDG source tables: breast-cancer patients diagnosed
 * 2014-2016, the same patients (by CHI number) in every table. Same options, same output.
 *
 * Each patient: a tumour (SMR06), a Charlson assessment at diagnosis, an operation or biopsy
 * admission (SMR01), one to three chemotherapy regimes with a toxicity assessment per cycle
 * (Chemocare), and an emergency admission after a cycle with grade 3-4 toxicity. Values are
 * valid but carry the small untidiness of real extracts: CHI numbers without their leading zero
 * in Chemocare, lower-case postcodes and marital statuses, stray spaces, drug names and sites in
 * varying case.
 */
import { makeChi } from "./chi.ts";
import {
  BREAST_SITES,
  CONSULTANTS,
  charlsonBand,
  charlsonIndex,
  DISTRICTS,
  ETHNIC_GROUPS,
  MARITAL_STATUSES,
  MORPHOLOGIES,
  OPERATIONS,
  REGIMENS,
  type Regimen,
  SITES,
  WEST_LOTHIAN,
} from "./clinical.ts";
import {
  ageOn,
  type CivilDate,
  civil,
  dayNumber,
  dmyDate,
  dmyDateTime,
  isoDate,
  nextWeekday,
} from "./dates.ts";
import { createRandom, type Random } from "./prng.ts";
import { decideAction, drawComorbidity, drawGrades, emergencyCause } from "./sample-draws.ts";
import { findTable } from "./schemas.ts";

export type SampleValue = string | number | boolean | null;
export type SampleRow = Record<string, SampleValue>;
export type Sample = Record<string, SampleRow[]>;

export interface SampleOptions {
  /** How many patients (default 36). */
  patients?: number;
  /** The PRNG seed (default 1). */
  seed?: number;
}

/** The extract covers 2014-2016: nothing after its last day is in it. */
export const EXTRACT_FIRST_DAY = dayNumber(2014, 1, 1);
export const EXTRACT_LAST_DAY = dayNumber(2016, 12, 31);

type Intent = "ADJUVANT" | "NEOADJUVANT" | "PALLIATIVE";
type SiteKey = keyof typeof SITES;

interface Patient {
  chi: string;
  birth: CivilDate;
  sexCode: "1" | "2";
  ethnicGroup: string;
  maritalStatus: string;
  district: string;
  site: SiteKey;
  consultant: string;
  diagnosisDay: number;
  icd10Site: string;
  metastatic: boolean;
  nodes: number;
  sizeMm: number;
  intent: Intent;
  performanceBaseline: number;
  heightCm: number;
  weightKg: number;
  /** ICD-10 codes of comorbidities, recorded as other conditions in SMR01. */
  comorbidityCodes: string[];
}

interface Admission {
  day: number;
  lengthOfStay: number;
  emergency: boolean;
  operationA: string | null;
  operationB: string | null;
  mainCondition: string;
  otherConditions: string[];
}

/** Builds a row in the column order of the table's schema; a missing or extra column is a bug. */
function row(table: string, values: SampleRow): SampleRow {
  const columns = findTable(table).columns.map((c) => c.name);
  const extra = Object.keys(values).filter((k) => !columns.includes(k));
  if (extra.length > 0) throw new Error(`${table}: unknown columns ${extra.join(", ")}`);
  const out: SampleRow = {};
  for (const name of columns) {
    if (!(name in values)) throw new Error(`${table}: missing column ${name}`);
    out[name] = values[name]!;
  }
  return out;
}

class Generator {
  readonly rnd: Random;
  readonly tables: Sample = {
    ndc_smr01: [],
    ndc_smr06: [],
    ndc_charlson: [],
    chemocare_toxicity: [],
    chemocare_treatment: [],
  };
  private readonly usedChi = new Set<string>();
  private regimeId: number;

  constructor(seed: number) {
    this.rnd = createRandom(seed);
    this.regimeId = 41_000 + this.rnd.int(0, 900);
  }

  patient(index: number): void {
    const { rnd } = this;
    const male = rnd.chance(0.02);
    const diagnosisDay = rnd.int(dayNumber(2014, 1, 6), dayNumber(2016, 3, 31));
    const ageAtDiagnosis = Math.round(rnd.normal(57, 11, 28, 84));
    let birth = civil(diagnosisDay - Math.floor(ageAtDiagnosis * 365.25) - rnd.int(0, 364));
    // A quarter of the patients are born on days 1-9: their CHI starts with a zero, which
    // Chemocare's numeric column drops.
    if (index % 4 === 0) birth = { ...birth, day: rnd.int(1, 9) };
    const chi = this.chi(birth, male);
    const district = rnd.weighted(DISTRICTS);
    const site: SiteKey = WEST_LOTHIAN.has(district)
      ? rnd.chance(0.8)
        ? "sjh"
        : "wgh"
      : rnd.chance(0.06)
        ? "rie"
        : "wgh";
    const metastatic = rnd.chance(0.08);
    const sizeMm = Math.round(rnd.normal(26, 14, 4, 95));
    const nodes = rnd.weighted([
      [0, 45],
      [1, 35],
      [2, 13],
      [3, 7],
    ]);
    const stage = stageGroup(sizeMm, nodes, metastatic);
    const intent: Intent = metastatic
      ? "PALLIATIVE"
      : ["IIB", "IIIA", "IIIC"].includes(stage) && rnd.chance(0.35)
        ? "NEOADJUVANT"
        : "ADJUVANT";
    const p: Patient = {
      chi,
      birth,
      sexCode: male ? "1" : "2",
      ethnicGroup: rnd.weighted(ETHNIC_GROUPS),
      maritalStatus: rnd.weighted(MARITAL_STATUSES),
      district,
      site,
      consultant: rnd.pick(CONSULTANTS[site]),
      diagnosisDay,
      icd10Site: rnd.weighted(BREAST_SITES),
      metastatic,
      nodes,
      sizeMm,
      intent,
      performanceBaseline: metastatic ? rnd.int(0, 2) : rnd.chance(0.7) ? 0 : 1,
      heightCm: Math.round(rnd.normal(male ? 176 : 162, 6.5, 145, 195) * 10) / 10,
      weightKg: Math.round(rnd.normal(male ? 84 : 72, 13, 42, 140) * 10) / 10,
      comorbidityCodes: [],
    };
    const age = ageOn(birth, diagnosisDay);

    this.tables.ndc_smr06!.push(
      row("ndc_smr06", {
        upi_number: chi,
        date_of_incidence: isoDate(diagnosisDay),
        icd10_site: p.icd10Site,
        morphology: rnd.weighted(MORPHOLOGIES),
        laterality: rnd.chance(0.5) ? "L" : "R",
        tumour_grade: rnd.weighted([
          ["G1", 10],
          ["G2", 40],
          ["G3", 47],
          ["GX", 3],
        ]),
        tnm_stage: stage,
        method_of_detection:
          age >= 50 && age <= 70 && rnd.chance(0.4)
            ? "1"
            : rnd.weighted([
                ["2", 88],
                ["3", 7],
                ["9", 5],
              ]),
        tumour_size_mm: sizeMm,
      }),
    );
    this.charlson(p, age);

    const admissions: Admission[] = [];
    const surgery = (day: number): void => {
      admissions.push(this.surgery(p, day));
    };
    const her2 = rnd.chance(0.22);
    let plan: Regimen[];
    let start: number;
    if (intent === "PALLIATIVE") {
      const biopsyDay = nextWeekday(diagnosisDay + rnd.int(0, 10));
      admissions.push({
        day: biopsyDay,
        lengthOfStay: 0,
        emergency: false,
        operationA: OPERATIONS.breastBiopsy,
        operationB: null,
        mainCondition: p.icd10Site,
        otherConditions: p.comorbidityCodes,
      });
      plan = [
        REGIMENS.docetaxel,
        ...(her2 ? [REGIMENS.trastuzumab] : rnd.chance(0.5) ? [REGIMENS.capecitabine] : []),
      ];
      start = biopsyDay + rnd.int(21, 42);
    } else {
      const chemo = rnd.weighted<Regimen[]>([
        [[REGIMENS.fect], 60],
        [[REGIMENS.fec], 15],
        [[REGIMENS.ac, REGIMENS.paclitaxel], 25],
      ]);
      plan = [...chemo, ...(her2 ? [REGIMENS.trastuzumab] : [])];
      if (intent === "ADJUVANT") {
        const surgeryDay = nextWeekday(diagnosisDay + rnd.int(14, 42));
        surgery(surgeryDay);
        start = surgeryDay + rnd.int(28, 56);
      } else {
        start = diagnosisDay + rnd.int(14, 35);
      }
    }

    let previous: Regimen | undefined;
    let truncated = false;
    for (const regimen of plan) {
      if (previous) {
        const gap =
          regimen === REGIMENS.capecitabine
            ? rnd.int(28, 70)
            : regimen === REGIMENS.trastuzumab && intent === "NEOADJUVANT"
              ? -1
              : rnd.int(0, 10);
        if (gap < 0) {
          // Neoadjuvant: the operation comes after the chemotherapy, trastuzumab after that.
          const surgeryDay = nextWeekday(start + rnd.int(21, 42));
          if (surgeryDay > EXTRACT_LAST_DAY) break;
          surgery(surgeryDay);
          start = surgeryDay + rnd.int(21, 35);
        } else {
          start += gap;
        }
      }
      const outcome = this.regime(p, regimen, nextWeekday(start), admissions);
      truncated = outcome.truncated;
      if (truncated) break;
      start = outcome.nextDay;
      previous = regimen;
    }
    if (intent === "NEOADJUVANT" && !truncated && !plan.includes(REGIMENS.trastuzumab)) {
      const surgeryDay = nextWeekday(start + rnd.int(21, 42));
      if (surgeryDay <= EXTRACT_LAST_DAY) surgery(surgeryDay);
    }

    this.smr01(p, admissions);
  }

  private chi(birth: CivilDate, male: boolean): string {
    for (;;) {
      const sexDigit = 2 * this.rnd.int(0, 4) + (male ? 1 : 0);
      const chi = makeChi(birth, this.rnd.int(0, 99), sexDigit);
      if (chi !== null && !this.usedChi.has(chi)) {
        this.usedChi.add(chi);
        return chi;
      }
    }
  }

  private charlson(p: Patient, age: number): void {
    const { rnd } = this;
    const { components: c, present, codes } = drawComorbidity(rnd, age, p.metastatic);
    p.comorbidityCodes = codes;

    const index = charlsonIndex(c);
    this.tables.ndc_charlson!.push(
      row("ndc_charlson", {
        ...c,
        upi_number: p.chi,
        assessment_date: dmyDate(p.diagnosisDay),
        lookback_years: rnd.chance(0.8) ? 5 : 1,
        charlson_index: index,
        charlson_band: charlsonBand(index),
        age_at_assessment: age,
        comorbidity_count: present,
      }),
    );
  }

  private surgery(p: Patient, day: number): Admission {
    const { rnd } = this;
    const mastectomy = p.sizeMm > 40 || rnd.chance(0.3);
    const operationB =
      p.nodes === 0
        ? rnd.chance(0.85)
          ? OPERATIONS.sentinelNodeBiopsy
          : null
        : rnd.chance(0.7)
          ? OPERATIONS.axillaryClearance
          : OPERATIONS.sentinelNodeBiopsy;
    return {
      day,
      lengthOfStay: mastectomy ? rnd.int(1, 4) : rnd.chance(0.7) ? 0 : 1,
      emergency: false,
      operationA: mastectomy ? OPERATIONS.mastectomy : OPERATIONS.wideLocalExcision,
      operationB,
      mainCondition: p.icd10Site,
      otherConditions: p.comorbidityCodes,
    };
  }

  /** The cycles of one regime; returns when the next regime may start, or that the extract ended. */
  private regime(
    p: Patient,
    regimen: Regimen,
    firstDay: number,
    admissions: Admission[],
  ): { truncated: boolean; nextDay: number } {
    const { rnd } = this;
    this.regimeId += rnd.int(1, 40);
    const regimeId = this.regimeId;
    const upi = Number(p.chi); // Chemocare keeps the CHI as a number
    let day = firstDay;
    let dose = 100;
    let delayed = false;
    let weight = p.weightKg;
    const chairTime = rnd.int(36, 62) * 15; // the patient's usual chair time, 09:00-15:30
    for (let n = 1; n <= regimen.plannedCycles; n++) {
      if (day > EXTRACT_LAST_DAY) return { truncated: true, nextDay: day };
      const reduced = dose < 100;
      const status = delayed && reduced ? "DR" : delayed ? "D" : reduced ? "R" : "G";
      weight = Math.round((weight + rnd.normal(-0.1, 0.6, -2, 2)) * 10) / 10;
      const performance = Math.min(3, p.performanceBaseline + (rnd.chance(0.12) ? 1 : 0));
      const site = SITES[p.site];
      // One time per cycle: the drugs of a cycle are one visit (one chemotherapy_cycle event).
      const when = dmyDateTime(day, chairTime + rnd.int(-2, 2) * 15);
      for (const drug of regimen.drugs(n)) {
        this.tables.chemocare_treatment!.push(
          row("chemocare_treatment", {
            upi_number: upi,
            regime_id: regimeId,
            cycle_number: n,
            planned_cycles: regimen.plannedCycles,
            cycle_length_days: regimen.cycleLength,
            dose_percent: dose,
            height_cm: p.heightCm,
            weight_kg: weight,
            regimen: regimen.name,
            drug: rnd.chance(0.08)
              ? drug.name.toUpperCase()
              : rnd.chance(0.03)
                ? drug.name.toLowerCase()
                : drug.name,
            route: drug.route,
            treatment_datetime: when,
            intent: p.intent,
            treatment_site: rnd.chance(0.05) ? site.toUpperCase() : site,
            diagnosis_code: p.icd10Site,
            cycle_status: status,
            performance_status: String(performance),
            consultant_code: p.consultant,
            dose_unit: drug.doseUnit,
          }),
        );
      }

      const grades = drawGrades(rnd, regimen.toxicity(n));
      const action = decideAction(rnd, grades, n === regimen.plannedCycles, dose);
      this.tables.chemocare_toxicity!.push(
        row("chemocare_toxicity", {
          upi_number: upi,
          regime_id: regimeId,
          cycle_number: n,
          ...grades,
          assessment_date: isoDate(day + regimen.cycleLength - 1),
          assessed_by: rnd.weighted([
            ["CNS", 6],
            ["SPR", 2],
            ["CONS", 1],
            ["PHARM", 1],
          ]),
          action_taken: action,
        }),
      );

      const admit = emergencyCause(rnd, grades);
      if (admit) {
        const weekly = regimen.cycleLength === 7;
        const admissionDay = day + (weekly ? rnd.int(2, 4) : rnd.int(7, 11));
        if (admissionDay <= EXTRACT_LAST_DAY) {
          admissions.push({
            day: admissionDay,
            lengthOfStay: weekly ? rnd.int(1, 2) : rnd.int(1, 6),
            emergency: true,
            operationA: null,
            operationB: null,
            mainCondition: admit,
            otherConditions: [p.icd10Site, "Y43.3", ...p.comorbidityCodes],
          });
        }
      }

      if (action === "STOP") return { truncated: false, nextDay: day + regimen.cycleLength };
      if (action.includes("REDUCE")) dose -= 20;
      delayed = action.includes("DELAY");
      day += regimen.cycleLength + (delayed ? 7 : 0);
    }
    return { truncated: false, nextDay: day };
  }

  private smr01(p: Patient, admissions: Admission[]): void {
    const { rnd } = this;
    admissions.sort((a, b) => a.day - b.day);
    let lastDischarge = Number.NEGATIVE_INFINITY;
    for (const a of admissions) {
      // One admission at a time: a clash with an earlier stay is dropped.
      if (a.day <= lastDischarge) continue;
      lastDischarge = a.day + a.lengthOfStay;
      const others = a.otherConditions.slice(0, 4);
      this.tables.ndc_smr01!.push(
        row("ndc_smr01", {
          upi_number: p.chi,
          admission_date: isoDate(a.day),
          discharge_date: isoDate(a.day + a.lengthOfStay),
          length_of_stay: a.lengthOfStay,
          sex: p.sexCode,
          age_in_years: ageOn(p.birth, a.day),
          ethnic_group: rnd.chance(0.05) ? `${p.ethnicGroup} ` : p.ethnicGroup,
          marital_status: rnd.chance(0.05) ? p.maritalStatus.toLowerCase() : p.maritalStatus,
          postcode: rnd.chance(0.1) ? p.district.toLowerCase() : p.district,
          main_operation_a: a.operationA,
          main_operation_b: a.operationB,
          main_condition: a.mainCondition,
          other_condition_1: others[0] ?? null,
          other_condition_2: others[1] ?? null,
          other_condition_3: others[2] ?? null,
          other_condition_4: others[3] ?? null,
          emergency_admission: a.emergency,
        }),
      );
    }
  }
}

/** AJCC 7th edition stage group from tumour size, nodal category and metastasis. */
export function stageGroup(sizeMm: number, nodes: number, metastatic: boolean): string {
  if (metastatic) return "IV";
  if (nodes === 3) return "IIIC";
  const t = sizeMm <= 20 ? 1 : sizeMm <= 50 ? 2 : 3;
  if (nodes === 2) return "IIIA";
  if (t === 1) return nodes === 0 ? "IA" : "IIA";
  if (t === 2) return nodes === 0 ? "IIA" : "IIB";
  return nodes === 0 ? "IIB" : "IIIA";
}

/**
 * The sample: rows of the five tables keyed by table name, in each table's column order. Values
 * are as the source holds them: CHI text in Trak and the Oncology DB, an integer in Chemocare;
 * dates as text in each table's own format (see the schemas); booleans as booleans.
 */
export function generateSample(options: SampleOptions = {}): Sample {
  const patients = options.patients ?? 36;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(patients) || patients < 1 || patients > 100_000) {
    throw new RangeError(`patients must be an integer from 1 to 100000, got ${patients}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const generator = new Generator(seed);
  for (let i = 0; i < patients; i++) generator.patient(i);
  return generator.tables;
}
