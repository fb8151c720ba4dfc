/**
 * The sample's clinical draws that do not depend on the patient's timeline: the Charlson
 * components and their ICD-10 codes, CTCAE grades of a cycle, the action they lead to, and the
 * cause of an emergency admission they bring.
 */
import {
  type CharlsonComponents,
  COMORBIDITY_ICD10,
  DIABETES_ICD10,
  HEMIPLEGIA_ICD10,
  HIV_ICD10,
  LIVER_ICD10,
  METASTASIS_ICD10,
  OTHER_MALIGNANCY_ICD10,
  RENAL_ICD10,
  RHEUMATIC_ICD10,
  TOXICITIES,
  type Toxicity,
  type ToxicityProfile,
} from "./clinical.ts";
import type { Random } from "./prng.ts";

/**
 * Charlson components at diagnosis (twice as likely from 65; the index breast cancer excluded, a
 * metastatic one counting as a metastatic solid tumour), how many are present, and the ICD-10
 * codes SMR01 records for them, followed by common conditions outside the index.
 */
export function drawComorbidity(
  rnd: Random,
  age: number,
  metastatic: boolean,
): { components: CharlsonComponents; present: number; codes: string[] } {
  const f = age >= 65 ? 2 : 1;
  const c: CharlsonComponents = {
    myocardial_infarction: rnd.chance(0.03 * f),
    congestive_heart_failure: rnd.chance(0.02 * f),
    peripheral_vascular_disease: rnd.chance(0.02 * f),
    cerebrovascular_disease: rnd.chance(0.03 * f),
    dementia: rnd.chance(age >= 70 ? 0.04 : 0.003),
    chronic_pulmonary_disease: rnd.chance(0.08),
    rheumatic_disease: rnd.chance(0.04)
      ? rnd.weighted([
          ["RA", 5],
          [age >= 60 ? "PMR" : "RA", 3],
          ["SLE", 1],
          ["MCTD", 1],
        ])
      : "N",
    liver_disease_severity: rnd.chance(0.03) ? (rnd.chance(0.2) ? 2 : 1) : 0,
    diabetes_severity: rnd.chance(0.08 * f) ? (rnd.chance(0.15) ? 2 : 1) : 0,
    hemiplegia: rnd.chance(0.006) ? rnd.pick(["HEMI", "HEMI", "PARA"]) : "N",
    renal_disease: rnd.chance(0.02 * f) ? 1 : 0,
    malignancy_severity: metastatic ? 2 : rnd.chance(0.04) ? 1 : 0,
    hiv_aids: rnd.chance(0.006) ? (rnd.chance(0.3) ? "AIDS" : "HIV") : "N",
  };
  const codes: string[] = [];
  for (const key of Object.keys(COMORBIDITY_ICD10) as (keyof typeof COMORBIDITY_ICD10)[]) {
    if (c[key]) codes.push(COMORBIDITY_ICD10[key]);
  }
  if (c.rheumatic_disease !== "N") codes.push(RHEUMATIC_ICD10[c.rheumatic_disease]!);
  if (c.liver_disease_severity > 0) codes.push(LIVER_ICD10[c.liver_disease_severity]!);
  if (c.diabetes_severity > 0) codes.push(DIABETES_ICD10[c.diabetes_severity]!);
  if (c.hemiplegia !== "N") codes.push(HEMIPLEGIA_ICD10[c.hemiplegia]!);
  if (c.renal_disease > 0) codes.push(RENAL_ICD10);
  if (c.malignancy_severity === 1) codes.push(rnd.pick(OTHER_MALIGNANCY_ICD10));
  if (c.malignancy_severity === 2) codes.unshift(rnd.pick(METASTASIS_ICD10));
  if (c.hiv_aids !== "N") codes.push(HIV_ICD10[c.hiv_aids]!);
  const present = codes.length;
  // Common conditions outside the Charlson index, coded too.
  if (rnd.chance(age >= 60 ? 0.3 : 0.12)) codes.push("I10");
  if (rnd.chance(0.12)) codes.push("E66.9");
  return { components: c, present, codes };
}

export type Grades = Record<Toxicity, number>;

/** CTCAE grades of one cycle: each toxicity with its profile's probability, mostly grade 1-2. */
export function drawGrades(rnd: Random, profile: ToxicityProfile): Grades {
  const grades = {} as Grades;
  for (const t of TOXICITIES) {
    grades[t] = rnd.chance(profile[t])
      ? rnd.weighted([
          [1, 68],
          [2, 26],
          [3, 5],
          [4, 1],
        ])
      : 0;
  }
  // Febrile neutropenia: deep neutropenia brings infections.
  if (grades.neutropenia >= 3 && rnd.chance(0.2)) grades.infection = Math.max(grades.infection, 3);
  return grades;
}

/**
 * What the assessment decides for the next cycle: grade 4 may stop the regime, grade 3 reduces
 * the dose (and delays it after infection or neutropenia), grade 2 sometimes delays; a reduction
 * below 60% stops instead. After the last planned cycle only supportive medication remains.
 */
export function decideAction(rnd: Random, grades: Grades, last: boolean, dose: number): string {
  const worst = Math.max(...Object.values(grades));
  let action = "NONE";
  if (!last && worst >= 4 && rnd.chance(0.35)) action = "STOP";
  else if (!last && worst >= 3)
    action = grades.infection >= 3 || grades.neutropenia >= 3 ? "DELAY_REDUCE" : "REDUCE";
  else if (!last && worst === 2 && rnd.chance(0.15)) action = "DELAY";
  else if (!last && rnd.chance(0.005)) action = "STOP";
  else if (grades.nausea >= 2 || grades.vomiting >= 2 || grades.diarrhoea >= 2) action = "SUPPORT";
  if (action.includes("REDUCE") && dose <= 60) action = "STOP";
  return action;
}

/**
 * The main condition (ICD-10) of an emergency admission the cycle brings, or null: neutropenic
 * sepsis always, severe diarrhoea or vomiting half the time.
 */
export function emergencyCause(rnd: Random, grades: Grades): string | null {
  if (grades.infection >= 3) return "D70";
  if (grades.diarrhoea >= 3 && rnd.chance(0.5)) return "K52.1";
  if (grades.vomiting >= 3 && rnd.chance(0.5)) return "R11";
  return null;
}
