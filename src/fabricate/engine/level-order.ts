/**
 * The order of a level's steps: columns grouped by what assigns them together (a foreign key, a
 * lookup), then ordered by Kahn's algorithm — computed and copied first when ready, then sampled
 * with a rule, then the rest, each in column order.
 */
import type { Assignment } from "./level-assign.ts";
import type { LevelRules } from "./level-rules.ts";
import { unsatisfiable } from "./table-shape.ts";

export interface ColumnOrder {
  /** The columns each group assigns in one step. */
  groups: number[][];
  /** The foreign key (index) of each group that copies one. */
  fkOfGroup: Map<number, number>;
  /** The groups in step order. */
  order: number[];
  /** The step of each value-array index (-1: parent slots and the row number, known before). */
  stepOf: Int32Array;
}

export function orderColumns(rules: LevelRules, { how, deps, lookups }: Assignment): ColumnOrder {
  const { input, columns, n, active, valueRules } = rules;
  const { shape } = input;
  const groupOf = new Array<number>(n);
  const groups: number[][] = [];
  // A foreign key copies its columns not already copied by an earlier one (keys that share
  // columns agree on them: the runner picks their parents so).
  const fkOfGroup = new Map<number, number>();
  shape.fkColumns.forEach((all, k) => {
    const cols = all.filter((c) => groupOf[c] === undefined);
    if (cols.length === 0) return;
    const g = groups.length;
    groups.push(cols);
    fkOfGroup.set(g, k);
    for (const c of cols) groupOf[c] = g;
  });
  for (const l of lookups) {
    if (l.outs.length === 0) continue;
    const g = groups.length;
    groups.push(l.outs);
    for (const c of l.outs) groupOf[c] = g;
  }
  for (let c = 0; c < n; c++) {
    if (groupOf[c] === undefined) {
      groupOf[c] = groups.length;
      groups.push([c]);
    }
  }
  const rank = (g: number): number => {
    const c = groups[g]![0]!;
    const h = how[c]!;
    if (h === "fk" || h === "sequence" || h === "derive") return 0;
    if (h === "lookup" || valueRules[c]!.samplers.length > 0) return 1;
    return 2;
  };
  const order: number[] = [];
  const placed = new Set<number>();
  while (order.length < groups.length) {
    let best = -1;
    for (let g = 0; g < groups.length; g++) {
      if (placed.has(g)) continue;
      const ready = groups[g]!.every((c) =>
        [...deps[c]!].every((d) => groups[g]!.includes(d) || placed.has(groupOf[d]!)),
      );
      if (!ready) continue;
      if (best === -1 || rank(g) < rank(best)) best = g;
    }
    if (best === -1) {
      const left = groups
        .filter((_, g) => !placed.has(g))
        .flat()
        .map((c) => columns[c]!.name);
      const circle = active.filter((r) => r.when !== null || r.kind === "lookup");
      throw unsatisfiable(
        shape.name,
        `the conditions and lookups of ${left.join(", ")} depend on each other in a circle`,
        circle,
        input.source,
      );
    }
    placed.add(best);
    order.push(best);
  }
  const stepOf = new Int32Array(shape.width).fill(-1);
  order.forEach((g, s) => {
    for (const c of groups[g]!) stepOf[c] = s;
  });
  return { groups, fkOfGroup, order, stepOf };
}
