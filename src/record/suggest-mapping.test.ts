import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { generateSample } from "../../examples/ecdg/sample.ts";
import { SerumsError } from "../errors/serums-error.ts";
import { type ColumnProfile, profileColumns } from "../sources/profile-columns.ts";
import type { SourceRow, SourceValue } from "../sources/types.ts";
import { passesModulus11 } from "../sources/value-patterns.ts";
import { nameWords } from "./classify-column.ts";
import { parseMapping } from "./load-mapping.ts";
import type { LocationSpec, Mapping, ObjectSpec, SatelliteSpec, ValueSpec } from "./mapping-types.ts";
import { type SuggestedColumn, type Suggestion, suggestMapping } from "./suggest-mapping.ts";

// ---------------------------------------------------------------------------------------------
// Fixtures

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeChi(random: () => number): string {
  for (;;) {
    const day = 1 + Math.floor(random() * 28);
    const month = 1 + Math.floor(random() * 12);
    const year = 30 + Math.floor(random() * 60);
    const serial = Math.floor(random() * 1000);
    const first9 = `${String(day).padStart(2, "0")}${String(month).padStart(2, "0")}${year}${String(serial).padStart(3, "0")}`;
    for (let check = 0; check <= 9; check++)
      if (passesModulus11(`${first9}${check}`)) return `${first9}${check}`;
  }
}

