/**
 * The five source tables of the Edinburgh Cancer Data Gateway use case (paper, section V-A and
 * Table I), as typed schemas. `type` is how the source stores a column; `kind` is the paper's
 * classification (numeric, categorical, boolean), under which dates count as categorical.
 */

export interface SourceColumn {
  name: string;
  type: "integer" | "decimal" | "string" | "date" | "datetime" | "boolean";
  kind: "numeric" | "categorical" | "boolean";
  description: string;
  nullable: boolean;
}

export interface SourceTable {
  name: string;
  database: "trak" | "chemocare" | "oncology_db";
  description: string;
  columns: SourceColumn[];
}

type Column = SourceColumn;

function num(name: string, type: "integer" | "decimal" | "string", description: string): Column {
  return { name, type, kind: "numeric", description, nullable: false };
}

function cat(
  name: string,
  type: "string" | "date" | "datetime",
  description: string,
  nullable = false,
): Column {
  return { name, type, kind: "categorical", description, nullable };
}

function bool(name: string, description: string): Column {
  return { name, type: "boolean", kind: "boolean", description, nullable: false };
}

/** CHI number as Trak and the Oncology DB keep it: ten digits, as text (a leading zero survives). */
const chiText = num(
  "upi_number",
  "string",
  "CHI number (Community Health Index): date of birth DDMMYY, two serial digits, a sex digit (even: female) and a mod-11 check digit; ten digits kept as text",
);

/** CHI number as Chemocare keeps it: an integer, so a CHI born on days 1-9 loses its leading zero. */
const chiNumber = num(
  "upi_number",
  "integer",
  "CHI number stored as an integer: a leading zero is lost (0101701234 is 101701234); pad to ten digits",
);

const ctcae = (name: string, what: string): Column =>
  num(name, "integer", `CTCAE v4 grade 0-4 of ${what} during the cycle`);

export const ndcSmr01: SourceTable = {
  name: "ndc_smr01",
  database: "trak",
  description:
    "SMR01: general acute inpatient and day-case discharges (one row per hospital episode), National Data Catalogue extract from Trak",
  columns: [
    chiText,
    cat("admission_date", "date", "date of admission, ISO YYYY-MM-DD"),
    cat("discharge_date", "date", "date of discharge, ISO YYYY-MM-DD; day cases are discharged the same day"),
    num("length_of_stay", "integer", "days from admission to discharge (0 for a day case)"),
    cat("sex", "string", "sex: 0 not known, 1 male, 2 female, 9 not specified"),
    num("age_in_years", "integer", "age in completed years at admission"),
    cat(
      "ethnic_group",
      "string",
      "ethnic group, Scottish 2011 census codes (1A Scottish, 1B other British...)",
    ),
    cat(
      "marital_status",
      "string",
      "marital status: A never married, B married, C widowed, D divorced, E separated...",
    ),
    cat("postcode", "string", "postcode district of residence (EH4), the extract's de-identified postcode"),
    cat("main_operation_a", "string", "main operation, OPCS-4 code (B27.4)", true),
    cat("main_operation_b", "string", "second part of the main operation, OPCS-4 code (T91.2)", true),
    cat("main_condition", "string", "main condition treated, ICD-10 code (C50.4)"),
    cat("other_condition_1", "string", "other condition, ICD-10 code", true),
    cat("other_condition_2", "string", "other condition, ICD-10 code", true),
    cat("other_condition_3", "string", "other condition, ICD-10 code", true),
    cat("other_condition_4", "string", "other condition, ICD-10 code", true),
    bool("emergency_admission", "admitted as an emergency (Y) rather than electively (N)"),
  ],
};

export const ndcSmr06: SourceTable = {
  name: "ndc_smr06",
  database: "oncology_db",
  description: "SMR06: Scottish Cancer Registry, one row per tumour, from the Oncology DB",
  columns: [
    chiText,
    cat("date_of_incidence", "date", "date of incidence (diagnosis), ISO YYYY-MM-DD"),
    cat("icd10_site", "string", "tumour site, ICD-10 (C50.0-C50.9 breast)"),
    cat("morphology", "string", "histology and behaviour, ICD-O-3 (8500/3 ductal carcinoma)"),
    cat("laterality", "string", "side: L left, R right, B bilateral, 9 not known"),
    cat("tumour_grade", "string", "histological grade: G1, G2, G3, GX not assessable"),
    cat("tnm_stage", "string", "TNM stage group (AJCC 7th edition): 0, IA ... IIIC, IV, X not known"),
    cat("method_of_detection", "string", "how the tumour was found: 1 screening ... 9 not known"),
    num("tumour_size_mm", "integer", "pathological tumour size, millimetres"),
  ],
};

