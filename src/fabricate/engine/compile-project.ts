/**
 * Compiles a whole project once: the table order (dependency-graph.ts), each table's shape and
 * solver (parents first, so that a child's propagation knows its parents' static domains), the
 * knowledge tables, and which columns of each table its children need kept. `serums fabricate
 * validate` stops here: a project that compiles has no malformed rule and no mandatory set that
 * propagation finds unsatisfiable.
 */
import { SerumsError } from "../../errors/index.ts";
import type { DistributionDef, Mode, Project, ProjectSource } from "../project/index.ts";
import { type Compiled, compileExpr, type Evaluator, type ResolveVar } from "../rules/compile-expression.ts";
import { compileDistribution, type Draw, distributionBounds } from "../rules/distributions.ts";
import { ExpressionError } from "../rules/expression.ts";
import type { CellValue } from "../table-spec.ts";
import { tableOrder } from "./dependency-graph.ts";
import { loadKnowledge } from "./knowledge.ts";
import { parseAt, shapeTable, type TableShape } from "./table-shape.ts";
import { TableSolver } from "./table-solver.ts";
import { typeDomain } from "./values.ts";

/** How many rows a table gets. */
export type RowPlan =
  | { kind: "total"; rows: number }
  | {
      kind: "per";
      parent: string;
      fk: number;
      /** The count drawn (a number or a distribution); unused when `fromParent` is set. */
      count: (rng: import("./prng.ts").Prng) => number;
      /** A count computed from the parent row: the parent columns it reads and its closure over them. */
      fromParent: ParentCount | null;
    }
  | { kind: "ratio"; of: string; ratio: number }
  | { kind: "all" };

export interface CompiledTable {
  name: string;
  mode: Mode;
  share: number;
  sourceTable: string;
  shape: TableShape;
  solver: TableSolver;
  plan: RowPlan;
  /** The columns of this table its children read (kept in a KeyStore), ascending. */
  keep: number[];
}

export interface CompiledProject {
  project: Project;
  source: ProjectSource;
  /** Parents first. */
  tables: CompiledTable[];
  byName: Map<string, CompiledTable>;
}

function countDraw(
  def: number | DistributionDef,
  source: ProjectSource,
  at: (string | number)[],
): (rng: import("./prng.ts").Prng) => number {
  if (typeof def === "number") {
    const n = Math.max(0, Math.round(def));
    return () => n;
  }
  const number = (field: string, x: unknown): number => {
    if (typeof x !== "number") throw source.error([...at, field], "a count distribution takes numbers", x);
    return x;
  };
  let d: Parameters<typeof compileDistribution>[0];
  switch (def.kind) {
    case "uniform":
      d = { kind: "uniform", min: number("min", def.min), max: number("max", def.max) };
      break;
    case "normal":
      d = { kind: "normal", mean: number("mean", def.mean), sd: def.sd };
      break;
    case "truncated_normal":
      d = {
        kind: "truncated_normal",
        mean: number("mean", def.mean),
        sd: def.sd,
        min: number("min", def.min),
        max: number("max", def.max),
      };
      break;
    case "lognormal":
      d = {
        kind: "lognormal",
        mu: def.mu,
        sigma: def.sigma,
        offset: def.offset === undefined ? 0 : number("offset", def.offset),
      };
      break;
    case "exponential":
      if ((def.rate === undefined) === (def.mean === undefined))
        throw source.error(at, "give exactly one of rate and mean");
      d = {
        kind: "exponential",
        rate: def.rate ?? 1 / def.mean!,
        offset: def.offset === undefined ? 0 : number("offset", def.offset),
      };
      break;
    case "histogram":
      if (def.weights.length !== def.edges.length - 1)
        throw source.error([...at, "weights"], "a histogram has one weight per bin", def.weights.length);
      d = {
        kind: "histogram",
        edges: def.edges.map((e, i) => number(`edges[${i}]`, e)),
        weights: def.weights,
      };
      break;
  }
  const draw: Draw = compileDistribution(d);
  const [a, b] = distributionBounds(d);
  const lo = Math.max(0, Math.ceil(a));
  const hi = Math.min(1e9, Math.floor(b));
  if (lo > hi) throw source.error(at, "the count distribution allows no count of 0 or more");
  return (rng) => Math.min(hi, Math.max(lo, Math.round(draw(rng, lo - 0.5, hi + 0.5))));
}

/** `count: "expression"`: the parent columns read (in the order `fn`'s array holds them). */
export interface ParentCount {
  columns: number[];
  fn: Evaluator;
}

/** A count read from the parent row: whole, at least 0 (and at most 10^9); null gives 0. */
export function countOf(x: CellValue): number {
  if (typeof x !== "number" || !Number.isFinite(x)) return 0;
  return Math.min(1e9, Math.max(0, Math.round(x)));
}

