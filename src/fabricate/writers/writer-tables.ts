/**
 * The bookkeeping every writer shares: the tables it was begun with (no duplicates, no empty
 * names), the lifecycle (begin once; tables; finish or abort once), and the rows counted per table
 * in the order the tables were written — the WriteSummary's `rows`.
 */
import { SerumsError } from "../../errors/index.ts";
import type { TableSpec } from "../table-spec.ts";

export type WriterPhase = "new" | "open" | "finished" | "aborted";

export class WriterTables<T> {
  readonly #kind: string;
  readonly #specs = new Map<string, TableSpec>();
  readonly #writers = new Map<string, T>();
  readonly #order: string[] = [];
  phase: WriterPhase = "new";

  constructor(kind: string) {
    this.#kind = kind;
  }

  /** Registers the tables; a second begin, an empty list, or a repeated or empty name is an error. */
  begin(tables: readonly TableSpec[]): void {
    if (this.phase !== "new") {
      throw new SerumsError("BAD_USAGE", `${this.#kind} writer: begin was called twice`);
    }
    if (tables.length === 0) {
      throw new SerumsError("BAD_USAGE", `${this.#kind} writer: no tables to write`);
    }
    for (const table of tables) {
      if (table.name.trim() === "") {
        throw new SerumsError("BAD_USAGE", `${this.#kind} writer: a table has an empty name`);
      }
      if (this.#specs.has(table.name)) {
        throw new SerumsError("BAD_USAGE", `${this.#kind} writer: table ${table.name} is given twice`, {
          path: table.name,
        });
      }
      if (table.columns.length === 0) {
        throw new SerumsError("BAD_USAGE", `${this.#kind} writer: table ${table.name} has no columns`, {
          path: table.name,
        });
      }
      this.#specs.set(table.name, table);
    }
  }

  get specs(): readonly TableSpec[] {
    return [...this.#specs.values()];
  }

  spec(name: string): TableSpec {
    const spec = this.#specs.get(name);
    if (!spec) {
      throw new SerumsError(
        "BAD_USAGE",
        `${this.#kind} writer: no table ${JSON.stringify(name)} was begun; the tables are ${[...this.#specs.keys()].join(", ")}`,
        { path: name },
      );
    }
    return spec;
  }

  /** The table's writer, made by `make` on first use; the same writer after that. */
  writer(name: string, make: (spec: TableSpec) => T): T {
    if (this.phase !== "open") {
      throw new SerumsError(
        "BAD_USAGE",
        `${this.#kind} writer: table ${name} asked for while the writer is ${this.phase}`,
      );
    }
    let writer = this.#writers.get(name);
    if (writer === undefined) {
      writer = make(this.spec(name));
      this.#writers.set(name, writer);
      this.#order.push(name);
    }
    return writer;
  }

  /** Every table's writer made so far, in the order they were first asked for. */
  get writers(): readonly T[] {
    return this.#order.map((name) => this.#writers.get(name)!);
  }

  /** Rows per table: the tables written, in order, then those never asked for with 0. */
  summaryRows(count: (writer: T) => number): Record<string, number> {
    const rows: Record<string, number> = {};
    for (const name of this.#order) rows[name] = count(this.#writers.get(name)!);
    for (const name of this.#specs.keys()) if (!(name in rows)) rows[name] = 0;
    return rows;
  }

  /** Moves to finished or aborted; finishing twice, or after an abort, is an error. */
  close(to: "finished" | "aborted"): boolean {
    if (to === "aborted") {
      if (this.phase === "finished" || this.phase === "aborted") return false;
      this.phase = "aborted";
      return true;
    }
    if (this.phase !== "open") {
      throw new SerumsError(
        "BAD_USAGE",
        `${this.#kind} writer: finish called while the writer is ${this.phase}`,
      );
    }
    this.phase = "finished";
    return true;
  }
}

/** A quoted SQL identifier: "name", with inner quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Appending to an existing table: BAD_USAGE naming the spec's columns the table lacks. */
export function refuseMissingColumns(location: string, table: TableSpec, have: ReadonlySet<string>): void {
  const missing = table.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new SerumsError(
      "BAD_USAGE",
      `${location}: table ${table.name} exists without column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, so rows cannot be appended to it`,
      { path: table.name },
    );
  }
}
