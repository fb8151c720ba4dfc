/** The PostgreSQL engine: a small `pg` pool; 64-bit integers come back as numbers. */
import pg from "pg";
import { redactLocation } from "../config/index.ts";
import { SerumsError } from "../errors/index.ts";
import { unnestInsert } from "./insert-sql.ts";
import type { ColumnDef, Executor, Row, SqlParam, SqlValue, Store } from "./types.ts";

/** Rows per statement: large enough to amortise the round trip, small enough to stream. */
const CHUNK_ROWS = 5000;

const INT8_OID = 20;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new SerumsError(
      "STORE",
      `a BIGINT value ${text} is outside the range JavaScript numbers hold exactly`,
    );
  }
  return value;
}

const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return parseInt8;
    return pg.types.getTypeParser(oid, format ?? "text");
  },
} as pg.CustomTypesConfig;

type Queryable = pg.Pool | pg.PoolClient;

function wrapError(error: unknown, sql: string): never {
  if (error instanceof SerumsError) throw error;
  const message = (error as Error).message;
  throw new SerumsError(
    "STORE",
    `PostgreSQL: ${message} (in: ${sql.slice(0, 80).replace(/\s+/g, " ")}…)`,
    {},
    {
      cause: error,
    },
  );
}

class PostgresExecutor implements Executor {
  readonly engine = "postgres" as const;
  readonly #target: Queryable;

  constructor(target: Queryable) {
    this.#target = target;
  }

  async all<T = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    try {
      const result = await this.#target.query({ text: sql, values: params as unknown[] });
      return result.rows as T[];
    } catch (error) {
      wrapError(error, sql);
    }
  }

  async get<T = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<{ changes: number }> {
    try {
      const result = await this.#target.query({ text: sql, values: params as unknown[] });
      return { changes: result.rowCount ?? 0 };
    } catch (error) {
      wrapError(error, sql);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.#target.query(sql);
    } catch (error) {
      wrapError(error, sql);
    }
  }

  async insertMany(
    table: string,
    columns: readonly ColumnDef[],
    rows: readonly (readonly SqlValue[])[],
    options: { ignoreConflicts?: boolean; returning?: string } = {},
  ): Promise<{ inserted: number; returned: SqlValue[] }> {
    const sql = unnestInsert(table, columns, options.ignoreConflicts, options.returning);
    const returned: SqlValue[] = [];
    let inserted = 0;
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      const chunk = rows.slice(start, start + CHUNK_ROWS);
      const arrays = columns.map((_, c) => chunk.map((row) => row[c]));
      try {
        const result = await this.#target.query({ text: sql, values: arrays });
        inserted += result.rowCount ?? 0;
        if (options.returning) for (const row of result.rows) returned.push(row[options.returning]);
      } catch (error) {
        wrapError(error, sql);
      }
    }
    return { inserted, returned };
  }
}

export interface PostgresOptions {
  /** Tables are created and read in this schema (tests use one schema each). */
  schema?: string;
  maxConnections?: number;
}

export class PostgresStore implements Store {
  readonly engine = "postgres" as const;
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #executor: PostgresExecutor;

  constructor(url: string, options: PostgresOptions = {}) {
    this.location = redactLocation(url);
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(options.schema)) {
      throw new SerumsError(
        "BAD_CONFIG",
        `schema name ${JSON.stringify(options.schema)} must match [a-z_][a-z0-9_]*`,
      );
    }
    this.#pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
      types: typeParsers,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client that loses its connection must not crash the process.
    this.#pool.on("error", () => undefined);
    this.#executor = new PostgresExecutor(this.#pool);
  }

  all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.#executor.all<T>(sql, params);
  }

  get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.#executor.get<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.#executor.run(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.#executor.exec(sql);
  }

  insertMany(
    table: string,
    columns: readonly ColumnDef[],
    rows: readonly (readonly SqlValue[])[],
    options?: { ignoreConflicts?: boolean; returning?: string },
  ): Promise<{ inserted: number; returned: SqlValue[] }> {
    return this.#executor.insertMany(table, columns, rows, options);
  }

  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new SerumsError(
        "STORE",
        `cannot connect to PostgreSQL at ${this.location}: ${(error as Error).message}`,
        {},
        {
          cause: error,
        },
      );
    }
    try {
      await client.query("BEGIN");
      const result = await work(new PostgresExecutor(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
