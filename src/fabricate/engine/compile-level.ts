import type { LookupRule, ProjectValue } from "../project/project-types.ts";
import {
  type Compiled,
  type CompiledConstraint,
  compileConstraint,
  compileExpr,
  type ResolveVar,
} from "../rules/compile-expression.ts";
import { compileDistribution, type Draw, distributionBounds } from "../rules/distributions.ts";
import { type Expr, ExpressionError } from "../rules/expression.ts";
import type { TextGenerator } from "../rules/regex-generator.ts";
import type { CellValue } from "../table-spec.ts";
import { keyOf, knowledgeIndex, type LookupOption, lookupStep } from "./level-lookup.ts";
import {
  type AffineTerm,
  type ConditionalRange,
  type LinearTerm,
  type NumericDraw,
  numericStep,
} from "./level-numeric.ts";
import { deriveStep, finiteStep } from "./level-steps.ts";
import { categoryValues, defaultText, textGenerator, weightsFor } from "./level-text.ts";
import type { Check, Level, LevelInput, Step, UniqueSet } from "./level-types.ts";
import { convert, EPS, locate, numericDistribution } from "./level-values.ts";
import type { Prng } from "./prng.ts";
import { type LinearConstraint, propagate } from "./propagate.ts";
import type { ShapedRule } from "./table-shape.ts";
import { unsatisfiable } from "./table-shape.ts";
import { columnStep, typeDomain } from "./values.ts";

export type { Check, Level, LevelInput, Step, UniqueSet } from "./level-types.ts";

