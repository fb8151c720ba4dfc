/**
 * Solves one table's records. Soft rules are admitted up front greedily, highest priority first
 * (ties: the one written first): a soft rule whose addition makes the rule set unsatisfiable by
 * propagation is dropped for the whole run, and named in the summary. Per record, the solver runs
 * with every admitted soft rule; if the record cannot be satisfied within the search bound, it
 * drops one soft rule of the conflict set — the soft rules whose checks failed at the deepest step
 * the search reached, where it got stuck (else anywhere in it) — the lowest priority among them
 * first (ties: the one written later), and retries; a soft rule
 * not involved in the failure stays. Only when no soft rule's check failed (the failure lies in
 * the mandatory checks, uniqueness or an emptied domain) is the lowest-priority active one
 * dropped. Down to the mandatory rules alone (each drop counted per rule); a record that fails
 * even then is not written, and counted with the rules whose checks failed most.
 *
 * The search: the columns' steps in order; a step that fails (empty domain, a check fails) is
 * retried up to PER_STEP times with new draws, then the search backtracks to the previous random
 * step; at most BUDGET step runs per record and level. In a table made per parent, steps that
 * draw nothing and read only the parent's values (hoist) run for the parent's first child only.
 *
 * Uniqueness: one Set of the keys seen per unique column set (numbers or texts as they are;
 * composite keys joined). A set that holds every column of the foreign key the table is made
 * `per` (children grouped by parent, whose referenced key is unique) is scoped to that parent
 * (scopeToParent): rows of different parents differ in those columns, so only the other columns
 * are kept, for the current parent's children, and the set is cleared when the next parent
 * starts (startParent) — O(children per parent), not O(rows). Only unscoped sets grow with the
 * table's own rows.
 *
 * Avoiding copies (avoid(): `fabricate run --avoid-copies-of REAL`): a record that passes every
 * rule and uniqueness is still refused when the test says it equals a rare real row; the search
 * then goes on as for a failed step, from the last random step that sets a column the test reads
 * (else the last step), within the same bound. Records made after such a refusal are counted
 * (remade); a record still refused when the bound is spent fails like any other, its failures
 * counted under COPY_FAILURE.
 */
import type { ProjectSource } from "../project/index.ts";
import type { CellValue } from "../table-spec.ts";
import { compileLevel, type Level, type LevelInput } from "./compile-level.ts";
import { ScopedKeys } from "./key-set.ts";
import type { UniqueSet } from "./level-types.ts";
import type { Prng } from "./prng.ts";
import type { ShapedRule, TableShape } from "./table-shape.ts";
import { isUnsatisfiable } from "./table-shape.ts";

const PER_STEP = 24;
const PAIR = 2 ** 26;
const BUDGET = 4000;
/** With soft rules in force the bound is smaller: past it, the record drops the lowest one. */
const SOFT_BUDGET = 64;

/** The name a failed record's copy refusals are counted under in `failures`. */
export const COPY_FAILURE = "(equal to a rare real row)";

/** Whether a finished record (own columns in order) must be refused; which own columns it reads. */
export interface RowAvoidance {
  test: (row: readonly CellValue[]) => boolean;
  columns: readonly number[];
}

export interface DroppedRule {
  rule: string;
  reason: string;
}

