import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import {
  LOCATION_KINDS,
  loadMapping,
  MAPPING_FIELDS,
  NAME_PATTERNS,
  parseMapping,
  placeKey,
} from "./load-mapping.ts";
import { UNIT_NAMES } from "./units.ts";
import { VALUE_TYPES } from "./value-transforms.ts";

const root = path.resolve(import.meta.dirname, "../..");
const DOC = readFileSync(path.join(root, "docs/mapping.md"), "utf8");
const DOC_EXAMPLE = /```yaml\n([\s\S]*?)```/.exec(DOC)![1]!;
/** A constant with a comma left unquoted inside { }: YAML reads it as two fields. */
const DOC_UNQUOTED = "{ constant: Western General Hospital, Edinburgh }";

const FULL = `mapping: 1
name: smr01
record_source: trak/ndc_smr01
source:
  table: ndc_smr01
  time_zone: Europe/London
gazetteer: gazetteer.csv
codes:
  sex: { "1": male, "2": female, "9": not specified }
  marital: { S: single, m: married, 01: other }
person:
  identifiers:
    - system: chi
      value: { column: upi_number, pad: { length: 10, with: 0 } }
    - system: trak-hospital-number
      value: hospital_number
  match: [chi]
  satellites:
    - name: demographics
      effective_from: { column: admission_date, type: date }
      attributes:
        sex: { column: sex, type: code, codes: sex }
        age_years: { column: age_in_years, type: integer }
        marital_status: { column: marital, type: code, codes: marital, case: upper }
  locations:
    - role: resides_at
      kind: postcode
      key: postcode
events:
  - type: hospital_admission
    key: [upi_number, { column: admission_date, type: date }]
    start: { column: admission_date, type: date }
    end: { column: discharge_date, type: date, format: DD/MM/YYYY }
    satellites:
      - name: episode
        attributes:
          length_of_stay_days: { column: length_of_stay, type: integer }
          weight_kg: { column: weight_lb, type: decimal, unit: { from: lb, to: kg } }
    objects:
      - role: main_condition
        type: condition
        code_system: ICD-10
        code: main_condition
        satellites:
          - name: details
            attributes:
              description: condition_text
    locations:
      - role: treated_at
        kind: site
        key: { constant: "Western General Hospital, Edinburgh" }
      - role: seen_at
        kind: coordinates
        key: clinic
        latitude: clinic_lat
        longitude: clinic_lon
        altitude: { column: clinic_alt, type: integer }
  - type: chemotherapy_cycle
    key: [upi_number, regime_id, cycle]
    start: { column: given_at, type: datetime, format: DD/MM/YYYY HH:mm, time_zone: Europe/Madrid }
    part_of:
      type: chemotherapy_regime
      key: [upi_number, regime_id]
objects:
  - type: medicine
    code_system: dm+d
    code: drug_code
`;

const MINIMAL = `mapping: 1
name: minimal
events:
  - type: visit
    key: [visit_id]
    start: { column: visit_date, type: date }
`;

/** The 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in the text`);
  return text.slice(0, at).split("\n").length;
}

interface Expected {
  path: string | undefined;
  line: number | undefined;
  value?: unknown;
  message: string;
}

/** Asserts parseMapping fails with BAD_MAPPING at that path and line, with that value and message (after "file line N, at path: "). */
function assertBad(text: string, expected: Expected): void {
  assert.throws(
    () => parseMapping(text, "smr01.yaml"),
    (e: unknown) => {
      assert.ok(e instanceof SerumsError, String(e));
      assert.equal(e.code, "BAD_MAPPING");
      assert.equal(e.where.file, "smr01.yaml");
      assert.equal(e.where.path, expected.path);
      assert.equal(e.where.line, expected.line);
      assert.deepEqual(e.where.value, expected.value);
      const line = expected.line === undefined ? "" : ` line ${expected.line}`;
      const at = expected.path ? `, at ${expected.path}` : "";
      assert.equal(e.message, `smr01.yaml${line}${at}: ${expected.message}`);
      return true;
    },
  );
}

/** FULL with `from` replaced by `to` (which must occur). */
function variant(from: string, to: string, text = FULL): string {
  assert.ok(text.includes(from), from);
  return text.replace(from, to);
}

