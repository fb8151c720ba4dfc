/**
 * Reference data the sample draws from: where patients live, where they are treated, the
 * regimens and their drugs, toxicity profiles and comorbidity codes. Every coded value here is in
 * the code lists of the mappings (mappings/*.yaml); sample.test.ts checks it.
 */

/** Edinburgh and Lothian postcode districts, weighted roughly by population. */
export const DISTRICTS: readonly (readonly [string, number])[] = [
  ["EH1", 1],
  ["EH3", 3],
  ["EH4", 5],
  ["EH5", 3],
  ["EH6", 5],
  ["EH7", 4],
  ["EH8", 3],
  ["EH9", 2],
  ["EH10", 4],
  ["EH11", 4],
  ["EH12", 4],
  ["EH13", 2],
  ["EH14", 3],
  ["EH15", 2],
  ["EH16", 4],
  ["EH17", 2],
  ["EH19", 2],
  ["EH21", 3],
  ["EH22", 3],
  ["EH26", 2],
  ["EH30", 1],
  ["EH32", 1],
  ["EH33", 1],
  ["EH39", 1],
  ["EH41", 1],
  ["EH42", 1],
  ["EH47", 2],
  ["EH48", 2],
  ["EH49", 1],
  ["EH52", 2],
  ["EH53", 1],
  ["EH54", 4],
  ["EH55", 1],
];

/** West Lothian districts, mostly treated at St John's. */
export const WEST_LOTHIAN = new Set(["EH47", "EH48", "EH49", "EH52", "EH53", "EH54", "EH55"]);

export const SITES = {
  wgh: "Western General Hospital",
  rie: "Royal Infirmary of Edinburgh",
  sjh: "St John's Hospital",
} as const;

/** Consultant codes (C and a 7-digit GMC-like number) by site. */
export const CONSULTANTS: Record<keyof typeof SITES, readonly string[]> = {
  wgh: ["C3184207", "C4011568", "C4420931", "C5063379", "C6142208"],
  rie: ["C3902714"],
  sjh: ["C4527816", "C6031145"],
};

export const ETHNIC_GROUPS: readonly (readonly [string, number])[] = [
  ["1A", 74],
  ["1B", 10],
  ["1C", 2],
  ["1L", 2],
  ["1Z", 3],
  ["2A", 1],
  ["3F", 1],
  ["3G", 1],
  ["3J", 1],
  ["4D", 1],
  ["98", 1],
  ["99", 3],
];

export const MARITAL_STATUSES: readonly (readonly [string, number])[] = [
  ["A", 15],
  ["B", 55],
  ["C", 12],
  ["D", 11],
  ["E", 3],
  ["9", 4],
];

export const BREAST_SITES: readonly (readonly [string, number])[] = [
  ["C50.1", 6],
  ["C50.2", 12],
  ["C50.3", 6],
  ["C50.4", 40],
  ["C50.5", 8],
  ["C50.8", 18],
  ["C50.9", 10],
];

export const MORPHOLOGIES: readonly (readonly [string, number])[] = [
  ["8500/3", 75],
  ["8520/3", 12],
  ["8522/3", 6],
  ["8480/3", 3],
  ["8211/3", 2],
  ["8010/3", 2],
];

/** A Charlson component as the sample draws it: ICD-10 codes recorded in SMR01 when present. */
export interface ComorbidityCodes {
  myocardial_infarction: string;
  congestive_heart_failure: string;
  peripheral_vascular_disease: string;
  cerebrovascular_disease: string;
  dementia: string;
  chronic_pulmonary_disease: string;
}

export const COMORBIDITY_ICD10: ComorbidityCodes = {
  myocardial_infarction: "I25.2",
  congestive_heart_failure: "I50.0",
  peripheral_vascular_disease: "I73.9",
  cerebrovascular_disease: "I69.4",
  dementia: "F03",
  chronic_pulmonary_disease: "J44.9",
};