const p2 = (n: number) => String(n).padStart(2, "0");
const dmy = (d: Date) => `${p2(d.getUTCDate())}/${p2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;

const SMR01_COLUMNS = [
  "upi_number",
  "admission_date",
  "discharge_date",
  "length_of_stay",
  "sex",
  "age_in_years",
  "ethnic_group",
  "marital_status",
  "postcode",
  "main_operation_a",
  "main_operation_b",
  "main_condition",
  "other_condition_1",
  "other_condition_2",
  "other_condition_3",
  "other_condition_4",
  "emergency_admission",
];

/** An SMR01-like table: one row per hospital episode, as a Trak extract holds it. */
function smr01Rows(count: number, seed = 1): SourceRow[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const operations = ["B27.4", "B28.2", "B28.3", "T85.2", "T86.1", "B37.4"];
  const subsidiary = ["Z15.4", "Y26.1", "T91.2", "Z94.2"];
  const conditions = ["C50.9", "C50.4", "C50.2", "D05.1", "C50.8"];
  const others = ["I10", "E11.9", "J45.9", "Z51.1", "I25.1", "F32.9", "K21.9", "Z85.3"];
  const postcodes = ["EH4 2XU", "EH10 5HF", "EH16 4SA", "KY11 8JQ", "EH54 6PP", "FK1 5RS", "TD1 3LP"];
  const rows: SourceRow[] = [];
  for (let i = 0; i < count; i++) {
    const admission = new Date(Date.UTC(2014, 0, 1) + Math.floor(random() * 1095) * 86_400_000);
    const stay = random() < 0.4 ? 0 : Math.floor(random() * 12);
    const discharge = new Date(admission.getTime() + stay * 86_400_000);
    const values: Record<string, SourceValue> = {
      upi_number: makeChi(random),
      admission_date: dmy(admission),
      discharge_date: dmy(discharge),
      length_of_stay: String(stay),
      sex: pick(["1", "2", "2", "2"]),
      age_in_years: String(28 + Math.floor(random() * 60)),
      ethnic_group: pick(["1A", "1B", "1C", "2A", "3F", "6A"]),
      marital_status: pick(["A", "B", "C", "D", "E", "Z"]),
      postcode: pick(postcodes),
      main_operation_a: random() < 0.9 ? pick(operations) : "",
      main_operation_b: random() < 0.5 ? pick(subsidiary) : "",
      main_condition: pick(conditions),
      other_condition_1: random() < 0.6 ? pick(others) : "",
      other_condition_2: random() < 0.4 ? pick(others) : "",
      other_condition_3: random() < 0.2 ? pick(others) : "",
      other_condition_4: random() < 0.05 ? pick(others) : "",
      emergency_admission: random() < 0.2 ? "Y" : "N",
    };
    rows.push({ line: i + 2, values });
  }
  return rows;
}

function byColumn(suggestion: Suggestion): Map<string, SuggestedColumn> {
  return new Map(suggestion.columns.map((c) => [c.column, c]));
}

function columnsOf(suggestion: Suggestion, hub: SuggestedColumn["hub"]): string[] {
  return suggestion.columns.filter((c) => c.hub === hub).map((c) => c.column);
}

async function suggestFor(
  rows: SourceRow[],
  columns: string[],
  name: string,
): Promise<{ profile: ColumnProfile[]; suggestion: Suggestion }> {
  const profile = await profileColumns(rows, columns);
  return { profile, suggestion: suggestMapping(profile, { name, table: name }) };
}

/** Every value of a compiled mapping. */
function valueSpecs(mapping: Mapping): ValueSpec[] {
  const found: ValueSpec[] = [];
  const satellites = (list: SatelliteSpec[]) => {
    for (const satellite of list) {
      if (satellite.effectiveFrom) found.push(satellite.effectiveFrom);
      for (const [, value] of satellite.attributes) found.push(value);
    }
  };
  const locations = (list: LocationSpec[]) => {
    for (const location of list) {
      for (const value of [location.key, location.latitude, location.longitude, location.altitude]) {
        if (value) found.push(value);
      }
    }
  };
  const objects = (list: ObjectSpec[]) => {
    for (const object of list) {
      found.push(object.code);
      satellites(object.satellites);
    }
  };
  if (mapping.person) {
    for (const identifier of mapping.person.identifiers) found.push(identifier.value);
    satellites(mapping.person.satellites);
    locations(mapping.person.locations);
  }
  for (const event of mapping.events) {
    found.push(...event.key, event.start, ...(event.end ? [event.end] : []), ...(event.partOf?.key ?? []));
    satellites(event.satellites);
    objects(event.objects);
    locations(event.locations);
  }
  objects(mapping.objects);
  return found;
}

/**
 * Loads the proposal with the mapping loader (it must be valid), then converts every row with
 * every value of it: a wrong type or format throws. Returns the number of values converted.
 */
function convertAll(yaml: string, rows: SourceRow[]): number {
  const mapping = parseMapping(yaml, "suggested.yaml");
  let converted = 0;
  for (const spec of valueSpecs(mapping)) {
    if (spec.column === undefined) continue;
    for (const row of rows) {
      spec.convert(row.values[spec.column] ?? null);
      converted++;
    }
  }
  return converted;
}

// ---------------------------------------------------------------------------------------------

describe("nameWords", () => {
  test("splits snake_case, camelCase, acronyms and digits", () => {
    assert.deepEqual(nameWords("main_operation_a"), ["main", "operation", "a"]);
    assert.deepEqual(nameWords("ageInYears"), ["age", "in", "years"]);
    assert.deepEqual(nameWords("UPINumber"), ["upi", "number"]);
    assert.deepEqual(nameWords("other_condition_1"), ["other", "condition", "1"]);
    assert.deepEqual(nameWords("icd10Site"), ["icd", "10", "site"]);
    assert.deepEqual(nameWords("Admission Date"), ["admission", "date"]);
  });
});

describe("suggestMapping: the SMR01 use case (paper, section V-B)", async () => {
  const rows = smr01Rows(400);
  const { suggestion } = await suggestFor(rows, SMR01_COLUMNS, "smr01");
  const columns = byColumn(suggestion);
  const mapping = parse(suggestion.yaml);

  test("classifies the columns as the paper does", () => {
    assert.deepEqual(columnsOf(suggestion, "time"), ["admission_date", "discharge_date", "length_of_stay"]);
    assert.deepEqual(columnsOf(suggestion, "person"), [
      "upi_number",
      "sex",
      "age_in_years",
      "ethnic_group",
      "marital_status",
      "postcode",
    ]);
    assert.deepEqual(columnsOf(suggestion, "object"), [
      "main_operation_a",
      "main_operation_b",
      "main_condition",
      "other_condition_1",
      "other_condition_2",
      "other_condition_3",
      "other_condition_4",
    ]);
    assert.deepEqual(columnsOf(suggestion, "event"), ["emergency_admission"]);
    assert.deepEqual(columnsOf(suggestion, "location"), []);
  });

  test("roles and satellites: identifier, start/end, duration, demographics, procedures and conditions", () => {
    assert.equal(columns.get("upi_number")!.role, "identifier");
    assert.equal(columns.get("admission_date")!.role, "start");
    assert.equal(columns.get("discharge_date")!.role, "end");
    assert.equal(columns.get("length_of_stay")!.role, "duration");
    for (const c of ["sex", "age_in_years", "ethnic_group", "marital_status", "postcode"]) {
      assert.equal(columns.get(c)!.satellite, "demographics", c);
    }
    for (const c of ["main_operation_a", "main_operation_b"]) {
      assert.equal(columns.get(c)!.role, "procedure");
      assert.equal(columns.get(c)!.satellite, "procedures");
    }
    for (const c of [
      "main_condition",
      "other_condition_1",
      "other_condition_2",
      "other_condition_3",
      "other_condition_4",
    ]) {
      assert.equal(columns.get(c)!.role, "condition");
      assert.equal(columns.get(c)!.satellite, "conditions");
    }
    assert.equal(columns.get("length_of_stay")!.satellite, columns.get("emergency_admission")!.satellite);
  });

  test("each reason names its evidence", () => {
    const admission = columns.get("admission_date")!.reason;
    assert.match(admission, /name words 'admission', 'date'/);
    assert.match(admission, /100% of values match date DD\/MM\/YYYY/);
    assert.match(columns.get("upi_number")!.reason, /name word 'upi'.*100% of values pass the CHI check/);
    assert.match(columns.get("main_operation_a")!.reason, /name word 'operation'.*OPCS-4/);
    assert.match(columns.get("main_condition")!.reason, /name word 'condition'.*ICD-10/);
    assert.match(columns.get("postcode")!.reason, /name word 'postcode'.*UK postcodes/);
    assert.match(columns.get("length_of_stay")!.reason, /name words 'length', 'stay'/);
  });

  test("the YAML follows docs/mapping.md", () => {
    assert.equal(mapping.mapping, 1);
    assert.equal(mapping.name, "smr01");
    assert.deepEqual(mapping.source, { table: "smr01", time_zone: "Europe/London" });
    assert.deepEqual(mapping.person.identifiers, [
      { system: "chi", value: { column: "upi_number", type: "string" } },
    ]);
    assert.deepEqual(mapping.person.match, ["chi"]);
    const [demographics] = mapping.person.satellites;
    assert.equal(demographics.name, "demographics");
    assert.deepEqual(demographics.effective_from, {
      column: "admission_date",
      type: "date",
      format: "DD/MM/YYYY",
    });
    assert.deepEqual(Object.keys(demographics.attributes), [
      "sex",
      "age_in_years",
      "ethnic_group",
      "marital_status",
      "postcode",
    ]);
    assert.deepEqual(mapping.person.locations, [
      { role: "resides_at", kind: "postcode", key: { column: "postcode", type: "string", case: "upper" } },
    ]);
    const [event] = mapping.events;
    assert.equal(event.type, "hospital_admission");
    assert.deepEqual(event.key, [
      "upi_number",
      { column: "admission_date", type: "date", format: "DD/MM/YYYY" },
    ]);
    assert.deepEqual(event.start, { column: "admission_date", type: "date", format: "DD/MM/YYYY" });
    assert.deepEqual(event.end, { column: "discharge_date", type: "date", format: "DD/MM/YYYY" });
    assert.deepEqual(event.satellites[0].attributes, {
      length_of_stay: { column: "length_of_stay", type: "integer" },
      emergency_admission: { column: "emergency_admission", type: "boolean" },
    });
    const objects = event.objects as { role: string; type: string; code_system: string }[];
    assert.deepEqual(
      objects.map((o) => [o.role, o.type, o.code_system]),
      [
        ["main_operation_a", "procedure", "OPCS-4"],
        ["main_operation_b", "procedure", "OPCS-4"],
        ["main_condition", "condition", "ICD-10"],
        ["other_condition_1", "condition", "ICD-10"],
        ["other_condition_2", "condition", "ICD-10"],
        ["other_condition_3", "condition", "ICD-10"],
        ["other_condition_4", "condition", "ICD-10"],
      ],
    );
  });

  test("the YAML says it is a proposal, and comments every column with its hub and reason", () => {
    const lines = suggestion.yaml.split("\n");
    assert.match(lines[0]!, /^# Proposed by `serums map suggest` from a profile/);
    assert.match(suggestion.yaml, /review|check every choice/);
    for (const c of suggestion.columns) {
      const comment = `# ${c.column}: ${c.hub} (${c.role}) — ${c.reason}`;
      assert.ok(suggestion.yaml.includes(comment), `no comment for ${c.column}`);
    }
  });

  test("the mapping loader accepts the proposal, and its values convert every row", () => {
    assert.ok(convertAll(suggestion.yaml, rows) > rows.length * 20);
  });

  test("no value of the source appears in the proposal", () => {
    for (const row of rows.slice(0, 50)) {
      for (const column of ["upi_number", "postcode", "admission_date"]) {
        assert.ok(!suggestion.yaml.includes(String(row.values[column])), `${column} value leaked`);
      }
    }
  });
});