describe("parseMapping: success", () => {
  it("compiles every part of a full mapping", () => {
    const m = parseMapping(FULL, "smr01.yaml");
    assert.equal(m.file, "smr01.yaml");
    assert.equal(m.name, "smr01");
    assert.equal(m.recordSource, "trak/ndc_smr01");
    assert.deepEqual(m.source, { table: "ndc_smr01", timeZone: "Europe/London" });
    assert.equal(m.gazetteer.size, 0);

    const person = m.person!;
    assert.deepEqual(
      person.identifiers.map((i) => i.system),
      ["chi", "trak-hospital-number"],
    );
    assert.equal(person.identifiers[0]!.value.convert("101010101"), "0101010101");
    assert.equal(person.identifiers[1]!.value.column, "hospital_number");
    assert.deepEqual(person.match, ["chi"]);
    const demographics = person.satellites[0]!;
    assert.equal(demographics.name, "demographics");
    assert.equal(demographics.effectiveFrom!.convert("2014-07-05"), "2014-07-04T23:00:00.000Z");
    assert.deepEqual(
      demographics.attributes.map(([name]) => name),
      ["age_years", "marital_status", "sex"],
    );
    const attribute = new Map(demographics.attributes);
    assert.equal(attribute.get("sex")!.convert("2"), "female");
    assert.equal(attribute.get("age_years")!.convert("61"), 61);
    assert.equal(attribute.get("marital_status")!.convert("M"), "married");
    assert.equal(attribute.get("marital_status")!.convert("01"), "other");
    assert.deepEqual(
      person.locations.map((l) => [l.role, l.kind, l.key.column]),
      [["resides_at", "postcode", "postcode"]],
    );

    const [admission, cycle] = m.events;
    assert.equal(admission!.type, "hospital_admission");
    assert.deepEqual(
      admission!.key.map((k) => [k.column, k.type, k.required]),
      [
        ["upi_number", "string", true],
        ["admission_date", "date", true],
      ],
    );
    assert.equal(admission!.start.required, true);
    assert.equal(admission!.start.convert("2014-03-05"), "2014-03-05T00:00:00.000Z");
    assert.equal(admission!.end!.required, false);
    assert.equal(admission!.end!.convert("07/03/2014"), "2014-03-07T00:00:00.000Z");
    assert.equal(admission!.partOf, undefined);
    const episode = new Map(admission!.satellites[0]!.attributes);
    assert.equal(episode.get("weight_kg")!.convert("150"), 68.0388555);
    const condition = admission!.objects[0]!;
    assert.deepEqual(
      [condition.role, condition.type, condition.codeSystem],
      ["main_condition", "condition", "ICD-10"],
    );
    assert.equal(condition.satellites[0]!.name, "details");
    const [site, clinic] = admission!.locations;
    assert.equal(site!.key.column, undefined);
    assert.equal(site!.key.convert(null), "Western General Hospital, Edinburgh");
    assert.equal(clinic!.latitude!.type, "decimal");
    assert.equal(clinic!.latitude!.convert("55.96"), 55.96);
    assert.equal(clinic!.altitude!.type, "integer");

    assert.equal(cycle!.start.convert("05/07/2014 09:30"), "2014-07-05T07:30:00.000Z");
    assert.equal(cycle!.key.length, 3);
    assert.equal(cycle!.partOf!.type, "chemotherapy_regime");
    assert.deepEqual(
      cycle!.partOf!.key.map((k) => [k.column, k.required]),
      [
        ["upi_number", false],
        ["regime_id", false],
      ],
    );
    assert.deepEqual(cycle!.satellites, []);
    assert.deepEqual(cycle!.objects, []);
    assert.deepEqual(cycle!.locations, []);

    assert.equal(m.objects.length, 1);
    assert.deepEqual(
      [m.objects[0]!.role, m.objects[0]!.type, m.objects[0]!.codeSystem],
      ["medicine", "medicine", "dm+d"],
    );
  });

  it("applies the defaults: record source, time zone, match, empty lists", () => {
    const m = parseMapping(MINIMAL, "minimal.yaml");
    assert.equal(m.recordSource, "minimal");
    assert.deepEqual(m.source, { timeZone: "Europe/London" });
    assert.equal(m.person, undefined);
    assert.deepEqual(m.objects, []);
    assert.equal(m.events[0]!.start.convert("2014-07-05"), "2014-07-04T23:00:00.000Z");
    const person = parseMapping(
      `mapping: 1\nname: p\nperson:\n  identifiers:\n    - { system: chi, value: chi }\n    - { system: nhs, value: nhs }\n`,
      "p.yaml",
    ).person!;
    assert.deepEqual(person.match, ["chi", "nhs"]);
    assert.deepEqual(person.satellites, []);
    assert.deepEqual(person.locations, []);
  });

  it("uses source.time_zone for local times, unless a value names its own", () => {
    const m = parseMapping(
      variant(
        "start: { column: visit_date, type: date }",
        "start: { column: visit_date, type: datetime }",
        MINIMAL,
      ).replace("events:", "source:\n  time_zone: Europe/Madrid\nevents:"),
      "m.yaml",
    );
    assert.equal(m.events[0]!.start.convert("2014-07-05T09:30"), "2014-07-05T07:30:00.000Z");
  });

  it("follows YAML anchors and aliases", () => {
    const m = parseMapping(
      `mapping: 1
name: x
events:
  - &admission
    type: admission
    key: [id]
    start: &date { column: day, type: date }
  - type: discharge
    key: [id]
    start: *date
  - *admission
`,
      "x.yaml",
    );
    assert.deepEqual(
      m.events.map((e) => e.type),
      ["admission", "discharge", "admission"],
    );
    assert.equal(m.events[1]!.start.required, true);
  });

  it("parses the example of docs/mapping.md", () => {
    const m = parseMapping(DOC_EXAMPLE, "smr01.yaml");
    assert.equal(m.name, "smr01");
    assert.equal(m.recordSource, "trak/ndc_smr01");
    assert.equal(m.events[0]!.partOf!.type, "chemotherapy_regime");
    assert.equal(m.events[0]!.locations[0]!.key.convert(null), "Western General Hospital, Edinburgh");
    assert.equal(new Map(m.person!.satellites[0]!.attributes).get("sex")!.convert("9"), "not specified");
  });
});

