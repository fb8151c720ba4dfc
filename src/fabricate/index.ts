/**
 * Rule-guided data fabrication (issue 3): data projects (YAML, with a JSON Schema), the engine
 * that compiles their rules and fabricates rows deterministically in bounded memory, and
 * (added by their parts) the writers, the profiler, derive and the quality report.
 */

// The independent checker of a project's mandatory rules.
export {
  type CheckSummary,
  checkingWriter,
  checkOutput,
  checkRows,
  RuleChecker,
  type TableCheckSummary,
  type Violation,
} from "./check/index.ts";
// The engine.
export {
  COPY_FAILURE,
  type CompiledProject,
  type CompiledTable,
  compileProject,
  type DroppedRule,
  type ExistingRows,
  MemoryWriter,
  Prng,
  type RowAvoidance,
  type RunOptions,
  type RunSummary,
  runProject,
  type TableSummary,
  tableOrder,
  writtenSpecs,
} from "./engine/index.ts";
// Privacy against real data: the copy filter of `fabricate run --avoid-copies-of`.
export {
  buildCopyFilter,
  CopyFilter,
  type CopyFilterOptions,
  type CopyFilterTable,
  type CopyTest,
} from "./privacy/index.ts";
// Projects: types, schema, loading.
export * from "./project/index.ts";
// The shape of fabricated data.
export * from "./table-spec.ts";
