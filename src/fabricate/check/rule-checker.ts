/**
 * The independent checker of a project's mandatory rules over rows as they come back from an
 * output, table by table, parents first (the order writers receive them). Per row: the column
 * types and nullability, every rule (row-rules.ts), foreign keys (the parent row must exist;
 * its columns are what `parent.column` reads), uniqueness (primary key, unique sets, unique
 * rules) and `row_number()`. Per table, at its end: children per parent within the bounds of
 * `rows: { per: … }`, and a ratio's row count. It keeps what a streaming check needs: each
 * parent's keys with the few columns its children read, and one set of keys per unique set.
 *
 * Rows come either as the engine's values (`row`, as `serums fabricate run --check` sees them)
 * or as a source's raw values by column name (`record`, read back from a file or database);
 * a raw value that is not of the column's type is a violation.
 */
import { SerumsError } from "../../errors/index.ts";
import { tableOrder } from "../engine/dependency-graph.ts";
import { type KnowledgeTable, loadKnowledge } from "../engine/knowledge.ts";
import { describeType, toEngineNumber, toEngineValue } from "../engine/values.ts";
import type { Project, ProjectSource } from "../project/index.ts";
import { ruleId } from "../project/index.ts";
import type { ResolveVar } from "../rules/compile-expression.ts";
import { type Expr, ExpressionError, parseExpression } from "../rules/expression.ts";
import type { CellValue, ColumnSpec } from "../table-spec.ts";
import { type CheckSummary, MAX_EXAMPLES, type TableCheckSummary, type Violation } from "./check-types.ts";
import { type ChildBounds, childBounds, countColumns } from "./children-per-parent.ts";
import { type RowRule, rowRules } from "./row-rules.ts";

type Key = string | number | boolean;

/** A parent's rows as its children see them: key → the kept columns' values. */
interface ParentIndex {
  mode: string;
  /** Per referenced column list (joined by ","), key → row of kept values (by column index). */
  byKey: Map<string, Map<Key, CellValue[]>>;
  rows: number;
}

function keyOf(values: readonly CellValue[]): Key | null {
  if (values.length === 1) return values[0] ?? null;
  let out = "";
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x === null || x === undefined) return null;
    out += `${i === 0 ? "" : "\u0001"}${typeof x}:${String(x)}`;
  }
  return out;
}

function columnsOf(def: Project["tables"][string]): ColumnSpec[] {
  return Object.entries(def.columns).map(([name, c]) => ({
    name,
    type: c.type,
    nullable: c.nullable === true,
    ...(c.type === "decimal" ? { precision: c.precision ?? 12, scale: c.scale ?? 2 } : {}),
    ...(c.categories ? { categories: c.categories } : {}),
  }));
}

/** Every `table.column` an expression reads. */
function parentRefs(e: Expr, out: { table: string; name: string }[]): void {
  switch (e.k) {
    case "col":
      if (e.table !== undefined) out.push({ table: e.table, name: e.name });
      return;
    case "neg":
    case "not":
      parentRefs(e.a, out);
      return;
    case "bin":
      parentRefs(e.a, out);
      parentRefs(e.b, out);
      return;
    case "in":
      parentRefs(e.a, out);
      for (const x of e.list) parentRefs(x, out);
      return;
    case "call":
      for (const x of e.args) parentRefs(x, out);
      return;
    default:
      return;
  }
}

function typeProblem(x: CellValue, column: ColumnSpec): string | null {
  switch (column.type) {
    case "integer":
    case "date":
    case "datetime":
      return typeof x === "number" && Number.isSafeInteger(x)
        ? null
        : `${String(x)} is not ${describeType(column)}`;
    case "decimal": {
      if (typeof x !== "number" || !Number.isFinite(x)) return `${String(x)} is not a number`;
      const scale = column.scale ?? 2;
      const scaled = x * 10 ** scale;
      if (Math.abs(scaled - Math.round(scaled)) > 1e-6 * Math.max(1, Math.abs(scaled)))
        return `${x} has more than ${scale} digits after the point`;
      const max = 10 ** ((column.precision ?? 12) - scale);
      return Math.abs(x) < max
        ? null
        : `${x} has more than ${(column.precision ?? 12) - scale} digits before the point`;
    }
    case "boolean":
      return typeof x === "boolean" ? null : `${String(x)} is not true or false`;
    case "categorical":
      return typeof x === "string" && (column.categories ?? []).includes(x)
        ? null
        : `${JSON.stringify(x)} is not ${describeType(column)}`;
    default:
      return typeof x === "string" ? null : `${String(x)} is not a text`;
  }
}

