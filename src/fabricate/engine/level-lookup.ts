import type { LookupRule } from "../project/project-types.ts";
import type { Compiled } from "../rules/compile-expression.ts";
import type { CellValue, ColumnSpec } from "../table-spec.ts";
import type { Check, LevelInput, Step } from "./level-types.ts";
import type { Prng } from "./prng.ts";
import type { ShapedRule } from "./table-shape.ts";
import { describeType, toEngineValue } from "./values.ts";

export function keyOf(v: CellValue[], keys: readonly number[]): string {
  if (keys.length === 1) return String(v[keys[0]!]);
  let out = "";
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? "" : "\u0001"}${String(v[keys[i]!])}`;
  return out;
}

export function knowledgeIndex(
  input: LevelInput,
  rule: ShapedRule,
  keys: readonly number[],
  outs: readonly number[],
  knowledgeColumns: Map<number, number>,
  columns: readonly ColumnSpec[],
): Map<string, { values: CellValue[][]; cum: Float64Array }> {
  const def = (rule.def as LookupRule).lookup;
  const table = input.knowledge.get(def.table)!;
  const weightColumn = def.weight === undefined ? -1 : table.columns.indexOf(def.weight);
  if (def.weight !== undefined && weightColumn < 0) {
    throw input.source.error(
      [...rule.path, "lookup", "weight"],
      `knowledge table ${def.table} has no column ${def.weight}; its columns: ${table.columns.join(", ")}`,
      def.weight,
    );
  }
  const groups = new Map<string, { values: CellValue[][]; weights: number[] }>();
  const keyRow: CellValue[] = [];
  table.rows.forEach((row, r) => {
    const read = (c: number): CellValue => {
      const text = row[knowledgeColumns.get(c)!] ?? "";
      const value = toEngineValue(text, columns[c]!);
      if (value === undefined) {
        throw input.source.error(
          [...rule.path, "lookup", "columns", columns[c]!.name],
          `${table.file} line ${r + 2}: ${JSON.stringify(text)} is not ${describeType(columns[c]!)}`,
          text,
        );
      }
      return value;
    };
    keys.forEach((c, i) => {
      keyRow[i] = read(c);
    });
    const key = keyOf(
      keyRow,
      keys.map((_, i) => i),
    );
    const weight = weightColumn < 0 ? 1 : Number(row[weightColumn]);
    if (!Number.isFinite(weight) || weight < 0) {
      throw input.source.error(
        [...rule.path, "lookup", "weight"],
        `${table.file} line ${r + 2}: the weight ${JSON.stringify(row[weightColumn])} is not a number >= 0`,
      );
    }
    const group = groups.get(key) ?? { values: [], weights: [] };
    group.values.push(outs.map(read));
    group.weights.push(weight);
    groups.set(key, group);
  });
  const index = new Map<string, { values: CellValue[][]; cum: Float64Array }>();
  for (const [key, group] of groups) {
    const cum = new Float64Array(group.weights.length);
    let total = 0;
    group.weights.forEach((w, i) => {
      total += w;
      cum[i] = total;
    });
    if (total > 0) index.set(key, { values: group.values, cum });
  }
  return index;
}

/** One lookup that draws a step's columns: its rule, key columns, mapping and condition. */
export interface LookupOption {
  rule: ShapedRule;
  keys: number[];
  knowledgeColumns: Map<number, number>;
  when: Compiled | null;
}

/**
 * Draws the step's columns from the first lookup whose condition holds (the lookup, then its
 * alternatives: lookups of the same columns under other conditions); when none holds, each
 * column is assigned as it would be without them (`fallbacks`).
 */
export function lookupStep(
  input: LevelInput,
  l: LookupOption & { outs: number[]; alternatives: LookupOption[] },
  columns: readonly ColumnSpec[],
  checks: Check[],
  fallbacks: Step[],
  nulls: ((v: CellValue[], rng: Prng) => boolean)[],
): Step {
  const { outs } = l;
  const options = [l, ...l.alternatives].map((o) => ({
    when: o.when?.fn ?? null,
    keys: o.keys,
    index: knowledgeIndex(input, o.rule, o.keys, outs, o.knowledgeColumns, columns),
  }));
  return {
    columns: outs,
    random: true,
    checks,
    assign(v, rng) {
      let option: (typeof options)[number] | undefined;
      for (let i = 0; i < options.length; i++) {
        const o = options[i]!;
        if (o.when === null || o.when(v) === true) {
          option = o;
          break;
        }
      }
      if (option === undefined) {
        // No condition holds: each column is assigned as it would be without the lookups.
        for (const f of fallbacks) if (!f.assign(v, rng)) return false;
        return true;
      }
      const group = option.index.get(keyOf(v, option.keys));
      if (group === undefined) return false;
      const cum = group.cum;
      const r = rng.next() * cum[cum.length - 1]!;
      let low = 0;
      let high = cum.length - 1;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (cum[mid]! > r) high = mid;
        else low = mid + 1;
      }
      const row = group.values[low]!;
      for (let i = 0; i < outs.length; i++) v[outs[i]!] = nulls[i]!(v, rng) ? null : row[i]!;
      return true;
    },
  };
}
