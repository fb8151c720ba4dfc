import type { DistributionDef, ProjectValue } from "../project/project-types.ts";
import type { CompareOp } from "../rules/compile-expression.ts";
import type { NumericDistribution } from "../rules/distributions.ts";
import { ExpressionError } from "../rules/expression.ts";
import { RegexError } from "../rules/regex-generator.ts";
import type { ColumnSpec } from "../table-spec.ts";
import type { LevelInput } from "./level-types.ts";
import type { ShapedRule } from "./table-shape.ts";
import { describeType, toEngineNumber } from "./values.ts";

export const EPS = 1e-9;

export function locate(
  input: LevelInput,
  rule: ShapedRule,
  field: (string | number)[],
  run: () => void,
): void {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressionError || error instanceof RegexError) {
      throw input.source.error([...rule.path, ...field], error.message);
    }
    throw error;
  }
}

export function convert(
  input: LevelInput,
  rule: ShapedRule,
  field: (string | number)[],
  value: ProjectValue | undefined,
  column: ColumnSpec,
): number | undefined {
  if (value === undefined) return undefined;
  const n = toEngineNumber(value, column);
  if (n === undefined)
    throw input.source.error(
      [...rule.path, ...field],
      `expected ${describeType(column)} for ${column.name}`,
      value,
    );
  return n;
}

export function numericDistribution(
  input: LevelInput,
  rule: ShapedRule,
  d: DistributionDef,
  column: ColumnSpec,
  at: (string | number)[],
): NumericDistribution {
  const c = (field: string, value: ProjectValue | undefined) =>
    convert(input, rule, [...at, field], value, column);
  const offset = (value: ProjectValue | undefined) => (value === undefined ? 0 : c("offset", value)!);
  switch (d.kind) {
    case "uniform":
    case "truncated_normal": {
      const min = c("min", d.min)!;
      const max = c("max", d.max)!;
      if (min > max) throw input.source.error([...at, "min"], `min is above max`, d.min);
      return d.kind === "uniform"
        ? { kind: "uniform", min, max }
        : { kind: "truncated_normal", mean: c("mean", d.mean)!, sd: d.sd, min, max };
    }
    case "normal":
      return { kind: "normal", mean: c("mean", d.mean)!, sd: d.sd };
    case "lognormal":
      return { kind: "lognormal", mu: d.mu, sigma: d.sigma, offset: offset(d.offset) };
    case "exponential":
      return { kind: "exponential", rate: d.rate ?? 1 / d.mean!, offset: offset(d.offset) };
    case "histogram": {
      const edges = d.edges.map((e, i) => convert(input, rule, [...at, "edges", i], e, column)!);
      for (let i = 1; i < edges.length; i++) {
        if (edges[i]! < edges[i - 1]!)
          throw input.source.error([...at, "edges", i], "edges must not decrease", d.edges[i]);
      }
      if (d.weights.every((w) => w === 0))
        throw input.source.error([...at, "weights"], "at least one weight must be above 0");
      return { kind: "histogram", edges, weights: d.weights };
    }
  }
}

/** Narrows [ab[0], ab[1]] by coef·x + S op 0 with S in [sLo, sHi], in whole steps. */
export function tighten(
  ab: Float64Array,
  coef: number,
  sLo: number,
  sHi: number,
  op: CompareOp,
  exact: boolean,
  step: number,
): void {
  if (op === "<=" || op === "<" || op === "=") {
    const bound = -sLo / coef;
    const strict = op === "<" && exact;
    if (coef > 0) {
      const h = strict ? (Math.ceil(bound / step - EPS) - 1) * step : Math.floor(bound / step + EPS) * step;
      if (h < ab[1]!) ab[1] = h;
    } else {
      const l = strict ? (Math.floor(bound / step + EPS) + 1) * step : Math.ceil(bound / step - EPS) * step;
      if (l > ab[0]!) ab[0] = l;
    }
  }
  if (op === ">=" || op === ">" || op === "=") {
    const bound = -sHi / coef;
    const strict = op === ">" && exact;
    if (coef > 0) {
      const l = strict ? (Math.floor(bound / step + EPS) + 1) * step : Math.ceil(bound / step - EPS) * step;
      if (l > ab[0]!) ab[0] = l;
    } else {
      const h = strict ? (Math.ceil(bound / step - EPS) - 1) * step : Math.floor(bound / step + EPS) * step;
      if (h < ab[1]!) ab[1] = h;
    }
  }
}