describe("parseMapping: YAML and the file as a whole", () => {
  it("reports YAML syntax errors with line and column", () => {
    const text = "mapping: 1\nname: x\nevents: [a\nobjects: []\n";
    assert.throws(
      () => parseMapping(text, "smr01.yaml"),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.code === "BAD_MAPPING" &&
        e.where.file === "smr01.yaml" &&
        e.where.line === 4 &&
        e.where.column === 1 &&
        e.where.value === "objects: []" &&
        e.message.startsWith("smr01.yaml line 4, column 1: YAML syntax error: "),
    );
    assert.throws(
      () => parseMapping("mapping: 1\nname: x\nname: y\n", "smr01.yaml"),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.where.line === 3 &&
        e.message === "smr01.yaml line 3, column 1: YAML syntax error: Map keys must be unique",
    );
    assert.throws(
      () => parseMapping(`${MINIMAL}---\nmapping: 1\n`, "smr01.yaml"),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.where.line === 7 &&
        e.message ===
          "smr01.yaml line 7, column 1: YAML syntax error: the file must hold one YAML document; remove the second ---",
    );
  });

  it("refuses an empty file and a file that is not a map", () => {
    assertBad("# nothing\n", {
      path: "",
      line: undefined,
      message: "the file holds no mapping; it needs at least mapping: 1 and name",
    });
    assert.throws(() => parseMapping("", "smr01.yaml"), /smr01.yaml: the file holds no mapping/);
    assertBad("- mapping: 1\n", {
      path: "",
      line: 1,
      value: [{ mapping: 1 }],
      message: `expected a mapping file: a map with fields ${MAPPING_FIELDS.mapping.join(", ")}; got a list`,
    });
  });

  it("refuses unknown fields, naming the valid ones and the likely one", () => {
    assertBad(variant("record_source:", "record_sorce:"), {
      path: "record_sorce",
      line: 3,
      value: "record_sorce",
      message: `"record_sorce" is not a field of a mapping file; valid: ${MAPPING_FIELDS.mapping.join(", ")} (did you mean record_source?)`,
    });
    assertBad(variant("  match: [chi]", "  matches: [chi]"), {
      path: "person.matches",
      line: lineOf(FULL, "  match:"),
      value: "matches",
      message:
        '"matches" is not a field of person; valid: identifiers, match, satellites, locations (did you mean match?)',
    });
    assertBad(variant("    part_of:", "    parent:"), {
      path: "events[1].parent",
      line: lineOf(FULL, "    part_of:"),
      value: "parent",
      message: `"parent" is not a field of an event; valid: ${MAPPING_FIELDS.event.join(", ")}`,
    });
  });

  it("explains a comma inside { } that split a text into two fields", () => {
    const text = variant('{ constant: "Western General Hospital, Edinburgh" }', DOC_UNQUOTED);
    assertBad(text, {
      path: "events[0].locations[0].key.Edinburgh",
      line: lineOf(text, DOC_UNQUOTED),
      value: "Edinburgh",
      message: `"Edinburgh" is not a field of a value; valid: ${MAPPING_FIELDS.value.join(", ")}; inside { } a comma separates fields, so quote a text that contains one (e.g. "Western General Hospital, Edinburgh")`,
    });
  });

  it("requires mapping: 1 and a name matching [a-z0-9_-]+", () => {
    assertBad("name: x\nevents: []\n", {
      path: "mapping",
      line: 1,
      message: "mapping is required in a mapping file",
    });
    assertBad(variant("mapping: 1", "mapping: 2"), {
      path: "mapping",
      line: 1,
      value: 2,
      message: "the number 2 is not a mapping format version this Serums reads; valid: 1",
    });
    assertBad(variant("mapping: 1", 'mapping: "1"'), {
      path: "mapping",
      line: 1,
      value: "1",
      message: 'the text "1" is not a mapping format version this Serums reads; valid: 1',
    });
    assertBad(variant("name: smr01", "name: SMR 01"), {
      path: "name",
      line: 2,
      value: "SMR 01",
      message: '"SMR 01" is not a valid mapping name: use lower-case letters, digits, _ and - ([a-z0-9_-]+)',
    });
    assertBad("mapping: 1\nevents: []\n", {
      path: "name",
      line: 1,
      message: "name is required in a mapping file",
    });
    assertBad(variant("record_source: trak/ndc_smr01", 'record_source: ""'), {
      path: "record_source",
      line: 3,
      value: "",
      message: "record source cannot be empty",
    });
  });

  it("refuses a mapping that loads nothing", () => {
    assertBad("mapping: 1\nname: x\nevents: []\nobjects: []\n", {
      path: "",
      line: 1,
      message: "the mapping loads nothing: give person, events or objects",
    });
  });

  it("checks source and gazetteer", () => {
    assertBad(variant("time_zone: Europe/London", "time_zone: Europe/Londres"), {
      path: "source.time_zone",
      line: 6,
      value: "Europe/Londres",
      message: '"Europe/Londres" is not an IANA time zone (e.g. Europe/London, Europe/Madrid, UTC)',
    });
    assertBad(variant("  table: ndc_smr01", "  tables: ndc_smr01"), {
      path: "source.tables",
      line: 5,
      value: "tables",
      message: '"tables" is not a field of source; valid: table, time_zone (did you mean table?)',
    });
    assertBad(variant("source:\n  table: ndc_smr01\n  time_zone: Europe/London", "source: ndc_smr01"), {
      path: "source",
      line: 4,
      value: "ndc_smr01",
      message: 'expected source: a map with fields table, time_zone; got the text "ndc_smr01"',
    });
    assertBad(variant("gazetteer: gazetteer.csv", "gazetteer: [a.csv]"), {
      path: "gazetteer",
      line: 7,
      value: ["a.csv"],
      message: "expected a gazetteer file (a text); got a list",
    });
  });

  it("checks code lists", () => {
    assertBad(
      variant('  sex: { "1": male, "2": female, "9": not specified }', '  sex: { "1": male, "9": }'),
      {
        path: 'codes.sex["9"]',
        line: 9,
        value: null,
        message: 'code "9" needs a label (a text); got nothing (null)',
      },
    );
    assertBad(variant('  sex: { "1": male, "2": female, "9": not specified }', "  sex: {}"), {
      path: "codes.sex",
      line: 9,
      message: "code list sex is empty; give at least one code: label",
    });
    assertBad(variant('  sex: { "1": male, "2": female, "9": not specified }', "  sex: [male, female]"), {
      path: "codes.sex",
      line: 9,
      value: ["male", "female"],
      message: "expected code list sex: a map of code: label; got a list",
    });
    assertBad(variant("events:", "codes: sex\nevents:", MINIMAL), {
      path: "codes",
      line: 3,
      value: "sex",
      message: 'expected code lists: a map of name: { code: label }; got the text "sex"',
    });
  });
});