export interface RuleCheckerOptions {
  /** The knowledge tables (default: loaded from the project's files). */
  knowledge?: ReadonlyMap<string, KnowledgeTable>;
}

export class RuleChecker {
  readonly project: Project;
  readonly order: string[];
  readonly #knowledge: ReadonlyMap<string, KnowledgeTable>;
  readonly #parents = new Map<string, ParentIndex>();
  readonly #rowCounts = new Map<string, number>();
  readonly #byRule = new Map<string, number>();
  readonly #soft = new Map<string, number>();
  readonly #examples: Violation[] = [];
  readonly #tables: TableCheckSummary[] = [];
  readonly #notChecked: string[] = [];
  /** Per table, the columns children read (referenced keys and `parent.column`s). */
  readonly #keep = new Map<string, Set<string>>();
  #violations = 0;

  constructor(project: Project, source: ProjectSource, options: RuleCheckerOptions = {}) {
    this.project = project;
    this.order = tableOrder(project, source);
    this.#knowledge = options.knowledge ?? loadKnowledge(project.knowledge, source);
    for (const name of this.order) {
      for (const fk of project.tables[name]!.foreign_keys ?? []) {
        const keep = this.#keep.get(fk.table) ?? new Set<string>();
        for (const c of fk.references) keep.add(c);
        this.#keep.set(fk.table, keep);
      }
      const rows = project.fabricate[name]?.rows;
      if (rows !== undefined && typeof rows === "object" && "per" in rows && typeof rows.count === "string") {
        // A count from the parent row reads its columns.
        const keep = this.#keep.get(rows.per) ?? new Set<string>();
        for (const c of countColumns(rows.count)) keep.add(c);
        this.#keep.set(rows.per, keep);
      }
      for (const rule of project.tables[name]!.rules ?? []) {
        const refs: { table: string; name: string }[] = [];
        if (rule.when !== undefined) parentRefs(parseExpression(rule.when), refs);
        if ("constraint" in rule) parentRefs(parseExpression(rule.constraint), refs);
        for (const r of refs) {
          const keep = this.#keep.get(r.table) ?? new Set<string>();
          keep.add(r.name);
          this.#keep.set(r.table, keep);
        }
      }
    }
  }

