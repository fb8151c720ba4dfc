/**
 * Compiles a table's rules, at one "level" (the mandatory rules plus a set of active soft
 * rules), into a record solver: the columns become variables with domains (intervals for numbers
 * and dates, finite sets for categories and booleans), the rules constraints. Done once per
 * project; per row only closures run.
 *
 * 1. Each column is assigned one way: copied from a parent (foreign key columns), a sequence
 *    (a single integer primary key with no rules), computed (`column = expression`, when the
 *    column has no value rule of its own), drawn from a knowledge table (lookup), or sampled
 *    (its distribution, categories, pattern, or a default).
 * 2. Bounds are propagated statically through the linear constraints (interval arithmetic, to a
 *    fixpoint); an emptied domain is an unsatisfiable set, reported naming the rules that bounded
 *    it (propagate.ts).
 * 3. The columns are ordered by the constraint graph (what a computation, a condition or a lookup
 *    reads comes first; sampled columns before unsampled ones, so that an unsampled column is the
 *    one a relation pins down), and every constraint is checked at the step that completes it.
 * 4. At each sampled step the column's interval is narrowed through the linear constraints with
 *    the values already chosen (precomputed per step: the contribution of later columns is a
 *    constant interval), then the value is drawn from its distribution within it.
 */
import type { ProjectSource } from "../project/index.ts";
import type { CategoriesRule, DistributionDef, LookupRule, ProjectValue } from "../project/project-types.ts";
import {
  type CompareOp,
  type Compiled,
  type CompiledConstraint,
  compileConstraint,
  compileExpr,
  type Evaluator,
  type ResolveVar,
} from "../rules/compile-expression.ts";
import {
  compileDistribution,
  type Draw,
  distributionBounds,
  type NumericDistribution,
} from "../rules/distributions.ts";
import { type Expr, ExpressionError } from "../rules/expression.ts";
import { FORMAT_GENERATORS } from "../rules/formats.ts";
import { compileRegex, RegexError, type TextGenerator } from "../rules/regex-generator.ts";
import type { CellValue, ColumnSpec } from "../table-spec.ts";
import type { KnowledgeTable } from "./knowledge.ts";
import type { Prng } from "./prng.ts";
import { type LinearConstraint, propagate } from "./propagate.ts";
import type { ShapedRule, TableShape } from "./table-shape.ts";
import { unsatisfiable } from "./table-shape.ts";
import {
  columnStep,
  defaultWindow,
  describeType,
  toEngineNumber,
  toEngineValue,
  typeDomain,
} from "./values.ts";

export interface Check {
  fn: Evaluator;
  rule: ShapedRule;
}

/** One step of the solver: assigns one or more columns; `random` steps can be retried. */
export interface Step {
  columns: number[];
  random: boolean;
  assign(v: CellValue[], rng: Prng): boolean;
  checks: Check[];
}

export interface UniqueSet {
  /** Names the set across levels (its columns joined). */
  key: string;
  columns: number[];
  rule: ShapedRule | null;
  /** The step to retry when a row repeats a key. */
  failStep: number;
  /** The keys seen, shared by every level (the table solver sets it). */
  seen?: Set<CellValue>;
}

export interface Level {
  /** The soft rules active at this level. */
  soft: ShapedRule[];
  steps: Step[];
  unique: UniqueSet[];
  /** Static domains of the value array (own columns then parent slots). */
  lo: Float64Array;
  hi: Float64Array;
  /** The single-column integer primary key filled by a sequence, or -1. */
  sequenceColumn: number;
}

export interface LevelInput {
  shape: TableShape;
  source: ProjectSource;
  knowledge: Map<string, KnowledgeTable>;
  /** The static domain of a parent slot (the parent's, or the type's for reused rows). */
  slotDomain(slot: number): [number, number];
}

const EPS = 1e-9;

function locate(input: LevelInput, rule: ShapedRule, field: (string | number)[], run: () => void): void {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressionError || error instanceof RegexError) {
      throw input.source.error([...rule.path, ...field], error.message);
    }
    throw error;
  }
}

function convert(
  input: LevelInput,
  rule: ShapedRule,
  field: (string | number)[],
  value: ProjectValue | undefined,
  column: ColumnSpec,
): number | undefined {
  if (value === undefined) return undefined;
  const n = toEngineNumber(value, column);
  if (n === undefined)
    throw input.source.error(
      [...rule.path, ...field],
      `expected ${describeType(column)} for ${column.name}`,
      value,
    );
  return n;
}

function numericDistribution(
  input: LevelInput,
  rule: ShapedRule,
  d: DistributionDef,
  column: ColumnSpec,
  at: (string | number)[],
): NumericDistribution {
  const c = (field: string, value: ProjectValue | undefined) =>
    convert(input, rule, [...at, field], value, column);
  const offset = (value: ProjectValue | undefined) => (value === undefined ? 0 : c("offset", value)!);
  switch (d.kind) {
    case "uniform":
    case "truncated_normal": {
      const min = c("min", d.min)!;
      const max = c("max", d.max)!;
      if (min > max) throw input.source.error([...at, "min"], `min is above max`, d.min);
      return d.kind === "uniform"
        ? { kind: "uniform", min, max }
        : { kind: "truncated_normal", mean: c("mean", d.mean)!, sd: d.sd, min, max };
    }
    case "normal":
      return { kind: "normal", mean: c("mean", d.mean)!, sd: d.sd };
    case "lognormal":
      return { kind: "lognormal", mu: d.mu, sigma: d.sigma, offset: offset(d.offset) };
    case "exponential":
      return { kind: "exponential", rate: d.rate ?? 1 / d.mean!, offset: offset(d.offset) };
    case "histogram": {
      const edges = d.edges.map((e, i) => convert(input, rule, [...at, "edges", i], e, column)!);
      for (let i = 1; i < edges.length; i++) {
        if (edges[i]! < edges[i - 1]!)
          throw input.source.error([...at, "edges", i], "edges must not decrease", d.edges[i]);
      }
      if (d.weights.every((w) => w === 0))
        throw input.source.error([...at, "weights"], "at least one weight must be above 0");
      return { kind: "histogram", edges, weights: d.weights };
    }
  }
}

