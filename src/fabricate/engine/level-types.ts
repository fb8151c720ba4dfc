/** The compiled form of a table's rules at one level: its steps, checks and unique sets (compile-level.ts). */
import type { ProjectSource } from "../project/index.ts";
import type { Evaluator } from "../rules/compile-expression.ts";
import type { CellValue } from "../table-spec.ts";
import type { KeySet } from "./key-set.ts";
import type { KnowledgeTable } from "./knowledge.ts";
import type { Prng } from "./prng.ts";
import type { ShapedRule, TableShape } from "./table-shape.ts";
export interface Check {
  fn: Evaluator;
  rule: ShapedRule;
  /** The value-array indexes the check reads (undefined: not known, never hoisted). */
  vars?: readonly number[];
}

/** One step of the solver: assigns one or more columns; `random` steps can be retried. */
export interface Step {
  columns: number[];
  random: boolean;
  assign(v: CellValue[], rng: Prng): boolean;
  checks: Check[];
  /**
   * For a step that draws nothing: the value-array indexes its assignment reads (undefined: not
   * known, never hoisted). With `Check.vars`, what lets the solver hoist it (TableSolver.hoist).
   */
  reads?: readonly number[];
  /**
   * A computation that draws when none of its conditions holds (a conditional `column = …`):
   * it may be hoisted like a step that draws nothing, and says after each run, in `drew`,
   * whether it drew — a run that drew is not kept for the parent's other children.
   */
  drawsWhenNoConditionHolds?: true;
  /** Set by each run of a `drawsWhenNoConditionHolds` step: whether it drew. */
  drew?: boolean;
  /**
   * Set by each run of a step that filters its candidates by its own checks: true when the value
   * assigned is known to pass them, so the solver does not run them again.
   */
  verified?: boolean;
}

export interface UniqueSet {
  /** Names the set across levels (its columns joined). */
  key: string;
  columns: number[];
  rule: ShapedRule | null;
  /** The step to retry when a row repeats a key. */
  failStep: number;
  /** The keys seen, shared by every level (the table solver sets it). */
  seen?: KeySet;
  /**
   * The columns `seen` keys are made of (the table solver sets them): all of `columns`, or, when
   * the set is scoped to the parent the table is made per (it holds every column of that foreign
   * key), the others only — `seen` then holds the current parent's children and is cleared when
   * the next parent starts.
   */
  keyColumns?: number[];
  /** Scoped sets: the full keys of the table's existing rows (reuse/mixed), never cleared. */
  existing?: Set<CellValue>;
}

export interface Level {
  /** The soft rules active at this level. */
  soft: ShapedRule[];
  steps: Step[];
  unique: UniqueSet[];
  /** Static domains of the value array (own columns then parent slots). */
  lo: Float64Array;
  hi: Float64Array;
  /** The single-column integer primary key filled by a sequence, or -1. */
  sequenceColumn: number;
  /**
   * Set by the table solver when the table is made per parent: 1 for a step whose value and
   * checks are the same for every child of a parent (it reads only the parent's values and other
   * such steps), and `done`, 1 once such a step has run and passed for the current parent.
   */
  hoisted?: Uint8Array;
  done?: Uint8Array;
}

export interface LevelInput {
  shape: TableShape;
  source: ProjectSource;
  knowledge: Map<string, KnowledgeTable>;
  /** The static domain of a parent slot (the parent's, or the type's for reused rows). */
  slotDomain(slot: number): [number, number];
}
