/**
 * Knowledge tables: lookup data shipped beside a project as CSV files with a header (regimens
 * with their drugs and cycle lengths, ICD-10 and OPCS codes). Loaded once, whole: they are small.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { SerumsError } from "../../errors/index.ts";
import type { ProjectSource } from "../project/index.ts";

export interface KnowledgeTable {
  name: string;
  file: string;
  columns: string[];
  /** Rows of texts in column order; "" is an empty field. */
  rows: string[][];
}

/** Reads one knowledge file; a missing file or a ragged row is BAD_PROJECT naming the file and line. */
export function loadKnowledgeTable(name: string, file: string): KnowledgeTable {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SerumsError(
      "BAD_PROJECT",
      `knowledge table ${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { file, path: `knowledge.${name}` },
      { cause: error },
    );
  }
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new SerumsError("BAD_PROJECT", `knowledge table ${name} (${file}): ${(error as Error).message}`, {
      file,
      path: `knowledge.${name}`,
    });
  }
  const [header, ...rows] = records;
  if (header === undefined || header.length === 0) {
    throw new SerumsError(
      "BAD_PROJECT",
      `knowledge table ${name} (${file}) is empty; it needs a header line and rows`,
      {
        file,
      },
    );
  }
  return { name, file, columns: header.map((c) => c.trim()), rows };
}

/** Every knowledge table of a project, paths relative to the project file. */
export function loadKnowledge(
  knowledge: Record<string, string> | undefined,
  source: ProjectSource,
): Map<string, KnowledgeTable> {
  const tables = new Map<string, KnowledgeTable>();
  for (const [name, file] of Object.entries(knowledge ?? {})) {
    tables.set(name, loadKnowledgeTable(name, path.resolve(source.dir, file)));
  }
  return tables;
}
