/**
 * The use-case data project: it loads and passes the project checks, its five source tables have
 * the columns of schemas.ts, every expression compiles against the columns it can see, and every
 * lookup and weight agrees with the knowledge tables and the mappings' code lists. Fabricating
 * with it, and loading the result into the record: fabrication-run.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parse as parseCsv } from "csv-parse/sync";
import { loadProject, type Project, parseProject, type RuleDef } from "../../src/fabricate/project/index.ts";
import {
  compileConstraint,
  compileExpr,
  type VarInfo,
} from "../../src/fabricate/rules/compile-expression.ts";
import { ExpressionError, parseExpression } from "../../src/fabricate/rules/expression.ts";
import { loadMapping } from "../../src/record/index.ts";
import { ecdgTables } from "./schemas.ts";

const here = import.meta.dirname;
const file = path.join(here, "fabrication.yaml");
const { project } = loadProject(file);
const AUXILIARY = ["patients", "regimes"];

function knowledge(name: string): Record<string, string>[] {
  const relative = project.knowledge![name]!;
  return parseCsv(readFileSync(path.join(here, relative), "utf8"), { columns: true }) as Record<
    string,
    string
  >[];
}

/** Compiles an expression of `table`: its own columns, then `parent.column` of its foreign keys. */
function compile(p: Project, table: string, text: string, constraint: boolean): void {
  const def = p.tables[table]!;
  const own = Object.keys(def.columns);
  const vars: VarInfo[] = [];
  const resolve = (name: string, parent: string | undefined, at: number): VarInfo => {
    if (parent === undefined && name === "row_number()") {
      const info = { index: own.length + vars.length, type: "integer" as const };
      vars.push(info);
      return info;
    }
    if (parent === undefined) {
      const i = own.indexOf(name);
      if (i < 0) throw new ExpressionError(`no column ${name} in ${table}`, at);
      return { index: i, type: def.columns[name]!.type };
    }
    if (!(def.foreign_keys ?? []).some((fk) => fk.table === parent))
      throw new ExpressionError(`${parent} is not a parent of ${table}`, at);
    const column = p.tables[parent]!.columns[name];
    if (!column) throw new ExpressionError(`no column ${name} in ${parent}`, at);
    const info = { index: own.length + vars.length, type: column.type };
    vars.push(info);
    return info;
  };
  const expr = parseExpression(text);
  if (constraint) compileConstraint(expr, resolve, own.length);
  else compileExpr(expr, resolve);
}

function expressions(rule: RuleDef): { text: string; constraint: boolean }[] {
  const out: { text: string; constraint: boolean }[] = [];
  if (rule.when) out.push({ text: rule.when, constraint: false });
  if ("constraint" in rule) out.push({ text: rule.constraint, constraint: true });
  return out;
}

