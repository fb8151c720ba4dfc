/**
 * A level's unique sets: the primary key (unless a sequence fills it), the table's unique sets
 * and unique rules, each retried at the last random step assigning one of its columns.
 */
import type { LevelRules } from "./level-rules.ts";
import type { Step, UniqueSet } from "./level-types.ts";
import type { ShapedRule } from "./table-shape.ts";

export function uniqueSets(
  { input, active }: LevelRules,
  sequenceColumn: number,
  steps: readonly Step[],
  stepOf: Int32Array,
): UniqueSet[] {
  const { shape } = input;
  const unique: UniqueSet[] = [];
  const addUnique = (names: readonly string[], rule: ShapedRule | null) => {
    const cols = names.map((x) => shape.columnIndex.get(x)!);
    const key = [...names].sort().join(",");
    if (unique.some((u) => u.key === key)) return;
    if (cols.length === 1 && cols[0] === sequenceColumn) return;
    let failStep = -1;
    for (const x of cols) if (steps[stepOf[x]!]!.random) failStep = Math.max(failStep, stepOf[x]!);
    if (failStep < 0) failStep = steps.length - 1;
    unique.push({ key, columns: cols, rule, failStep });
  };
  const pk = shape.spec.primaryKey;
  if (pk.length > 0) addUnique(pk, null);
  for (const set of shape.def.unique ?? []) addUnique(set, null);
  for (const rule of active) if ("unique" in rule.def) addUnique(rule.def.unique, rule);
  return unique;
}
