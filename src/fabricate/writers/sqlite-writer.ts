/**
 * The SQLite writer (`sqlite:FILE`, node:sqlite): creates the tables from their specs (types,
 * NOT NULL, primary key, UNIQUE, foreign keys — see sql-tables.ts) and inserts every row with one
 * prepared statement per table, all in one transaction: `finish` commits, `abort` rolls back, and
 * a file this writer created is removed again on abort. Foreign keys are enforced and checked at
 * the commit (deferred), so a row that references a missing parent fails the whole run.
 *
 * Values as stored: integers and decimals as numbers (a decimal rounded to its scale), text as
 * text, dates as "YYYY-MM-DD", date-times as "YYYY-MM-DDTHH:MM:SSZ", booleans as 1 or 0.
 *
 * A table that already exists is an error, unless `overwrite` (drop and create it again, in the
 * same transaction) or `append` (insert into it as it is: reusing a target database's parents).
 */
import fs from "node:fs";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { SerumsError } from "../../errors/index.ts";
import { SqliteSource } from "../../sources/sqlite-source.ts";
import type { CellValue, ColumnSpec, RowValues, TableSpec } from "../table-spec.ts";
import { columnNames, createTableSql } from "./sql-tables.ts";
import { dateText, dateTimeText, decimalFormatter, rowLengthError } from "./value-format.ts";
import { quoteIdentifier, refuseMissingColumns, WriterTables } from "./writer-tables.ts";
import type { FabricationWriter, TableWriter, WriteSummary } from "./writer-types.ts";

export interface DatabaseWriterOptions {
  /** Drop and re-create tables that exist already. */
  overwrite?: boolean;
  /** Insert into tables that exist already (their columns must include the spec's). */
  append?: boolean;
}

type Convert = (value: CellValue) => SQLInputValue;

function sqliteConverter(column: ColumnSpec): Convert | undefined {
  const name = column.name;
  switch (column.type) {
    case "date":
      return (value) => (value === null ? null : dateText(value as number, name));
    case "datetime":
      return (value) => (value === null ? null : dateTimeText(value as number, name));
    case "boolean":
      return (value) => (value === null ? null : value ? 1 : 0);
    case "decimal": {
      const decimal = decimalFormatter(column);
      return (value) => (value === null ? null : Number(decimal(value as number)));
    }
    default:
      return undefined;
  }
}