export class TableSolver {
  readonly shape: TableShape;
  /** The scratch value array: own columns, then parent slots (the runner fills those). */
  readonly values: CellValue[];
  /** Soft rules admitted, highest priority first. */
  readonly admitted: ShapedRule[];
  /** Soft rules dropped up front, with why. */
  readonly droppedUpFront: DroppedRule[] = [];
  /** Per soft rule ID, the records that were made without it. */
  readonly softDrops = new Map<string, number>();
  /** Per rule ID, how often its check failed in records that could not be made. */
  readonly failures = new Map<string, number>();
  checks = 0;
  failedRecords = 0;
  /** Finished records refused because they equalled a rare real row (avoid()). */
  copyRefusals = 0;
  /** Records made after at least one such refusal. */
  remadeRecords = 0;
  /** The next value of the sequence primary key. */
  nextSequence = 1;
  readonly #input: LevelInput;
  readonly #levels = new Map<string, Level>();
  readonly #base: Level;
  readonly #top: Level;
  /** Admitted soft rules, lowest priority first (ties: written later first): the drop order. */
  readonly #dropOrder: ShapedRule[];
  readonly #seen = new Map<string, Set<CellValue>>();
  /** The level the last search ran (hoisted values in `values` are that level's). */
  #lastLevel: Level | null = null;
  /** The value-array indexes constant among one parent's children (hoist), or null. */
  #constant: Uint8Array | null = null;
  /** The table's own columns of the foreign key it is made per, when scoped (scopeToParent). */
  #scope: readonly number[] = [];
  /** The unique sets scoped to the current parent (one per column set). */
  readonly #scoped = new Map<string, { seen: ScopedKeys; existing: Set<CellValue> }>();
  /** The same sets' `seen`, for clearing as each parent starts. */
  #scopedSeen: ScopedKeys[] = [];
  readonly #attempts: Int32Array;
  readonly #ruleFailures = new Map<ShapedRule, number>();
  /** The rules whose checks failed at the deepest step the last search reached: where it got stuck. */
  readonly #frontier = new Set<ShapedRule>();
  #avoid: RowAvoidance | null = null;
  /** Per level, the step a copy refusal retries from. */
  readonly #avoidSteps = new Map<Level, number>();
  /** Copy refusals of the record being made. */
  #recordRefusals = 0;

  constructor(input: LevelInput) {
    this.#input = input;
    this.shape = input.shape;
    this.values = new Array(input.shape.width).fill(null);
    const softRules = input.shape.rules
      .filter((r) => r.soft)
      .sort((a, b) => b.priority - a.priority || a.index - b.index);
    const base = compileLevel(input, new Set()); // throws when the mandatory rules conflict
    let top = base;
    const admitted: ShapedRule[] = [];
    for (const rule of softRules) {
      try {
        top = compileLevel(input, new Set([...admitted, rule]));
        admitted.push(rule);
      } catch (error) {
        if (!isUnsatisfiable(error)) throw error;
        this.droppedUpFront.push({
          rule: rule.id,
          reason: error.message.replace(/^.*cannot all hold: /, ""),
        });
      }
    }
    this.admitted = admitted;
    this.#dropOrder = [...admitted].reverse();
    this.#base = base;
    this.#top = top;
    this.#levels.set("", base);
    this.#levels.set(this.#levelKey(admitted), top);
    this.#attempts = new Int32Array(top.steps.length + 64);
    for (const level of [base, top]) this.#share(level);
  }

