/**
 * A level's checks, each at the step that completes it (the last step assigning a column it
 * reads): constraints not made computations, ranges and categories their step does not
 * guarantee, and lookups whose every mapped column is set elsewhere.
 */
import type { ProjectValue } from "../project/project-types.ts";
import type { Assignment } from "./level-assign.ts";
import { keyOf, knowledgeIndex } from "./level-lookup.ts";
import type { ColumnOrder } from "./level-order.ts";
import type { LevelRules } from "./level-rules.ts";
import { categoryValues } from "./level-text.ts";
import type { Check } from "./level-types.ts";
import { convert, EPS } from "./level-values.ts";

/** The checks of each step, in step order. */
export function checksAtSteps(
  rules: LevelRules,
  { how, derivedBy, lookups }: Assignment,
  { order, stepOf }: ColumnOrder,
): Check[][] {
  const { input, columns, n, compileWhen, valueRules, constraints } = rules;
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
        // The bounds first: a value within them passes without its condition being evaluated.
        fn: (v) => {
          const x = v[c];
          if (x === null || ((x as number) >= a - EPS && (x as number) <= b + EPS)) return true;
          return w !== undefined && w(v) !== true;
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
        // The set first: an allowed value passes without its condition being evaluated.
        fn: (v) => v[c] === null || allowed.has(v[c]!) || (w !== undefined && w(v) !== true),
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
  return checksAt;
}
