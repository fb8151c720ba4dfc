import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import { compileText } from "../engine/test-support.ts";
import { parseProject, projectJsonSchema } from "./index.ts";

const GOOD = `
tables:
  patients:
    columns:
      patient_id: { type: integer }
      sex: { type: categorical, categories: [F, M] }
    primary_key: [patient_id]
  admissions:
    columns:
      admission_id: { type: integer }
      patient_id: { type: integer }
    primary_key: [admission_id]
    foreign_keys:
      - { columns: [patient_id], table: patients, references: [patient_id] }
fabricate:
  patients: { rows: 5 }
  admissions: { rows: { per: patients, count: 2 } }
`;

function fails(text: string, check: { line?: number; path?: string; message: RegExp; value?: unknown }) {
  assert.throws(
    () => compileText(text, "p.yaml"),
    (error: unknown) => {
      assert.ok(error instanceof SerumsError, String(error));
      assert.equal(error.code, "BAD_PROJECT", error.message);
      assert.match(error.message, check.message);
      assert.match(error.message, /^p\.yaml/);
      if (check.line !== undefined) {
        assert.equal(error.where.line, check.line, error.message);
        assert.match(error.message, new RegExp(`line ${check.line}\\b`));
      }
      if (check.path !== undefined) {
        assert.equal(error.where.path, check.path, error.message);
        assert.ok(error.message.includes(check.path), error.message);
      }
      if ("value" in check) assert.deepEqual(error.where.value, check.value);
      return true;
    },
  );
}

describe("data project loading", () => {
  test("a good project parses into the typed form", () => {
    const { project } = parseProject(GOOD, "p.yaml");
    assert.deepEqual(project.tables.patients?.primary_key, ["patient_id"]);
    assert.deepEqual(project.fabricate.admissions?.rows, { per: "patients", count: 2 });
  });

  test("a YAML syntax error names the line", () => {
    fails("tables:\n  a: [1, 2\nfabricate: {}\n", { message: /YAML syntax error/ });
  });

  test("an unknown field names its path, its line and what is valid", () => {
    fails(GOOD.replace("primary_key: [admission_id]", "primary_key: [admission_id]\n    primary_keys: [x]"), {
      line: 13,
      path: "tables.admissions.primary_keys",
      message: /"primary_keys" is not a field here; valid fields of a table: columns, primary_key/,
    });
  });

  test("a bad column type names the value and the valid types", () => {
    fails(GOOD.replace("sex: { type: categorical, categories: [F, M] }", "sex: { type: text }"), {
      line: 6,
      path: "tables.patients.columns.sex.type",
      message: /valid types: integer, decimal, string, date, datetime, boolean, categorical.*got "text"/,
      value: "text",
    });
  });

  test("a rule of no kind, or of two kinds, is explained", () => {
    fails(
      GOOD.replace(
        "primary_key: [patient_id]",
        "primary_key: [patient_id]\n    rules:\n      - { id: x, ranges: {} }",
      ),
      {
        path: "tables.patients.rules[0]",
        message: /a rule needs one kind field: range, categories/,
      },
    );
    fails(
      GOOD.replace(
        "primary_key: [patient_id]",
        "primary_key: [patient_id]\n    rules:\n      - { constraint: 'sex = 1', nulls: { column: sex, share: 1 } }",
      ),
      { message: /this one has constraint and nulls/ },
    );
  });

  test("a bad value inside a rule names the rule's field", () => {
    fails(
      GOOD.replace(
        "primary_key: [patient_id]",
        "primary_key: [patient_id]\n    rules:\n      - { range: { column: patient_id, min: 1, mn: 3 } }",
      ),
      {
        line: 9,
        path: "tables.patients.rules[0].range.mn",
        message: /valid fields of range: column, min, max/,
      },
    );
  });

  test("a rule on a column that does not exist names it and the columns", () => {
    fails(
      GOOD.replace(
        "primary_key: [patient_id]",
        "primary_key: [patient_id]\n    rules:\n      - { range: { column: age, min: 1 } }",
      ),
      {
        path: "tables.patients.rules[0].range.column",
        message: /no column "age" in patients; its columns: patient_id, sex/,
        value: "age",
      },
    );
  });

  test("an expression's syntax error and unknown column are located", () => {
    fails(
      GOOD.replace(
        "primary_key: [patient_id]",
        "primary_key: [patient_id]\n    rules:\n      - constraint: 'sex = = 1'",
      ),
      {
        line: 9,
        path: "tables.patients.rules[0].constraint",
        message: /at character 7 of the expression/,
      },
    );
    fails(
      GOOD.replace(
        "primary_key: [patient_id]",
        "primary_key: [patient_id]\n    rules:\n      - constraint: 'age > 3'",
      ),
      {
        message: /no column age in patients/,
      },
    );
    fails(
      GOOD.replace(
        "primary_key: [admission_id]",
        "primary_key: [admission_id]\n    rules:\n      - constraint: 'wards.x > 3'",
      ),
      { message: /wards is not a parent of admissions; its parents: patients/ },
    );
  });

  test("a value of the wrong type for its column names the rule field", () => {
    fails(
      GOOD.replace(
        "primary_key: [patient_id]",
        "primary_key: [patient_id]\n      birth: { type: date }\n    rules:\n      - { range: { column: birth, min: '1990-02-30' } }",
      )
        .replace("      birth: { type: date }\n", "")
        .replace(
          "sex: { type: categorical, categories: [F, M] }",
          "sex: { type: categorical, categories: [F, M] }\n      birth: { type: date }",
        ),
      {
        path: "tables.patients.rules[0].range.min",
        message: /expected a date YYYY-MM-DD for birth.*"1990-02-30"/,
      },
    );
  });

  test("rows per parent for a table with no parent is rejected naming it", () => {
    fails(GOOD.replace("patients: { rows: 5 }", "patients: { rows: { per: admissions, count: 1 } }"), {
      path: "fabricate.patients.rows.per",
      message: /rows per parent need a parent, but patients has no foreign key/,
    });
  });

  test("a foreign key to an unknown table or a non-key column is rejected", () => {
    fails(GOOD.replace("table: patients,", "table: people,"), {
      path: "tables.admissions.foreign_keys[0].table",
      message: /no table "people"; tables: patients, admissions/,
    });
    fails(GOOD.replace("references: [patient_id]", "references: [sex]"), {
      message: /references the primary key or a unique set of patients/,
    });
  });

  test("a cycle of tables is rejected naming them", () => {
    const cyclic = GOOD.replace(
      "admissions: { rows: { per: patients, count: 2 } }",
      "admissions: { rows: { ratio: 1, of: patients } }",
    ).replace("patients: { rows: 5 }", "patients: { rows: { ratio: 2, of: admissions } }");
    fails(cyclic, {
      message: /cycle: (patients → admissions → patients|admissions → patients → admissions)/,
    });
  });

  test("the JSON Schema describes the project", () => {
    const schema = projectJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    assert.ok(schema.properties.tables);
    assert.ok(schema.properties.fabricate);
    assert.deepEqual([...schema.required].sort(), ["fabricate", "tables"]);
    assert.match(JSON.stringify(schema), /truncated_normal/);
  });
});