  /**
   * Hoisting, for a table made per parent: `constant` are the value-array indexes that stay the
   * same for all of a parent's children (the parent's slots, and those of foreign keys within its
   * key). A step that draws nothing and reads only constants, whose checks read only constants
   * and its columns, gives the same value and verdict for every child: it runs for the parent's
   * first child and is skipped for the others (until startParent) — the same rows, less work.
   */
  hoist(constant: readonly number[]): void {
    if (constant.length === 0) return;
    this.#constant = new Uint8Array(this.shape.width);
    for (const x of constant) this.#constant[x] = 1;
    for (const level of this.#levels.values()) this.#hoistLevel(level);
  }

  #hoistLevel(level: Level): void {
    if (this.#constant === null) return;
    const fixed = Uint8Array.from(this.#constant);
    const hoisted = new Uint8Array(level.steps.length);
    level.steps.forEach((step, i) => {
      const reads = step.reads;
      if ((step.random && !step.drawsWhenNoConditionHolds) || reads === undefined) return;
      if (!reads.every((x) => fixed[x] === 1)) return;
      for (const c of step.columns) fixed[c] = 1;
      if (step.checks.every((k) => k.vars?.every((x) => fixed[x] === 1) === true)) hoisted[i] = 1;
    });
    level.hoisted = hoisted;
    level.done = new Uint8Array(level.steps.length);
  }

  #levelKey(active: readonly ShapedRule[]): string {
    return active
      .map((r) => r.index)
      .sort((a, b) => a - b)
      .join(",");
  }

  /** Static domains of the mandatory level (what children may assume of these rows). */
  get domains(): { lo: Float64Array; hi: Float64Array } {
    return this.#base;
  }

  get sequenceColumn(): number {
    return this.#base.sequenceColumn;
  }

  /** The level with these soft rules active (compiled once, on first need). */
  #level(active: readonly ShapedRule[]): Level {
    const key = this.#levelKey(active);
    let level = this.#levels.get(key);
    if (level === undefined) {
      level = compileLevel(this.#input, new Set(active));
      this.#levels.set(key, level);
      this.#share(level);
      this.#hoistLevel(level);
    }
    return level;
  }

  /** Points each unique set of a level at the one Set of keys seen for those columns. */
  #share(level: Level): void {
    const scope = this.#scope;
    for (const u of level.unique) {
      const scoped = scope.length > 0 && scope.every((c) => u.columns.includes(c));
      if (scoped) {
        let sets = this.#scoped.get(u.key);
        if (sets === undefined) {
          sets = { seen: new ScopedKeys(), existing: new Set() };
          this.#scoped.set(u.key, sets);
          this.#scopedSeen.push(sets.seen);
        }
        u.seen = sets.seen;
        u.existing = sets.existing;
        u.keyColumns = u.columns.filter((c) => !scope.includes(c));
      } else {
        let seen = this.#seen.get(u.key);
        if (seen === undefined) {
          seen = new Set();
          this.#seen.set(u.key, seen);
        }
        u.seen = seen;
        u.keyColumns = u.columns;
        delete u.existing;
      }
    }
  }

