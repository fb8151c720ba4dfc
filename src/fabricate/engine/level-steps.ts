import type { Compiled, Evaluator } from "../rules/compile-expression.ts";
import type { CellValue } from "../table-spec.ts";
import type { Check, LevelInput, Step } from "./level-types.ts";
import type { Prng } from "./prng.ts";
import type { ShapedRule } from "./table-shape.ts";

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

export function finiteStep(
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
