/**
 * Where fabricated rows go. The engine opens a writer once with every table it will fill, then
 * streams each table's rows through `table(...).write` (a table's rows all arrive before the
 * next table's, parents before children), then calls `finish`. On any failure it calls `abort`,
 * which must leave nothing half-written that looks whole (a database writer rolls back; a file
 * writer removes what it wrote).
 *
 * `write` may return a promise when the writer must wait (a socket's back-pressure); the engine
 * awaits it only then, so a synchronous writer pays nothing per row.
 */
import type { RowValues, TableSpec } from "../table-spec.ts";

export interface TableWriter {
  write(row: RowValues): void | Promise<void>;
  /**
   * True when `write` is done with the row once it returns (it formats or copies it and keeps
   * no reference): the engine may then pass the same array for every row, refilled.
   */
  readonly keepsNoRow?: boolean;
  /** All rows of this table are written. */
  end(): Promise<void>;
}

export interface WriteSummary {
  /** Rows written per table, in the order the tables were written. */
  rows: Record<string, number>;
  /** Where the output went, safe to print (no password). */
  location: string;
}

export interface FabricationWriter {
  begin(tables: readonly TableSpec[]): Promise<void>;
  /**
   * The rows of `table` in the target database `target`, read through the writer's own
   * connection, when the writer is writing that same database (appending to the database it
   * inflates): a second connection would wait on the writer's lock once its transaction grows.
   * Undefined when `target` is another database.
   */
  existingRows?(table: string, target: string): AsyncIterable<Record<string, unknown>> | undefined;
  table(name: string): TableWriter;
  finish(): Promise<WriteSummary>;
  abort(): Promise<void>;
}
