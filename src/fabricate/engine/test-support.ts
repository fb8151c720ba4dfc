/** For the engine's tests: a project from YAML text, compiled and run into memory. */
import { parseProject } from "../project/index.ts";
import { compileProject } from "./compile-project.ts";
import { MemoryWriter } from "./memory-writer.ts";
import { type RunOptions, type RunSummary, runProject } from "./runner.ts";

export async function fabricateText(
  yaml: string,
  options: RunOptions = {},
  file = "test.yaml",
): Promise<{ writer: MemoryWriter; summary: RunSummary }> {
  const { project, source } = parseProject(yaml, file);
  const writer = new MemoryWriter();
  const summary = await runProject(compileProject(project, source), writer, options);
  return { writer, summary };
}

/** Compiles only (validate). */
export function compileText(yaml: string, file = "test.yaml") {
  const { project, source } = parseProject(yaml, file);
  return compileProject(project, source);
}
