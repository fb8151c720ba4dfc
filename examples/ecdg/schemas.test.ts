import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ecdgTables, findTable } from "./schemas.ts";

/** Table I of the paper: # vars, # num, # categorical, # bool. */
const TABLE_I: Record<string, [number, number, number, number]> = {
  ndc_smr01: [17, 3, 13, 1],
  ndc_smr06: [9, 2, 7, 0],
  ndc_charlson: [20, 9, 5, 6],
  chemocare_toxicity: [17, 14, 3, 0],
  chemocare_treatment: [19, 8, 11, 0],
};

describe("ECDG schemas", () => {
  it("has the five tables of Table I, in its order", () => {
    assert.deepEqual(
      ecdgTables.map((t) => t.name),
      Object.keys(TABLE_I),
    );
  });

  for (const [name, [vars, numeric, categorical, boolean]] of Object.entries(TABLE_I)) {
    it(`${name}: ${vars} variables, ${numeric} numeric, ${categorical} categorical, ${boolean} boolean`, () => {
      const table = findTable(name);
      const kinds = table.columns.map((c) => c.kind);
      assert.equal(table.columns.length, vars);
      assert.equal(kinds.filter((k) => k === "numeric").length, numeric);
      assert.equal(kinds.filter((k) => k === "categorical").length, categorical);
      assert.equal(kinds.filter((k) => k === "boolean").length, boolean);
    });
  }

  it("has unique column names within each table and a CHI column everywhere", () => {
    for (const table of ecdgTables) {
      const names = table.columns.map((c) => c.name);
      assert.equal(new Set(names).size, names.length, table.name);
      for (const name of names) assert.match(name, /^[a-z][a-z0-9_]*$/);
      assert.equal(names[0], "upi_number", table.name);
    }
  });

  it("classifies consistently: dates are categorical, booleans boolean, decimals numeric", () => {
    for (const table of ecdgTables) {
      for (const c of table.columns) {
        if (c.type === "date" || c.type === "datetime") assert.equal(c.kind, "categorical", c.name);
        if (c.type === "boolean" || c.kind === "boolean")
          assert.equal(c.type === "boolean", c.kind === "boolean");
        if (c.type === "integer" || c.type === "decimal") assert.equal(c.kind, "numeric", c.name);
        assert.ok(c.description.length > 0, c.name);
      }
    }
  });

  it("keeps the CHI as text in Trak and the Oncology DB, as an integer in Chemocare", () => {
    for (const table of ecdgTables) {
      const chi = table.columns[0]!;
      assert.equal(chi.type, table.database === "chemocare" ? "integer" : "string", table.name);
      assert.equal(chi.kind, "numeric");
    }
  });

  it("names an unknown table in findTable's error", () => {
    assert.throws(() => findTable("smr99"), /no ECDG table smr99; known: ndc_smr01/);
  });
});
