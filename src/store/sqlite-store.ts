/** The embedded engine: one `node:sqlite` connection, WAL journal, statements prepared once. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { SerumsError } from "../errors/index.ts";
import { Mutex } from "./mutex.ts";
import type { Executor, Row, SqlValue, Store } from "./types.ts";

const STATEMENT_CACHE_LIMIT = 1000;

/** `$1` → `?1`: SQLite's numbered parameters take the same positions as PostgreSQL's. */
function toSqliteSql(sql: string): string {
  return sql.replace(/\$(\d+)/g, "?$1");
}

function toSqliteValue(value: SqlValue): SQLInputValue {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === undefined)
    throw new SerumsError("STORE", "an SQL parameter is undefined; use null for no value");
  return value;
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

  async all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#prepare(sql).all(...params.map(toSqliteValue)) as T[];
  }

  async get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.#prepare(sql).get(...params.map(toSqliteValue)) as T | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const result = this.#prepare(sql).run(...params.map(toSqliteValue));
    return { changes: Number(result.changes) };
  }

  async exec(sql: string): Promise<void> {
    this.#db.exec(sql);
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
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
    );
    this.#executor = new SqliteExecutor(this.#db);
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#mutex.run(() => this.#executor.all<T>(sql, params));
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#mutex.run(() => this.#executor.get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.#mutex.run(() => this.#executor.run(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.#mutex.run(() => this.#executor.exec(sql));
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