/** Whether two paths name one existing file (through links); false when either is missing. */
function sameFile(a: string, b: string): boolean {
  if (a === ":memory:" || b === ":memory:") return false;
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

async function* readOver(source: SqliteSource): AsyncIterable<Record<string, unknown>> {
  for await (const row of source.rows()) yield row.values;
}

function storeError(message: string, error: unknown, where: { path?: string } = {}): SerumsError {
  if (error instanceof SerumsError) return error;
  return new SerumsError("STORE", `${message}: ${(error as Error).message}`, where, { cause: error });
}

class SqliteTable implements TableWriter {
  /** Each row is formatted (or bound) before write returns. */
  readonly keepsNoRow = true;
  rows = 0;
  ended = false;
  readonly #spec: TableSpec;
  readonly #insert: StatementSync;
  readonly #values: SQLInputValue[];
  readonly #converted: readonly number[];
  readonly #converters: readonly Convert[];
  readonly #width: number;

  constructor(spec: TableSpec, insert: StatementSync) {
    this.#spec = spec;
    this.#insert = insert;
    this.#width = spec.columns.length;
    this.#values = new Array(this.#width).fill(null);
    const converted: number[] = [];
    const converters: Convert[] = [];
    spec.columns.forEach((column, i) => {
      const convert = sqliteConverter(column);
      if (convert) {
        converted.push(i);
        converters.push(convert);
      }
    });
    this.#converted = converted;
    this.#converters = converters;
  }

  write(row: RowValues): void {
    if (row.length !== this.#width || this.ended) {
      throw this.ended
        ? new SerumsError("BAD_USAGE", `sqlite writer: table ${this.#spec.name} was written after it ended`)
        : rowLengthError(this.#spec, row.length);
    }
    const values = this.#values;
    for (let i = 0; i < this.#width; i++) values[i] = row[i] as SQLInputValue;
    for (let k = 0; k < this.#converted.length; k++) {
      const i = this.#converted[k]!;
      values[i] = this.#converters[k]!(row[i]!);
    }
    try {
      this.#insert.run(...values);
    } catch (error) {
      throw storeError(`sqlite writer: table ${this.#spec.name}, row ${this.rows + 1}`, error, {
        path: this.#spec.name,
      });
    }
    this.rows++;
  }

  async end(): Promise<void> {
    this.ended = true;
  }
}

export class SqliteWriter implements FabricationWriter {
  readonly #file: string;
  readonly #options: DatabaseWriterOptions;
  readonly #tables = new WriterTables<SqliteTable>("sqlite");
  #db: DatabaseSync | undefined;
  #createdFile = false;
  #inserts = new Map<string, StatementSync>();

  constructor(file: string, options: DatabaseWriterOptions = {}) {
    if (file.trim() === "") {
      throw new SerumsError("BAD_USAGE", "sqlite: no file given; write sqlite:FILE", { value: file });
    }
    if (options.overwrite && options.append) {
      throw new SerumsError("BAD_USAGE", "sqlite: overwrite and append exclude each other; choose one");
    }
    this.#file = file;
    this.#options = options;
  }

  get location(): string {
    return `sqlite:${this.#file}`;
  }

  existingRows(table: string, target: string): AsyncIterable<Record<string, unknown>> | undefined {
    const db = this.#db;
    if (db === undefined || !sameFile(target, this.#file)) return undefined;
    return readOver(SqliteSource.over(db, this.#file, table));
  }

  async begin(tables: readonly TableSpec[]): Promise<void> {
    this.#tables.begin(tables);
    this.#createdFile = this.#file !== ":memory:" && !fs.existsSync(this.#file);
    try {
      this.#db = new DatabaseSync(this.#file);
    } catch (error) {
      this.#createdFile = false;
      throw storeError(`${this.location}: cannot open the database`, error);
    }
    this.#tables.phase = "open";
    try {
      const db = this.#db;
      db.exec("PRAGMA foreign_keys = ON");
      const existing = new Set(
        (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map(
          (r) => r.name,
        ),
      );
      const clashes = tables.filter((t) => existing.has(t.name)).map((t) => t.name);
      if (clashes.length > 0 && !this.#options.overwrite && !this.#options.append) {
        throw new SerumsError(
          "BAD_USAGE",
          `${this.location}: table${clashes.length > 1 ? "s" : ""} ${clashes.join(", ")} already exist${clashes.length > 1 ? "" : "s"}; pass --force to replace ${clashes.length > 1 ? "them" : "it"}, or write to another database`,
          { file: this.#file, path: clashes[0] },
        );
      }
      db.exec("BEGIN");
      db.exec("PRAGMA defer_foreign_keys = ON");
      if (this.#options.overwrite) {
        for (const table of [...tables].reverse()) {
          if (existing.has(table.name)) db.exec(`DROP TABLE ${quoteIdentifier(table.name)}`);
        }
      }
      for (const table of tables) {
        if (this.#options.append && existing.has(table.name)) {
          this.#checkExistingColumns(db, table);
        } else {
          db.exec(createTableSql(table, "sqlite", quoteIdentifier, { foreignKeys: true }));
        }
        const marks = table.columns.map(() => "?").join(", ");
        this.#inserts.set(
          table.name,
          db.prepare(`INSERT INTO ${quoteIdentifier(table.name)} (${columnNames(table)}) VALUES (${marks})`),
        );
      }
    } catch (error) {
      await this.abort();
      throw storeError(`${this.location}: cannot create the tables`, error, {});
    }
  }

  #checkExistingColumns(db: DatabaseSync, table: TableSpec): void {
    const info = db.prepare(`PRAGMA table_info(${quoteIdentifier(table.name)})`).all() as { name: string }[];
    refuseMissingColumns(this.location, table, new Set(info.map((r) => r.name)));
  }

  table(name: string): TableWriter {
    return this.#tables.writer(name, (spec) => new SqliteTable(spec, this.#inserts.get(spec.name)!));
  }

  async finish(): Promise<WriteSummary> {
    this.#tables.close("finished");
    try {
      for (const table of this.#tables.writers) await table.end();
      this.#db!.exec("COMMIT");
    } catch (error) {
      this.#tables.phase = "open";
      await this.abort();
      throw storeError(`${this.location}: the rows could not be committed`, error);
    }
    this.#db!.close();
    this.#db = undefined;
    return { rows: this.#tables.summaryRows((t) => t.rows), location: this.location };
  }

  async abort(): Promise<void> {
    if (!this.#tables.close("aborted")) return;
    const db = this.#db;
    this.#db = undefined;
    if (db?.isOpen) {
      try {
        if (db.isTransaction) db.exec("ROLLBACK");
      } finally {
        db.close();
      }
    }
    if (this.#createdFile) {
      for (const suffix of ["", "-journal", "-wal", "-shm"])
        fs.rmSync(`${this.#file}${suffix}`, { force: true });
    }
  }
}
