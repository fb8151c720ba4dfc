import type { Compiled, Evaluator } from "../rules/compile-expression.ts";
import type { CellValue, ColumnSpec } from "../table-spec.ts";
import {
  type Choices,
  ContextCache,
  contextOf,
  MAX_CONTEXT,
  NO_CHOICE,
  passingChoices,
  pickChoice,
} from "./context-cache.ts";
import type { Check, LevelInput, Step } from "./level-types.ts";
import type { Prng } from "./prng.ts";
import type { ShapedRule } from "./table-shape.ts";

/**
 * Writes a computed value into column `c` as the column's type holds it (a whole number for
 * integers and dates, the scale's digits for decimals, a listed category), or refuses it (false):
 * one closure per type, so that no per-value switch on the type is made.
 */
function setterFor(column: ColumnSpec, c: number): (v: CellValue[], x: CellValue) => boolean {
  const nullable = column.nullable === true;
  switch (column.type) {
    case "integer":
    case "date":
    case "datetime":
      return (v, x) => {
        if (typeof x === "number" && Number.isInteger(x)) v[c] = x;
        else if (typeof x === "number" && Math.abs(x - Math.round(x)) < 1e-9) v[c] = Math.round(x);
        else if (x === null && nullable) v[c] = null;
        else return false;
        return true;
      };
    case "decimal": {
      const inv = 10 ** (column.scale ?? 2);
      return (v, x) => {
        if (typeof x === "number") v[c] = Math.round(x * inv) / inv;
        else if (x === null && nullable) v[c] = null;
        else return false;
        return true;
      };
    }
    case "boolean":
      return (v, x) => {
        if (typeof x === "boolean" || (x === null && nullable)) v[c] = x;
        else return false;
        return true;
      };
    case "categorical": {
      const categories = new Set<CellValue>(column.categories);
      return (v, x) => {
        if (x === null) {
          if (!nullable) return false;
          v[c] = null;
          return true;
        }
        const text = typeof x === "string" ? x : String(x);
        if (!categories.has(text)) return false;
        v[c] = text;
        return true;
      };
    }
    default:
      return (v, x) => {
        if (x !== null) v[c] = typeof x === "string" ? x : String(x);
        else if (nullable) v[c] = null;
        else return false;
        return true;
      };
  }
}

export function deriveStep(
  input: LevelInput,
  c: number,
  options: { when: Compiled | null; expr: Compiled; rule: ShapedRule }[],
  fallback: Step,
  checks: Check[],
): Step {
  const column = input.shape.spec.columns[c]!;
  const conditional = options.every((o) => o.when !== null);
  const fns = options.map((o) => ({ when: o.when?.fn ?? null, fn: o.expr.fn }));
  const set = setterFor(column, c);
  if (!conditional) {
    return {
      columns: [c],
      random: false,
      checks,
      assign(v) {
        for (const o of fns) if (o.when === null || o.when(v) === true) return set(v, o.fn(v));
        return false; // not reached: an unconditional option always holds
      },
    };
  }
  const conditions = options.map((o) => ({ when: o.when!.fn, fn: o.expr.fn }));
  const step: Step = {
    columns: [c],
    // Conditional computations fall back to sampling, which can be retried.
    random: true,
    drawsWhenNoConditionHolds: true,
    checks,
    assign(v, rng) {
      for (const o of conditions) {
        if (o.when(v) === true) {
          step.drew = false;
          return set(v, o.fn(v));
        }
      }
      step.drew = true;
      return fallback.assign(v, rng);
    },
  };
  return step;
}

/**
 * A categorical or boolean column: drawn by the weights of the first option whose condition
 * holds (uniform when none does). The values that pass the step's checks are found once per
 * context (ContextCache) and the draw is made among them; without the cache (a nulls rule, a
 * check that does not say what it reads, a context too wide or the cache full), a draw its checks
 * refuse is followed by one among the values they accept (forward checking).
 */
export function finiteStep(
  c: number,
  values: readonly CellValue[],
  options: { when: Evaluator | null; whenVars: readonly number[]; weights: Float64Array }[],
  pickNull: ((v: CellValue[], rng: Prng) => boolean) | null,
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
  const sum = (w: Float64Array) => w.reduce((a, b) => a + b, 0);
  const totals = options.map((o) => sum(o.weights));
  const uniformTotal = sum(uniform);
  /** The total of the weights weightsOf returned last. */
  let chosenTotal = 0;
  const weightsOf = (v: CellValue[]): Float64Array => {
    for (let i = 0; i < options.length; i++) {
      const o = options[i]!;
      if (o.when === null || o.when(v) === true) {
        chosenTotal = totals[i]!;
        return o.weights;
      }
    }
    chosenTotal = uniformTotal;
    return uniform;
  };
  const context =
    pickNull === null && checks.length > 0
      ? contextOf(
          checks,
          options.flatMap((o) => o.whenVars),
          [c],
        )
      : undefined;
  const cache =
    context !== undefined && context.length <= MAX_CONTEXT ? new ContextCache<Choices>(context) : null;
  const put = (v: CellValue[], i: number) => {
    v[c] = values[i]!;
  };
  const choicesOf = (v: CellValue[]) => passingChoices(v, weightsOf(v), put, checks);
  const step: Step = {
    columns: [c],
    random: true,
    checks,
    assign(v, rng) {
      step.verified = false;
      if (pickNull?.(v, rng) === true) {
        v[c] = null;
        return true;
      }
      if (cache !== null) {
        const choices = cache.getOrMake(v, choicesOf);
        if (choices !== undefined && choices !== NO_CHOICE) {
          v[c] = values[pickChoice(choices, rng)]!;
          step.verified = true;
          return true;
        }
      }
      const weights = weightsOf(v);
      const total = chosenTotal;
      if (total <= 0) return false;
      const drawn = values[draw(weights, total, rng)]!;
      v[c] = drawn;
      if (checks.length === 0) return true;
      // Forward checking: on a miss, keep only the values this step's checks accept.
      let ok = true;
      for (const check of checks) if (check.fn(v) === false) ok = false;
      if (ok) {
        step.verified = true;
        return true;
      }
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
      if (remaining <= 0) {
        // No value passes: the drawn one is handed to the solver unverified, so that its checks
        // refuse it there and the rules that failed are counted (and soft ones can be dropped).
        v[c] = drawn;
        return true;
      }
      v[c] = values[draw(allowed, remaining, rng)]!;
      step.verified = true;
      return true;
    },
  };
  return step;
}