  /**
   * Scopes the unique sets that hold all of `columns` (this table's columns of the foreign key
   * it is made per, whose referenced parent columns are unique) to the current parent. Called
   * once, before any row; the runner then calls startParent() before each parent's children.
   */
  scopeToParent(columns: readonly number[]): void {
    if (columns.length === 0) return;
    this.#scope = [...columns];
    this.#seen.clear();
    this.#scoped.clear();
    this.#scopedSeen = [];
    for (const level of this.#levels.values()) this.#share(level);
  }

  /** The next parent's children start: scoped sets forget the previous parent's keys. */
  startParent(): void {
    const scoped = this.#scopedSeen;
    for (let i = 0; i < scoped.length; i++) scoped[i]!.clear();
    if (this.#constant !== null) for (const level of this.#levels.values()) level.done!.fill(0);
  }

  /** The columns of the steps hoisted at the top level (for tests and diagnostics). */
  hoistedColumns(): string[] {
    const { hoisted, steps } = this.#top;
    const names = this.shape.spec.columns.map((c) => c.name);
    return steps.flatMap((step, i) => (hoisted?.[i] === 1 ? step.columns.map((c) => names[c]!) : []));
  }

  /** Per unique column set, how many keys are held now (for tests and diagnostics). */
  uniqueSizes(): Record<string, number> {
    const sizes: Record<string, number> = {};
    for (const [key, seen] of this.#seen) sizes[key] = seen.size;
    for (const [key, sets] of this.#scoped) sizes[key] = sets.seen.size + sets.existing.size;
    return sizes;
  }

  /** Refuses finished records the test says are copies (null: none refused). */
  avoid(avoidance: RowAvoidance | null): void {
    this.#avoid = avoidance;
    this.#avoidSteps.clear();
  }

  /** The last random step that sets a column the copy test reads, else the last step. */
  #avoidStep(level: Level): number {
    let step = this.#avoidSteps.get(level);
    if (step === undefined) {
      const read = new Set(this.#avoid?.columns ?? []);
      const steps = level.steps;
      step = steps.length - 1;
      for (let i = steps.length - 1; i >= 0; i--) {
        if (steps[i]!.random && steps[i]!.columns.some((c) => read.has(c))) {
          step = i;
          break;
        }
      }
      this.#avoidSteps.set(level, step);
    }
    return step;
  }

  /** Registers an existing row's keys (reused rows), so that new rows do not repeat them. */
  remember(row: readonly CellValue[]): void {
    for (const u of this.#top.unique) {
      const key = this.#key(row, u.columns);
      if (key === null) continue;
      if (u.existing !== undefined) u.existing.add(key);
      else this.#seen.get(u.key)!.add(key);
    }
    const seq = this.sequenceColumn;
    if (seq >= 0 && typeof row[seq] === "number" && (row[seq] as number) >= this.nextSequence) {
      this.nextSequence = (row[seq] as number) + 1;
    }
  }

  /** Whether the row in `values` repeats a key of the unique set. */
  #repeats(set: UniqueSet): boolean {
    const v = this.values;
    const existing = set.existing;
    if (existing !== undefined) {
      // Scoped: a null in the parent's columns exempts the row too, as unscoped.
      if (this.#nullScope()) return false;
      if (existing.size > 0) {
        const full = this.#key(v, set.columns);
        if (full !== null && existing.has(full)) return true;
      }
    }
    const key = this.#key(v, set.keyColumns!);
    return key !== null && set.seen!.has(key);
  }

  #nullScope(): boolean {
    const scope = this.#scope;
    for (let i = 0; i < scope.length; i++) if (this.values[scope[i]!] === null) return true;
    return false;
  }

  #key(v: readonly CellValue[], columns: readonly number[]): CellValue | null {
    if (columns.length === 1) return v[columns[0]!]!;
    if (columns.length === 2) {
      // Two small whole numbers (a key and a number within it): one exact number, no text.
      const a = v[columns[0]!]!;
      const b = v[columns[1]!]!;
      if (
        typeof a === "number" &&
        typeof b === "number" &&
        a >= 0 &&
        b >= 0 &&
        a < PAIR &&
        b < PAIR &&
        Number.isInteger(a) &&
        Number.isInteger(b)
      ) {
        return a * PAIR + b;
      }
    }
    let key = "";
    for (let i = 0; i < columns.length; i++) {
      const x = v[columns[i]!]!;
      if (x === null) return null;
      key += `${i === 0 ? "" : "\u0001"}${typeof x}:${String(x)}`;
    }
    return key;
  }

  /**
   * Makes one record from the parent slots already in `values`; returns the row (own columns, in
   * column order) — a new array, or `into` refilled — or null when it cannot be satisfied.
   */
  solve(rng: Prng, into?: CellValue[]): CellValue[] | null {
    const v = this.values;
    const seq = this.sequenceColumn;
    if (seq >= 0) v[seq] = this.nextSequence;
    let active: ShapedRule[] = this.admitted;
    let level = this.#top;
    this.#recordRefusals = 0;
    for (;;) {
      if (this.#search(level, rng, active.length > 0 ? SOFT_BUDGET : BUDGET)) {
        if (this.#recordRefusals > 0) this.remadeRecords++;
        if (active.length < this.admitted.length) {
          for (const rule of this.admitted) {
            if (active.includes(rule)) continue;
            this.softDrops.set(rule.id, (this.softDrops.get(rule.id) ?? 0) + 1);
          }
        }
        const unique = level.unique;
        for (let u = 0; u < unique.length; u++) {
          const set = unique[u]!;
          if (set.existing !== undefined && this.#nullScope()) continue;
          const key = this.#key(v, set.keyColumns!);
          if (key !== null) set.seen!.add(key);
        }
        if (seq >= 0) this.nextSequence++;
        if (into === undefined) return v.slice(0, this.shape.spec.columns.length);
        for (let i = 0; i < into.length; i++) into[i] = v[i]!;
        return into;
      }
      if (active.length === 0) break;
      // Drop from the conflict set: the lowest-priority active soft rule whose check failed where
      // the search got stuck (else anywhere in it; else the lowest-priority active one).
      const failures = this.#ruleFailures;
      const frontier = this.#frontier;
      const drop =
        this.#dropOrder.find((r) => frontier.has(r) && active.includes(r)) ??
        this.#dropOrder.find((r) => failures.has(r) && active.includes(r)) ??
        this.#dropOrder.find((r) => active.includes(r))!;
      active = active.filter((r) => r !== drop);
      level = active.length === 0 ? this.#base : this.#level(active);
    }
    this.failedRecords++;
    for (const [rule, count] of this.#ruleFailures)
      this.failures.set(rule.id, (this.failures.get(rule.id) ?? 0) + count);
    if (this.#recordRefusals > 0)
      this.failures.set(COPY_FAILURE, (this.failures.get(COPY_FAILURE) ?? 0) + this.#recordRefusals);
    return null;
  }

  #search(level: Level, rng: Prng, budget: number): boolean {
    const v = this.values;
    const steps = level.steps;
    const n = steps.length;
    const attempts = this.#attempts;
    // Small loops and guarded clears: a builtin call per record costs more than the work here
    // (Set.prototype.clear makes a new table even when the set is empty).
    for (let k = 0; k < n; k++) attempts[k] = 0;
    if (this.#ruleFailures.size > 0) this.#ruleFailures.clear();
    const frontier = this.#frontier;
    if (frontier.size > 0) frontier.clear();
    const hoisted = level.hoisted;
    const done = level.done;
    // Another level may have written the hoisted columns since: this one computes them again.
    if (level !== this.#lastLevel) {
      done?.fill(0);
      this.#lastLevel = level;
    }
    let deepest = -1;
    let runs = 0;
    // A hoisted step that drew (none of its conditions held) is run again for each child, and so
    // is every hoisted step after it in this row: they may read what it drew.
    let drewHoisted = false;
    let i = 0;
    while (i <= n) {
      if (++runs > budget) return false;
      let failAt = -1;
      if (i === n) {
        // The whole row: unique sets.
        const unique = level.unique;
        for (let u = 0; u < unique.length; u++) {
          const set = unique[u]!;
          if (this.#repeats(set)) {
            failAt = set.failStep;
            break;
          }
        }
        if (failAt < 0) {
          const avoid = this.#avoid;
          if (avoid === null || !avoid.test(v)) return true;
          this.copyRefusals++;
          this.#recordRefusals++;
          failAt = this.#avoidStep(level);
        }
      } else {
        if (hoisted !== undefined && done![i] === 1) {
          i++;
          continue;
        }
        const step = steps[i]!;
        let ok = step.assign(v, rng);
        if (ok && step.verified !== true) {
          const checks = step.checks;
          for (let c = 0; c < checks.length; c++) {
            this.checks++;
            if (checks[c]!.fn(v) === false) {
              ok = false;
              const rule = checks[c]!.rule;
              this.#ruleFailures.set(rule, (this.#ruleFailures.get(rule) ?? 0) + 1);
              if (i > deepest) {
                deepest = i;
                if (frontier.size > 0) frontier.clear();
              }
              if (i === deepest) frontier.add(rule);
              break;
            }
          }
        }
        if (ok) {
          if (hoisted !== undefined && hoisted[i] === 1) {
            if (step.drew === true) drewHoisted = true;
            if (!drewHoisted) done![i] = 1;
          }
          i++;
          continue;
        }
        failAt = i;
      }
      // Retry the failing step, or the nearest random step before it that has tries left.
      let j = failAt;
      for (;;) {
        if (j < 0) {
          // Every step is out of tries: start the record again (the budget bounds the restarts).
          attempts.fill(0, 0, n);
          j = 0;
          break;
        }
        if (steps[j]!.random && attempts[j]! < PER_STEP) {
          attempts[j] = attempts[j]! + 1;
          break;
        }
        attempts[j] = 0;
        j--;
      }
      i = j;
    }
    return true;
  }
}

export type { LevelInput, ProjectSource };