describe("examples/ecdg/fabrication.yaml", () => {
  it("loads, passes the project checks, and fabricates the paper's 933 patients by default", () => {
    assert.equal(project.name, "ecdg");
    assert.deepEqual(project.fabricate.patients, { rows: 933 });
    assert.deepEqual(
      Object.keys(project.fabricate).sort(),
      [...AUXILIARY, ...ecdgTables.map((t) => t.name)].sort(),
    );
  });

  it("gives the five source tables the columns of schemas.ts, in order, with the source's types", () => {
    for (const table of ecdgTables) {
      const columns = project.tables[table.name]!.columns;
      assert.deepEqual(
        Object.keys(columns),
        table.columns.map((c) => c.name),
        table.name,
      );
      for (const column of table.columns) {
        const def = columns[column.name]!;
        // Chemocare's CHI is an integer there; the project keeps the ten-digit text (see README).
        const expected = column.name === "upi_number" ? "string" : column.type;
        const type = def.type === "categorical" ? "string" : def.type;
        assert.equal(type, expected, `${table.name}.${column.name}`);
        assert.equal(def.nullable ?? false, column.nullable, `${table.name}.${column.name} nullable`);
      }
    }
  });

  it("compiles every condition and constraint against the columns its table can see", () => {
    let count = 0;
    for (const [table, def] of Object.entries(project.tables)) {
      for (const rule of def.rules ?? []) {
        for (const { text, constraint } of expressions(rule)) {
          assert.doesNotThrow(
            () => compile(project, table, text, constraint),
            `${table} ${rule.id}: ${text}`,
          );
          count++;
        }
      }
    }
    assert.ok(count > 80, `${count} expressions`);
  });

  it("the expression check fails on an unknown column, a non-parent table and bad syntax", () => {
    for (const bad of ["los = discharge_date - admission_date", "sex = regimes.intent", "age(birth_date"]) {
      const text = readFileSync(file, "utf8").replace(
        '"length_of_stay = discharge_date - admission_date"',
        JSON.stringify(bad),
      );
      const { project: changed } = parseProject(text, file);
      const rule = changed.tables.ndc_smr01!.rules!.find((r) => r.id === "length-of-stay")!;
      assert.throws(
        () => compile(changed, "ndc_smr01", (rule as { constraint: string }).constraint, true),
        ExpressionError,
      );
    }
  });

  it("maps lookups to knowledge columns that exist, with weights that are numbers", () => {
    for (const [table, def] of Object.entries(project.tables)) {
      for (const rule of def.rules ?? []) {
        if (!("lookup" in rule)) continue;
        const rows = knowledge(rule.lookup.table);
        const header = Object.keys(rows[0]!);
        for (const [column, source] of Object.entries(rule.lookup.columns)) {
          assert.ok(header.includes(source), `${table} ${rule.id}: ${source} not in ${header.join(",")}`);
          const categories = def.columns[column]!.categories;
          const weighted = rows.filter(
            (r) => rule.lookup.weight === undefined || Number(r[rule.lookup.weight]) > 0,
          );
          if (categories) {
            for (const r of weighted)
              assert.ok(categories.includes(r[source]!), `${table}.${column}: ${r[source]} not a category`);
          }
        }
        if (rule.lookup.weight) {
          assert.ok(header.includes(rule.lookup.weight), rule.lookup.weight);
          const weights = rows.map((r) => Number(r[rule.lookup.weight!]));
          assert.ok(weights.every((w) => Number.isFinite(w) && w >= 0));
          assert.ok(
            weights.some((w) => w > 0),
            `${rule.id}: some row has weight`,
          );
        }
      }
    }
  });

  it("draws only values the mappings' code lists know, and only weights its categories", async () => {
    const routes = (
      await loadMapping(path.join(here, "mappings", "chemocare_treatment.yaml"))
    ).events[0]!.objects.find((o) => o.role === "drug")!.satellites[0]!.attributes;
    const route = routes.find(([name]) => name === "route")![1];
    const unit = routes.find(([name]) => name === "dose_unit")![1];
    for (const drug of knowledge("treatment_drugs")) {
      assert.doesNotThrow(() => route.convert(drug.route!), drug.route);
      assert.doesNotThrow(() => unit.convert(drug.dose_unit!), drug.dose_unit);
    }
    for (const [table, def] of Object.entries(project.tables)) {
      for (const rule of def.rules ?? []) {
        if (!("categories" in rule) || !rule.categories.weights) continue;
        const column = def.columns[rule.categories.column]!;
        const allowed = column.type === "boolean" ? ["true", "false"] : column.categories;
        if (!allowed) continue;
        for (const key of Object.keys(rule.categories.weights))
          assert.ok(allowed.includes(key), `${table} ${rule.id}: ${key}`);
      }
    }
  });

  it("builds knowledge/treatment_drugs.csv from regimen_drugs.csv and supportive_drugs.csv", () => {
    const read = (file: string) =>
      parseCsv(readFileSync(path.join(here, "knowledge", file), "utf8"), { columns: true }) as Record<
        string,
        string
      >[];
    const line = (r: Record<string, string>, kind: string, weight: string) =>
      [r.regimen, r.drug, r.route, r.dose_unit, kind, weight].join(",");
    const expected = [
      ...read("regimen_drugs.csv").map((r) => line(r, "regimen", "100")),
      ...read("regimens.csv").flatMap((g) =>
        read("supportive_drugs.csv").map((s) => line({ ...s, regimen: g.regimen! }, "supportive", s.weight!)),
      ),
    ];
    const actual = knowledge("treatment_drugs").map((r) => line(r, r.kind!, r.weight!));
    assert.deepEqual(actual, expected);
    const chemo = new Set(read("regimen_drugs.csv").map((r) => r.drug));
    for (const s of read("supportive_drugs.csv"))
      assert.ok(!chemo.has(s.drug), `${s.drug} is not a regimen drug`);
    // The project's list of regimen drugs (rules regimen-drugs-first, supportive-then) is complete.
    const rule = project.tables.chemocare_treatment!.rules!.find((r) => r.id === "supportive-then");
    assert.ok(rule && "constraint" in rule);
    for (const drug of chemo) assert.ok(rule.constraint.includes(`'${drug}'`), drug);
  });

  it("keeps CTCAE's highest grades (knowledge/ctcae_v5.csv) as mandatory ranges", () => {
    const rules = project.tables.chemocare_toxicity!.rules!;
    for (const term of knowledge("ctcae")) {
      if (term.column === "") continue;
      const range = rules.find((r) => "range" in r && r.range.column === term.column && !r.when && !r.soft);
      assert.ok(range && "range" in range, term.column);
      assert.equal(range.range.min, 0);
      assert.equal(range.range.max, Math.min(4, Number(term.max_grade)), term.column);
    }
  });

  it("computes the Charlson index with the weights of knowledge/charlson.csv", () => {
    const rule = project.tables.ndc_charlson!.rules!.find((r) => r.id === "charlson-index");
    assert.ok(rule && "constraint" in rule);
    // Evaluate the expression for each component alone and compare with the published weight.
    const def = project.tables.ndc_charlson!;
    const own = Object.keys(def.columns);
    const compiled = compileConstraint(
      parseExpression(rule.constraint),
      (name, _t, at) => {
        const i = own.indexOf(name);
        if (i < 0) throw new ExpressionError(name, at);
        return { index: i, type: def.columns[name]!.type };
      },
      own.length,
    );
    const expr = compiled.defines[0]!.expr;
    const none: Record<string, string | number | boolean> = {
      myocardial_infarction: false,
      congestive_heart_failure: false,
      peripheral_vascular_disease: false,
      cerebrovascular_disease: false,
      dementia: false,
      chronic_pulmonary_disease: false,
      rheumatic_disease: "N",
      liver_disease_severity: 0,
      diabetes_severity: 0,
      hemiplegia: "N",
      renal_disease: 0,
      malignancy_severity: 0,
      hiv_aids: "N",
    };
    const evaluate = (values: Record<string, string | number | boolean>) =>
      expr.fn(own.map((c) => values[c] ?? null));
    assert.equal(evaluate(none), 0);
    for (const component of knowledge("charlson")) {
      if (component.column === "") continue;
      const value = component.present_when!.split("|")[0]!;
      const typed = value === "true" ? true : /^\d+$/.test(value) ? Number(value) : value;
      assert.equal(
        evaluate({ ...none, [component.column!]: typed }),
        Number(component.weight),
        component.component,
      );
    }
  });
});
