/**
 * The static domains of a level's value array: type domains narrowed by unconditional ranges,
 * listed values and distribution bounds, then by propagation through the linear constraints;
 * and the finite domains of categorical and boolean columns.
 */
import type { ProjectValue } from "../project/project-types.ts";
import { compileDistribution, type Draw, distributionBounds } from "../rules/distributions.ts";
import type { CellValue } from "../table-spec.ts";
import type { Assignment } from "./level-assign.ts";
import type { LevelRules } from "./level-rules.ts";
import { categoryValues } from "./level-text.ts";
import { convert, EPS, numericDistribution } from "./level-values.ts";
import { type LinearConstraint, propagate } from "./propagate.ts";
import type { ShapedRule } from "./table-shape.ts";
import { unsatisfiable } from "./table-shape.ts";
import { columnStep, typeDomain } from "./values.ts";

const finiteTypes = new Set(["categorical", "boolean"]);

export interface Domains {
  /** Static domains of the value array (own columns then parent slots). */
  lo: Float64Array;
  hi: Float64Array;
  /** The compiled draw of each distribution rule. */
  samplerDraw: Map<ShapedRule, Draw>;
  /** Per own column, its possible values when finite (categorical, boolean), else null. */
  finite: (CellValue[] | null)[];
}

export function levelDomains(rules: LevelRules, { how }: Assignment): Domains {
  const { input, columns, n, valueRules, constraints } = rules;
  const { shape } = input;
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
      const why = [...loWhy[c]!, ...hiWhy[c]!];
      throw unsatisfiable(shape.name, `${column.name} has no value in its bounds`, why, input.source);
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
  return { lo, hi, samplerDraw, finite: finiteDomains(rules) };
}

/** Finite domains: unconditional single-column constraints and categories rules filter them. */
function finiteDomains(rules: LevelRules): (CellValue[] | null)[] {
  const { input, columns, n, valueRules, constraints } = rules;
  const { shape } = input;
  const finite: (CellValue[] | null)[] = columns.map((column) =>
    column.type === "categorical"
      ? [...column.categories!]
      : column.type === "boolean"
        ? [false, true]
        : null,
  );
  const scratch: CellValue[] = new Array(shape.width).fill(null);
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
  return finite;
}