function parentCount(
  text: string,
  parent: TableShape,
  source: ProjectSource,
  at: (string | number)[],
): ParentCount {
  const expr = parseAt(source, at, text);
  const columns: number[] = [];
  const resolve: ResolveVar = (name, table, offset) => {
    if (table !== undefined && table !== parent.name)
      throw new ExpressionError(`${table}.${name}: a count reads only the parent ${parent.name}`, offset);
    const c = parent.columnIndex.get(name);
    if (c === undefined) {
      throw new ExpressionError(
        `${parent.name} has no column ${name}; its columns: ${[...parent.columnIndex.keys()].join(", ")}`,
        offset,
      );
    }
    let index = columns.indexOf(c);
    if (index < 0) index = columns.push(c) - 1;
    return { index, type: parent.spec.columns[c]!.type };
  };
  let compiled: Compiled;
  try {
    compiled = compileExpr(expr, resolve);
  } catch (error) {
    if (error instanceof ExpressionError) {
      throw source.error(at, `${error.message} at character ${error.offset + 1} of the expression`, text);
    }
    throw error;
  }
  if (compiled.type === "str" || compiled.type === "bool" || compiled.temporal !== undefined) {
    throw source.error(
      at,
      `a count from the parent row must be a number (such as ${[...parent.columnIndex.keys()][0]} or min(x + 2, 60))`,
      text,
    );
  }
  return { columns, fn: compiled.fn };
}

/**
 * A table made per parent through foreign key `fk`: when the parent columns that key references
 * hold one of the parent's unique sets (its primary key or a unique set), children of different
 * parents differ in the key's columns, so the child's unique sets that hold them all need only be
 * checked among one parent's children (TableSolver.scopeToParent).
 */
function scopeUniqueSets(solver: TableSolver, child: TableShape, fk: number, parent: TableShape): void {
  const def = child.def.foreign_keys?.[fk];
  if (def === undefined) return;
  const parentSets = [parent.def.primary_key ?? [], ...(parent.def.unique ?? [])].filter((u) => u.length > 0);
  if (!parentSets.some((u) => u.every((column) => def.references.includes(column)))) return;
  solver.scopeToParent(def.columns.map((column) => child.columnIndex.get(column)!));
}

/**
 * The value-array indexes that stay the same for all children of one parent of a table made per
 * parent through foreign key `fk`: that key's parent slots, and the slots of every other foreign
 * key whose columns are all in it (its parent is found by those columns, which reference a unique
 * set of that parent, so it is the same one for each child: the runner's choosers).
 */
function parentConstants(child: TableShape, fk: number): number[] {
  const fks = child.def.foreign_keys ?? [];
  const driving = fks[fk];
  if (driving === undefined) return [];
  const constant = new Set<number>();
  fks.forEach((other, k) => {
    if (k === fk || other.columns.every((column) => driving.columns.includes(column))) constant.add(k);
  });
  return child.slots.filter((s) => constant.has(s.fk)).map((s) => s.index);
}

export function compileProject(project: Project, source: ProjectSource): CompiledProject {
  const order = tableOrder(project, source);
  const knowledge = loadKnowledge(project.knowledge, source);
  const shapes = new Map(order.map((name) => [name, shapeTable(project, source, name)]));
  const tables: CompiledTable[] = [];
  const byName = new Map<string, CompiledTable>();
  for (const name of order) {
    const shape = shapes.get(name)!;
    const def = project.fabricate[name]!;
    const mode = def.mode ?? "new";
    const solver = new TableSolver({
      shape,
      source,
      knowledge,
      slotDomain(slot) {
        const s = shape.slots.find((x) => x.index === slot)!;
        const parent = byName.get(s.table)!;
        if (parent.mode !== "new") return typeDomain(s.spec);
        const c = parent.shape.columnIndex.get(s.column)!;
        return [parent.solver.domains.lo[c]!, parent.solver.domains.hi[c]!];
      },
    });
    const rows = def.rows;
    let plan: RowPlan;
    if (rows === undefined) plan = { kind: "all" };
    else if (typeof rows === "number") plan = { kind: "total", rows };
    else if ("per" in rows) {
      const fk = (shape.def.foreign_keys ?? []).findIndex((f) => f.table === rows.per);
      const at = ["fabricate", name, "rows", "count"];
      const fromParent =
        typeof rows.count === "string"
          ? parentCount(rows.count, byName.get(rows.per)!.shape, source, at)
          : null;
      plan = {
        kind: "per",
        parent: rows.per,
        fk,
        count: typeof rows.count === "string" ? () => 0 : countDraw(rows.count, source, at),
        fromParent,
      };
      scopeUniqueSets(solver, shape, fk, byName.get(rows.per)!.shape);
      solver.hoist(parentConstants(shape, fk));
    } else plan = { kind: "ratio", of: rows.of, ratio: rows.ratio };
    const table: CompiledTable = {
      name,
      mode,
      share: def.share ?? (mode === "reuse" ? 1 : 0),
      sourceTable: def.source_table ?? name,
      shape,
      solver,
      plan,
      keep: [],
    };
    tables.push(table);
    byName.set(name, table);
  }
  // Keep what children read of their parents.
  for (const child of tables) {
    for (const slot of child.shape.slots) {
      const parent = byName.get(slot.table);
      if (!parent) {
        throw new SerumsError(
          "BAD_PROJECT",
          `${source.file}: ${child.name} references ${slot.table}, which is not fabricated`,
        );
      }
      const c = parent.shape.columnIndex.get(slot.column)!;
      if (!parent.keep.includes(c)) parent.keep.push(c);
    }
  }
  // And what counts from the parent row read.
  for (const child of tables) {
    if (child.plan.kind !== "per" || child.plan.fromParent === null) continue;
    const parent = byName.get(child.plan.parent)!;
    for (const c of child.plan.fromParent.columns) if (!parent.keep.includes(c)) parent.keep.push(c);
  }
  for (const t of tables) t.keep.sort((a, b) => a - b);
  return { project, source, tables, byName };
}
