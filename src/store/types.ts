/** The store's public types: one API over the embedded SQLite file and PostgreSQL. */

export type Engine = "sqlite" | "postgres";

/** Values that cross into SQL. Booleans are stored as 0/1 on SQLite. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** A statement parameter: a value, or an array of values (PostgreSQL only, for `unnest` and `ANY`). */
export type SqlParam = SqlValue | readonly SqlValue[];

export type Row = Record<string, unknown>;

/**
 * Runs SQL. Statements are written once, in PostgreSQL's `$1, $2` placeholder style, in the
 * common subset of both dialects (`ON CONFLICT DO NOTHING`, `RETURNING`, `BIGINT`, `TEXT`).
 */
export interface Executor {
  readonly engine: Engine;
  all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
  /** Several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Inserts many rows at once, the fastest way each engine has (prepared statement per row on
   * SQLite, one `unnest` statement per chunk on PostgreSQL). With `ignoreConflicts`, rows whose
   * key exists are skipped. Returns the `returning` column of the rows actually inserted, or,
   * without `returning`, an empty array; `inserted` counts them either way.
   */
  insertMany(
    table: string,
    columns: readonly ColumnDef[],
    rows: readonly (readonly SqlValue[])[],
    options?: { ignoreConflicts?: boolean; returning?: string },
  ): Promise<{ inserted: number; returned: SqlValue[] }>;
}

export interface ColumnDef {
  name: string;
  type: "text" | "bigint";
}

export interface Store extends Executor {
  /** Where the data is, safe to print (no password). */
  readonly location: string;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Transactions on one store run one at a time.
   */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A versioned schema change. `sql` is shared, or given per engine where the dialects differ. */
export interface Migration {
  /** Unique and ordered within its module, e.g. "record/001-vault". */
  id: string;
  sql: string | { sqlite: string; postgres: string };
}