describe("parseMapping: values", () => {
  const START = "start: { column: admission_date, type: date }";
  const startLine = lineOf(FULL, START);

  it("refuses an unknown value type", () => {
    assertBad(variant(START, "start: { column: admission_date, type: dat }"), {
      path: "events[0].start.type",
      line: startLine,
      value: "dat",
      message:
        '"dat" is not a value type; valid: string, integer, decimal, boolean, date, datetime, code (did you mean date?)',
    });
  });

  it("requires start and end to be dates or datetimes", () => {
    assertBad(variant(START, "start: admission_date"), {
      path: "events[0].start",
      line: startLine,
      value: "admission_date",
      message: "start must be a date or datetime value; add type: date or type: datetime",
    });
    assertBad(variant(START, "start: { column: admission_date, type: integer }"), {
      path: "events[0].start.type",
      line: startLine,
      value: "integer",
      message: '"integer" is not allowed for start; valid: date, datetime',
    });
    const end = "end: { column: discharge_date, type: date, format: DD/MM/YYYY }";
    assertBad(variant(end, "end: { column: discharge_date }"), {
      path: "events[0].end",
      line: lineOf(FULL, end),
      value: { column: "discharge_date" },
      message: "end must be a date or datetime value; add type: date or type: datetime",
    });
    const effective = "effective_from: { column: admission_date, type: date }";
    assertBad(variant(effective, "effective_from: { column: admission_date, type: string }"), {
      path: "person.satellites[0].effective_from.type",
      line: lineOf(FULL, effective),
      value: "string",
      message: '"string" is not allowed for effective_from; valid: date, datetime',
    });
  });

  it("forces event keys and start to be required", () => {
    assertBad(variant(START, "start: { column: admission_date, type: date, required: false }"), {
      path: "events[0].start.required",
      line: startLine,
      value: false,
      message: "start is always required; remove required: false",
    });
    const key = "key: [upi_number, { column: admission_date, type: date }]";
    assertBad(variant(key, "key: [upi_number, { column: admission_date, required: false }]"), {
      path: "events[0].key[1].required",
      line: lineOf(FULL, key),
      value: false,
      message: "an event key is always required; remove required: false",
    });
    assertBad(variant(key, "key: upi_number"), {
      path: "events[0].key",
      line: lineOf(FULL, key),
      value: "upi_number",
      message: 'expected a list of values (e.g. [upi_number, admission_date]); got the text "upi_number"',
    });
    assertBad(variant(key, "key: []"), {
      path: "events[0].key",
      line: lineOf(FULL, key),
      value: [],
      message: "an event key needs at least one value (e.g. [upi_number, admission_date])",
    });
  });

  it("needs exactly one of column and constant", () => {
    const text = variant(START, "start: { type: date }");
    assertBad(text, {
      path: "events[0].start.column",
      line: startLine,
      message: "start needs a column (or a constant)",
    });
    assertBad(variant(START, "start: { column: a, constant: 2014-01-01, type: date }"), {
      path: "events[0].start.constant",
      line: startLine,
      value: "2014-01-01",
      message: "start has a column or a constant, not both",
    });
    assertBad(variant(START, "start: { constant: null, type: date }"), {
      path: "events[0].start.constant",
      line: startLine,
      value: null,
      message: "expected a constant: a text, number or boolean; got nothing (null)",
    });
    assertBad(variant(START, "start: [admission_date]"), {
      path: "events[0].start",
      line: startLine,
      value: ["admission_date"],
      message: "expected start: a column name, or a map with column or constant and type; got a list",
    });
  });

  it("checks required, trim, case and pad", () => {
    const value = "value: hospital_number";
    const line = lineOf(FULL, value);
    assertBad(variant(value, "value: { column: hospital_number, required: yes }"), {
      path: "person.identifiers[1].value.required",
      line,
      value: "yes",
      message: 'expected required: true or false; got the text "yes"',
    });
    assertBad(variant(value, "value: { column: hospital_number, trim: 1 }"), {
      path: "person.identifiers[1].value.trim",
      line,
      value: 1,
      message: "expected trim: true or false; got the number 1",
    });
    assertBad(variant(value, "value: { column: hospital_number, case: title }"), {
      path: "person.identifiers[1].value.case",
      line,
      value: "title",
      message: '"title" is not a case; valid: upper, lower',
    });
    assertBad(variant(value, 'value: { column: hospital_number, pad: { length: 10, with: "00" } }'), {
      path: "person.identifiers[1].value.pad.with",
      line,
      value: "00",
      message: '"00" is not a pad character; valid: one character, such as "0"',
    });
    assertBad(variant(value, "value: { column: hospital_number, pad: { length: ten, with: 0 } }"), {
      path: "person.identifiers[1].value.pad.length",
      line,
      value: "ten",
      message: 'expected a pad length: an integer from 1 to 1000; got the text "ten"',
    });
    assertBad(variant(value, "value: { column: hospital_number, pad: { length: 10 } }"), {
      path: "person.identifiers[1].value.pad.with",
      line,
      message: "with is required in a padding",
    });
    assertBad(
      variant(value, "value: { column: hospital_number, type: integer, pad: { length: 10, with: 0 } }"),
      {
        path: "person.identifiers[1].value.pad",
        line,
        value: { length: 10, with: "0" },
        message: "pad applies to string values only; this value is integer (add type: string)",
      },
    );
  });

  it("checks codes: the list named must exist, and only code values have one", () => {
    const sex = "sex: { column: sex, type: code, codes: sex }";
    const line = lineOf(FULL, sex);
    assertBad(variant(sex, "sex: { column: sex, type: code, codes: sexe }"), {
      path: "person.satellites[0].attributes.sex.codes",
      line,
      value: "sexe",
      message: '"sexe" is not a code list; valid: sex, marital (did you mean sex?)',
    });
    assertBad(variant(sex, "sex: { column: sex, type: code }"), {
      path: "person.satellites[0].attributes.sex.codes",
      line,
      message: "a code value needs codes: the name of a list under codes:, or an inline map of code: label",
    });
    assertBad(variant(sex, "sex: { column: sex, codes: sex }"), {
      path: "person.satellites[0].attributes.sex.codes",
      line,
      value: "sex",
      message: "codes applies to code values only; this value is string (add type: code)",
    });
    assert.equal(
      new Map(
        parseMapping(
          variant(sex, "sex: { column: sex, type: code, codes: { M: male, F: female } }"),
          "x.yaml",
        ).person!.satellites[0]!.attributes,
      )
        .get("sex")!
        .convert("F"),
      "female",
    );
    const noLists = `mapping: 1\nname: x\nobjects:\n  - type: sex\n    code: { column: s, type: code, codes: sex }\n`;
    assertBad(noLists, {
      path: "objects[0].code.codes",
      line: 5,
      value: "sex",
      message: '"sex" is not a code list: none are defined under codes:',
    });
  });

  it("checks formats, time zones and units, locating the field at fault", () => {
    const end = "end: { column: discharge_date, type: date, format: DD/MM/YYYY }";
    const line = lineOf(FULL, end);
    assertBad(variant(end, "end: { column: discharge_date, type: date, format: dd/mm/yyyy }"), {
      path: "events[0].end.format",
      line,
      value: "dd/mm/yyyy",
      message:
        '"dd/mm/yyyy" is not a date format: "d" at position 1 is not a token (tokens, case-sensitive: YYYY MM DD HH mm ss SSS; letters other than T cannot be literals)',
    });
    assertBad(variant(end, "end: { column: discharge_date, type: date, time_zone: Mars/Olympus }"), {
      path: "events[0].end.time_zone",
      line,
      value: "Mars/Olympus",
      message: '"Mars/Olympus" is not an IANA time zone (e.g. Europe/London, Europe/Madrid, UTC)',
    });
    assertBad(variant(end, "end: { column: discharge_date, type: date, unit: { from: d, to: h } }"), {
      path: "events[0].end.unit",
      line,
      value: { from: "d", to: "h" },
      message: "unit applies to integer and decimal values only; this value is date",
    });
    const weight = "weight_kg: { column: weight_lb, type: decimal, unit: { from: lb, to: kg } }";
    const weightLine = lineOf(FULL, weight);
    assertBad(
      variant(weight, "weight_kg: { column: weight_lb, type: decimal, unit: { from: lb, to: cm } }"),
      {
        path: "events[0].satellites[0].attributes.weight_kg.unit",
        line: weightLine,
        value: { from: "lb", to: "cm" },
        message: "cannot convert lb (mass) to cm (length): both units must measure the same thing",
      },
    );
    assert.throws(
      () =>
        parseMapping(
          variant(weight, "weight_kg: { column: weight_lb, type: decimal, unit: { from: stone, to: kg } }"),
          "smr01.yaml",
        ),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.where.path === "events[0].satellites[0].attributes.weight_kg.unit.from" &&
        e.where.line === weightLine &&
        e.where.value === "stone" &&
        e.message.startsWith(
          `smr01.yaml line ${weightLine}, at events[0].satellites[0].attributes.weight_kg.unit.from: "stone" is not a unit; valid: kg, g, mg, lb, oz (mass);`,
        ),
    );
    assertBad(variant(weight, "weight_kg: { column: weight_lb, type: decimal, unit: { from: lb } }"), {
      path: "events[0].satellites[0].attributes.weight_kg.unit.to",
      line: weightLine,
      message: "to is required in a unit conversion",
    });
  });

  it("refuses a constant that does not convert to its type", () => {
    const text = `mapping: 1\nname: x\nobjects:\n  - type: ward\n    code:\n      constant: abc\n      type: integer\n`;
    assertBad(text, {
      path: "objects[0].code.constant",
      line: 6,
      value: "abc",
      message: '"abc" is not an integer (e.g. 12 or 12.0)',
    });
  });
});

