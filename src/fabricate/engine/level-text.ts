import type { CategoriesRule } from "../project/project-types.ts";
import { FORMAT_GENERATORS } from "../rules/formats.ts";
import { compileRegex, type TextGenerator } from "../rules/regex-generator.ts";
import type { CellValue, ColumnSpec } from "../table-spec.ts";
import type { LevelInput } from "./level-types.ts";
import { locate } from "./level-values.ts";
import type { Prng } from "./prng.ts";
import type { ShapedRule } from "./table-shape.ts";
import { describeType, toEngineValue } from "./values.ts";

/** The values of a categories rule, converted to the column's type. */
export function categoryValues(
  input: LevelInput,
  rule: ShapedRule,
  column: ColumnSpec,
): { values: CellValue[]; weights: number[] } {
  const def = (rule.def as CategoriesRule).categories;
  const entries: [unknown, number][] = def.values
    ? def.values.map((x) => [x, 1])
    : Object.entries(def.weights!).map(([k, w]) => [k, w]);
  const values: CellValue[] = [];
  const weights: number[] = [];
  entries.forEach(([raw, w], i) => {
    const value = column.type === "string" ? String(raw) : toEngineValue(raw, column);
    if (value === undefined || value === null) {
      const field = def.values ? ["categories", "values", i] : ["categories", "weights", String(raw)];
      throw input.source.error(
        [...rule.path, ...field],
        `${JSON.stringify(raw)} is not a value of ${column.name}: expected ${describeType(column)}`,
        raw,
      );
    }
    values.push(value);
    weights.push(w);
  });
  if (weights.every((w) => w === 0))
    throw input.source.error([...rule.path, "categories"], "at least one weight must be above 0");
  return { values, weights };
}

export function weightsFor(
  input: LevelInput,
  rule: ShapedRule,
  column: ColumnSpec,
  domain: readonly CellValue[],
): Float64Array {
  const { values, weights } = categoryValues(input, rule, column);
  const out = new Float64Array(domain.length);
  values.forEach((value, i) => {
    const at = domain.indexOf(value);
    if (at >= 0) out[at] = weights[i]!;
  });
  return out;
}

export function textGenerator(input: LevelInput, rule: ShapedRule, column: ColumnSpec): TextGenerator {
  const d = rule.def;
  if ("pattern" in d) {
    if (d.pattern.format !== undefined) return FORMAT_GENERATORS[d.pattern.format];
    let gen: TextGenerator = defaultText;
    locate(input, rule, ["pattern", "regex"], () => {
      gen = compileRegex(d.pattern.regex!);
    });
    return gen;
  }
  if ("categories" in d) {
    const { values, weights } = categoryValues(input, rule, column);
    const cum = new Float64Array(weights.length);
    let total = 0;
    weights.forEach((w, i) => {
      total += w;
      cum[i] = total;
    });
    return (rng) => {
      const r = rng.next() * total;
      for (let i = 0; i < cum.length; i++) if (r < cum[i]!) return values[i] as string;
      return values[values.length - 1] as string;
    };
  }
  return defaultText;
}

export const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export function defaultText(rng: Prng): string {
  let out = "";
  for (let i = 0; i < 8; i++) out += ALPHANUMERIC[Math.floor(rng.next() * 36)];
  return out;
}
