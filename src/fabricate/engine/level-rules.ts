/**
 * A table's rules at one level, read for compileLevel: the rules active at the level, each
 * rule's condition compiled once, the value rules of each column and the constraints.
 */
import {
  type Compiled,
  type CompiledConstraint,
  compileConstraint,
  compileExpr,
  type ResolveVar,
} from "../rules/compile-expression.ts";
import { type Expr, ExpressionError } from "../rules/expression.ts";
import type { ColumnSpec } from "../table-spec.ts";
import type { LevelInput } from "./level-types.ts";
import { locate } from "./level-values.ts";
import type { ShapedRule } from "./table-shape.ts";

/** Which rule (if any) gives a column its values, per column, at this level. */
export interface ValueRules {
  samplers: ShapedRule[];
  ranges: ShapedRule[];
  nulls: ShapedRule[];
  categories: ShapedRule[];
}

/** One constraint (a part of a top-level `and`), with its rule's condition. */
export interface LevelConstraint {
  rule: ShapedRule;
  c: CompiledConstraint;
  when: Compiled | null;
}

export interface LevelRules {
  input: LevelInput;
  columns: readonly ColumnSpec[];
  /** The number of the table's own columns (value-array indexes below it are own columns). */
  n: number;
  /** The mandatory rules and the soft rules active at this level. */
  active: ShapedRule[];
  /** A rule's condition, compiled once: its sampler, narrowing and check share one closure. */
  compileWhen: (rule: ShapedRule) => Compiled | null;
  valueRules: ValueRules[];
  constraints: LevelConstraint[];
}

export function levelRules(input: LevelInput, activeSoft: ReadonlySet<ShapedRule>): LevelRules {
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
  const valueRules = valueRulesOf(input, active);
  const constraints: LevelConstraint[] = [];
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
  return { input, columns, n, active, compileWhen, valueRules, constraints };
}

function valueRulesOf(input: LevelInput, active: readonly ShapedRule[]): ValueRules[] {
  const { shape } = input;
  const valueRules: ValueRules[] = shape.spec.columns.map(() => ({
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
  return valueRules;
}
