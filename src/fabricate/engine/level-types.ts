/** The compiled form of a table's rules at one level: its steps, checks and unique sets (compile-level.ts). */
import type { ProjectSource } from "../project/index.ts";
import type { Evaluator } from "../rules/compile-expression.ts";
import type { CellValue } from "../table-spec.ts";
import type { KnowledgeTable } from "./knowledge.ts";
import type { Prng } from "./prng.ts";
import type { ShapedRule, TableShape } from "./table-shape.ts";
export interface Check {
  fn: Evaluator;
  rule: ShapedRule;
}

/** One step of the solver: assigns one or more columns; `random` steps can be retried. */
export interface Step {
  columns: number[];
  random: boolean;
  assign(v: CellValue[], rng: Prng): boolean;
  checks: Check[];
}

export interface UniqueSet {
  /** Names the set across levels (its columns joined). */
  key: string;
  columns: number[];
  rule: ShapedRule | null;
  /** The step to retry when a row repeats a key. */
  failStep: number;
  /** The keys seen, shared by every level (the table solver sets it). */
  seen?: Set<CellValue>;
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
}

export interface LevelInput {
  shape: TableShape;
  source: ProjectSource;
  knowledge: Map<string, KnowledgeTable>;
  /** The static domain of a parent slot (the parent's, or the type's for reused rows). */
  slotDomain(slot: number): [number, number];
}