describe("parseMapping: person, satellites, locations, objects, events", () => {
  it("checks identifiers and match", () => {
    assertBad(variant("  match: [chi]", "  match: [chi, nhs]"), {
      path: "person.match[1]",
      line: lineOf(FULL, "  match:"),
      value: "nhs",
      message: '"nhs" is not one of the identifier systems; valid: chi, trak-hospital-number',
    });
    assertBad(variant("  match: [chi]", "  match: [chi, chi]"), {
      path: "person.match[1]",
      line: lineOf(FULL, "  match:"),
      value: "chi",
      message: '"chi" is listed twice',
    });
    assertBad(variant("  match: [chi]", "  match: chi"), {
      path: "person.match",
      line: lineOf(FULL, "  match:"),
      value: "chi",
      message: 'expected a list of identifier systems (e.g. [chi]); got the text "chi"',
    });
    assertBad(variant("    - system: trak-hospital-number", "    - system: chi"), {
      path: "person.identifiers[1].system",
      line: lineOf(FULL, "    - system: trak-hospital-number"),
      value: "chi",
      message: '"chi" is already the system of person.identifiers[0]',
    });
    assertBad(variant("    - system: trak-hospital-number", "    - system: Trak_HN"), {
      path: "person.identifiers[1].system",
      line: lineOf(FULL, "    - system: trak-hospital-number"),
      value: "Trak_HN",
      message:
        '"Trak_HN" is not a valid identifier system: use lower-case letters, digits, _ and - ([a-z0-9_-]+)',
    });
    assertBad("mapping: 1\nname: x\nperson:\n  identifiers: []\n", {
      path: "person.identifiers",
      line: 4,
      value: [],
      message: "person needs at least one identifier",
    });
    assertBad("mapping: 1\nname: x\nperson:\n  satellites: []\n", {
      path: "person.identifiers",
      line: 4,
      message: "identifiers is required in person",
    });
    assertBad("mapping: 1\nname: x\nperson:\n  identifiers:\n    - system: chi\n", {
      path: "person.identifiers[0].value",
      line: 5,
      message: "value is required in an identifier",
    });
  });

  it("checks satellites: unique names per parent, names, attributes", () => {
    const text = variant(
      "  locations:\n    - role: resides_at",
      "    - name: demographics\n      attributes: { x: y }\n  locations:\n    - role: resides_at",
    );
    assertBad(text, {
      path: "person.satellites[1].name",
      line: lineOf(text, "    - name: demographics\n      attributes: { x"),
      value: "demographics",
      message:
        '"demographics" is already the name of person.satellites[0]; satellite names are unique within person',
    });
    // The same name under another parent is fine.
    parseMapping(variant("          - name: details", "          - name: episode"), "x.yaml");
    assertBad(variant("    - name: demographics", "    - name: Demographics"), {
      path: "person.satellites[0].name",
      line: lineOf(FULL, "    - name: demographics"),
      value: "Demographics",
      message:
        '"Demographics" is not a valid satellite name: use lower-case letters, digits and _ ([a-z0-9_]+)',
    });
    assertBad(variant("        age_years:", "        age-years:"), {
      path: "person.satellites[0].attributes.age-years",
      line: lineOf(FULL, "        age_years:"),
      value: "age-years",
      message: '"age-years" is not a valid attribute name: use lower-case letters, digits and _ ([a-z0-9_]+)',
    });
    assertBad(variant("              description: condition_text", "              {}"), {
      path: "events[0].objects[0].satellites[0].attributes",
      line: lineOf(FULL, "              description: condition_text"),
      message: "a satellite needs at least one attribute",
    });
    assertBad(`${MINIMAL}    satellites: { name: episode }\n`, {
      path: "events[0].satellites",
      line: 7,
      value: { name: "episode" },
      message: "expected a list of satellites; got a map",
    });
    assertBad(
      "mapping: 1\nname: x\nperson:\n  identifiers: [{ system: chi, value: chi }]\n  satellites:\n    - name: s\n",
      {
        path: "person.satellites[0].attributes",
        line: 6,
        message: "attributes is required in a satellite",
      },
    );
  });

  it("checks locations", () => {
    assertBad(variant("      kind: postcode", "      kind: zip"), {
      path: "person.locations[0].kind",
      line: lineOf(FULL, "      kind: postcode"),
      value: "zip",
      message: '"zip" is not a location kind; valid: postcode, site, address, coordinates',
    });
    const longitude = "        longitude: clinic_lon\n";
    assertBad(variant(longitude, ""), {
      path: "events[0].locations[1].longitude",
      line: lineOf(FULL, "      - role: seen_at"),
      message: "latitude and longitude go together: add longitude",
    });
    const noLatLon = variant("        latitude: clinic_lat\n", "", variant(longitude, ""));
    assertBad(noLatLon, {
      path: "events[0].locations[1].altitude",
      line: lineOf(noLatLon, "        altitude:"),
      message: "altitude needs latitude and longitude",
    });
    assertBad(
      variant("        latitude: clinic_lat", "        latitude: { column: clinic_lat, type: string }"),
      {
        path: "events[0].locations[1].latitude.type",
        line: lineOf(FULL, "        latitude: clinic_lat"),
        value: "string",
        message: '"string" is not allowed for latitude; valid: decimal, integer',
      },
    );
    assertBad(variant("    - role: resides_at", "    - role: Resides At"), {
      path: "person.locations[0].role",
      line: lineOf(FULL, "    - role: resides_at"),
      value: "Resides At",
      message: '"Resides At" is not a valid role: use lower-case letters, digits and _ ([a-z0-9_]+)',
    });
  });

  it("checks objects", () => {
    assertBad(variant("      - role: main_condition\n", "      -\n"), {
      path: "events[0].objects[0].role",
      line: lineOf(FULL, "        type: condition"),
      message: "role is required in an object",
    });
    assertBad(variant("        code: main_condition", "        codes: main_condition"), {
      path: "events[0].objects[0].codes",
      line: lineOf(FULL, "        code: main_condition"),
      value: "codes",
      message: `"codes" is not a field of an object; valid: ${MAPPING_FIELDS.object.join(", ")} (did you mean code?)`,
    });
    assertBad(variant("        code_system: ICD-10", "        code_system: [ICD-10]"), {
      path: "events[0].objects[0].code_system",
      line: lineOf(FULL, "        code_system: ICD-10"),
      message: "expected a code system (a text); got a list",
      value: ["ICD-10"],
    });
    // A plain number is read as the text written.
    const numeric = parseMapping(
      variant("        code_system: ICD-10", "        code_system: 10.0"),
      "x.yaml",
    );
    assert.equal(numeric.events[0]!.objects[0]!.codeSystem, "10.0");
  });

  it("checks events", () => {
    assertBad(variant("  - type: hospital_admission", "  - type: Hospital Admission"), {
      path: "events[0].type",
      line: lineOf(FULL, "  - type: hospital_admission"),
      value: "Hospital Admission",
      message:
        '"Hospital Admission" is not a valid event type: use lower-case letters, digits and _ ([a-z0-9_]+)',
    });
    assertBad(variant("    start: { column: admission_date, type: date }\n", ""), {
      path: "events[0].start",
      line: lineOf(FULL, "  - type: hospital_admission"),
      message: "start is required in an event",
    });
    assertBad(variant("      key: [upi_number, regime_id]\n", ""), {
      path: "events[1].part_of.key",
      line: lineOf(FULL, "      type: chemotherapy_regime"),
      message: "key is required in part_of",
    });
    assertBad("mapping: 1\nname: x\nevents:\n  visit: { key: [id] }\n", {
      path: "events",
      line: 4,
      value: { visit: { key: ["id"] } },
      message: "expected a list of events; got a map",
    });
    assertBad("mapping: 1\nname: x\nevents:\n  - visit\n", {
      path: "events[0]",
      line: 4,
      value: "visit",
      message: `expected an event: a map with fields ${MAPPING_FIELDS.event.join(", ")}; got the text "visit"`,
    });
    assertBad("mapping: 1\nname: x\nevents: *nowhere\n", {
      path: "events",
      line: 3,
      value: "*nowhere",
      message: "the alias *nowhere has no anchor &nowhere",
    });
    const bomb = `mapping: 1\nname: x\nevents:\n  - &e { type: a, key: [k], start: { column: s, type: date } }\n${"  - *e\n".repeat(1001)}`;
    assertBad(bomb, {
      path: "events[1001]",
      line: 1005,
      message: "too many aliases (more than 1000)",
    });
  });

  it("refuses field names and codes that are not texts", () => {
    assertBad(`${MINIMAL}    ~: x\n`, {
      path: "events[0]",
      line: 7,
      value: null,
      message: "a field name must be a text; got nothing (null)",
    });
    assertBad(variant('"9": not specified', "~: not specified"), {
      path: "codes.sex",
      line: 9,
      value: null,
      message: "a code must be a text or number; got nothing (null)",
    });
  });
});