/** Which rule (if any) gives a column its values, per column, at this level. */
interface ValueRules {
  samplers: ShapedRule[];
  ranges: ShapedRule[];
  nulls: ShapedRule[];
  categories: ShapedRule[];
}

export function compileLevel(input: LevelInput, activeSoft: ReadonlySet<ShapedRule>): Level {
  const { shape } = input;
  const columns = shape.spec.columns;
  const n = columns.length;
  const active = shape.rules.filter((r) => !r.soft || activeSoft.has(r));
  const resolve: ResolveVar = (name, table, at) => {
    if (table === undefined && name === "row_number()") return { index: shape.rowSlot, type: "integer" };
    if (table === undefined) {
      const index = shape.columnIndex.get(name);
      if (index === undefined) throw new ExpressionError(`no column ${name}`, at);
      return { index, type: columns[index]!.type };
    }
    const slot = shape.slots.find((s) => s.table === table && s.column === name)!;
    return { index: slot.index, type: slot.spec.type };
  };
  const compileWhen = (rule: ShapedRule): Compiled | null => {
    if (rule.when === null) return null;
    let out: Compiled | null = null;
    locate(input, rule, ["when"], () => {
      out = compileExpr(rule.when as Expr, resolve);
    });
    return out;
  };

  // --- What each column's value rules are.
  const valueRules: ValueRules[] = columns.map(() => ({
    samplers: [],
    ranges: [],
    nulls: [],
    categories: [],
  }));
  for (const rule of active) {
    const d = rule.def;
    if ("range" in d) valueRules[shape.columnIndex.get(d.range.column)!]!.ranges.push(rule);
    if ("nulls" in d) valueRules[shape.columnIndex.get(d.nulls.column)!]!.nulls.push(rule);
    if ("categories" in d) {
      const c = shape.columnIndex.get(d.categories.column)!;
      valueRules[c]!.samplers.push(rule);
      valueRules[c]!.categories.push(rule);
    }
    if ("distribution" in d) valueRules[shape.columnIndex.get(d.distribution.column)!]!.samplers.push(rule);
    if ("pattern" in d) valueRules[shape.columnIndex.get(d.pattern.column)!]!.samplers.push(rule);
  }
  // Conditional samplers first (in order written), then unconditional: mandatory, then soft by priority.
  for (const vr of valueRules) {
    vr.samplers.sort((a, b) => {
      const ka = a.when ? 0 : a.soft ? 2 : 1;
      const kb = b.when ? 0 : b.soft ? 2 : 1;
      return ka - kb || (a.soft && b.soft ? b.priority - a.priority : 0) || a.index - b.index;
    });
  }

  // --- Constraints.
  const constraints: { rule: ShapedRule; c: CompiledConstraint; when: Compiled | null }[] = [];
  for (const rule of active) {
    if (rule.constraint === null) continue;
    // A top-level `and` is several constraints: each can bound and compute on its own.
    const parts: Expr[] = [];
    const split = (e: Expr) => {
      if (e.k === "bin" && e.op === "and") {
        split(e.a);
        split(e.b);
      } else parts.push(e);
    };
    split(rule.constraint);
    const when = compileWhen(rule);
    for (const part of parts) {
      locate(input, rule, ["constraint"], () => {
        constraints.push({ rule, c: compileConstraint(part, resolve, n), when });
      });
    }
  }

  // --- How each column is assigned.
  type How = "fk" | "sequence" | "derive" | "lookup" | "sample";
  const how: How[] = columns.map(() => "sample");
  shape.fkColumns.forEach((cols) => {
    for (const c of cols) how[c] = "fk";
  });
  const pk = shape.spec.primaryKey;
  let sequenceColumn = -1;
  if (pk.length === 1) {
    const c = shape.columnIndex.get(pk[0]!)!;
    const vr = valueRules[c]!;
    const named = active.some((r) => ("lookup" in r.def && pk[0]! in r.def.lookup.columns) || false);
    const defined = constraints.some((k) => k.c.defines.some((d) => d.target === c));
    if (
      how[c] === "sample" &&
      columns[c]!.type === "integer" &&
      vr.samplers.length + vr.ranges.length === 0 &&
      !named &&
      !defined
    ) {
      how[c] = "sequence";
      sequenceColumn = c;
    }
  }
  // Computations: the first `column = expression` of a column without a value rule of its own.
  const derive = new Map<
    number,
    { options: { when: Compiled | null; expr: Compiled; rule: ShapedRule }[] }
  >();
  const deps: Set<number>[] = columns.map(() => new Set<number>());
  const reaches = (from: number, to: number): boolean => {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === to) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const d of deps[x]!) stack.push(d);
    }
    return false;
  };
  const derivedBy = new Set<CompiledConstraint>();
  for (const { rule, c, when } of constraints) {
    for (const d of c.defines) {
      const t = d.target;
      if (how[t] !== "sample" && how[t] !== "derive") continue;
      if (valueRules[t]!.samplers.length > 0) continue;
      const existing = derive.get(t);
      if (existing?.options.some((o) => o.when === null)) continue;
      const reads = [...d.expr.vars, ...(when?.vars ?? [])].filter((x) => x < n);
      if (reads.some((x) => x === t || reaches(x, t))) continue; // would be circular: keep it a check
      for (const x of reads) deps[t]!.add(x);
      how[t] = "derive";
      if (existing) existing.options.push({ when, expr: d.expr, rule });
      else derive.set(t, { options: [{ when, expr: d.expr, rule }] });
      derivedBy.add(c);
      break;
    }
  }
  // Lookups: mapped columns with another way to their value are keys; the rest are drawn.
  const lookups: {
    rule: ShapedRule;
    keys: number[];
    outs: number[];
    knowledgeColumns: Map<number, number>;
    when: Compiled | null;
    /** How each drawn column is assigned when the condition does not hold. */
    otherwise: Map<number, "derive" | "sample">;
  }[] = [];
  for (const rule of active) {
    if (!("lookup" in rule.def)) continue;
    const def = (rule.def as LookupRule).lookup;
    const when = compileWhen(rule);
    const table = input.knowledge.get(def.table)!;
    const knowledgeColumns = new Map<number, number>();
    for (const [column, kcol] of Object.entries(def.columns)) {
      const k = table.columns.indexOf(kcol);
      if (k < 0) {
        throw input.source.error(
          [...rule.path, "lookup", "columns", column],
          `knowledge table ${def.table} (${table.file}) has no column ${kcol}; its columns: ${table.columns.join(", ")}`,
          kcol,
        );
      }
      knowledgeColumns.set(shape.columnIndex.get(column)!, k);
    }
    const keys: number[] = [];
    const outs: number[] = [];
    for (const c of knowledgeColumns.keys()) {
      // A conditional computation is not a key: the lookup and it take turns (by their conditions).
      const computed = how[c] === "derive" && derive.get(c)!.options.some((o) => o.when === null);
      const assignedElsewhere =
        how[c] === "fk" ||
        how[c] === "sequence" ||
        computed ||
        valueRules[c]!.samplers.length > 0 ||
        lookups.some((l) => l.outs.includes(c));
      (assignedElsewhere ? keys : outs).push(c);
    }
    const otherwise = new Map<number, "derive" | "sample">();
    for (const c of outs) {
      otherwise.set(c, how[c] === "derive" ? "derive" : "sample");
      how[c] = "lookup";
      for (const k of keys) deps[c]!.add(k);
      for (const x of when?.vars ?? []) if (x < n && x !== c) deps[c]!.add(x);
    }
    lookups.push({ rule, keys, outs, knowledgeColumns, when, otherwise });
  }
  // Conditions read before the column they govern.
  for (let c = 0; c < n; c++) {
    if (how[c] !== "sample") continue;
    const vr = valueRules[c]!;
    for (const rule of [...vr.samplers, ...vr.ranges, ...vr.nulls]) {
      const w = compileWhen(rule);
      for (const x of w?.vars ?? []) if (x < n && x !== c) deps[c]!.add(x);
    }
  }

  // --- Static domains and propagation.
  const width = shape.width;
  const lo = new Float64Array(width);
  const hi = new Float64Array(width);
  const loWhy: Set<ShapedRule>[] = [];
  const hiWhy: Set<ShapedRule>[] = [];
  for (let i = 0; i < width; i++) {
    const [a, b] = i < n ? typeDomain(columns[i]!) : i === shape.rowSlot ? [1, 1e9] : input.slotDomain(i);
    lo[i] = a;
    hi[i] = b;
    loWhy.push(new Set());
    hiWhy.push(new Set());
  }
  const narrow = (c: number, a: number | undefined, b: number | undefined, rule: ShapedRule) => {
    if (a !== undefined && a > lo[c]!) {
      lo[c] = a;
      loWhy[c] = new Set([rule]);
    }
    if (b !== undefined && b < hi[c]!) {
      hi[c] = b;
      hiWhy[c] = new Set([rule]);
    }
  };
  const samplerDraw = new Map<ShapedRule, Draw>();
  for (let c = 0; c < n; c++) {
    const column = columns[c]!;
    for (const rule of valueRules[c]!.ranges) {
      const r = (rule.def as { range: { min?: ProjectValue; max?: ProjectValue } }).range;
      const a = convert(input, rule, ["range", "min"], r.min, column);
      const b = convert(input, rule, ["range", "max"], r.max, column);
      if (a !== undefined && b !== undefined && a > b)
        throw input.source.error([...rule.path, "range", "min"], "min is above max", r.min);
      if (rule.when === null) narrow(c, a, b, rule);
    }
    for (const rule of valueRules[c]!.samplers) {
      if (!("distribution" in rule.def)) continue;
      const d = numericDistribution(input, rule, rule.def.distribution, column, ["distribution"]);
      samplerDraw.set(rule, compileDistribution(d));
      if (
        rule.when === null &&
        rule === valueRules[c]!.samplers.find((s) => s.when === null) &&
        how[c] === "sample"
      ) {
        const [a, b] = distributionBounds(d);
        narrow(c, Number.isFinite(a) ? a : undefined, Number.isFinite(b) ? b : undefined, rule);
      }
    }
    // Whole steps: an integer or date column holds whole numbers; a decimal, multiples of 10^-scale.
    const step = columnStep(column);
    lo[c] = Math.ceil(lo[c]! / step - EPS) * step;
    hi[c] = Math.floor(hi[c]! / step + EPS) * step;
    if (lo[c]! > hi[c]!) {
      const rules = [...loWhy[c]!, ...hiWhy[c]!];
      throw unsatisfiable(shape.name, `${column.name} has no value in its bounds`, rules, input.source);
    }
  }
  const linear: LinearConstraint[] = [];
  for (const { rule, c, when } of constraints) {
    if (c.compare !== null && when === null)
      linear.push({
        rule,
        vars: c.compare.linear.vars,
        coefs: c.compare.linear.coefs,
        constant: c.compare.linear.constant,
        op: c.compare.op,
      });
  }
  const conflict = propagate(linear, lo, hi, loWhy, hiWhy, n, columns.map(columnStep));
  if (conflict !== null) {
    throw unsatisfiable(
      shape.name,
      `${columns[conflict.column]?.name ?? "a parent column"} is left with no possible value`,
      conflict.rules,
      input.source,
    );
  }

  // Finite domains: unconditional single-column constraints and categories rules filter them.
  const finite: (CellValue[] | null)[] = columns.map((column) =>
    column.type === "categorical"
      ? [...column.categories!]
      : column.type === "boolean"
        ? [false, true]
        : null,
  );
  const scratch: CellValue[] = new Array(width).fill(null);
  for (const { rule, c, when } of constraints) {
    if (when !== null || c.vars.length !== 1 || c.vars[0]! >= n) continue;
    const x = c.vars[0]!;
    const values = finite[x];
    if (!values) continue;
    const kept = values.filter((value) => {
      scratch[x] = value;
      return c.fn(scratch) !== false;
    });
    if (kept.length === 0) {
      const why = [rule, ...valueRules[x]!.categories.filter((r) => r.when === null)];
      throw unsatisfiable(
        shape.name,
        `no value of ${columns[x]!.name} (${values.join(", ")}) satisfies it`,
        why,
        input.source,
      );
    }
    finite[x] = kept;
  }

  // --- Order the columns (Kahn; computed and copied first when ready, then sampled with a rule,
  // then the rest, each in column order).
  const groupOf = new Array<number>(n);
  const groups: number[][] = [];
  shape.fkColumns.forEach((cols) => {
    const g = groups.length;
    groups.push(cols);
    for (const c of cols) groupOf[c] = g;
  });
  for (const l of lookups) {
    if (l.outs.length === 0) continue;
    const g = groups.length;
    groups.push(l.outs);
    for (const c of l.outs) groupOf[c] = g;
  }
  for (let c = 0; c < n; c++) {
    if (groupOf[c] === undefined) {
      groupOf[c] = groups.length;
      groups.push([c]);
    }
  }
  const rank = (g: number): number => {
    const c = groups[g]![0]!;
    const h = how[c]!;
    if (h === "fk" || h === "sequence" || h === "derive") return 0;
    if (h === "lookup" || valueRules[c]!.samplers.length > 0) return 1;
    return 2;
  };
  const order: number[] = [];
  const placed = new Set<number>();
  while (order.length < groups.length) {
    let best = -1;
    for (let g = 0; g < groups.length; g++) {
      if (placed.has(g)) continue;
      const ready = groups[g]!.every((c) =>
        [...deps[c]!].every((d) => groups[g]!.includes(d) || placed.has(groupOf[d]!)),
      );
      if (!ready) continue;
      if (best === -1 || rank(g) < rank(best)) best = g;
    }
    if (best === -1) {
      const left = groups
        .filter((_, g) => !placed.has(g))
        .flat()
        .map((c) => columns[c]!.name);
      const rules = active.filter((r) => r.when !== null || r.kind === "lookup");
      throw unsatisfiable(
        shape.name,
        `the conditions and lookups of ${left.join(", ")} depend on each other in a circle`,
        rules,
        input.source,
      );
    }
    placed.add(best);
    order.push(best);
  }
  const stepOf = new Int32Array(width).fill(-1);
  order.forEach((g, s) => {
    for (const c of groups[g]!) stepOf[c] = s;
  });

  // --- Checks, at the step that completes them.
  const checksAt: Check[][] = order.map(() => []);
  const lastStep = (vars: readonly number[]): number => {
    let s = 0;
    for (const x of vars) if (x < n) s = Math.max(s, stepOf[x]!);
    return s;
  };
  for (const { rule, c, when } of constraints) {
    if (derivedBy.has(c) && when === null) continue;
    const vars = [...c.vars, ...(when?.vars ?? [])];
    const f = c.fn;
    const w = when?.fn;
    checksAt[lastStep(vars)]!.push({ rule, fn: w ? (v) => w(v) !== true || f(v) !== false : f });
  }
  for (let c = 0; c < n; c++) {
    const column = columns[c]!;
    const sampled = how[c] === "sample";
    for (const rule of valueRules[c]!.ranges) {
      if (sampled && rule.when === null) continue; // the domain guarantees it
      const r = (rule.def as { range: { min?: ProjectValue; max?: ProjectValue } }).range;
      const a = convert(input, rule, ["range", "min"], r.min, column) ?? Number.NEGATIVE_INFINITY;
      const b = convert(input, rule, ["range", "max"], r.max, column) ?? Number.POSITIVE_INFINITY;
      const w = compileWhen(rule)?.fn;
      checksAt[lastStep([c, ...(compileWhen(rule)?.vars ?? [])])]!.push({
        rule,
        fn: (v) => {
          const x = v[c];
          if (x === null || (w && w(v) !== true)) return true;
          return (x as number) >= a - EPS && (x as number) <= b + EPS;
        },
      });
    }
    for (const rule of valueRules[c]!.categories) {
      if (sampled && rule.when === null && rule === valueRules[c]!.samplers.find((s) => s.when === null))
        continue;
      const allowed = new Set(categoryValues(input, rule, column).values);
      const w = compileWhen(rule)?.fn;
      checksAt[lastStep([c, ...(compileWhen(rule)?.vars ?? [])])]!.push({
        rule,
        fn: (v) => v[c] === null || (w !== undefined && w(v) !== true) || allowed.has(v[c]!),
      });
    }
  }
  for (const l of lookups) {
    if (l.outs.length > 0) continue;
    // Every mapped column is set elsewhere: the tuple must be a row of the knowledge table.
    const index = knowledgeIndex(input, l.rule, l.keys, [], l.knowledgeColumns, columns);
    const keys = l.keys;
    checksAt[lastStep(keys)]!.push({ rule: l.rule, fn: (v) => index.has(keyOf(v, keys)) });
  }

  // --- Steps.
  const steps: Step[] = order.map((g, s) => {
    const cols = groups[g]!;
    const c = cols[0]!;
    const checks = checksAt[s]!;
    switch (how[c]!) {
      case "fk": {
        const k = shape.fkColumns.findIndex((fc) => fc.includes(c));
        const own = shape.fkColumns[k]!;
        const slots = shape.fkSlots[k]!;
        return {
          columns: cols,
          random: false,
          checks,
          assign(v) {
            for (let i = 0; i < own.length; i++) v[own[i]!] = v[slots[i]!]!;
            return true;
          },
        };
      }
      case "sequence":
        return { columns: cols, random: false, checks, assign: () => true }; // the runner fills it
      case "derive":
        return deriveStep(input, c, derive.get(c)!.options, sampleStep(input, c, s), checks);
      case "lookup": {
        const l = lookups.find((x) => x.outs.includes(c))!;
        const fallbacks = l.outs.map((o) =>
          l.otherwise.get(o) === "derive"
            ? deriveStep(input, o, derive.get(o)!.options, sampleStep(input, o, s), [])
            : sampleStep(input, o, s),
        );
        return lookupStep(input, l, columns, checks, fallbacks, l.outs.map(nullPicker));
      }
      default:
        return sampleStep(input, c, s);
    }
  });

  /** Whether a column's nulls rules make it null in this row. */
  function nullPicker(c: number): (v: CellValue[], rng: Prng) => boolean {
    const nulls = valueRules[c]!.nulls.map((rule) => ({
      when: compileWhen(rule)?.fn ?? null,
      share: (rule.def as { nulls: { share: number } }).nulls.share,
    }));
    return (v, rng) => {
      for (const o of nulls) {
        if (o.when === null || o.when(v) === true) return rng.next() < o.share;
      }
      return false;
    };
  }

  // A sampled step, with its narrowing through linear constraints and its conditional parts.
  function sampleStep(input: LevelInput, c: number, s: number): Step {
    const column = columns[c]!;
    const vr = valueRules[c]!;
    const checks = checksAt[s]!;
    const nulls = vr.nulls.map((rule) => ({
      when: compileWhen(rule)?.fn ?? null,
      share: (rule.def as { nulls: { share: number } }).nulls.share,
    }));
    const condRanges = vr.ranges
      .filter(
        (rule) =>
          rule.when !== null && (compileWhen(rule)?.vars ?? []).every((x) => x >= n || stepOf[x]! < s),
      )
      .map((rule) => {
        const r = (rule.def as { range: { min?: ProjectValue; max?: ProjectValue } }).range;
        return {
          when: compileWhen(rule)!.fn,
          lo: convert(input, rule, ["range", "min"], r.min, column) ?? Number.NEGATIVE_INFINITY,
          hi: convert(input, rule, ["range", "max"], r.max, column) ?? Number.POSITIVE_INFINITY,
        };
      });
    const terms = narrowTerms(c, s);
    const affine = affineTerms(c, s);
    const ab = new Float64Array(2);
    const step = columnStep(column);
    const staticLo = lo[c]!;
    const staticHi = hi[c]!;
    const options = vr.samplers.map((rule) => ({ when: compileWhen(rule)?.fn ?? null, rule }));
    const pickNull = (v: CellValue[], rng: Prng): boolean => {
      for (const o of nulls) {
        if (o.when === null || o.when(v) === true) return rng.next() < o.share;
      }
      return false;
    };
    if (finite[c] !== null) {
      return finiteStep(
        c,
        finite[c]!,
        options.map((o) => ({ when: o.when, weights: weightsFor(input, o.rule, column, finite[c]!) })),
        pickNull,
        checks,
      );
    }
    if (column.type === "string") {
      const generators = options.map((o) => ({ when: o.when, gen: textGenerator(input, o.rule, column) }));
      const fallback: TextGenerator = (rng) => defaultText(rng);
      return {
        columns: [c],
        random: true,
        checks,
        assign(v, rng) {
          if (pickNull(v, rng)) {
            v[c] = null;
            return true;
          }
          for (const o of generators) {
            if (o.when === null || o.when(v) === true) {
              v[c] = o.gen(rng);
              return true;
            }
          }
          v[c] = fallback(rng);
          return true;
        },
      };
    }
    // Numbers, dates, date-times.
    const [typeLo, typeHi] = typeDomain(column);
    const [wLo, wHi] = defaultWindow(column);
    const draws = options.map((o) => ({ when: o.when, draw: samplerDraw.get(o.rule) ?? null }));
    const discrete = column.type !== "decimal";
    const inv = discrete ? 1 : 10 ** (column.scale ?? 2);
    return {
      columns: [c],
      random: true,
      checks,
      assign(v, rng) {
        if (pickNull(v, rng)) {
          v[c] = null;
          return true;
        }
        let a = staticLo;
        let b = staticHi;
        for (const r of condRanges) {
          if (r.when(v) === true) {
            if (r.lo > a) a = r.lo;
            if (r.hi < b) b = r.hi;
          }
        }
        ab[0] = a;
        ab[1] = b;
        for (let t = 0; t < terms.length; t++) {
          const term = terms[t]!;
          if (term.when !== null && term.when(v) !== true) continue;
          let sum = term.constant;
          let isNull = false;
          for (let k = 0; k < term.vars.length; k++) {
            const x = v[term.vars[k]!];
            if (x === null) {
              isNull = true;
              break;
            }
            sum += term.coefs[k]! * (x as number);
          }
          if (isNull) continue;
          // coef·x + sum + [uLo, uHi]  op  0
          tighten(ab, term.a, sum + term.uLo, sum + term.uHi, term.op, term.exact, step);
        }
        for (let t = 0; t < affine.length; t++) {
          // left - right is affine in this column: evaluate it at 0 and 1 for coef·x + f0 op 0.
          const term = affine[t]!;
          if (term.when !== null && term.when(v) !== true) continue;
          v[c] = 0;
          const l0 = term.left(v);
          const r0 = term.right(v);
          v[c] = 1;
          const l1 = term.left(v);
          const r1 = term.right(v);
          if (
            typeof l0 !== "number" ||
            typeof r0 !== "number" ||
            typeof l1 !== "number" ||
            typeof r1 !== "number"
          )
            continue;
          const f0 = l0 - r0;
          const coef = l1 - r1 - f0;
          if (coef === 0 || !Number.isFinite(coef) || !Number.isFinite(f0)) continue;
          tighten(ab, coef, f0, f0, term.op, true, step);
        }
        a = ab[0]!;
        b = ab[1]!;
        if (a > b + EPS) return false;
        let draw: Draw | null = null;
        for (const o of draws) {
          if (o.when === null || o.when(v) === true) {
            draw = o.draw;
            break;
          }
        }
        let x: number;
        if (draw === null) {
          // Uniform; a side still at the type's limit takes the default window's width.
          let l = a;
          let h = b;
          const openLo = l <= typeLo;
          const openHi = h >= typeHi;
          if (openLo && openHi) {
            l = Math.max(l, wLo);
            h = Math.min(h, wHi);
          } else if (openLo) l = h - (wHi - wLo);
          else if (openHi) h = l + (wHi - wLo);
          x = discrete ? l + Math.floor(rng.next() * (h - l + 1)) : l + rng.next() * (h - l);
        } else {
          x = discrete ? Math.round(draw(rng, a - 0.5, b + 0.5)) : draw(rng, a, b);
        }
        if (!discrete) x = Math.round(x * inv) / inv;
        if (x < a) x = a;
        else if (x > b) x = b;
        v[c] = x;
        return true;
      },
    };
  }

  /** Comparisons this step completes that are affine (not linear) in the column: bounded at run time. */
  function affineTerms(c: number, s: number) {
    const out: { left: Evaluator; right: Evaluator; op: CompareOp; when: Evaluator | null }[] = [];
    for (const { c: k, when } of constraints) {
      const sides = k.sides;
      if (sides === null || sides.op === "!=" || !sides.affine.has(c)) continue;
      const others = k.vars.filter((x) => x !== c && x < n);
      if (!others.every((x) => stepOf[x]! < s)) continue;
      if (k.compare !== null) continue; // linear: narrowTerms bounds it exactly
      if (when !== null && !when.vars.every((x) => x >= n || stepOf[x]! < s)) continue;
      out.push({ left: sides.left.fn, right: sides.right.fn, op: sides.op, when: when?.fn ?? null });
    }
    return out;
  }

  function narrowTerms(c: number, s: number) {
    const out: {
      a: number;
      vars: Int32Array;
      coefs: Float64Array;
      constant: number;
      uLo: number;
      uHi: number;
      op: CompareOp;
      exact: boolean;
      when: Evaluator | null;
    }[] = [];
    for (const { c: k, when } of constraints) {
      if (k.compare === null || k.compare.op === "!=") continue;
      const lin = k.compare.linear;
      const at = lin.vars.indexOf(c);
      if (at < 0) continue;
      if (when !== null && !when.vars.every((x) => x >= n || stepOf[x]! < s)) continue;
      const vars: number[] = [];
      const coefs: number[] = [];
      let uLo = 0;
      let uHi = 0;
      lin.vars.forEach((x, i) => {
        if (x === c) return;
        const coef = lin.coefs[i]!;
        if (x >= n || stepOf[x]! < s) {
          vars.push(x);
          coefs.push(coef);
        } else {
          uLo += coef > 0 ? coef * lo[x]! : coef * hi[x]!;
          uHi += coef > 0 ? coef * hi[x]! : coef * lo[x]!;
        }
      });
      out.push({
        a: lin.coefs[at]!,
        vars: Int32Array.from(vars),
        coefs: Float64Array.from(coefs),
        constant: lin.constant,
        uLo,
        uHi,
        op: k.compare.op,
        exact: uLo === 0 && uHi === 0,
        when: when?.fn ?? null,
      });
    }
    return out;
  }

  // --- Unique sets: the primary key (unless a sequence), unique sets, unique rules.
  const unique: UniqueSet[] = [];
  const addUnique = (names: readonly string[], rule: ShapedRule | null) => {
    const cols = names.map((x) => shape.columnIndex.get(x)!);
    const key = [...names].sort().join(",");
    if (unique.some((u) => u.key === key)) return;
    if (cols.length === 1 && cols[0] === sequenceColumn) return;
    let failStep = -1;
    for (const x of cols) if (steps[stepOf[x]!]!.random) failStep = Math.max(failStep, stepOf[x]!);
    if (failStep < 0) failStep = steps.length - 1;
    unique.push({ key, columns: cols, rule, failStep });
  };
  if (pk.length > 0) addUnique(pk, null);
  for (const set of shape.def.unique ?? []) addUnique(set, null);
  for (const rule of active) if ("unique" in rule.def) addUnique(rule.def.unique, rule);

  return { soft: active.filter((r) => r.soft), steps, unique, lo, hi, sequenceColumn };
}

