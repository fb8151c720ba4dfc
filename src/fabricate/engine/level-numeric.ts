/**
 * The step that samples a number, date or date-time column: its static bounds, narrowed per row
 * by conditional ranges, by linear constraints over columns already set (exactly) and by
 * comparisons affine in the column (evaluated at 0 and 1), then drawn by the first sampler whose
 * condition holds — a distribution, listed values (a categories rule) or uniform.
 *
 * Listed values are filtered once per context (ContextCache: the values the narrowing, the
 * conditions and the step's checks read): the draw is then made among those within the bounds
 * that pass the checks, which the solver need not run again.
 */
import type { CompareOp, Evaluator } from "../rules/compile-expression.ts";
import type { Draw } from "../rules/distributions.ts";
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
import type { Check, Step } from "./level-types.ts";
import { EPS, tighten } from "./level-values.ts";
import type { Prng } from "./prng.ts";
import { columnStep, defaultWindow, typeDomain } from "./values.ts";

/** A sampler of the column: a distribution, listed values or (neither) uniform. */
export interface NumericDraw {
  when: Evaluator | null;
  whenVars: readonly number[];
  draw: Draw | null;
  /** The distribution's own bounds (infinite when it has none). */
  lo: number;
  hi: number;
  listed: { values: Float64Array; weights: Float64Array } | null;
}

export interface ConditionalRange {
  when: Evaluator;
  whenVars: readonly number[];
  lo: number;
  hi: number;
}

/** coef·x + Σ coefs·vars + constant + [uLo, uHi]  op  0, for the column x (a linear constraint). */
export interface LinearTerm {
  a: number;
  vars: Int32Array;
  coefs: Float64Array;
  constant: number;
  uLo: number;
  uHi: number;
  op: CompareOp;
  exact: boolean;
  when: Evaluator | null;
  whenVars: readonly number[];
}

/** left op right, affine in the column. */
export interface AffineTerm {
  left: Evaluator;
  right: Evaluator;
  op: CompareOp;
  when: Evaluator | null;
}

export interface NullOption {
  when: Evaluator | null;
  share: number;
}

export interface NumericStepInput {
  c: number;
  column: ColumnSpec;
  checks: Check[];
  /** The column's static domain. */
  lo: number;
  hi: number;
  nulls: readonly NullOption[];
  condRanges: readonly ConditionalRange[];
  terms: readonly LinearTerm[];
  affine: readonly AffineTerm[];
  draws: readonly NumericDraw[];
}

/** Listed values of the sampler that holds in a context, and those of them that may be drawn. */
interface Listed {
  values: Float64Array;
  choices: Choices;
}

export function numericStep(input: NumericStepInput): Step {
  const { c, column, checks, nulls, condRanges, terms, affine, draws } = input;
  const ab = new Float64Array(2);
  const unit = columnStep(column);
  const [typeLo, typeHi] = typeDomain(column);
  const [wLo, wHi] = defaultWindow(column);
  const discrete = column.type !== "decimal";
  const inv = discrete ? 1 : 10 ** (column.scale ?? 2);
  const allowed = draws.map((d) => (d.listed === null ? null : new Float64Array(d.listed.values.length)));

  const pickNull = (v: CellValue[], rng: Prng): boolean => {
    for (const o of nulls) {
      if (o.when === null || o.when(v) === true) return rng.next() < o.share;
    }
    return false;
  };
  /** The bounds of the row in `ab`: static, conditional ranges, linear and affine terms. */
  const narrow = (v: CellValue[]): void => {
    let a = input.lo;
    let b = input.hi;
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
      tighten(ab, term.a, sum + term.uLo, sum + term.uHi, term.op, term.exact, unit);
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
      tighten(ab, coef, f0, f0, term.op, true, unit);
    }
  };
  /** The index of the first sampler whose condition holds, or -1. */
  const samplerOf = (v: CellValue[]): number => {
    for (let i = 0; i < draws.length; i++) {
      const o = draws[i]!;
      if (o.when === null || o.when(v) === true) return i;
    }
    return -1;
  };
  /** The listed values within [a, b], by weight, in `allowed[s]`; their total. */
  const within = (s: number, a: number, b: number): number => {
    const { values, weights } = draws[s]!.listed!;
    const out = allowed[s]!;
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      out[i] = x >= a - EPS && x <= b + EPS ? weights[i]! : 0;
      total += out[i]!;
    }
    return total;
  };

  const anyListed = draws.some((d) => d.listed !== null);
  const reads = [
    ...condRanges.flatMap((r) => r.whenVars),
    ...terms.flatMap((t) => [...t.vars, ...t.whenVars]),
    ...draws.flatMap((d) => d.whenVars),
  ];
  const context =
    anyListed && nulls.length === 0 && affine.length === 0 ? contextOf(checks, reads, [c]) : undefined;
  const cache =
    context !== undefined && context.length <= MAX_CONTEXT ? new ContextCache<Listed | null>(context) : null;
  /** The listed values a context may draw (null: its sampler lists none). */
  const listedOf = (v: CellValue[]): Listed | null => {
    const s = samplerOf(v);
    if (s < 0 || draws[s]!.listed === null) return null;
    narrow(v);
    const o = draws[s]!;
    const a = Math.max(ab[0]!, o.lo);
    const b = Math.min(ab[1]!, o.hi);
    const values = o.listed!.values;
    if (a > b + EPS || within(s, a, b) <= 0) return { values, choices: NO_CHOICE };
    const choices = passingChoices(v, allowed[s]!, (x, i) => (x[c] = values[i]!), checks);
    return { values, choices };
  };

  const step: Step = {
    columns: [c],
    random: true,
    checks,
    assign(v, rng) {
      step.verified = false;
      if (cache !== null) {
        const entry = cache.getOrMake(v, listedOf);
        if (entry != null && entry.choices !== NO_CHOICE) {
          v[c] = entry.values[pickChoice(entry.choices, rng)]!;
          step.verified = true;
          return true;
        }
      }
      if (pickNull(v, rng)) {
        v[c] = null;
        return true;
      }
      narrow(v);
      let a = ab[0]!;
      let b = ab[1]!;
      const s = samplerOf(v);
      const o = s < 0 ? null : draws[s]!;
      if (o !== null) {
        if (o.lo > a) a = o.lo;
        if (o.hi < b) b = o.hi;
        if (o.listed !== null) {
          // Drawn from listed values (a categories rule): those within the bounds, by weight.
          if (a > b + EPS) return false;
          const total = within(s, a, b);
          if (total <= 0) return false;
          const values = o.listed.values;
          const weights = allowed[s]!;
          let r = rng.next() * total;
          let pick = values.length - 1;
          for (let i = 0; i < values.length; i++) {
            r -= weights[i]!;
            if (r < 0) {
              pick = i;
              break;
            }
          }
          while (weights[pick]! <= 0) pick--;
          v[c] = values[pick]!;
          return true;
        }
      }
      if (a > b + EPS) return false;
      const draw = o?.draw ?? null;
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
  return step;
}
