/**
 * How each column is assigned at one level (copied by a foreign key, counted by a sequence,
 * computed, drawn by a lookup or sampled), and which columns each reads before it is assigned.
 */
import type { LookupRule } from "../project/project-types.ts";
import type { Compiled, CompiledConstraint } from "../rules/compile-expression.ts";
import type { LookupOption } from "./level-lookup.ts";
import type { LevelRules } from "./level-rules.ts";
import type { ShapedRule } from "./table-shape.ts";

export type How = "fk" | "sequence" | "derive" | "lookup" | "sample";

/** One `column = expression` computing a column, under its rule's condition. */
export interface DeriveOption {
  when: Compiled | null;
  expr: Compiled;
  rule: ShapedRule;
}

/** A lookup: mapped columns with another way to their value are keys; the rest (`outs`) are drawn. */
export interface LevelLookup extends LookupOption {
  outs: number[];
  /** How each drawn column is assigned when the condition does not hold. */
  otherwise: Map<number, "derive" | "sample">;
  /** Later lookups drawing the same columns, each tried in turn when the conditions before it fail. */
  alternatives: LookupOption[];
}

export interface Assignment {
  how: How[];
  /** The single-column integer primary key filled by a sequence, or -1. */
  sequenceColumn: number;
  /** Computed columns: their computations, tried in order. */
  derive: Map<number, { options: DeriveOption[] }>;
  /** Per own column, the own columns read before it is assigned. */
  deps: Set<number>[];
  /** The constraints a computation is made of. */
  derivedBy: Set<CompiledConstraint>;
  lookups: LevelLookup[];
}

export function assignColumns(rules: LevelRules): Assignment {
  const { input, columns, n, active, compileWhen, valueRules, constraints } = rules;
  const { shape } = input;
  const how: How[] = columns.map(() => "sample");
  shape.fkColumns.forEach((cols) => {
    for (const c of cols) how[c] = "fk";
  });
  const pk = shape.spec.primaryKey;
  let sequenceColumn = -1;
  if (pk.length === 1) {
    const c = shape.columnIndex.get(pk[0]!)!;
    const vr = valueRules[c]!;
    const named = active.some((r) => ("lookup" in r.def && pk[0]! in r.def.lookup.columns) || false);
    const defined = constraints.some((k) => k.c.defines.some((d) => d.target === c));
    if (
      how[c] === "sample" &&
      columns[c]!.type === "integer" &&
      vr.samplers.length + vr.ranges.length === 0 &&
      !named &&
      !defined
    ) {
      how[c] = "sequence";
      sequenceColumn = c;
    }
  }
  // Computations: the first `column = expression` of a column without a value rule of its own.
  const derive = new Map<number, { options: DeriveOption[] }>();
  const deps: Set<number>[] = columns.map(() => new Set<number>());
  const reaches = (from: number, to: number): boolean => {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === to) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const d of deps[x]!) stack.push(d);
    }
    return false;
  };
  const derivedBy = new Set<CompiledConstraint>();
  for (const { rule, c, when } of constraints) {
    for (const d of c.defines) {
      const t = d.target;
      if (how[t] !== "sample" && how[t] !== "derive") continue;
      if (valueRules[t]!.samplers.length > 0) continue;
      const existing = derive.get(t);
      if (existing?.options.some((o) => o.when === null)) continue;
      const reads = [...d.expr.vars, ...(when?.vars ?? [])].filter((x) => x < n);
      if (reads.some((x) => x === t || reaches(x, t))) continue; // would be circular: keep it a check
      for (const x of reads) deps[t]!.add(x);
      how[t] = "derive";
      if (existing) existing.options.push({ when, expr: d.expr, rule });
      else derive.set(t, { options: [{ when, expr: d.expr, rule }] });
      derivedBy.add(c);
      break;
    }
  }
  const assignment: Assignment = { how, sequenceColumn, derive, deps, derivedBy, lookups: [] };
  assignLookups(rules, assignment);
  // Conditions read before the column they govern.
  for (let c = 0; c < n; c++) {
    if (how[c] !== "sample") continue;
    const vr = valueRules[c]!;
    for (const rule of [...vr.samplers, ...vr.ranges, ...vr.nulls]) {
      const w = compileWhen(rule);
      for (const x of w?.vars ?? []) if (x < n && x !== c) deps[c]!.add(x);
    }
  }
  return assignment;
}

/** Lookups: mapped columns with another way to their value are keys; the rest are drawn. */
function assignLookups(rules: LevelRules, assignment: Assignment): void {
  const { input, n, active, compileWhen, valueRules } = rules;
  const { shape } = input;
  const { how, derive, deps, lookups } = assignment;
  for (const rule of active) {
    if (!("lookup" in rule.def)) continue;
    const def = (rule.def as LookupRule).lookup;
    const when = compileWhen(rule);
    const table = input.knowledge.get(def.table)!;
    const knowledgeColumns = new Map<number, number>();
    for (const [column, kcol] of Object.entries(def.columns)) {
      const k = table.columns.indexOf(kcol);
      if (k < 0) {
        throw input.source.error(
          [...rule.path, "lookup", "columns", column],
          `knowledge table ${def.table} (${table.file}) has no column ${kcol}; its columns: ${table.columns.join(", ")}`,
          kcol,
        );
      }
      knowledgeColumns.set(shape.columnIndex.get(column)!, k);
    }
    const split = (ignore: LevelLookup | null) => {
      const keys: number[] = [];
      const outs: number[] = [];
      for (const c of knowledgeColumns.keys()) {
        // A conditional computation is not a key: the lookup and it take turns (by their conditions).
        const computed = how[c] === "derive" && derive.get(c)!.options.some((o) => o.when === null);
        const assignedElsewhere =
          how[c] === "fk" ||
          how[c] === "sequence" ||
          computed ||
          valueRules[c]!.samplers.length > 0 ||
          lookups.some((l) => l !== ignore && l.outs.includes(c));
        (assignedElsewhere ? keys : outs).push(c);
      }
      return { keys, outs };
    };
    // A conditional lookup drawing the same columns as this one: they take turns (by their
    // conditions, the first that holds), rather than this one checking what that one drew.
    const turn = lookups.find((l) => {
      if (l.when === null || l.outs.length === 0 || l.alternatives.some((a) => a.when === null)) return false;
      const mine = split(l).outs;
      return mine.length === l.outs.length && mine.every((c) => l.outs.includes(c));
    });
    if (turn !== undefined) {
      const keys = split(turn).keys;
      turn.alternatives.push({ rule, keys, knowledgeColumns, when });
      for (const c of turn.outs) {
        for (const k of keys) deps[c]!.add(k);
        for (const x of when?.vars ?? []) if (x < n && x !== c) deps[c]!.add(x);
      }
      continue;
    }
    const { keys, outs } = split(null);
    const otherwise = new Map<number, "derive" | "sample">();
    for (const c of outs) {
      otherwise.set(c, how[c] === "derive" ? "derive" : "sample");
      how[c] = "lookup";
      for (const k of keys) deps[c]!.add(k);
      for (const x of when?.vars ?? []) if (x < n && x !== c) deps[c]!.add(x);
    }
    lookups.push({ rule, keys, outs, knowledgeColumns, when, otherwise, alternatives: [] });
  }
}