describe("loadMapping", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "serums-mapping-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the mapping and its gazetteer, relative to the mapping file", async () => {
    const mappings = path.join(dir, "mappings");
    writeFileSync(
      path.join(dir, "places.csv"),
      "key,latitude,longitude,altitude\neh42xu,55.9621,-3.2348,40\n",
    );
    mkdirSync(mappings);
    const file = path.join(mappings, "smr01.yaml");
    writeFileSync(file, variant("gazetteer: gazetteer.csv", "gazetteer: ../places.csv"));
    const m = await loadMapping(file);
    assert.equal(m.file, file);
    assert.equal(m.name, "smr01");
    assert.deepEqual(m.gazetteer.get(placeKey("postcode", "EH4 2XU")), {
      latitude: 55.9621,
      longitude: -3.2348,
      altitude: 40,
    });
  });

  it("needs no gazetteer", async () => {
    const file = path.join(dir, "minimal.yaml");
    writeFileSync(file, MINIMAL);
    const m = await loadMapping(file);
    assert.equal(m.gazetteer.size, 0);
    assert.equal(m.events.length, 1);
  });

  it("reports a missing gazetteer at the gazetteer field, and a missing mapping file", async () => {
    const file = path.join(dir, "smr01.yaml");
    writeFileSync(file, variant("gazetteer: gazetteer.csv", "gazetteer: nowhere.csv"));
    await assert.rejects(loadMapping(file), (e: unknown) => {
      assert.ok(e instanceof SerumsError);
      assert.equal(e.code, "BAD_MAPPING");
      assert.equal(e.where.file, file);
      assert.equal(e.where.line, 7);
      assert.equal(e.where.path, "gazetteer");
      assert.equal(e.where.value, "nowhere.csv");
      assert.ok(
        e.message.startsWith(`${file} line 7, at gazetteer: cannot read ${path.join(dir, "nowhere.csv")}: `),
        e.message,
      );
      return true;
    });
    const missing = path.join(dir, "absent.yaml");
    await assert.rejects(loadMapping(missing), (e: unknown) => {
      assert.ok(e instanceof SerumsError);
      assert.equal(e.code, "BAD_MAPPING");
      assert.equal(e.where.file, missing);
      assert.ok(e.message.startsWith(`${missing}: cannot read the mapping file: `), e.message);
      return true;
    });
  });

  it("reports errors in the gazetteer with its file and line", async () => {
    writeFileSync(path.join(dir, "bad.csv"), "key,latitude,longitude\nEH4 2XU,north,-3.2\n");
    const file = path.join(dir, "with-bad-gazetteer.yaml");
    writeFileSync(file, variant("gazetteer: gazetteer.csv", "gazetteer: bad.csv"));
    await assert.rejects(
      loadMapping(file),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.where.file === path.join(dir, "bad.csv") &&
        e.where.line === 2 &&
        e.where.column === "latitude",
    );
  });
});

