/**
 * A table (or view) of a SQLite file, opened read-only with `node:sqlite` and streamed row by row.
 * Rows come in primary-key order when the table declares one, else in rowid order (a view: in the
 * order SQLite gives). Integers are numbers when exact, else their decimal text; reals are
 * numbers; text is a string; a BLOB is an error naming the column and row.
 *
 * The table name is matched against the database's own list of tables (SQLite's names are
 * case-insensitive) and only that catalogue name, quoted, reaches the SQL.
 */
import { DatabaseSync } from "node:sqlite";
import { SerumsError } from "../errors/index.ts";
import { checkReadableFile } from "./text-input.ts";
import type { SourceReader, SourceRow, SourceValue } from "./types.ts";
import { exactInteger } from "./values.ts";

interface TableInfo {
  name: string;
  type: "table" | "view";
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function listTables(db: DatabaseSync): TableInfo[] {
  return db
    .prepare(
      "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .all() as unknown as TableInfo[];
}

/** The catalogue entry of `table` (exact name, else case-insensitive); the error lists the tables. */
function findTable(db: DatabaseSync, file: string, table: string | undefined): TableInfo {
  const tables = listTables(db);
  if (table === undefined || table === "") {
    throw new SerumsError(
      "BAD_SOURCE",
      `${file}: no table given; add "#table" to the file name or give the table option (${describeTables(tables)})`,
      { file },
    );
  }
  const found =
    tables.find((candidate) => candidate.name === table) ??
    tables.find((candidate) => candidate.name.toLowerCase() === table.toLowerCase());
  if (!found) {
    throw new SerumsError(
      "BAD_SOURCE",
      `${file}: no table ${JSON.stringify(table)}; ${describeTables(tables)}`,
      {
        file,
        value: table,
      },
    );
  }
  return found;
}

function describeTables(tables: readonly TableInfo[]): string {
  return tables.length === 0
    ? "the database has no tables"
    : `its tables are: ${tables.map((table) => table.name).join(", ")}`;
}

/** ORDER BY the primary key, else rowid (under whichever alias no column shadows), else nothing. */
function orderBy(table: TableInfo, columns: { name: string; pk: number }[]): string {
  const key = columns.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk);
  if (key.length > 0) return ` ORDER BY ${key.map((column) => quoteIdentifier(column.name)).join(", ")}`;
  if (table.type === "view") return "";
  const names = new Set(columns.map((column) => column.name.toLowerCase()));
  const alias = ["rowid", "_rowid_", "oid"].find((candidate) => !names.has(candidate));
  return alias ? ` ORDER BY ${alias}` : "";
}

export class SqliteSource implements SourceReader {
  readonly name: string;
  readonly file: string;
  readonly table: string;
  readonly #db: DatabaseSync;
  /** Whether close() closes the connection (not when it was lent: SqliteSource.over). */
  readonly #owned: boolean;
  readonly #columns: string[];
  readonly #select: string;
  #iterated = false;

  private constructor(file: string, db: DatabaseSync, table: TableInfo, owned = true) {
    this.file = file;
    this.table = table.name;
    this.name = `${file}#${table.name}`;
    this.#db = db;
    this.#owned = owned;
    const info = db.prepare(`PRAGMA table_info(${quoteIdentifier(table.name)})`).all() as unknown as {
      name: string;
      pk: number;
    }[];
    this.#columns = info.map((column) => column.name);
    const list = this.#columns.map(quoteIdentifier).join(", ");
    this.#select = `SELECT ${list} FROM ${quoteIdentifier(table.name)}${orderBy(table, info)}`;
  }

  /**
   * A table read through a connection the caller keeps open (and closes): a writer reading the
   * file it is writing, inside its own transaction, which a second connection would wait on.
   */
  static over(db: DatabaseSync, file: string, table: string): SqliteSource {
    return new SqliteSource(file, db, findTable(db, file, table), false);
  }

  /** Opens `file` read-only; without a table, or with one it lacks, the error lists its tables. */
  static async open(file: string, table: string | undefined): Promise<SqliteSource> {
    await checkReadableFile(file);
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(file, { readOnly: true });
      return new SqliteSource(file, db, findTable(db, file, table));
    } catch (error) {
      db?.close();
      if (error instanceof SerumsError) throw error;
      throw new SerumsError(
        "BAD_SOURCE",
        `${file}: cannot be read as a SQLite database (${(error as Error).message})`,
        { file },
        { cause: error },
      );
    }
  }

  async columns(): Promise<string[]> {
    return [...this.#columns];
  }

  async countRows(): Promise<number> {
    const row = this.#db.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(this.table)}`).get() as {
      n: number;
    };
    return row.n;
  }

  #value(value: unknown, column: string, line: number): SourceValue {
    if (typeof value === "bigint") return exactInteger(value);
    if (value === null || typeof value === "number" || typeof value === "string") return value;
    throw new SerumsError(
      "BAD_SOURCE",
      `${this.name}, row ${line}, column ${column}: a BLOB (binary) value; a source column must hold text or numbers (leave the column out with a view, or store it as text)`,
      { file: this.file, line, column },
    );
  }

  async *rows(): AsyncGenerator<SourceRow> {
    if (this.#iterated)
      throw new SerumsError("BAD_USAGE", `${this.name}: the rows of a source can be read only once`);
    this.#iterated = true;
    const statement = this.#db.prepare(this.#select);
    statement.setReadBigInts(true);
    let line = 0;
    for (const row of statement.iterate() as Iterable<Record<string, unknown>>) {
      line++;
      const values = Object.fromEntries(
        this.#columns.map((column) => [column, this.#value(row[column], column, line)]),
      );
      yield { line, values };
    }
  }

  async close(): Promise<void> {
    if (this.#owned && this.#db.isOpen) this.#db.close();
  }
}