export const ndcCharlson: SourceTable = {
  name: "ndc_charlson",
  database: "trak",
  description:
    "Charlson comorbidity index of each patient at diagnosis, derived from Trak admissions over the look-back period (the index breast cancer itself excluded)",
  columns: [
    chiText,
    cat("assessment_date", "date", "date the index was assessed (the date of incidence), DD/MM/YYYY"),
    num("lookback_years", "integer", "years of previous admissions searched for comorbidities"),
    num(
      "charlson_index",
      "integer",
      "Charlson comorbidity index: the weighted sum of the components (unadjusted for age)",
    ),
    cat("charlson_band", "string", "index band: 0, 1-2, 3-4, 5+"),
    num("age_at_assessment", "integer", "age in completed years at the assessment date"),
    num("comorbidity_count", "integer", "number of Charlson components present (HIV without AIDS included)"),
    bool("myocardial_infarction", "history of myocardial infarction (weight 1)"),
    bool("congestive_heart_failure", "congestive heart failure (weight 1)"),
    bool("peripheral_vascular_disease", "peripheral vascular disease (weight 1)"),
    bool("cerebrovascular_disease", "cerebrovascular disease (weight 1)"),
    bool("dementia", "dementia (weight 1)"),
    bool("chronic_pulmonary_disease", "chronic pulmonary disease (weight 1)"),
    cat("rheumatic_disease", "string", "rheumatic disease: N none, RA, SLE, PMR, MCTD (any: weight 1)"),
    num(
      "liver_disease_severity",
      "integer",
      "liver disease: 0 none, 1 mild (weight 1), 2 moderate or severe (weight 3)",
    ),
    num(
      "diabetes_severity",
      "integer",
      "diabetes: 0 none, 1 without complications (weight 1), 2 with end-organ damage (weight 2)",
    ),
    cat("hemiplegia", "string", "N none, HEMI hemiplegia, PARA paraplegia (any: weight 2)"),
    num("renal_disease", "integer", "moderate or severe renal disease: 0 no, 1 yes (weight 2)"),
    num(
      "malignancy_severity",
      "integer",
      "other malignancy: 0 none, 1 any other malignancy (weight 2), 2 metastatic solid tumour (weight 6)",
    ),
    cat("hiv_aids", "string", "N none, HIV without AIDS (weight 0, as in Charlson 1987), AIDS (weight 6)"),
  ],
};

export const chemocareToxicity: SourceTable = {
  name: "chemocare_toxicity",
  database: "chemocare",
  description: "toxicity assessments: one row per cycle, graded before the next cycle (CTCAE v4)",
  columns: [
    chiNumber,
    num("regime_id", "integer", "Chemocare regime identifier"),
    num("cycle_number", "integer", "the cycle assessed, from 1"),
    ctcae("nausea", "nausea"),
    ctcae("vomiting", "vomiting"),
    ctcae("diarrhoea", "diarrhoea"),
    ctcae("constipation", "constipation"),
    ctcae("mucositis", "oral mucositis"),
    ctcae("fatigue", "fatigue"),
    ctcae("neutropenia", "neutrophil count decreased"),
    ctcae("peripheral_neuropathy", "peripheral sensory neuropathy"),
    ctcae("hand_foot_syndrome", "palmar-plantar erythrodysaesthesia"),
    ctcae("rash", "rash"),
    ctcae("infection", "infection"),
    cat("assessment_date", "date", "date of the assessment, ISO YYYY-MM-DD text"),
    cat(
      "assessed_by",
      "string",
      "who assessed: CNS nurse specialist, SPR registrar, CONS consultant, PHARM pharmacist",
    ),
    cat(
      "action_taken",
      "string",
      "action for the next cycle: NONE, SUPPORT, DELAY, REDUCE, DELAY_REDUCE, STOP",
    ),
  ],
};

export const chemocareTreatment: SourceTable = {
  name: "chemocare_treatment",
  database: "chemocare",
  description: "treatments: one row per drug given in a cycle of a regime",
  columns: [
    chiNumber,
    num("regime_id", "integer", "Chemocare regime identifier"),
    num("cycle_number", "integer", "the cycle, from 1"),
    num("planned_cycles", "integer", "cycles planned for the regime"),
    num("cycle_length_days", "integer", "days between cycles as planned (7 weekly, 21 three-weekly)"),
    num("dose_percent", "decimal", "dose given as a percentage of the protocol dose"),
    num("height_cm", "decimal", "height in centimetres at the cycle"),
    num("weight_kg", "decimal", "weight in kilograms at the cycle"),
    cat("regimen", "string", "the regimen (FEC-T, AC, DOCETAXEL, PACLITAXEL, TRASTUZUMAB, CAPECITABINE...)"),
    cat("drug", "string", "the drug given (case as typed: Epirubicin, EPIRUBICIN)"),
    cat("route", "string", "route: IV intravenous, PO oral, SC subcutaneous"),
    cat(
      "treatment_datetime",
      "datetime",
      "when the cycle was given, local Europe/London time DD/MM/YYYY HH:mm",
    ),
    cat("intent", "string", "treatment intent: ADJUVANT, NEOADJUVANT, PALLIATIVE"),
    cat("treatment_site", "string", "the hospital where it was given"),
    cat("diagnosis_code", "string", "the diagnosis treated, ICD-10 (C50.4)"),
    cat("cycle_status", "string", "G given as planned, D after a delay, R at a reduced dose, DR both"),
    cat("performance_status", "string", "ECOG performance status 0-4 at the cycle"),
    cat("consultant_code", "string", "the responsible consultant: C and the 7-digit GMC number"),
    cat("dose_unit", "string", "unit of the protocol dose: mg/m2, mg/kg, mg"),
  ],
};

/** The five tables, in the order of the paper's Table I. */
export const ecdgTables: SourceTable[] = [
  ndcSmr01,
  ndcSmr06,
  ndcCharlson,
  chemocareToxicity,
  chemocareTreatment,
];

export function findTable(name: string): SourceTable {
  const table = ecdgTables.find((t) => t.name === name);
  if (!table) throw new Error(`no ECDG table ${name}; known: ${ecdgTables.map((t) => t.name).join(", ")}`);
  return table;
}
