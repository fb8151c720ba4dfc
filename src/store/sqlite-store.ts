/** The embedded engine: one `node:sqlite` connection, WAL journal, statements prepared once. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { SerumsError } from "../errors/index.ts";
import { singleRowInsert } from "./insert-sql.ts";
import { Mutex } from "./mutex.ts";
import type { ColumnDef, Executor, Row, SqlParam, SqlValue, Store } from "./types.ts";

const STATEMENT_CACHE_LIMIT = 1000;

/** `$1` → `?1`: SQLite's numbered parameters take the same positions as PostgreSQL's. */
function toSqliteSql(sql: string): string {
  return sql.replace(/\$(\d+)/g, "?$1");
}

function toSqliteValue(value: SqlParam): SQLInputValue {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Array.isArray(value)) throw new SerumsError("STORE", "array parameters are for PostgreSQL only");
  if (value === undefined)
    throw new SerumsError("STORE", "an SQL parameter is undefined; use null for no value");
  return value as SQLInputValue;
}

class SqliteExecutor implements Executor {
  readonly engine = "sqlite" as const;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      statement = this.#db.prepare(toSqliteSql(sql));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async all<T = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.#prepare(sql).all(...params.map(toSqliteValue)) as T[];
  }

  async get<T = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return this.#prepare(sql).get(...params.map(toSqliteValue)) as T | undefined;
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<{ changes: number }> {
    const result = this.#prepare(sql).run(...params.map(toSqliteValue));
    return { changes: Number(result.changes) };
  }

  async exec(sql: string): Promise<void> {
    this.#db.exec(sql);
  }

  async insertMany(
    table: string,
    columns: readonly ColumnDef[],
    rows: readonly (readonly SqlValue[])[],
    options: { ignoreConflicts?: boolean; returning?: string } = {},
  ): Promise<{ inserted: number; returned: SqlValue[] }> {
    // One row per statement is SQLite's fastest insert; whether a row went in is `changes`,
    // so the returned column is read from the row itself rather than with RETURNING.
    const statement = this.#prepare(singleRowInsert(table, columns, options.ignoreConflicts));
    const returnedAt = options.returning ? columns.findIndex((c) => c.name === options.returning) : -1;
    if (options.returning && returnedAt < 0) {
      throw new SerumsError("STORE", `returning ${options.returning} must be one of the inserted columns`);
    }
    const returned: SqlValue[] = [];
    let inserted = 0;
    for (const row of rows) {
      if (statement.run(...row.map(toSqliteValue)).changes === 0) continue;
      inserted++;
      if (returnedAt >= 0) returned.push(row[returnedAt] as SqlValue);
    }
    return { inserted, returned };
  }
}

export class SqliteStore implements Store {
  readonly engine = "sqlite" as const;
  readonly location: string;
  readonly #db: DatabaseSync;
  readonly #executor: SqliteExecutor;
  readonly #mutex = new Mutex();

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      this.#db = new DatabaseSync(file);
    } catch (error) {
      throw new SerumsError(
        "STORE",
        `cannot open the SQLite database ${file}: ${(error as Error).message}`,
        { file },
        { cause: error },
      );
    }
    this.location = file;
    // WAL lets readers work during a load; FULL makes each commit durable; a killed process
    // leaves the last committed state.
    this.#db.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;" +
        // Hash keys land at random places in their B-trees: a 64 MiB page cache keeps a load's
        // working set in memory instead of re-reading pages for every row.
        " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    );
    this.#executor = new SqliteExecutor(this.#db);
  }

  all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.#mutex.run(() => this.#executor.all<T>(sql, params));
  }

  get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.#mutex.run(() => this.#executor.get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.#mutex.run(() => this.#executor.run(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.#mutex.run(() => this.#executor.exec(sql));
  }

  insertMany(
    table: string,
    columns: readonly ColumnDef[],
    rows: readonly (readonly SqlValue[])[],
    options?: { ignoreConflicts?: boolean; returning?: string },
  ): Promise<{ inserted: number; returned: SqlValue[] }> {
    return this.#mutex.run(() => this.#executor.insertMany(table, columns, rows, options));
  }

  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(this.#executor);
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.#mutex.run(async () => {
      if (this.#db.isOpen) this.#db.close();
    });
  }
}
