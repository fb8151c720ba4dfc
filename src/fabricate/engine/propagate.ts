/**
 * Static bounds propagation: interval arithmetic through linear constraints
 * (Σ coef·x + constant op 0) until nothing narrows (or a round limit), remembering which rules
 * set each bound so that an emptied domain names the rules that conflict. Parent columns (index
 * >= own) are read but never narrowed: their values are whatever the parent rows hold.
 */
import type { CompareOp } from "../rules/compile-expression.ts";
import type { ShapedRule } from "./table-shape.ts";

export interface LinearConstraint {
  rule: ShapedRule;
  vars: readonly number[];
  coefs: readonly number[];
  constant: number;
  op: CompareOp;
}

const EPS = 1e-9;
const MAX_ROUNDS = 64;

/**
 * Narrows lo/hi in place. Returns null, or the first column whose domain emptied with the rules
 * responsible (the constraint itself and those behind the bounds it used).
 */
export function propagate(
  constraints: readonly LinearConstraint[],
  lo: Float64Array,
  hi: Float64Array,
  loWhy: Set<ShapedRule>[],
  hiWhy: Set<ShapedRule>[],
  own: number,
  steps: readonly number[],
): { column: number; rules: ShapedRule[] } | null {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (const c of constraints) {
      if (c.op === "!=") continue;
      for (let i = 0; i < c.vars.length; i++) {
        const x = c.vars[i]!;
        if (x >= own) continue;
        const a = c.coefs[i]!;
        // a·x + S op 0, with S = constant + Σ others ∈ [sLo, sHi]
        let sLo = c.constant;
        let sHi = c.constant;
        const why = new Set<ShapedRule>([c.rule]);
        for (let j = 0; j < c.vars.length; j++) {
          if (j === i) continue;
          const y = c.vars[j]!;
          const k = c.coefs[j]!;
          sLo += k > 0 ? k * lo[y]! : k * hi[y]!;
          sHi += k > 0 ? k * hi[y]! : k * lo[y]!;
          for (const r of loWhy[y] ?? []) why.add(r);
          for (const r of hiWhy[y] ?? []) why.add(r);
        }
        if (!Number.isFinite(sLo) && !Number.isFinite(sHi)) continue;
        const step = steps[x] ?? 1;
        let newLo = lo[x]!;
        let newHi = hi[x]!;
        const strict = c.op === "<" || c.op === ">";
        const upper = (bound: number) =>
          strict ? (Math.ceil(bound / step - EPS) - 1) * step : Math.floor(bound / step + EPS) * step;
        const lower = (bound: number) =>
          strict ? (Math.floor(bound / step + EPS) + 1) * step : Math.ceil(bound / step - EPS) * step;
        if ((c.op === "<=" || c.op === "<" || c.op === "=") && Number.isFinite(sLo)) {
          const bound = -sLo / a;
          if (a > 0) newHi = Math.min(newHi, upper(bound));
          else newLo = Math.max(newLo, lower(bound));
        }
        if ((c.op === ">=" || c.op === ">" || c.op === "=") && Number.isFinite(sHi)) {
          const bound = -sHi / a;
          if (a > 0) newLo = Math.max(newLo, lower(bound));
          else newHi = Math.min(newHi, upper(bound));
        }
        if (newLo > lo[x]! + EPS) {
          lo[x] = newLo;
          loWhy[x] = new Set(why);
          changed = true;
        }
        if (newHi < hi[x]! - EPS) {
          hi[x] = newHi;
          hiWhy[x] = new Set(why);
          changed = true;
        }
        if (lo[x]! > hi[x]! + EPS) {
          return { column: x, rules: sortRules([...loWhy[x]!, ...hiWhy[x]!]) };
        }
      }
    }
    if (!changed) return null;
  }
  return null;
}

function sortRules(rules: ShapedRule[]): ShapedRule[] {
  return [...new Set(rules)].sort((a, b) => a.index - b.index);
}