describe("suggestMapping: evidence and choices", () => {
  test("a CHI stored as a number is padded back to ten digits", async () => {
    const rows = smr01Rows(100, 2).map((row) => ({
      ...row,
      values: { ...row.values, upi_number: Number(row.values.upi_number) },
    }));
    const { suggestion } = await suggestFor(rows, SMR01_COLUMNS, "smr01");
    const mapping = parse(suggestion.yaml);
    assert.deepEqual(mapping.person.identifiers[0].value, {
      column: "upi_number",
      type: "string",
      pad: { length: 10, with: "0" },
    });
    assert.deepEqual(mapping.events[0].key[0], mapping.person.identifiers[0].value, "the key pads it too");
    assert.match(byColumn(suggestion).get("upi_number")!.reason, /padded to 10 digits/);
    assert.ok(!suggestion.yaml.includes("&"), "no YAML anchors");
  });

  test("ten-digit numbers failing the CHI check are not taken for a person identifier", async () => {
    const random = prng(3);
    const rows: SourceRow[] = Array.from({ length: 50 }, (_, i) => {
      const chi = makeChi(random);
      return {
        line: i + 2,
        values: { reference: `${chi.slice(0, 9)}${(Number(chi[9]) + 1) % 10}`, seen_on: "2015-01-01" },
      };
    });
    const { suggestion } = await suggestFor(rows, ["reference", "seen_on"], "refs");
    assert.notEqual(byColumn(suggestion).get("reference")!.hub, "person");
    assert.equal(parse(suggestion.yaml).person, undefined);
  });

  test("an NHS number, a hospital number and a date of birth are person data; national identifiers match", async () => {
    const rows: SourceRow[] = [
      {
        line: 2,
        values: {
          nhs_no: "943 476 5919",
          hospital_number: "H123",
          date_of_birth: "1950-01-02",
          seen: "2015-01-01",
        },
      },
      {
        line: 3,
        values: {
          nhs_no: "9434765919",
          hospital_number: "H124",
          date_of_birth: "1960-05-06",
          seen: "2015-01-03",
        },
      },
    ];
    const { suggestion } = await suggestFor(
      rows,
      ["hospital_number", "nhs_no", "date_of_birth", "seen"],
      "visits",
    );
    const mapping = parse(suggestion.yaml);
    assert.deepEqual(
      mapping.person.identifiers.map((i: { system: string }) => i.system),
      ["nhs", "hospital-number"],
    );
    assert.deepEqual(mapping.person.match, ["nhs"]);
    const dob = byColumn(suggestion).get("date_of_birth")!;
    assert.equal(dob.hub, "person");
    assert.match(dob.reason, /name word 'birth'/);
    assert.equal(mapping.events[0].start.column, "seen", "a date of birth is never the event start");
  });

  test("without names, the earliest date column is the start; an end word makes the end", async () => {
    const rows: SourceRow[] = [
      { line: 2, values: { recorded_on: "2015-06-01", seen_on: "2015-05-01", finished_on: "2015-07-01" } },
      { line: 3, values: { recorded_on: "2015-06-09", seen_on: "2015-05-08", finished_on: "2015-07-02" } },
    ];
    const { suggestion } = await suggestFor(rows, ["recorded_on", "seen_on", "finished_on"], "log");
    assert.ok(convertAll(suggestion.yaml, rows) > 0);
    const columns = byColumn(suggestion);
    assert.equal(columns.get("seen_on")!.role, "start");
    assert.match(columns.get("seen_on")!.reason, /earliest/);
    assert.equal(columns.get("finished_on")!.role, "end");
    assert.equal(columns.get("recorded_on")!.role, "date");
    assert.equal(parse(suggestion.yaml).events[0].type, "log");
  });

  test("columns sharing a stem share the type and code system of the one that shows it", async () => {
    const rows: SourceRow[] = [
      { line: 2, values: { diag_main: "C50.9", diag_other: "", when: "2015-01-01" } },
      { line: 3, values: { diag_main: "C50.4", diag_other: null, when: "2015-01-02" } },
    ];
    const { suggestion } = await suggestFor(rows, ["diag_main", "diag_other", "when"], "dx");
    assert.ok(convertAll(suggestion.yaml, rows) > 0);
    const objects = parse(suggestion.yaml).events[0].objects;
    assert.deepEqual(
      objects.map((o: { type: string; code_system: string }) => [o.type, o.code_system]),
      [
        ["condition", "ICD-10"],
        ["condition", "ICD-10"],
      ],
    );
    assert.match(byColumn(suggestion).get("diag_other")!.reason, /same stem as diag_main/);
  });

  test("locations: a ward is where the event happened, coordinates with it, an address where the person lives", async () => {
    const rows: SourceRow[] = [
      {
        line: 2,
        values: {
          chi: "0101701238",
          ward: "Ward 7",
          lat: 55.95,
          lon: -3.19,
          home_address: "1 High St",
          date: "2015-01-01",
        },
      },
    ];
    const columns = ["chi", "ward", "lat", "lon", "home_address", "date"];
    const { suggestion } = await suggestFor(rows, columns, "wards");
    assert.ok(convertAll(suggestion.yaml, rows) > 0);
    assert.deepEqual(columnsOf(suggestion, "location"), ["ward", "lat", "lon", "home_address"]);
    const mapping = parse(suggestion.yaml);
    assert.deepEqual(
      mapping.events[0].locations.map((l: { role: string; kind: string }) => [l.role, l.kind]),
      [
        ["treated_at", "site"],
        ["occurred_at", "coordinates"],
      ],
    );
    assert.deepEqual(mapping.person.locations, [
      { role: "resides_at", kind: "address", key: { column: "home_address", type: "string" } },
    ]);
  });

  test("without a person identifier, person attributes stay with the event; without a date, nothing is lost silently", async () => {
    const rows: SourceRow[] = [{ line: 2, values: { sex: "F", admitted: "2015-01-01", grade: 2 } }];
    const { suggestion } = await suggestFor(rows, ["sex", "admitted", "grade"], "anon");
    assert.equal(parse(suggestion.yaml).person, undefined);
    assert.ok(convertAll(suggestion.yaml, rows) > 0);
    assert.match(byColumn(suggestion).get("sex")!.reason, /no person identifier found/);

    const { suggestion: undated } = await suggestFor(
      [{ line: 2, values: { sex: "F", grade: 2 } }],
      ["sex", "grade"],
      "undated",
    );
    assert.match(undated.yaml, /Nothing could be placed/);
    assert.throws(
      () => parseMapping(undated.yaml, "undated.yaml"),
      /loads nothing/,
      "to be completed by hand",
    );
    assert.match(undated.yaml, /Not placed in the mapping[\s\S]*sex: person[\s\S]*grade: event/);
  });

  test("a mapping name outside [a-z0-9_-] is refused", () => {
    assert.throws(
      () => suggestMapping([], { name: "My Mapping" }),
      (error: unknown) =>
        error instanceof SerumsError && error.code === "BAD_USAGE" && /My Mapping/.test(error.message),
    );
  });
});