const finiteTypes = new Set(["categorical", "boolean"]);

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
  // Each rule's condition is compiled once: its sampler, narrowing and check share one closure.
  const whens = new Map<ShapedRule, Compiled | null>();
  const compileWhen = (rule: ShapedRule): Compiled | null => {
    if (rule.when === null) return null;
    let out = whens.get(rule);
    if (out === undefined) {
      locate(input, rule, ["when"], () => {
        out = compileExpr(rule.when as Expr, resolve);
      });
      whens.set(rule, out!);
    }
    return out!;
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
    /** Later lookups drawing the same columns, each tried in turn when the conditions before it fail. */
    alternatives: LookupOption[];
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
    const split = (ignore: (typeof lookups)[number] | null) => {
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
          lookups.some((l) => l !== ignore && l.outs.includes(c));
        (assignedElsewhere ? keys : outs).push(c);
      }
      return { keys, outs };
    };
    // A conditional lookup drawing the same columns as this one: they take turns (by their
    // conditions, the first that holds), rather than this one checking what that one drew.
    const turn = lookups.find((l) => {
      if (l.when === null || l.outs.length === 0 || l.alternatives.some((a) => a.when === null)) return false;
      const mine = split(l).outs;
      return mine.length === l.outs.length && mine.every((c) => l.outs.includes(c));
    });
    if (turn !== undefined) {
      const keys = split(turn).keys;
      turn.alternatives.push({ rule, keys, knowledgeColumns, when });
      for (const c of turn.outs) {
        for (const k of keys) deps[c]!.add(k);
        for (const x of when?.vars ?? []) if (x < n && x !== c) deps[c]!.add(x);
      }
      continue;
    }
    const { keys, outs } = split(null);
    const otherwise = new Map<number, "derive" | "sample">();
    for (const c of outs) {
      otherwise.set(c, how[c] === "derive" ? "derive" : "sample");
      how[c] = "lookup";
      for (const k of keys) deps[c]!.add(k);
      for (const x of when?.vars ?? []) if (x < n && x !== c) deps[c]!.add(x);
    }
    lookups.push({ rule, keys, outs, knowledgeColumns, when, otherwise, alternatives: [] });
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
      if ("categories" in rule.def && finiteTypes.has(column.type) === false && column.type !== "string") {
        // A number or date column drawn from listed values: its domain is their span.
        const values = categoryValues(input, rule, column).values as number[];
        if (
          rule.when === null &&
          rule === valueRules[c]!.samplers.find((s) => s.when === null) &&
          how[c] === "sample"
        )
          narrow(c, Math.min(...values), Math.max(...values), rule);
        continue;
      }
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
  // A foreign key copies its columns not already copied by an earlier one (keys that share
  // columns agree on them: the runner picks their parents so).
  const fkOfGroup = new Map<number, number>();
  shape.fkColumns.forEach((all, k) => {
    const cols = all.filter((c) => groupOf[c] === undefined);
    if (cols.length === 0) return;
    const g = groups.length;
    groups.push(cols);
    fkOfGroup.set(g, k);
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
    checksAt[lastStep(vars)]!.push({ rule, vars, fn: w ? (v) => w(v) !== true || f(v) !== false : f });
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
      const vars = [c, ...(compileWhen(rule)?.vars ?? [])];
      checksAt[lastStep(vars)]!.push({
        rule,
        vars,
        fn: (v) => {
          const x = v[c];
          if (x === null || (w && w(v) !== true)) return true;
          return (x as number) >= a - EPS && (x as number) <= b + EPS;
        },
      });
    }
    for (const rule of valueRules[c]!.categories) {
      // The sampler guarantees it when it is the one drawing (no conditional sampler can take over).
      const samplers = valueRules[c]!.samplers;
      if (
        sampled &&
        rule.when === null &&
        rule === samplers.find((s) => s.when === null) &&
        samplers.every((s) => s === rule || s.when === null)
      )
        continue;
      const allowed = new Set(categoryValues(input, rule, column).values);
      const w = compileWhen(rule)?.fn;
      const vars = [c, ...(compileWhen(rule)?.vars ?? [])];
      checksAt[lastStep(vars)]!.push({
        rule,
        vars,
        fn: (v) => v[c] === null || (w !== undefined && w(v) !== true) || allowed.has(v[c]!),
      });
    }
  }
  for (const l of lookups) {
    if (l.outs.length > 0) continue;
    // Every mapped column is set elsewhere: the tuple must be a row of the knowledge table.
    const index = knowledgeIndex(input, l.rule, l.keys, [], l.knowledgeColumns, columns);
    const keys = l.keys;
    checksAt[lastStep(keys)]!.push({ rule: l.rule, vars: keys, fn: (v) => index.has(keyOf(v, keys)) });
  }

  // --- Steps.
  const steps: Step[] = order.map((g, s) => {
    const cols = groups[g]!;
    const c = cols[0]!;
    const checks = checksAt[s]!;
    switch (how[c]!) {
      case "fk": {
        const k = fkOfGroup.get(g)!;
        const own = cols;
        const slots = cols.map((x) => shape.fkSlots[k]![shape.fkColumns[k]!.indexOf(x)]!);
        return {
          columns: cols,
          random: false,
          checks,
          reads: slots,
          assign(v) {
            for (let i = 0; i < own.length; i++) v[own[i]!] = v[slots[i]!]!;
            return true;
          },
        };
      }
      case "sequence":
        return { columns: cols, random: false, checks, assign: () => true }; // the runner fills it
      case "derive": {
        const options = derive.get(c)!.options;
        const step = deriveStep(input, c, options, sampleStep(input, c, s), checks);
        if (!step.random || step.drawsWhenNoConditionHolds)
          step.reads = options.flatMap((o) => [...o.expr.vars, ...(o.when?.vars ?? [])]);
        return step;
      }
      case "lookup": {
        const l = lookups.find((x) => x.outs.includes(c))!;
        const fallbacks = l.outs.map((o) =>
          l.otherwise.get(o) === "derive"
            ? deriveStep(input, o, derive.get(o)!.options, sampleStep(input, o, s), [])
            : sampleStep(input, o, s),
        );
        const nulls = l.outs.some((o) => valueRules[o]!.nulls.length > 0) ? l.outs.map(nullPicker) : null;
        return lookupStep(input, l, columns, checks, fallbacks, nulls);
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
      .map((rule): ConditionalRange => {
        const r = (rule.def as { range: { min?: ProjectValue; max?: ProjectValue } }).range;
        return {
          when: compileWhen(rule)!.fn,
          whenVars: compileWhen(rule)!.vars,
          lo: convert(input, rule, ["range", "min"], r.min, column) ?? Number.NEGATIVE_INFINITY,
          hi: convert(input, rule, ["range", "max"], r.max, column) ?? Number.POSITIVE_INFINITY,
        };
      });
    const options = vr.samplers.map((rule) => {
      const when = compileWhen(rule);
      return { when: when?.fn ?? null, whenVars: when?.vars ?? [], rule };
    });
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
        options.map((o) => ({ ...o, weights: weightsFor(input, o.rule, column, finite[c]!) })),
        nulls.length > 0 ? pickNull : null,
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
    const draws = options.map((o): NumericDraw => {
      const d = o.rule.def;
      const bounds =
        "distribution" in d
          ? distributionBounds(numericDistribution(input, o.rule, d.distribution, column, ["distribution"]))
          : [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
      let listed: NumericDraw["listed"] = null;
      if ("categories" in d) {
        const { values, weights } = categoryValues(input, o.rule, column);
        listed = { values: Float64Array.from(values as number[]), weights: Float64Array.from(weights) };
      }
      const draw = samplerDraw.get(o.rule) ?? null;
      return { when: o.when, whenVars: o.whenVars, draw, lo: bounds[0]!, hi: bounds[1]!, listed };
    });
    return numericStep({
      c,
      column,
      checks,
      lo: lo[c]!,
      hi: hi[c]!,
      nulls,
      condRanges,
      terms: narrowTerms(c, s),
      affine: affineTerms(c, s),
      draws,
    });
  }

  /** Comparisons this step completes that are affine (not linear) in the column: bounded at run time. */
  function affineTerms(c: number, s: number): AffineTerm[] {
    const out: AffineTerm[] = [];
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

  function narrowTerms(c: number, s: number): LinearTerm[] {
    const out: LinearTerm[] = [];
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
        whenVars: when?.vars ?? [],
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
