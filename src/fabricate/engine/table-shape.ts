/**
 * The level-independent part of compiling a table: its TableSpec, its rules with their IDs,
 * kinds and parsed expressions, and the layout of the solver's value array — own columns first
 * (in column order), then one slot per parent column the table needs (the columns each foreign
 * key references, and every `parent.column` its expressions read).
 */
import { SerumsError } from "../../errors/index.ts";
import type { PathPart, Project, ProjectSource, RuleDef, TableDef } from "../project/index.ts";
import { ruleId, ruleKind } from "../project/index.ts";
import { type Expr, ExpressionError, parseExpression } from "../rules/expression.ts";
import type { ColumnSpec, TableSpec } from "../table-spec.ts";

export interface ParentSlot {
  /** The index of the value array. */
  index: number;
  /** Which foreign key of the table (its position in foreign_keys). */
  fk: number;
  table: string;
  column: string;
  spec: ColumnSpec;
}

export interface ShapedRule {
  id: string;
  index: number;
  kind: ReturnType<typeof ruleKind>;
  def: RuleDef;
  soft: boolean;
  priority: number;
  /** The rule's path in the project, for messages. */
  path: PathPart[];
  when: Expr | null;
  constraint: Expr | null;
}

export interface TableShape {
  name: string;
  def: TableDef;
  spec: TableSpec;
  /** Column index by name. */
  columnIndex: Map<string, number>;
  slots: ParentSlot[];
  /** Per foreign key, the slots of its referenced columns, in the key's column order. */
  fkSlots: number[][];
  /** Per foreign key, its own columns' indexes. */
  fkColumns: number[][];
  rules: ShapedRule[];
  /** The slot of `row_number()`, after the parent slots. */
  rowSlot: number;
  /** Own columns + parent slots + the row number: the length of the value array. */
  width: number;
}

export function tableSpecOf(name: string, def: TableDef): TableSpec {
  return {
    name,
    columns: Object.entries(def.columns).map(([column, c]) => ({
      name: column,
      type: c.type,
      nullable: c.nullable === true,
      ...(c.type === "decimal" ? { precision: c.precision ?? 12, scale: c.scale ?? 2 } : {}),
      ...(c.categories ? { categories: c.categories } : {}),
    })),
    primaryKey: def.primary_key ?? [],
    unique: def.unique ?? [],
    foreignKeys: (def.foreign_keys ?? []).map((fk) => ({
      columns: fk.columns,
      table: fk.table,
      references: fk.references,
    })),
  };
}

/** Parses an expression of the project, turning a syntax error into a located BAD_PROJECT. */
export function parseAt(source: ProjectSource, path: PathPart[], text: string): Expr {
  try {
    return parseExpression(text);
  } catch (error) {
    if (error instanceof ExpressionError) {
      throw source.error(path, `${error.message} at character ${error.offset + 1} of the expression`, text);
    }
    throw error;
  }
}

