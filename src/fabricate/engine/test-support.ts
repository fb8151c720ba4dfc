/** For the engine's tests: a project from YAML text, compiled and run into memory. */
import assert from "node:assert/strict";
import { checkRows } from "../check/index.ts";
import { parseProject } from "../project/index.ts";
import type { CellValue } from "../table-spec.ts";
import type { FabricationWriter } from "../writers/writer-types.ts";
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

/**
 * Runs a project (`file` names it, and its knowledge tables are found beside it) into `writer`:
 * the compiled project, the summary, each table's summary by name, and for a memory writer the
 * independent check of its rows.
 */
export async function run(yaml: string, file: string, writer: FabricationWriter = new MemoryWriter()) {
  const { project, source } = parseProject(yaml, file);
  const compiled = compileProject(project, source);
  const summary = await runProject(compiled, writer, {});
  const tables = new Map(summary.tables.map((t) => [t.table, t]));
  const memory = writer instanceof MemoryWriter ? writer : null;
  const check = memory === null ? null : checkRows(project, source, Object.fromEntries(memory.rows));
  return { compiled, summary, tables, memory: memory!, check: check! };
}

/** The share of `rows` whose `column` is `value`. */
function share(rows: Record<string, CellValue>[], column: string, value: CellValue): number {
  return rows.filter((r) => r[column] === value).length / rows.length;
}

export function assertShare(
  rows: Record<string, CellValue>[],
  column: string,
  value: CellValue,
  want: number,
) {
  const got = share(rows, column, value);
  // Wide enough for a fixed seed never to flake (> 4 standard deviations at these row counts),
  // tight enough to tell weighted from uniform draws (their shares differ by 0.15 or more).
  assert.ok(
    Math.abs(got - want) < 0.06,
    `${column} = ${String(value)}: share ${got.toFixed(3)}, want ${want}`,
  );
}

export function assertClean(check: ReturnType<typeof checkRows>) {
  assert.equal(check.violations, 0, JSON.stringify(check.examples));
  assert.ok(check.rows > 0);
}