describe("schemas/mapping.schema.json", () => {
  const schema = JSON.parse(readFileSync(path.join(root, "schemas/mapping.schema.json"), "utf8"));
  const defs = schema.$defs;
  const props = (node: { properties: object }) => Object.keys(node.properties).sort();

  it("is a draft 2020-12 schema whose fields are exactly the loader's", () => {
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    const where: Record<keyof typeof MAPPING_FIELDS, { properties: object }> = {
      mapping: schema,
      source: defs.source,
      person: defs.person,
      identifier: defs.person.properties.identifiers.items,
      satellite: defs.satellite,
      location: defs.location,
      event: defs.event,
      part_of: defs.part_of,
      object: defs.object,
      value: defs.value_map,
      unit: defs.unit,
      pad: defs.pad,
    };
    for (const [kind, fields] of Object.entries(MAPPING_FIELDS)) {
      assert.deepEqual(props(where[kind as keyof typeof MAPPING_FIELDS]), [...fields].sort(), kind);
    }
    assert.deepEqual(props(defs.catalogue_object), [...MAPPING_FIELDS.object].sort());
    assert.deepEqual(schema.required, ["mapping", "name"]);
    assert.deepEqual(defs.event.required, ["type", "key", "start"]);
    assert.deepEqual(defs.object.required, ["role", "type", "code"]);
    assert.deepEqual(defs.catalogue_object.required, ["type", "code"]);
    assert.deepEqual(defs.location.required, ["role", "kind", "key"]);
    assert.deepEqual(defs.satellite.required, ["name", "attributes"]);
    assert.deepEqual(defs.person.required, ["identifiers"]);
  });

  it("lists the same types, kinds, units, versions and name patterns", () => {
    assert.deepEqual(defs.value_map.properties.type.enum, [...VALUE_TYPES]);
    assert.deepEqual(defs.location.properties.kind.enum, [...LOCATION_KINDS]);
    assert.deepEqual(defs.unit.properties.from.enum, [...UNIT_NAMES]);
    assert.deepEqual(defs.unit.properties.to.enum, [...UNIT_NAMES]);
    assert.equal(schema.properties.mapping.const, 1);
    assert.equal(schema.properties.name.pattern, NAME_PATTERNS.name);
    assert.equal(defs.name.pattern, NAME_PATTERNS.name);
    assert.equal(defs.identifier.pattern, NAME_PATTERNS.identifier);
  });

  it("has its examples (docs/mapping.md and the fixtures here) accepted by the loader", () => {
    for (const text of [DOC_EXAMPLE, FULL, MINIMAL]) assert.ok(parseMapping(text, "example.yaml"));
  });
});