export const RHEUMATIC_ICD10: Record<string, string> = {
  RA: "M06.9",
  SLE: "M32.9",
  PMR: "M35.3",
  MCTD: "M35.1",
};
export const LIVER_ICD10 = ["", "K73.9", "K76.6"] as const;
export const DIABETES_ICD10 = ["", "E11.9", "E11.2"] as const;
export const HEMIPLEGIA_ICD10: Record<string, string> = { HEMI: "G81.9", PARA: "G82.2" };
export const RENAL_ICD10 = "N18.4";
export const OTHER_MALIGNANCY_ICD10 = ["C18.7", "C43.5", "C54.1"] as const;
export const METASTASIS_ICD10 = ["C79.5", "C78.0", "C78.7"] as const;
export const HIV_ICD10: Record<string, string> = { HIV: "Z21", AIDS: "B24" };

/** The Charlson components as ndc_charlson encodes them. */
export interface CharlsonComponents {
  myocardial_infarction: boolean;
  congestive_heart_failure: boolean;
  peripheral_vascular_disease: boolean;
  cerebrovascular_disease: boolean;
  dementia: boolean;
  chronic_pulmonary_disease: boolean;
  rheumatic_disease: string;
  liver_disease_severity: number;
  diabetes_severity: number;
  hemiplegia: string;
  renal_disease: number;
  malignancy_severity: number;
  hiv_aids: string;
}

/** The standard Charlson weights of the components as ndc_charlson encodes them. */
export function charlsonIndex(c: CharlsonComponents): number {
  const one = (b: boolean): number => (b ? 1 : 0);
  return (
    one(c.myocardial_infarction) +
    one(c.congestive_heart_failure) +
    one(c.peripheral_vascular_disease) +
    one(c.cerebrovascular_disease) +
    one(c.dementia) +
    one(c.chronic_pulmonary_disease) +
    one(c.rheumatic_disease !== "N") +
    [0, 1, 3][c.liver_disease_severity]! +
    [0, 1, 2][c.diabetes_severity]! +
    (c.hemiplegia !== "N" ? 2 : 0) +
    2 * c.renal_disease +
    [0, 2, 6][c.malignancy_severity]! +
    (c.hiv_aids === "AIDS" ? 6 : 0)
  );
}

export function charlsonBand(index: number): string {
  return index === 0 ? "0" : index <= 2 ? "1-2" : index <= 4 ? "3-4" : "5+";
}

export interface Drug {
  name: string;
  route: "IV" | "PO" | "SC";
  doseUnit: "mg/m2" | "mg/kg" | "mg";
}

const drug = (name: string, route: Drug["route"], doseUnit: Drug["doseUnit"]): Drug => ({
  name,
  route,
  doseUnit,
});
export const DRUGS = {
  fluorouracil: drug("Fluorouracil", "IV", "mg/m2"),
  epirubicin: drug("Epirubicin", "IV", "mg/m2"),
  cyclophosphamide: drug("Cyclophosphamide", "IV", "mg/m2"),
  doxorubicin: drug("Doxorubicin", "IV", "mg/m2"),
  docetaxel: drug("Docetaxel", "IV", "mg/m2"),
  paclitaxel: drug("Paclitaxel", "IV", "mg/m2"),
  trastuzumab: drug("Trastuzumab", "IV", "mg/kg"),
  capecitabine: drug("Capecitabine", "PO", "mg/m2"),
} as const;

/** The 11 CTCAE toxicities of chemocare_toxicity, in column order. */
export const TOXICITIES = [
  "nausea",
  "vomiting",
  "diarrhoea",
  "constipation",
  "mucositis",
  "fatigue",
  "neutropenia",
  "peripheral_neuropathy",
  "hand_foot_syndrome",
  "rash",
  "infection",
] as const;
export type Toxicity = (typeof TOXICITIES)[number];

/** Probability of any grade of each toxicity in a cycle. */
export type ToxicityProfile = Record<Toxicity, number>;

const profile = (values: number[]): ToxicityProfile =>
  Object.fromEntries(TOXICITIES.map((t, i) => [t, values[i]!])) as ToxicityProfile;

