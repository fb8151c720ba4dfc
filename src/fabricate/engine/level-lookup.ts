import type { LookupRule } from "../project/project-types.ts";
import type { Compiled } from "../rules/compile-expression.ts";
import type { CellValue, ColumnSpec } from "../table-spec.ts";
import {
  type Choices,
  ContextCache,
  contextOf,
  drawIndex,
  MAX_CONTEXT,
  NO_CHOICE,
  passingChoices,
  pickChoice,
} from "./context-cache.ts";
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
): Map<string, KnowledgeGroup> {
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
  const index = new Map<string, KnowledgeGroup>();
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
 *
 * Candidates are filtered by the step's own checks, once per context (the values the checks,
 * conditions and keys read besides the drawn columns, ContextCache): a draw is then made among
 * the knowledge rows that pass, by their weights — the distribution rejection would give, without
 * drawing rows the checks refuse. A context whose rows all fail, or one met after the cache is
 * full, draws as before and lets the solver's checks refuse (and count) the row.
 */
export function lookupStep(
  input: LevelInput,
  l: LookupOption & { outs: number[]; alternatives: LookupOption[] },
  columns: readonly ColumnSpec[],
  checks: Check[],
  fallbacks: Step[],
  nulls: ((v: CellValue[], rng: Prng) => boolean)[] | null,
): Step {
  const { outs } = l;
  const all = [l, ...l.alternatives];
  const options = all.map((o) => ({
    when: o.when?.fn ?? null,
    keys: o.keys,
    index: knowledgeIndex(input, o.rule, o.keys, outs, o.knowledgeColumns, columns),
  }));
  type Option = (typeof options)[number];
  const optionOf = (v: CellValue[]): Option | undefined => {
    for (let i = 0; i < options.length; i++) {
      const o = options[i]!;
      if (o.when === null || o.when(v) === true) return o;
    }
    return undefined;
  };
  const pick = (group: KnowledgeGroup, rng: Prng): CellValue[] => group.values[drawIndex(group.cum, rng)]!;
  const fallback = (v: CellValue[], rng: Prng): boolean => {
    // No condition holds: each column is assigned as it would be without the lookups.
    for (const f of fallbacks) if (!f.assign(v, rng)) return false;
    return true;
  };
  // Filtering needs every check to say what it reads, and no nulls rule on the drawn columns.
  const reads = all.flatMap((o) => [...o.keys, ...(o.when?.vars ?? [])]);
  const context = nulls === null && checks.length > 0 ? contextOf(checks, reads, outs) : undefined;
  const cache =
    context !== undefined && context.length <= MAX_CONTEXT ? new ContextCache<Passing | null>(context) : null;
  const put = (v: CellValue[], row: readonly CellValue[]) => {
    for (let i = 0; i < outs.length; i++) v[outs[i]!] = row[i]!;
  };
  /** The rows of the context's group that pass every check (null: no condition holds). */
  const passing = (v: CellValue[]): Passing | null => {
    const option = optionOf(v);
    if (option === undefined) return null;
    const group = option.index.get(keyOf(v, option.keys));
    if (group === undefined) return { rows: [], choices: NO_CHOICE };
    const cum = group.cum;
    const weights = cum.map((c, r) => c - (r === 0 ? 0 : cum[r - 1]!));
    const rows = group.values;
    return { rows, choices: passingChoices(v, weights, (x, i) => put(x, rows[i]!), checks) };
  };
  const step: Step = {
    columns: outs,
    random: true,
    checks,
    assign(v, rng) {
      step.verified = false;
      if (cache !== null) {
        const entry = cache.getOrMake(v, passing);
        if (entry === null) return fallback(v, rng);
        if (entry !== undefined && entry.choices !== NO_CHOICE) {
          put(v, entry.rows[pickChoice(entry.choices, rng)]!);
          step.verified = true;
          return true;
        }
      }
      const option = optionOf(v);
      if (option === undefined) return fallback(v, rng);
      const group = option.index.get(keyOf(v, option.keys));
      if (group === undefined) return false;
      const row = pick(group, rng);
      if (nulls === null) put(v, row);
      else for (let i = 0; i < outs.length; i++) v[outs[i]!] = nulls[i]!(v, rng) ? null : row[i]!;
      return true;
    },
  };
  return step;
}

/** A context's knowledge rows and those of them that pass the step's checks. */
interface Passing {
  rows: readonly CellValue[][];
  choices: Choices;
}

/** Knowledge rows and their cumulative weights (a row of weight 0 is kept, never drawn). */
interface KnowledgeGroup {
  values: CellValue[][];
  cum: Float64Array;
}