describe("suggestMapping: the five ECDG tables", async () => {
  const sample = generateSample({ patients: 40, seed: 5 });
  const suggestions = new Map<string, { suggestion: Suggestion; rows: SourceRow[] }>();
  for (const [table, tableRows] of Object.entries(sample)) {
    const rows = tableRows.map((values, index) => ({ line: index + 2, values }));
    const { suggestion } = await suggestFor(rows, Object.keys(tableRows[0]!), table);
    suggestions.set(table, { suggestion, rows });
  }
  const get = (table: string) => {
    const entry = suggestions.get(table);
    assert.ok(entry, `the sample has no table ${table}`);
    return { ...entry, columns: byColumn(entry.suggestion), mapping: parse(entry.suggestion.yaml) };
  };
  const hubRole = (columns: Map<string, SuggestedColumn>, column: string) => {
    const c = columns.get(column);
    assert.ok(c, `no column ${column}`);
    return `${c.hub}/${c.role}`;
  };

  test("the mapping loader accepts every proposal, and its values convert every row", () => {
    for (const [table, { suggestion, rows }] of suggestions) {
      assert.doesNotThrow(() => convertAll(suggestion.yaml, rows), table);
    }
  });

  test("ndc_smr01: the paper's classification", () => {
    const { suggestion } = get("ndc_smr01");
    assert.deepEqual(columnsOf(suggestion, "time"), ["admission_date", "discharge_date", "length_of_stay"]);
    assert.deepEqual(columnsOf(suggestion, "person"), [
      "upi_number",
      "sex",
      "age_in_years",
      "ethnic_group",
      "marital_status",
      "postcode",
    ]);
    assert.equal(columnsOf(suggestion, "object").length, 7);
  });

  test("ndc_smr06: a cancer registration with its site (ICD-10) and morphology (ICD-O-3)", () => {
    const { columns, mapping } = get("ndc_smr06");
    assert.equal(hubRole(columns, "upi_number"), "person/identifier");
    assert.equal(hubRole(columns, "date_of_incidence"), "time/start");
    assert.equal(hubRole(columns, "icd10_site"), "object/condition");
    assert.equal(hubRole(columns, "morphology"), "object/morphology");
    assert.equal(
      hubRole(columns, "tumour_grade"),
      "event/attribute",
      "G1-G3 are grades, not Glasgow districts",
    );
    assert.equal(mapping.events[0].type, "cancer_registration");
    assert.deepEqual(
      mapping.events[0].objects.map((o: { code_system: string }) => o.code_system),
      ["ICD-10", "ICD-O-3"],
    );
  });

  test("ndc_charlson: an assessment whose comorbidity flags are event attributes", () => {
    const { columns, mapping } = get("ndc_charlson");
    assert.equal(hubRole(columns, "assessment_date"), "time/start");
    assert.equal(hubRole(columns, "age_at_assessment"), "person/attribute");
    for (const flag of ["charlson_index", "myocardial_infarction", "dementia", "diabetes_severity"]) {
      assert.equal(hubRole(columns, flag), "event/attribute", flag);
      assert.equal(columns.get(flag)!.satellite, "comorbidities");
    }
    assert.equal(mapping.events[0].type, "comorbidity_assessment");
    assert.equal(mapping.events[0].start.format, "DD/MM/YYYY");
  });

  test("chemocare_toxicity: grades in the event's satellite, part of the regime", () => {
    const { columns, mapping } = get("chemocare_toxicity");
    assert.equal(hubRole(columns, "upi_number"), "person/identifier");
    assert.deepEqual(mapping.person.identifiers[0].value.pad, { length: 10, with: "0" });
    for (const grade of ["nausea", "vomiting", "neutropenia", "fatigue", "rash"]) {
      assert.equal(hubRole(columns, grade), "event/attribute", grade);
      assert.equal(columns.get(grade)!.satellite, "toxicity");
      assert.match(columns.get(grade)!.reason, /0–4 grade scale/);
    }
    assert.equal(hubRole(columns, "assessment_date"), "time/start");
    assert.equal(hubRole(columns, "cycle_number"), "event/key");
    const [event] = mapping.events;
    assert.equal(event.type, "toxicity_report");
    assert.deepEqual(event.key.slice(1), [
      { column: "assessment_date", type: "date" },
      "regime_id",
      "cycle_number",
    ]);
    assert.equal(event.part_of.type, "chemotherapy_regime");
    assert.equal(event.part_of.key[1], "regime_id");
  });

  test("chemocare_treatment: a chemotherapy cycle with its medicines, diagnosis and site", () => {
    const { columns, mapping } = get("chemocare_treatment");
    assert.equal(hubRole(columns, "treatment_datetime"), "time/start");
    assert.equal(hubRole(columns, "regimen"), "object/medicine");
    assert.equal(hubRole(columns, "drug"), "object/medicine");
    assert.equal(columns.get("drug")!.satellite, "medicines");
    assert.equal(hubRole(columns, "diagnosis_code"), "object/condition");
    assert.equal(hubRole(columns, "treatment_site"), "location/site");
    assert.equal(hubRole(columns, "regime_id"), "event/key, part_of");
    const [event] = mapping.events;
    assert.equal(event.type, "chemotherapy_cycle");
    assert.deepEqual(event.start, {
      column: "treatment_datetime",
      type: "datetime",
      format: "DD/MM/YYYY HH:mm",
    });
    assert.deepEqual(event.locations[0].role, "treated_at");
  });
});