export function shapeTable(project: Project, source: ProjectSource, name: string): TableShape {
  const def = project.tables[name]!;
  const spec = tableSpecOf(name, def);
  const columnIndex = new Map(spec.columns.map((c, i) => [c.name, i]));
  const slots: ParentSlot[] = [];
  const fks = def.foreign_keys ?? [];
  const slotOf = (fk: number, column: string): number => {
    const found = slots.find((s) => s.fk === fk && s.column === column);
    if (found) return found.index;
    const table = fks[fk]!.table;
    const parent = project.tables[table]!;
    const index = spec.columns.length + slots.length;
    const c = parent.columns[column]!;
    slots.push({
      index,
      fk,
      table,
      column,
      spec: tableSpecOf(table, parent).columns.find((x) => x.name === column)!,
    });
    void c;
    return index;
  };
  const fkSlots = fks.map((fk, k) => fk.references.map((column) => slotOf(k, column)));
  const fkColumns = fks.map((fk) => fk.columns.map((column) => columnIndex.get(column)!));
  const rules: ShapedRule[] = (def.rules ?? []).map((rule, index) => {
    const path: PathPart[] = ["tables", name, "rules", index];
    return {
      id: ruleId(name, index, rule),
      index,
      kind: ruleKind(rule),
      def: rule,
      soft: rule.soft === true,
      priority: rule.priority ?? 0,
      path,
      when: rule.when === undefined ? null : parseAt(source, [...path, "when"], rule.when),
      constraint: "constraint" in rule ? parseAt(source, [...path, "constraint"], rule.constraint) : null,
    };
  });
  // Allocate the parent slots every expression reads, checking each reference names a parent.
  const visit = (e: Expr, path: PathPart[]): void => {
    switch (e.k) {
      case "col":
        if (e.table !== undefined) {
          const matches = fks.map((fk, k) => ({ fk, k })).filter(({ fk }) => fk.table === e.table);
          if (matches.length === 0) {
            const parents = fks.map((fk) => fk.table);
            throw source.error(
              path,
              `${e.table}.${e.name}: ${e.table} is not a parent of ${name}${parents.length === 0 ? ` (${name} has no foreign key)` : `; its parents: ${parents.join(", ")}`}`,
            );
          }
          if (matches.length > 1) {
            throw source.error(
              path,
              `${e.table}.${e.name}: ${name} has ${matches.length} foreign keys to ${e.table}; which parent is meant is ambiguous`,
            );
          }
          const parentDef = project.tables[e.table]!;
          if (!(e.name in parentDef.columns)) {
            throw source.error(
              path,
              `${e.table} has no column ${e.name}; its columns: ${Object.keys(parentDef.columns).join(", ")}`,
              e.name,
            );
          }
          slotOf(matches[0]!.k, e.name);
        } else if (!columnIndex.has(e.name)) {
          throw source.error(
            path,
            `no column ${e.name} in ${name}; its columns: ${[...columnIndex.keys()].join(", ")}`,
            e.name,
          );
        }
        return;
      case "neg":
      case "not":
        visit(e.a, path);
        return;
      case "bin":
        visit(e.a, path);
        visit(e.b, path);
        return;
      case "in":
        visit(e.a, path);
        for (const x of e.list) visit(x, path);
        return;
      case "call":
        for (const x of e.args) visit(x, path);
        return;
      default:
        return;
    }
  };
  for (const rule of rules) {
    if (rule.when) visit(rule.when, [...rule.path, "when"]);
    if (rule.constraint) visit(rule.constraint, [...rule.path, "constraint"]);
  }
  const rowSlot = spec.columns.length + slots.length;
  return { name, def, spec, columnIndex, slots, fkSlots, fkColumns, rules, rowSlot, width: rowSlot + 1 };
}

const UNSATISFIABLE = new WeakSet<SerumsError>();

/** Whether an error is an unsatisfiable rule set (rather than a malformed rule). */
export function isUnsatisfiable(error: unknown): error is SerumsError {
  return error instanceof SerumsError && UNSATISFIABLE.has(error);
}

/** A BAD_PROJECT naming rules that cannot all hold. */
export function unsatisfiable(
  table: string,
  message: string,
  rules: readonly ShapedRule[],
  source: ProjectSource,
): SerumsError {
  const named = rules.map(
    (r) => `${r.id}${r.def.id === undefined ? "" : ` (tables.${table}.rules[${r.index}])`}`,
  );
  const first = rules[0];
  const line = first ? source.line(first.path) : undefined;
  const error = new SerumsError(
    "BAD_PROJECT",
    `${source.file}${line === undefined ? "" : ` line ${line}`}, table ${table}: the mandatory rules cannot all hold: ${message}; conflicting rules: ${named.join(", ")}`,
    {
      file: source.file,
      ...(line === undefined ? {} : { line }),
      path: first ? `tables.${table}.rules[${first.index}]` : `tables.${table}`,
      value: rules.map((r) => r.id),
    },
  );
  UNSATISFIABLE.add(error);
  return error;
}
