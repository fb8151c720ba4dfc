/**
 * Compiles a table's rules at one level into the solver's steps: what the rules are
 * (level-rules.ts), how each column is assigned (level-assign.ts), the static domains
 * (level-domains.ts), the step order (level-order.ts), the checks (level-checks.ts), the steps
 * and the unique sets (level-unique.ts).
 */
import { type Assignment, assignColumns } from "./level-assign.ts";
import { checksAtSteps } from "./level-checks.ts";
import { levelDomains } from "./level-domains.ts";
import { lookupStep } from "./level-lookup.ts";
import { type ColumnOrder, orderColumns } from "./level-order.ts";
import { levelRules } from "./level-rules.ts";
import { nullPicker, type SampleContext, sampleStep } from "./level-sample.ts";
import { deriveStep } from "./level-steps.ts";
import type { Level, LevelInput, Step } from "./level-types.ts";
import { uniqueSets } from "./level-unique.ts";
import type { ShapedRule } from "./table-shape.ts";

export type { Check, Level, LevelInput, Step, UniqueSet } from "./level-types.ts";

export function compileLevel(input: LevelInput, activeSoft: ReadonlySet<ShapedRule>): Level {
  const rules = levelRules(input, activeSoft);
  const assignment = assignColumns(rules);
  const domains = levelDomains(rules, assignment);
  const order = orderColumns(rules, assignment);
  const checksAt = checksAtSteps(rules, assignment, order);
  const ctx: SampleContext = { ...rules, ...domains, stepOf: order.stepOf, checksAt };
  const steps = order.order.map((g, s) => stepOfGroup(ctx, assignment, order, g, s));
  const unique = uniqueSets(rules, assignment.sequenceColumn, steps, order.stepOf);
  const { lo, hi } = domains;
  return {
    soft: rules.active.filter((r) => r.soft),
    steps,
    unique,
    lo,
    hi,
    sequenceColumn: assignment.sequenceColumn,
  };
}

/** The step (number `s`) assigning group `g`'s columns, as its first column is assigned. */
function stepOfGroup(
  ctx: SampleContext,
  { how, derive, lookups }: Assignment,
  { groups, fkOfGroup }: ColumnOrder,
  g: number,
  s: number,
): Step {
  const { input, columns, valueRules } = ctx;
  const { shape } = input;
  const cols = groups[g]!;
  const c = cols[0]!;
  const checks = ctx.checksAt[s]!;
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
      const step = deriveStep(input, c, options, sampleStep(ctx, c, s), checks);
      if (!step.random || step.drawsWhenNoConditionHolds)
        step.reads = options.flatMap((o) => [...o.expr.vars, ...(o.when?.vars ?? [])]);
      return step;
    }
    case "lookup": {
      const l = lookups.find((x) => x.outs.includes(c))!;
      const fallbacks = l.outs.map((o) =>
        l.otherwise.get(o) === "derive"
          ? deriveStep(input, o, derive.get(o)!.options, sampleStep(ctx, o, s), [])
          : sampleStep(ctx, o, s),
      );
      const nulls = l.outs.some((o) => valueRules[o]!.nulls.length > 0)
        ? l.outs.map((o) => nullPicker(ctx, o))
        : null;
      return lookupStep(input, l, columns, checks, fallbacks, nulls);
    }
    default:
      return sampleStep(ctx, c, s);
  }
}
