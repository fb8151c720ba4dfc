/**
 * Checking a project's mandatory rules on rows: in memory (`checkRows`), read back from an output
 * (`checkOutput`: a folder of CSV/JSON Lines/JSON files, a SQLite file, a postgres:// URL — the
 * tables matched by name, without regard to case), or as they are written (`checkingWriter`,
 * which passes every row to the checker on its way to the real writer).
 */
import type { KnowledgeTable } from "../engine/knowledge.ts";
import { readCatalogue } from "../profile/index.ts";
import type { Project, ProjectSource } from "../project/index.ts";
import type { CellValue, RowValues, TableSpec } from "../table-spec.ts";
import type { FabricationWriter } from "../writers/writer-types.ts";
import type { CheckSummary } from "./check-types.ts";
import { RuleChecker } from "./rule-checker.ts";

/** Checks rows in the engine's form (own columns in column order), per table name. */
export function checkRows(
  project: Project,
  source: ProjectSource,
  tables: Record<string, readonly RowValues[]>,
  options: { knowledge?: ReadonlyMap<string, KnowledgeTable> } = {},
): CheckSummary {
  const checker = new RuleChecker(project, source, options);
  for (const name of checker.order) {
    const rows = tables[name];
    if (rows === undefined) {
      checker.skipTable(name, "no rows given");
      continue;
    }
    const check = checker.table(name);
    for (const row of rows) check.row(row);
    check.end();
  }
  return checker.summary();
}

/** Reads the output `spec` back and checks every table of the project it holds. */
export async function checkOutput(
  project: Project,
  source: ProjectSource,
  spec: string,
): Promise<CheckSummary> {
  const catalogue = await readCatalogue(spec);
  const checker = new RuleChecker(project, source);
  for (const name of checker.order) {
    const mode = project.fabricate[name]?.mode ?? "new";
    const entry = catalogue.tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (entry === undefined) {
      checker.skipTable(name, mode === "reuse" ? "reused, not written" : `not in ${catalogue.name}`);
      continue;
    }
    const check = checker.table(name);
    const reader = await entry.open();
    try {
      const present = new Map((await reader.columns()).map((c) => [c.toLowerCase(), c]));
      const missing = check.columns.filter((c) => !present.has(c.name.toLowerCase()));
      const exact = check.columns.every((c) => present.get(c.name.toLowerCase()) === c.name);
      for (const c of missing)
        checker.notChecked(`${name}.${c.name}: not in ${catalogue.name} (read as null)`);
      for await (const row of reader.rows()) {
        if (exact) check.record(row.values);
        else {
          const values: Record<string, unknown> = {};
          for (const c of check.columns) {
            const at = present.get(c.name.toLowerCase());
            values[c.name] = at === undefined ? null : row.values[at];
          }
          check.record(values);
        }
      }
    } finally {
      await reader.close();
    }
    check.end();
  }
  return checker.summary();
}

/** A writer that checks every row as it passes to `inner`; `summary()` once it has finished. */
export function checkingWriter(
  project: Project,
  source: ProjectSource,
  inner: FabricationWriter,
): FabricationWriter & { summary(): CheckSummary } {
  const checker = new RuleChecker(project, source);
  let written = new Set<string>();
  return {
    async begin(tables: readonly TableSpec[]) {
      written = new Set(tables.map((t) => t.name));
      await inner.begin(tables);
    },
    table(name) {
      // Tables before this one that were not written (reused) cannot be checked against.
      for (const t of checker.order) {
        if (t === name) break;
        if (!written.has(t) && checker.rowsOf(t) === undefined) checker.skipTable(t, "reused, not written");
      }
      const check = checker.table(name);
      const out = inner.table(name);
      return {
        write(row: RowValues) {
          check.row(row as CellValue[]);
          return out.write(row);
        },
        async end() {
          check.end();
          await out.end();
        },
      };
    },
    existingRows: (table, target) => inner.existingRows?.(table, target),
    finish: () => inner.finish(),
    abort: () => inner.abort(),
    summary: () => checker.summary(),
  };
}