//                     nau  vom  dia  con  muc  fat  neu  neur hfs  rash inf
const ANTHRACYCLINE = profile([0.6, 0.3, 0.15, 0.3, 0.3, 0.7, 0.4, 0.02, 0.02, 0.05, 0.1]);
const DOCETAXEL = profile([0.3, 0.1, 0.3, 0.15, 0.3, 0.8, 0.55, 0.25, 0.1, 0.25, 0.15]);
const PACLITAXEL = profile([0.15, 0.05, 0.1, 0.1, 0.1, 0.5, 0.2, 0.3, 0.02, 0.1, 0.05]);
const TRASTUZUMAB = profile([0.05, 0.02, 0.1, 0.02, 0.02, 0.2, 0.02, 0.02, 0.01, 0.05, 0.05]);
const CAPECITABINE = profile([0.3, 0.1, 0.35, 0.05, 0.2, 0.4, 0.1, 0.02, 0.5, 0.05, 0.05]);

export interface Regimen {
  /** The value of chemocare_treatment.regimen. */
  name: string;
  cycleLength: number;
  plannedCycles: number;
  /** The drugs given in cycle `n` (from 1). */
  drugs(n: number): Drug[];
  /** The toxicity profile of cycle `n`; taxane neuropathy grows with the cycles. */
  toxicity(n: number): ToxicityProfile;
}

const neuropathyGrowing = (base: ToxicityProfile, n: number, step: number): ToxicityProfile => ({
  ...base,
  peripheral_neuropathy: Math.min(0.8, base.peripheral_neuropathy + step * (n - 1)),
});

const {
  fluorouracil,
  epirubicin,
  cyclophosphamide,
  doxorubicin,
  docetaxel,
  paclitaxel,
  trastuzumab,
  capecitabine,
} = DRUGS;

export const REGIMENS = {
  fect: {
    name: "FEC-T",
    cycleLength: 21,
    plannedCycles: 6,
    drugs: (n: number) => (n <= 3 ? [fluorouracil, epirubicin, cyclophosphamide] : [docetaxel]),
    toxicity: (n: number) => (n <= 3 ? ANTHRACYCLINE : neuropathyGrowing(DOCETAXEL, n - 3, 0.1)),
  },
  fec: {
    name: "FEC",
    cycleLength: 21,
    plannedCycles: 6,
    drugs: () => [fluorouracil, epirubicin, cyclophosphamide],
    toxicity: () => ANTHRACYCLINE,
  },
  ac: {
    name: "AC",
    cycleLength: 21,
    plannedCycles: 4,
    drugs: () => [doxorubicin, cyclophosphamide],
    toxicity: () => ANTHRACYCLINE,
  },
  paclitaxel: {
    name: "PACLITAXEL",
    cycleLength: 7,
    plannedCycles: 12,
    drugs: () => [paclitaxel],
    toxicity: (n: number) => neuropathyGrowing(PACLITAXEL, n, 0.03),
  },
  docetaxel: {
    name: "DOCETAXEL",
    cycleLength: 21,
    plannedCycles: 6,
    drugs: () => [docetaxel],
    toxicity: (n: number) => neuropathyGrowing(DOCETAXEL, n, 0.06),
  },
  trastuzumab: {
    name: "TRASTUZUMAB",
    cycleLength: 21,
    plannedCycles: 18,
    drugs: () => [trastuzumab],
    toxicity: () => TRASTUZUMAB,
  },
  capecitabine: {
    name: "CAPECITABINE",
    cycleLength: 21,
    plannedCycles: 8,
    drugs: () => [capecitabine],
    toxicity: () => CAPECITABINE,
  },
} satisfies Record<string, Regimen>;

/** OPCS-4 codes of the breast operations. */
export const OPERATIONS = {
  wideLocalExcision: "B28.2",
  mastectomy: "B27.4",
  sentinelNodeBiopsy: "T91.2",
  axillaryClearance: "T85.2",
  breastBiopsy: "B32.1",
} as const;