/** Narrows [ab[0], ab[1]] by coef·x + S op 0 with S in [sLo, sHi], in whole steps. */
function tighten(
  ab: Float64Array,
  coef: number,
  sLo: number,
  sHi: number,
  op: CompareOp,
  exact: boolean,
  step: number,
): void {
  if (op === "<=" || op === "<" || op === "=") {
    const bound = -sLo / coef;
    const strict = op === "<" && exact;
    if (coef > 0) {
      const h = strict ? (Math.ceil(bound / step - EPS) - 1) * step : Math.floor(bound / step + EPS) * step;
      if (h < ab[1]!) ab[1] = h;
    } else {
      const l = strict ? (Math.floor(bound / step + EPS) + 1) * step : Math.ceil(bound / step - EPS) * step;
      if (l > ab[0]!) ab[0] = l;
    }
  }
  if (op === ">=" || op === ">" || op === "=") {
    const bound = -sHi / coef;
    const strict = op === ">" && exact;
    if (coef > 0) {
      const l = strict ? (Math.floor(bound / step + EPS) + 1) * step : Math.ceil(bound / step - EPS) * step;
      if (l > ab[0]!) ab[0] = l;
    } else {
      const h = strict ? (Math.ceil(bound / step - EPS) - 1) * step : Math.floor(bound / step + EPS) * step;
      if (h < ab[1]!) ab[1] = h;
    }
  }
}

