/**
 * For the writers' tests: two related tables covering every column type, and rows whose values
 * are the awkward ones (quotes, commas, newlines, CR, tabs, backslashes, markup, unicode beyond
 * the BMP, the empty string next to null, negative and rounded decimals, dates before 1970).
 */

import type { RowValues, TableSpec } from "../table-spec.ts";
import type { FabricationWriter } from "./writer-types.ts";

export const PATIENTS: TableSpec = {
  name: "patients",
  columns: [
    { name: "id", type: "integer", nullable: false },
    { name: "name", type: "string", nullable: true },
    { name: "sex", type: "categorical", nullable: false, categories: ["F", "M"] },
    { name: "birth_date", type: "date", nullable: false },
    { name: "weight", type: "decimal", nullable: true, precision: 5, scale: 2 },
    { name: "smoker", type: "boolean", nullable: true },
    { name: "registered", type: "datetime", nullable: false },
  ],
  primaryKey: ["id"],
  unique: [],
  foreignKeys: [],
};

export const TREATMENTS: TableSpec = {
  name: "treatments",
  columns: [
    { name: "id", type: "integer", nullable: false },
    { name: "patient_id", type: "integer", nullable: false },
    { name: "cycle", type: "integer", nullable: false },
    {
      name: "drug",
      type: "categorical",
      nullable: false,
      categories: ["FEC-T", "AC, then T", 'say "docetaxel"'],
    },
    { name: "given", type: "date", nullable: true },
  ],
  primaryKey: ["id"],
  unique: [["patient_id", "cycle"]],
  foreignKeys: [{ columns: ["patient_id"], table: "patients", references: ["id"] }],
};

export const TABLES = [PATIENTS, TREATMENTS];

/** Awkward strings, each a patient's name in turn. */
export const AWKWARD = [
  "plain",
  "a,b",
  'say "hi"',
  "line1\nline2",
  "cr\r\nlf",
  "ünïcödé 🙂 中文",
  "",
  "tab\there",
  "back\\slash \\N",
  "<tag> & 'q' \"dq\"",
  " leading and trailing ",
] as const;

// 2015-03-01 is day 16495; 1950-06-15 is day −7140; 2016-02-29T23:59:59Z is 1456790399.
export const PATIENT_ROWS: RowValues[] = [
  ...AWKWARD.map(
    (name, i): RowValues => [
      i + 1,
      name,
      i % 2 === 0 ? "F" : "M",
      16495 + i,
      61.5 + i,
      i % 3 === 0,
      1456790399 + i * 3600,
    ],
  ),
  [100, null, "F", -7140, null, null, 0],
  [101, "rounded", "M", 0, -0.004, false, -1],
  [102, "big", "F", 2932896, 99.995, true, 253402300799],
];

export const TREATMENT_ROWS: RowValues[] = [
  [1, 1, 1, "FEC-T", 16500],
  [2, 1, 2, "AC, then T", null],
  [3, 2, 1, 'say "docetaxel"', 16521],
];

/** Writes every fixture row through `writer` (parents first), awaiting back-pressure. */
export async function writeFixtures(writer: FabricationWriter, tables = TABLES): Promise<void> {
  await writer.begin(tables);
  for (const table of tables) {
    const target = writer.table(table.name);
    const rows = table.name === "patients" ? PATIENT_ROWS : table.name === "treatments" ? TREATMENT_ROWS : [];
    for (const row of rows) await target.write(row);
    await target.end();
  }
}
