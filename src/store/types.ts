/** The store's public types: one API over the embedded SQLite file and PostgreSQL. */

export type Engine = "sqlite" | "postgres";

/** Values that cross into SQL. Booleans are stored as 0/1 on SQLite. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

export type Row = Record<string, unknown>;

/**
 * Runs SQL. Statements are written once, in PostgreSQL's `$1, $2` placeholder style, in the
 * common subset of both dialects (`ON CONFLICT DO NOTHING`, `RETURNING`, `BIGINT`, `TEXT`).
 */
export interface Executor {
  readonly engine: Engine;
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
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
