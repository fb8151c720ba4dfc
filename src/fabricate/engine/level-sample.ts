/**
 * A level's sampled steps: a column drawn by its samplers (finite values, text, or a number
 * narrowed through the linear and affine constraints its step completes), with its nulls rules
 * and its conditional ranges.
 */
import type { ProjectValue } from "../project/project-types.ts";
import { distributionBounds } from "../rules/distributions.ts";
import type { TextGenerator } from "../rules/regex-generator.ts";
import type { CellValue } from "../table-spec.ts";
import type { Domains } from "./level-domains.ts";
import {
  type AffineTerm,
  type ConditionalRange,
  type LinearTerm,
  type NumericDraw,
  numericStep,
} from "./level-numeric.ts";
import type { LevelRules } from "./level-rules.ts";
import { finiteStep } from "./level-steps.ts";
import { categoryValues, defaultText, textGenerator, weightsFor } from "./level-text.ts";
import type { Check, Step } from "./level-types.ts";
import { convert, numericDistribution } from "./level-values.ts";
import type { Prng } from "./prng.ts";

/** What a sampled step is made from: the level's rules, domains, step order and checks. */
export interface SampleContext extends LevelRules, Domains {
  stepOf: Int32Array;
  checksAt: Check[][];
}

/** Whether a column's nulls rules make it null in this row. */
export function nullPicker(ctx: SampleContext, c: number): (v: CellValue[], rng: Prng) => boolean {
  const { compileWhen, valueRules } = ctx;
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

/** A sampled step (column `c` at step `s`), with its narrowing through linear constraints and its conditional parts. */
export function sampleStep(ctx: SampleContext, c: number, s: number): Step {
  const { input, columns, n, compileWhen, valueRules, checksAt, stepOf, finite, samplerDraw, lo, hi } = ctx;
  const column = columns[c]!;
  const vr = valueRules[c]!;
  const checks = checksAt[s]!;
  const nulls = vr.nulls.map((rule) => ({
    when: compileWhen(rule)?.fn ?? null,
    share: (rule.def as { nulls: { share: number } }).nulls.share,
  }));
  const condRanges = vr.ranges
    .filter(
      (rule) => rule.when !== null && (compileWhen(rule)?.vars ?? []).every((x) => x >= n || stepOf[x]! < s),
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
    terms: narrowTerms(ctx, c, s),
    affine: affineTerms(ctx, c, s),
    draws,
  });
}

/** Comparisons this step completes that are affine (not linear) in the column: bounded at run time. */
function affineTerms({ constraints, n, stepOf }: SampleContext, c: number, s: number): AffineTerm[] {
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

/**
 * Linear comparisons in the column: its coefficient, the terms of columns assigned before (read
 * at run time) and the static bounds of those assigned after.
 */
function narrowTerms({ constraints, n, stepOf, lo, hi }: SampleContext, c: number, s: number): LinearTerm[] {
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
