/** For tests: two small mappings of one patient population (Trak and Chemocare), and rows. */

import type { SourceValue } from "../sources/index.ts";
import { MemorySource } from "../sources/memory-source.ts";
import { parseMapping } from "./load-mapping.ts";
import type { Mapping } from "./mapping-types.ts";

export const TRAK_YAML = `mapping: 1
name: trak_admissions
record_source: trak/admissions
source:
  time_zone: Europe/London
codes:
  sex: { "1": male, "2": female }
person:
  identifiers:
    - system: chi
      value: chi
    - system: trak
      value: hospital_number
  match: [chi]
  satellites:
    - name: demographics
      effective_from: { column: admitted, type: date }
      attributes:
        sex: { column: sex, type: code, codes: sex }
        postcode: postcode
  locations:
    - role: resides_at
      kind: postcode
      key: postcode
events:
  - type: hospital_admission
    key: [chi, admitted]
    start: { column: admitted, type: date }
    end: { column: discharged, type: date }
    satellites:
      - name: episode
        attributes:
          length_of_stay_days: { column: stay, type: integer }
    objects:
      - role: main_condition
        type: condition
        code_system: ICD-10
        code: { column: condition, case: upper }
    locations:
      - role: treated_at
        kind: site
        key: { constant: Western General Hospital }
`;

export const CHEMO_YAML = `mapping: 1
name: chemocare_cycles
record_source: chemocare/cycles
person:
  identifiers:
    - system: chi
      value: { column: upi, pad: { length: 10, with: "0" } }
  match: [chi]
events:
  - type: chemotherapy_cycle
    key: [{ column: upi, pad: { length: 10, with: "0" } }, regime, cycle]
    start: { column: given_at, type: datetime, format: "DD/MM/YYYY HH:mm" }
    part_of:
      type: chemotherapy_regime
      key: [{ column: upi, pad: { length: 10, with: "0" } }, regime]
    satellites:
      - name: dose
        attributes:
          weight_kg: { column: weight_lb, type: decimal, unit: { from: lb, to: kg } }
    objects:
      - role: drug
        type: medicine
        code: drug
`;

export const TRAK_COLUMNS = [
  "chi",
  "hospital_number",
  "sex",
  "postcode",
  "admitted",
  "discharged",
  "stay",
  "condition",
];
export const CHEMO_COLUMNS = ["upi", "regime", "cycle", "given_at", "weight_lb", "drug"];

export type Values = Record<string, SourceValue>;

export function trakRow(overrides: Values = {}): Values {
  return {
    chi: "0101561234",
    hospital_number: "T100",
    sex: "2",
    postcode: "EH4 2XU",
    admitted: "2014-03-05",
    discharged: "2014-03-09",
    stay: "4",
    condition: "c50.9",
    ...overrides,
  };
}

export function chemoRow(overrides: Values = {}): Values {
  return {
    upi: 101561234,
    regime: 1,
    cycle: 1,
    given_at: "10/04/2014 09:30",
    weight_lb: "154",
    drug: "Docetaxel",
    ...overrides,
  };
}

export function trakMapping(): Mapping {
  return parseMapping(TRAK_YAML, "trak.yaml");
}

export function chemoMapping(): Mapping {
  return parseMapping(CHEMO_YAML, "chemo.yaml");
}

export function trakSource(rows: Values[]): MemorySource {
  return new MemorySource("trak.csv", TRAK_COLUMNS, rows);
}

export function chemoSource(rows: Values[]): MemorySource {
  return new MemorySource("chemocare.db#cycles", CHEMO_COLUMNS, rows);
}

/** Rows in every vault table: a store untouched by a failed load has the same counts as before. */
export async function tableCounts(db: {
  get<T>(sql: string): Promise<T | undefined>;
}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    "hub_person",
    "person_identifier",
    "hub_object",
    "hub_location",
    "hub_event",
    "link",
    "satellite",
    "load_log",
  ]) {
    const row = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

/** `count` admissions of distinct patients, for loads big enough to kill in the middle. */
export function crashRows(count: number): Values[] {
  return Array.from({ length: count }, (_, i) =>
    trakRow({
      chi: String(1_000_000_000 + i),
      hospital_number: `T${i}`,
      sex: i % 2 ? "1" : "2",
      admitted: `201${4 + (i % 3)}-0${1 + (i % 9)}-1${i % 10}`,
      condition: `C50.${i % 10}`,
    }),
  );
}
