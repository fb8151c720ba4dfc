/**
 * CREATE TABLE statements from TableSpecs, for SQLite and PostgreSQL: column types, NOT NULL,
 * the primary key, UNIQUE sets and foreign keys.
 *
 *   type         SQLite (declared type, affinity)   PostgreSQL
 *   integer      INTEGER                            BIGINT
 *   decimal      NUMERIC(p,s)                       NUMERIC(p,s)
 *   string       TEXT                               TEXT
 *   categorical  TEXT                               TEXT
 *   date         DATE ("YYYY-MM-DD" text)           DATE
 *   datetime     DATETIME ("…T…Z" text)             TIMESTAMPTZ
 *   boolean      BOOLEAN (0 or 1, checked)          BOOLEAN
 *
 * A decimal without a precision is NUMERIC; with a precision but no scale, NUMERIC(p,0).
 * PostgreSQL's foreign keys are separate statements (`ALTER TABLE … ADD FOREIGN KEY`), so that
 * they can be added after a bulk load, which checks each one in a single pass.
 */
import { SerumsError } from "../../errors/index.ts";
import type { ColumnSpec, ForeignKeySpec, TableSpec } from "../table-spec.ts";
import { quoteIdentifier } from "./writer-tables.ts";

export type SqlDialect = "sqlite" | "postgres";

function decimalType(column: ColumnSpec): string {
  if (column.precision === undefined) return "NUMERIC";
  const p = column.precision;
  const s = column.scale ?? 0;
  if (!Number.isInteger(p) || p < 1 || p > 1000 || !Number.isInteger(s) || s < 0 || s > p) {
    throw new SerumsError(
      "BAD_USAGE",
      `column ${column.name}: decimal(${p}, ${s}) is not a valid precision and scale; give 1 ≤ precision ≤ 1000 and 0 ≤ scale ≤ precision`,
      { column: column.name, value: { precision: p, scale: s } },
    );
  }
  return `NUMERIC(${p},${s})`;
}

export function columnType(column: ColumnSpec, dialect: SqlDialect): string {
  switch (column.type) {
    case "integer":
      return dialect === "sqlite" ? "INTEGER" : "BIGINT";
    case "decimal":
      return decimalType(column);
    case "string":
    case "categorical":
      return "TEXT";
    case "date":
      return "DATE";
    case "datetime":
      return dialect === "sqlite" ? "DATETIME" : "TIMESTAMPTZ";
    case "boolean":
      return "BOOLEAN";
  }
}

function columnList(names: readonly string[]): string {
  return names.map(quoteIdentifier).join(", ");
}

/** Every column a key names must be a column of its table. */
function checkColumns(table: TableSpec, names: readonly string[], what: string): void {
  const known = new Set(table.columns.map((c) => c.name));
  if (names.length === 0) {
    throw new SerumsError("BAD_USAGE", `table ${table.name}: ${what} names no columns`, { path: table.name });
  }
  for (const name of names) {
    if (!known.has(name)) {
      throw new SerumsError(
        "BAD_USAGE",
        `table ${table.name}: ${what} names column ${JSON.stringify(name)}, which the table does not have; its columns are ${[...known].join(", ")}`,
        { path: table.name, column: name },
      );
    }
  }
}

/** `qualified` is the table's name as SQL (quoted, with its schema where there is one). */
export function createTableSql(
  table: TableSpec,
  dialect: SqlDialect,
  qualify: (name: string) => string,
  options: { foreignKeys: boolean },
): string {
  const lines = table.columns.map((column) => {
    const name = quoteIdentifier(column.name);
    let line = `${name} ${columnType(column, dialect)}`;
    if (!column.nullable) line += " NOT NULL";
    if (dialect === "sqlite" && column.type === "boolean") line += ` CHECK (${name} IN (0, 1))`;
    return line;
  });
  if (table.primaryKey.length > 0) {
    checkColumns(table, table.primaryKey, "the primary key");
    lines.push(`PRIMARY KEY (${columnList(table.primaryKey)})`);
  }
  for (const unique of table.unique) {
    checkColumns(table, unique, "a unique set");
    lines.push(`UNIQUE (${columnList(unique)})`);
  }
  if (options.foreignKeys) {
    for (const fk of table.foreignKeys) lines.push(foreignKeyClause(table, fk, qualify));
  }
  return `CREATE TABLE ${qualify(table.name)} (\n  ${lines.join(",\n  ")}\n)`;
}

function foreignKeyClause(table: TableSpec, fk: ForeignKeySpec, qualify: (name: string) => string): string {
  checkColumns(table, fk.columns, `a foreign key to ${fk.table}`);
  if (fk.columns.length !== fk.references.length) {
    throw new SerumsError(
      "BAD_USAGE",
      `table ${table.name}: a foreign key of ${fk.columns.length} columns references ${fk.references.length} columns of ${fk.table}`,
      { path: table.name },
    );
  }
  return `FOREIGN KEY (${columnList(fk.columns)}) REFERENCES ${qualify(fk.table)} (${columnList(fk.references)})`;
}

/** PostgreSQL: one `ALTER TABLE … ADD FOREIGN KEY` per foreign key of the table. */
export function addForeignKeysSql(table: TableSpec, qualify: (name: string) => string): string[] {
  return table.foreignKeys.map(
    (fk) => `ALTER TABLE ${qualify(table.name)} ADD ${foreignKeyClause(table, fk, qualify)}`,
  );
}

/** A comma-separated list of quoted column names, for INSERT and COPY. */
export function columnNames(table: TableSpec): string {
  return columnList(table.columns.map((c) => c.name));
}
