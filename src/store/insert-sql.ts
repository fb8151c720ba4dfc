/** Builds the bulk INSERT statements of both engines; names are checked, never user text. */
import { SerumsError } from "../errors/index.ts";
import type { ColumnDef } from "./types.ts";

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function checked(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new SerumsError("STORE", `${JSON.stringify(name)} is not a valid SQL identifier`);
  return name;
}

function tail(ignoreConflicts: boolean | undefined, returning: string | undefined): string {
  return `${ignoreConflicts ? " ON CONFLICT DO NOTHING" : ""}${returning ? ` RETURNING ${checked(returning)}` : ""}`;
}

/** One row per statement: `INSERT INTO t (a, b) VALUES ($1, $2) …`. */
export function singleRowInsert(
  table: string,
  columns: readonly ColumnDef[],
  ignoreConflicts?: boolean,
  returning?: string,
): string {
  const names = columns.map((c) => checked(c.name)).join(", ");
  const params = columns.map((_, i) => `$${i + 1}`).join(", ");
  return `INSERT INTO ${checked(table)} (${names}) VALUES (${params})${tail(ignoreConflicts, returning)}`;
}

/** PostgreSQL: one array parameter per column, `INSERT … SELECT * FROM unnest($1::text[], …)`. */
export function unnestInsert(
  table: string,
  columns: readonly ColumnDef[],
  ignoreConflicts?: boolean,
  returning?: string,
): string {
  const names = columns.map((c) => checked(c.name)).join(", ");
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(", ");
  return `INSERT INTO ${checked(table)} (${names}) SELECT * FROM unnest(${arrays})${tail(ignoreConflicts, returning)}`;
}