function keyOf(v: CellValue[], keys: readonly number[]): string {
  if (keys.length === 1) return String(v[keys[0]!]);
  let out = "";
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? "" : "\u0001"}${String(v[keys[i]!])}`;
  return out;
}

function knowledgeIndex(
  input: LevelInput,
  rule: ShapedRule,
  keys: readonly number[],
  outs: readonly number[],
  knowledgeColumns: Map<number, number>,
  columns: readonly ColumnSpec[],
): Map<string, { values: CellValue[][]; cum: Float64Array }> {
  const def = (rule.def as LookupRule).lookup;
  const table = input.knowledge.get(def.table)!;
  const weightColumn = def.weight === undefined ? -1 : table.columns.indexOf(def.weight);
  if (def.weight !== undefined && weightColumn < 0) {
    throw input.source.error(
      [...rule.path, "lookup", "weight"],
      `knowledge table ${def.table} has no column ${def.weight}; its columns: ${table.columns.join(", ")}`,
      def.weight,
    );
  }
  const groups = new Map<string, { values: CellValue[][]; weights: number[] }>();
  const keyRow: CellValue[] = [];
  table.rows.forEach((row, r) => {
    const read = (c: number): CellValue => {
      const text = row[knowledgeColumns.get(c)!] ?? "";
      const value = toEngineValue(text, columns[c]!);
      if (value === undefined) {
        throw input.source.error(
          [...rule.path, "lookup", "columns", columns[c]!.name],
          `${table.file} line ${r + 2}: ${JSON.stringify(text)} is not ${describeType(columns[c]!)}`,
          text,
        );
      }
      return value;
    };
    keys.forEach((c, i) => {
      keyRow[i] = read(c);
    });
    const key = keyOf(
      keyRow,
      keys.map((_, i) => i),
    );
    const weight = weightColumn < 0 ? 1 : Number(row[weightColumn]);
    if (!Number.isFinite(weight) || weight < 0) {
      throw input.source.error(
        [...rule.path, "lookup", "weight"],
        `${table.file} line ${r + 2}: the weight ${JSON.stringify(row[weightColumn])} is not a number >= 0`,
      );
    }
    const group = groups.get(key) ?? { values: [], weights: [] };
    group.values.push(outs.map(read));
    group.weights.push(weight);
    groups.set(key, group);
  });
  const index = new Map<string, { values: CellValue[][]; cum: Float64Array }>();
  for (const [key, group] of groups) {
    const cum = new Float64Array(group.weights.length);
    let total = 0;
    group.weights.forEach((w, i) => {
      total += w;
      cum[i] = total;
    });
    if (total > 0) index.set(key, { values: group.values, cum });
  }
  return index;
}

function lookupStep(
  input: LevelInput,
  l: {
    rule: ShapedRule;
    keys: number[];
    outs: number[];
    knowledgeColumns: Map<number, number>;
    when: Compiled | null;
  },
  columns: readonly ColumnSpec[],
  checks: Check[],
  fallbacks: Step[],
  nulls: ((v: CellValue[], rng: Prng) => boolean)[],
): Step {
  const index = knowledgeIndex(input, l.rule, l.keys, l.outs, l.knowledgeColumns, columns);
  const { keys, outs } = l;
  const when = l.when?.fn ?? null;
  return {
    columns: outs,
    random: true,
    checks,
    assign(v, rng) {
      if (when !== null && when(v) !== true) {
        // The condition does not hold: each column is assigned as it would be without the lookup.
        for (const f of fallbacks) if (!f.assign(v, rng)) return false;
        return true;
      }
      const group = index.get(keyOf(v, keys));
      if (group === undefined) return false;
      const cum = group.cum;
      const r = rng.next() * cum[cum.length - 1]!;
      let low = 0;
      let high = cum.length - 1;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (cum[mid]! > r) high = mid;
        else low = mid + 1;
      }
      const row = group.values[low]!;
      for (let i = 0; i < outs.length; i++) v[outs[i]!] = nulls[i]!(v, rng) ? null : row[i]!;
      return true;
    },
  };
}

function deriveStep(
  input: LevelInput,
  c: number,
  options: { when: Compiled | null; expr: Compiled; rule: ShapedRule }[],
  fallback: Step,
  checks: Check[],
): Step {
  const column = input.shape.spec.columns[c]!;
  const conditional = options.every((o) => o.when !== null);
  const fns = options.map((o) => ({ when: o.when?.fn ?? null, fn: o.expr.fn }));
  const inv = column.type === "decimal" ? 10 ** (column.scale ?? 2) : 1;
  const categories = column.type === "categorical" ? new Set<CellValue>(column.categories) : null;
  const set = (v: CellValue[], x: CellValue): boolean => {
    if (x === null) {
      if (!column.nullable) return false;
      v[c] = null;
      return true;
    }
    switch (column.type) {
      case "integer":
      case "date":
      case "datetime":
        if (typeof x !== "number" || !Number.isInteger(x)) {
          if (typeof x === "number" && Math.abs(x - Math.round(x)) < 1e-9) x = Math.round(x);
          else return false;
        }
        break;
      case "decimal":
        if (typeof x !== "number") return false;
        x = Math.round(x * inv) / inv;
        break;
      case "boolean":
        if (typeof x !== "boolean") return false;
        break;
      case "categorical":
        if (!categories!.has(String(x))) return false;
        x = String(x);
        break;
      default:
        x = String(x);
    }
    v[c] = x;
    return true;
  };
  return {
    columns: [c],
    // Conditional computations fall back to sampling, which can be retried.
    random: conditional,
    checks,
    assign(v, rng) {
      for (const o of fns) {
        if (o.when === null || o.when(v) === true) return set(v, o.fn(v));
      }
      return fallback.assign(v, rng);
    },
  };
}

function finiteStep(
  c: number,
  values: readonly CellValue[],
  options: { when: Evaluator | null; weights: Float64Array }[],
  pickNull: (v: CellValue[], rng: Prng) => boolean,
  checks: Check[],
): Step {
  const uniform = new Float64Array(values.length).fill(1);
  const m = values.length;
  const allowed = new Float64Array(m);
  const draw = (weights: Float64Array, total: number, rng: Prng): number => {
    let r = rng.next() * total;
    for (let i = 0; i < m; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    for (let i = m - 1; i >= 0; i--) if (weights[i]! > 0) return i;
    return 0;
  };
  const sums = new Map<Float64Array, number>();
  const sumOf = (w: Float64Array) => {
    let s = sums.get(w);
    if (s === undefined) {
      s = w.reduce((a, b) => a + b, 0);
      sums.set(w, s);
    }
    return s;
  };
  return {
    columns: [c],
    random: true,
    checks,
    assign(v, rng) {
      if (pickNull(v, rng)) {
        v[c] = null;
        return true;
      }
      let weights: Float64Array = uniform;
      for (const o of options) {
        if (o.when === null || o.when(v) === true) {
          weights = o.weights;
          break;
        }
      }
      const total = sumOf(weights);
      if (total <= 0) return false;
      v[c] = values[draw(weights, total, rng)]!;
      if (checks.length === 0) return true;
      // Forward checking: on a miss, keep only the values this step's checks accept.
      let ok = true;
      for (const check of checks) if (check.fn(v) === false) ok = false;
      if (ok) return true;
      let remaining = 0;
      for (let i = 0; i < m; i++) {
        allowed[i] = 0;
        if (weights[i]! <= 0) continue;
        v[c] = values[i]!;
        let pass = true;
        for (const check of checks) {
          if (check.fn(v) === false) {
            pass = false;
            break;
          }
        }
        if (pass) {
          allowed[i] = weights[i]!;
          remaining += weights[i]!;
        }
      }
      if (remaining <= 0) return false;
      v[c] = values[draw(allowed, remaining, rng)]!;
      return true;
    },
  };
}

/** The values of a categories rule, converted to the column's type. */
function categoryValues(
  input: LevelInput,
  rule: ShapedRule,
  column: ColumnSpec,
): { values: CellValue[]; weights: number[] } {
  const def = (rule.def as CategoriesRule).categories;
  const entries: [unknown, number][] = def.values
    ? def.values.map((x) => [x, 1])
    : Object.entries(def.weights!).map(([k, w]) => [k, w]);
  const values: CellValue[] = [];
  const weights: number[] = [];
  entries.forEach(([raw, w], i) => {
    const value = column.type === "string" ? String(raw) : toEngineValue(raw, column);
    if (value === undefined || value === null) {
      const field = def.values ? ["categories", "values", i] : ["categories", "weights", String(raw)];
      throw input.source.error(
        [...rule.path, ...field],
        `${JSON.stringify(raw)} is not a value of ${column.name}: expected ${describeType(column)}`,
        raw,
      );
    }
    values.push(value);
    weights.push(w);
  });
  if (weights.every((w) => w === 0))
    throw input.source.error([...rule.path, "categories"], "at least one weight must be above 0");
  return { values, weights };
}

function weightsFor(
  input: LevelInput,
  rule: ShapedRule,
  column: ColumnSpec,
  domain: readonly CellValue[],
): Float64Array {
  const { values, weights } = categoryValues(input, rule, column);
  const out = new Float64Array(domain.length);
  values.forEach((value, i) => {
    const at = domain.indexOf(value);
    if (at >= 0) out[at] = weights[i]!;
  });
  return out;
}

function textGenerator(input: LevelInput, rule: ShapedRule, column: ColumnSpec): TextGenerator {
  const d = rule.def;
  if ("pattern" in d) {
    if (d.pattern.format !== undefined) return FORMAT_GENERATORS[d.pattern.format];
    let gen: TextGenerator = defaultText;
    locate(input, rule, ["pattern", "regex"], () => {
      gen = compileRegex(d.pattern.regex!);
    });
    return gen;
  }
  if ("categories" in d) {
    const { values, weights } = categoryValues(input, rule, column);
    const cum = new Float64Array(weights.length);
    let total = 0;
    weights.forEach((w, i) => {
      total += w;
      cum[i] = total;
    });
    return (rng) => {
      const r = rng.next() * total;
      for (let i = 0; i < cum.length; i++) if (r < cum[i]!) return values[i] as string;
      return values[values.length - 1] as string;
    };
  }
  return defaultText;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
function defaultText(rng: Prng): string {
  let out = "";
  for (let i = 0; i < 8; i++) out += ALPHANUMERIC[Math.floor(rng.next() * 36)];
  return out;
}