  /** Records a violation (mandatory unless `soft`). */
  violation(v: Violation, soft = false): void {
    const map = soft ? this.#soft : this.#byRule;
    map.set(v.rule, (map.get(v.rule) ?? 0) + 1);
    if (soft) return;
    this.#violations++;
    if (this.#examples.length < MAX_EXAMPLES) this.#examples.push(v);
  }

  notChecked(note: string): void {
    if (!this.#notChecked.includes(note)) this.#notChecked.push(note);
  }

  /** Starts checking a table's rows (parents before children). */
  table(name: string): TableCheck {
    if (!(name in this.project.tables)) {
      throw new SerumsError(
        "BAD_USAGE",
        `the project has no table ${name}; its tables: ${Object.keys(this.project.tables).join(", ")}`,
      );
    }
    return new TableCheck(this, name, this.#knowledge, this.#parents, this.keepOf(name), (rows) => {
      this.#rowCounts.set(name, rows);
    });
  }

  /** A table that is not in the output (reuse mode, or missing): its children cannot be checked against it. */
  skipTable(name: string, why: string): void {
    this.#parents.set(name, { mode: "absent", byKey: new Map(), rows: 0 });
    this.notChecked(`${name}: ${why}`);
  }

  /** The columns of a table its children read, in the order its kept rows hold them. */
  keepOf(table: string): string[] {
    return [...(this.#keep.get(table) ?? [])];
  }

  rowsOf(table: string): number | undefined {
    return this.#rowCounts.get(table);
  }

  addTable(summary: TableCheckSummary): void {
    this.#tables.push(summary);
  }

  get violations(): number {
    return this.#violations;
  }

  summary(): CheckSummary {
    return {
      violations: this.#violations,
      byRule: Object.fromEntries(this.#byRule),
      soft: Object.fromEntries(this.#soft),
      examples: [...this.#examples],
      tables: [...this.#tables],
      rows: this.#tables.reduce((s, t) => s + t.rows, 0),
      notChecked: [...this.#notChecked],
    };
  }
}

export class TableCheck {
  readonly name: string;
  readonly columns: ColumnSpec[];
  readonly #checker: RuleChecker;
  readonly #rules: RowRule[];
  readonly #v: CellValue[];
  readonly #n: number;
  readonly #rowSlot: number;
  readonly #fks: {
    id: string;
    own: number[];
    parent: ParentIndex | undefined;
    parentName: string;
    refKey: string;
    /** Own slot index → the parent's kept column position. */
    slots: { slot: number; at: number }[];
  }[];
  readonly #unique: { id: string; soft: boolean; columns: number[]; seen: Set<Key> }[] = [];
  readonly #keepCols: number[];
  readonly #index: ParentIndex;
  readonly #refs: { cols: number[]; map: Map<Key, CellValue[]> }[] = [];
  readonly #per: { fk: number; bounds: ChildBounds; counts: Map<Key, number> } | null;
  readonly #done: (rows: number) => void;
  #rows = 0;
  #violationsBefore: number;

  constructor(
    checker: RuleChecker,
    name: string,
    knowledge: ReadonlyMap<string, KnowledgeTable>,
    parents: Map<string, ParentIndex>,
    keep: readonly string[],
    done: (rows: number) => void,
  ) {
    this.#checker = checker;
    this.name = name;
    this.#done = done;
    this.#violationsBefore = checker.violations;
    const project = checker.project;
    const def = project.tables[name]!;
    this.columns = columnsOf(def);
    const n = this.columns.length;
    this.#n = n;
    const columnIndex = new Map(this.columns.map((c, i) => [c.name, i]));
    const fks = def.foreign_keys ?? [];
    // Parent slots: every parent column the expressions read.
    const slotList: { fk: number; column: string; type: ColumnSpec["type"] }[] = [];
    const slotOf = (table: string, column: string): number => {
      const fk = fks.findIndex((f) => f.table === table);
      if (fk < 0) throw new ExpressionError(`${table} is not a parent of ${name}`, 0);
      let at = slotList.findIndex((s) => s.fk === fk && s.column === column);
      if (at < 0) {
        const parentDef = project.tables[table]!.columns[column];
        if (parentDef === undefined) throw new ExpressionError(`${table} has no column ${column}`, 0);
        slotList.push({ fk, column, type: parentDef.type });
        at = slotList.length - 1;
      }
      return n + at;
    };
    for (const rule of def.rules ?? []) {
      const refs: { table: string; name: string }[] = [];
      if (rule.when !== undefined) parentRefs(parseExpression(rule.when), refs);
      if ("constraint" in rule) parentRefs(parseExpression(rule.constraint), refs);
      for (const r of refs) slotOf(r.table, r.name);
    }
    this.#rowSlot = n + slotList.length;
    this.#v = new Array(this.#rowSlot + 1).fill(null);
    const resolve: ResolveVar = (column, table, at) => {
      if (table === undefined && column === "row_number()") return { index: this.#rowSlot, type: "integer" };
      if (table === undefined) {
        const i = columnIndex.get(column);
        if (i === undefined) throw new ExpressionError(`no column ${column}`, at);
        return { index: i, type: this.columns[i]!.type };
      }
      const index = slotOf(table, column);
      return { index, type: slotList[index - n]!.type };
    };
    this.#rules = rowRules(name, def, { columns: this.columns, columnIndex, resolve }, knowledge);
    this.#fks = fks.map((fk, k) => {
      const parent = parents.get(fk.table);
      const parentKeep = checker.keepOf(fk.table);
      return {
        id: `${name}.foreign_keys[${k}]`,
        own: fk.columns.map((c) => columnIndex.get(c)!),
        parent,
        parentName: fk.table,
        refKey: fk.references.join(","),
        slots: slotList
          .map((s, i) => ({ s, slot: n + i }))
          .filter(({ s }) => s.fk === k)
          .map(({ s, slot }) => ({ slot, at: parentKeep.indexOf(s.column) })),
      };
    });
    // Unique sets: the primary key, the structure's unique sets, unique rules.
    const addUnique = (id: string, soft: boolean, names: readonly string[]) => {
      const cols = names.map((c) => columnIndex.get(c)!);
      if (cols.some((c) => c === undefined)) return;
      this.#unique.push({ id, soft, columns: cols, seen: new Set() });
    };
    if ((def.primary_key ?? []).length > 0) addUnique(`${name}.primary_key`, false, def.primary_key!);
    (def.unique ?? []).forEach((set, i) => {
      addUnique(`${name}.unique[${i}]`, false, set);
    });
    (def.rules ?? []).forEach((rule, i) => {
      if ("unique" in rule) addUnique(ruleId(name, i, rule), rule.soft === true, rule.unique);
    });
    // What this table's children will read of it.
    this.#keepCols = keep.map((c) => columnIndex.get(c) ?? -1);
    this.#index = { mode: project.fabricate[name]?.mode ?? "new", byKey: new Map(), rows: 0 };
    for (const fkDefs of Object.values(project.tables)) {
      for (const fk of fkDefs.foreign_keys ?? []) {
        const refKey = fk.references.join(",");
        if (fk.table !== name || this.#index.byKey.has(refKey)) continue;
        const map = new Map<Key, CellValue[]>();
        this.#index.byKey.set(refKey, map);
        this.#refs.push({ cols: fk.references.map((c) => columnIndex.get(c)!), map });
      }
    }
    parents.set(name, this.#index);
    const rows = project.fabricate[name]?.rows;
    if (rows !== undefined && typeof rows === "object" && "per" in rows) {
      const fk = fks.findIndex((f) => f.table === rows.per);
      const bounds = childBounds(project, rows, checker.keepOf(rows.per));
      this.#per = fk < 0 ? null : { fk, bounds, counts: new Map() };
    } else this.#per = null;
  }

  #fail(rule: string, message: string, soft = false): void {
    this.#checker.violation({ table: this.name, rule, row: this.#rows, message }, soft);
  }

  /** A row as a source gives it (column name → raw value); converts, then checks. */
  record(values: Record<string, unknown>): void {
    const row: CellValue[] = new Array(this.#n);
    this.#rows++;
    for (let c = 0; c < this.#n; c++) {
      const column = this.columns[c]!;
      const raw = values[column.name];
      let value =
        column.type === "string" && raw === "" && !column.nullable ? "" : toEngineValue(raw, column);
      if (value === undefined) {
        this.#fail(
          `${this.name}.columns.${column.name}`,
          `${JSON.stringify(raw)} is not ${describeType(column)}`,
        );
        // Left undefined: read as null below, without a second violation for it.
        row[c] = undefined as unknown as CellValue;
        continue;
      }
      if (column.type === "decimal" && typeof value === "number" && typeof raw === "string") {
        value = toEngineNumber(raw, column) ?? value;
      }
      row[c] = value;
    }
    this.#check(row, true);
  }

  /** A row in the engine's form (own columns in column order). */
  row(values: readonly CellValue[]): void {
    this.#rows++;
    this.#check(values, false);
  }

  #check(row: readonly CellValue[], converted: boolean): void {
    const v = this.#v;
    const n = this.#n;
    for (let c = 0; c < n; c++) {
      const x = row[c] ?? null;
      v[c] = x;
      const column = this.columns[c]!;
      if (x === null) {
        if (!column.nullable && !(converted && row[c] === undefined))
          this.#fail(`${this.name}.columns.${column.name}`, `${column.name} is null but not nullable`);
        continue;
      }
      const problem = typeProblem(x, column);
      if (problem !== null) this.#fail(`${this.name}.columns.${column.name}`, `${column.name}: ${problem}`);
    }
    // Foreign keys: the parent row, and the parent columns the rules read.
    let perKey: Key | null = null;
    for (let k = 0; k < this.#fks.length; k++) {
      const fk = this.#fks[k]!;
      for (const s of fk.slots) v[s.slot] = null;
      const key = keyOf(fk.own.map((c) => v[c] ?? null));
      if (key === null) continue;
      if (this.#per !== null && this.#per.fk === k) perKey = key;
      if (fk.parent === undefined || fk.parent.mode === "absent") {
        this.#checker.notChecked(`${fk.id}: ${fk.parentName} is not in the output`);
        continue;
      }
      const parentRow = fk.parent.byKey.get(fk.refKey)?.get(key);
      if (parentRow === undefined) {
        if (fk.parent.mode === "new") this.#fail(fk.id, `no ${fk.parentName} row has the key ${String(key)}`);
        else
          this.#checker.notChecked(`${fk.id}: ${fk.parentName} holds reused rows that are not in the output`);
        continue;
      }
      for (const s of fk.slots) v[s.slot] = s.at < 0 ? null : (parentRow[s.at] ?? null);
    }
    // row_number(): the row's number among its parent's children, else in its table.
    if (this.#per !== null && perKey !== null) {
      const count = (this.#per.counts.get(perKey) ?? 0) + 1;
      this.#per.counts.set(perKey, count);
      v[this.#rowSlot] = count;
    } else v[this.#rowSlot] = this.#rows;
    for (const rule of this.#rules) {
      const problem = rule.check(v);
      if (problem !== null) this.#fail(rule.id, problem, rule.soft);
    }
    for (const u of this.#unique) {
      const key = keyOf(u.columns.map((c) => v[c] ?? null));
      if (key === null) continue;
      if (u.seen.has(key))
        this.#fail(u.id, `the key ${String(key).replaceAll("\u0001", ", ")} repeats`, u.soft);
      else u.seen.add(key);
    }
    // Keep what children read.
    if (this.#refs.length > 0) {
      const kept = this.#keepCols.map((c) => (c < 0 ? null : (v[c] ?? null)));
      for (const { cols, map } of this.#refs) {
        const key = keyOf(cols.map((c) => v[c] ?? null));
        if (key !== null) map.set(key, kept);
      }
    }
  }

  /** The table's rows are all in: children per parent, a ratio's count. */
  end(): TableCheckSummary {
    const project = this.#checker.project;
    this.#index.rows = this.#rows;
    const per = this.#per;
    if (per !== null) {
      const fk = this.#fks[per.fk]!;
      const id = `fabricate.${this.name}.rows`;
      if (fk.parent !== undefined && fk.parent.mode === "new") {
        const parentKeys = fk.parent.byKey.get(fk.refKey)!;
        for (const [key, parentRow] of parentKeys) {
          const count = per.counts.get(key) ?? 0;
          const [lo, hi] = per.bounds(parentRow);
          if (count < lo || count > hi)
            this.#checker.violation({
              table: this.name,
              rule: id,
              row: 0,
              message: `${fk.parentName} ${String(key).replaceAll("\u0001", ", ")} has ${count} children, ${lo === hi ? `not ${lo}` : `outside [${lo}, ${hi}]`}`,
            });
        }
      } else
        this.#checker.notChecked(`${id}: children per parent (${fk.parentName} is not all in the output)`);
    }
    const rows = project.fabricate[this.name]?.rows;
    if (rows !== undefined && typeof rows === "object" && "ratio" in rows) {
      const of = this.#checker.rowsOf(rows.of);
      const mode = project.fabricate[this.name]?.mode ?? "new";
      if (of === undefined || mode !== "new")
        this.#checker.notChecked(`fabricate.${this.name}.rows: the ratio to ${rows.of}`);
      else if (this.#rows !== Math.round(rows.ratio * of))
        this.#checker.violation({
          table: this.name,
          rule: `fabricate.${this.name}.rows`,
          row: 0,
          message: `${this.#rows} rows, not ${rows.ratio} × ${of} rows of ${rows.of}`,
        });
    }
    this.#done(this.#rows);
    const summary = {
      table: this.name,
      rows: this.#rows,
      violations: this.#checker.violations - this.#violationsBefore,
    };
    this.#checker.addTable(summary);
    return summary;
  }
}
