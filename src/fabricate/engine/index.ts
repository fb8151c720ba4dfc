/** The fabrication engine: compile a project once, then run it into a writer. */
export { type CompiledProject, type CompiledTable, compileProject, type RowPlan } from "./compile-project.ts";
export { tableEdges, tableOrder } from "./dependency-graph.ts";
export { type KnowledgeTable, loadKnowledge, loadKnowledgeTable } from "./knowledge.ts";
export { MemoryWriter } from "./memory-writer.ts";
export { Prng, stream } from "./prng.ts";
export {
  type ExistingRows,
  type RunOptions,
  type RunSummary,
  runProject,
  type TableSummary,
  writtenSpecs,
} from "./runner.ts";
export { COPY_FAILURE, type DroppedRule, type RowAvoidance } from "./table-solver.ts";
