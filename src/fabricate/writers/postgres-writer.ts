/**
 * The PostgreSQL writer (`postgres:URL`, `postgres:URL#schema`): one connection, one transaction.
 * `begin` creates the schema when named (IF NOT EXISTS) and the tables (types in sql-tables.ts,
 * NOT NULL, primary key, UNIQUE); each table's rows stream through `COPY … FROM STDIN` in text
 * format, built as ~64 KiB strings; `finish` adds the foreign keys (one checking pass each, after
 * the load) and commits; `abort` cancels any COPY in progress and rolls back, so nothing of a
 * failed run stays. `write` returns a promise only when the socket pushes back.
 *
 * Text-format values: `\N` for null; backslash, tab, LF and CR escaped; booleans `t`/`f`; dates,
 * date-times (with `Z`) and decimals as in every writer. A NUL character, which PostgreSQL text
 * cannot hold, is a BAD_ROW error naming the column.
 *
 * Existing tables are refused unless `overwrite` (dropped, children first, and re-created in the
 * transaction) or `append` (rows added to them as they are; their foreign keys are theirs).
 */
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { redactLocation } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import type { CellValue, ColumnSpec, RowValues, TableSpec } from "../table-spec.ts";
import { addForeignKeysSql, columnNames, createTableSql } from "./sql-tables.ts";
import type { DatabaseWriterOptions } from "./sqlite-writer.ts";
import { nullError, plainFormatter, rowLengthError } from "./value-format.ts";
import { quoteIdentifier, refuseMissingColumns, WriterTables } from "./writer-tables.ts";
import type { FabricationWriter, TableWriter, WriteSummary } from "./writer-types.ts";

const CHUNK_CHARS = 64 * 1024;
/** What the COPY stream may hold before `write` waits for the socket. */
const STREAM_HIGH_WATER = 1024 * 1024;
/** How long an abort waits for PostgreSQL to acknowledge a cancelled COPY before closing anyway. */
const CANCEL_WAIT_MS = 5000;

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPE_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** Text for COPY's text format. */
export function copyText(text: string, table = "", column = ""): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  if (text.includes("\0")) {
    throw new SerumsError(
      "BAD_ROW",
      `table ${table}, column ${column}: a value holds the NUL character, which PostgreSQL text cannot store`,
      { path: `${table}.${column}`, column },
    );
  }
  return text.replace(ESCAPE_ALL, (c) => ESCAPES[c]!);
}

type Cell = (value: CellValue) => string;

function copyCell(table: string, column: ColumnSpec): Cell {
  const name = column.name;
  const nullText = column.nullable
    ? () => "\\N"
    : () => {
        throw nullError(table, name);
      };
  const plain = plainFormatter(column, "t", "f");
  if (column.type === "string" || column.type === "categorical") {
    return (value) => (value === null ? nullText() : copyText(String(value), table, name));
  }
  return (value) => (value === null ? nullText() : plain(value));
}

/** One row of COPY text format, with its line end. */
export function copyRowEncoder(table: TableSpec): (values: RowValues) => string {
  const cells = table.columns.map((column) => copyCell(table.name, column));
  const width = cells.length;
  const first = cells[0]!;
  return (values) => {
    let line = first(values[0]!);
    for (let i = 1; i < width; i++) line += `\t${cells[i]!(values[i]!)}`;
    return `${line}\n`;
  };
}

/** Splits `postgres://…#schema` into the URL and the schema (undefined when none). */
export function splitSchema(spec: string): { url: string; schema: string | undefined } {
  const hash = spec.lastIndexOf("#");
  if (hash === -1) return { url: spec, schema: undefined };
  const schema = spec.slice(hash + 1);
  return { url: spec.slice(0, hash), schema: schema === "" ? undefined : schema };
}

function pgError(message: string, error: unknown, where: { path?: string } = {}): SerumsError {
  if (error instanceof SerumsError) return error;
  return new SerumsError("STORE", `${message}: ${(error as Error).message}`, where, { cause: error });
}

type CopyStream = ReturnType<typeof copyFrom>;

class PostgresTable implements TableWriter {
  /** Each row is formatted (or bound) before write returns. */
  readonly keepsNoRow = true;
  rows = 0;
  ended = false;
  readonly #spec: TableSpec;
  readonly #client: pg.Client;
  readonly #sql: string;
  readonly #encode: (values: RowValues) => string;
  readonly #width: number;
  readonly #writer: PostgresWriter;
  #buffer = "";
  #stream: CopyStream | undefined;
  #failure: Error | undefined;

  constructor(spec: TableSpec, client: pg.Client, qualified: string, writer: PostgresWriter) {
    this.#spec = spec;
    this.#client = client;
    this.#sql = `COPY ${qualified} (${columnNames(spec)}) FROM STDIN`;
    this.#encode = copyRowEncoder(spec);
    this.#width = spec.columns.length;
    this.#writer = writer;
  }

  write(row: RowValues): void | Promise<void> {
    if (row.length !== this.#width || this.ended) {
      throw this.ended
        ? new SerumsError("BAD_USAGE", `postgres writer: table ${this.#spec.name} was written after it ended`)
        : rowLengthError(this.#spec, row.length);
    }
    this.#buffer += this.#encode(row);
    this.rows++;
    if (this.#buffer.length >= CHUNK_CHARS) return this.#flush();
  }

  #open(): CopyStream {
    if (this.#stream) return this.#stream;
    this.#writer.active = this;
    const stream = this.#client.query(copyFrom(this.#sql, { highWaterMark: STREAM_HIGH_WATER }));
    stream.on("error", (error: Error) => {
      this.#failure ??= error;
    });
    this.#stream = stream;
    return stream;
  }

  #check(): void {
    if (this.#failure)
      throw pgError(`postgres writer: COPY into ${this.#spec.name}`, this.#failure, {
        path: this.#spec.name,
      });
  }

  #flush(): void | Promise<void> {
    this.#check();
    const stream = this.#open();
    const chunk = this.#buffer;
    this.#buffer = "";
    if (stream.write(chunk)) return;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        stream.off("drain", done);
        stream.off("error", done);
        stream.off("close", done);
        if (this.#failure) reject(pgError(`postgres writer: COPY into ${this.#spec.name}`, this.#failure));
        else resolve();
      };
      stream.on("drain", done);
      stream.on("error", done);
      stream.on("close", done);
    });
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.rows === 0) return;
    if (this.#buffer.length > 0) await this.#flush();
    this.#check();
    const stream = this.#open();
    await new Promise<void>((resolve, reject) => {
      stream.on("finish", () => resolve());
      stream.on("error", (error: Error) => reject(error));
      stream.end();
    }).catch((error: unknown) => {
      throw pgError(`postgres writer: COPY into ${this.#spec.name}`, this.#failure ?? error, {
        path: this.#spec.name,
      });
    });
    this.#writer.active = undefined;
    if (stream.rowCount !== this.rows) {
      throw new SerumsError(
        "STORE",
        `postgres writer: COPY into ${this.#spec.name} stored ${stream.rowCount} rows of the ${this.rows} written`,
        { path: this.#spec.name },
      );
    }
  }

  /** Abandons a COPY in progress (PostgreSQL is told it failed) and waits until it has ended. */
  async cancel(): Promise<void> {
    this.ended = true;
    const stream = this.#stream;
    // A COPY that failed or finished has nothing to cancel (and no connection to cancel it on).
    if (!stream || this.#failure || stream.destroyed || stream.writableFinished) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CANCEL_WAIT_MS);
      stream.once("close", () => resolve());
      stream.once("error", () => resolve());
      stream.destroy(new Error("the fabrication was aborted"));
    });
    clearTimeout(timer);
  }
}

export class PostgresWriter implements FabricationWriter {
  readonly #url: string;
  readonly #schema: string | undefined;
  readonly #options: DatabaseWriterOptions;
  readonly #tables = new WriterTables<PostgresTable>("postgres");
  readonly #created = new Set<string>();
  #client: pg.Client | undefined;
  /** The table whose COPY is in progress, if any. */
  active: PostgresTable | undefined;

  constructor(url: string, schema: string | undefined, options: DatabaseWriterOptions = {}) {
    if (options.overwrite && options.append) {
      throw new SerumsError("BAD_USAGE", "postgres: overwrite and append exclude each other; choose one");
    }
    this.#url = url;
    this.#schema = schema;
    this.#options = options;
  }

  get location(): string {
    const where = redactLocation(this.#url);
    return this.#schema === undefined ? `postgres:${where}` : `postgres:${where}#${this.#schema}`;
  }

  #qualify = (name: string): string =>
    this.#schema === undefined
      ? quoteIdentifier(name)
      : `${quoteIdentifier(this.#schema)}.${quoteIdentifier(name)}`;

  async begin(tables: readonly TableSpec[]): Promise<void> {
    this.#tables.begin(tables);
    const client = new pg.Client({ connectionString: this.#url });
    client.on("error", () => undefined); // a lost connection fails the next query, which reports it
    try {
      await client.connect();
    } catch (error) {
      throw pgError(`${this.location}: cannot connect`, error);
    }
    this.#client = client;
    this.#tables.phase = "open";
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL TimeZone = 'UTC'");
      if (this.#schema !== undefined)
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.#schema)}`);
      const existing = await this.#existingTables(client, tables);
      const clashes = tables.filter((t) => existing.has(t.name)).map((t) => t.name);
      if (clashes.length > 0 && !this.#options.overwrite && !this.#options.append) {
        throw new SerumsError(
          "BAD_USAGE",
          `${this.location}: table${clashes.length > 1 ? "s" : ""} ${clashes.join(", ")} already exist${clashes.length > 1 ? "" : "s"}; pass --force to replace ${clashes.length > 1 ? "them" : "it"}, or write to another schema`,
          { path: clashes[0] },
        );
      }
      if (this.#options.overwrite) {
        // Children first; no CASCADE, so a table outside this run that references one is not
        // silently stripped of its foreign key (the drop fails and says so instead).
        for (const name of [...clashes].reverse()) await client.query(`DROP TABLE ${this.#qualify(name)}`);
      }
      for (const table of tables) {
        if (this.#options.append && existing.has(table.name)) {
          await this.#checkExistingColumns(client, table);
          continue;
        }
        await client.query(createTableSql(table, "postgres", this.#qualify, { foreignKeys: false }));
        this.#created.add(table.name);
      }
    } catch (error) {
      await this.abort();
      throw pgError(`${this.location}: cannot create the tables`, error);
    }
  }

  async #existingTables(client: pg.Client, tables: readonly TableSpec[]): Promise<Set<string>> {
    const result = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relname = ANY ($1)
          AND n.nspname = ${this.#schema === undefined ? "current_schema()" : "$2"}`,
      this.#schema === undefined ? [tables.map((t) => t.name)] : [tables.map((t) => t.name), this.#schema],
    );
    return new Set(result.rows.map((r) => r.name));
  }

  async #checkExistingColumns(client: pg.Client, table: TableSpec): Promise<void> {
    const result = await client.query<{ name: string }>(
      `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [this.#qualify(table.name)],
    );
    refuseMissingColumns(this.location, table, new Set(result.rows.map((r) => r.name)));
  }

  table(name: string): TableWriter {
    return this.#tables.writer(name, (spec) => {
      if (this.active && !this.active.ended) {
        throw new SerumsError(
          "BAD_USAGE",
          `postgres writer: table ${spec.name} asked for while another table's rows are still being copied; end that table first`,
        );
      }
      return new PostgresTable(spec, this.#client!, this.#qualify(spec.name), this);
    });
  }

  async finish(): Promise<WriteSummary> {
    this.#tables.close("finished");
    const client = this.#client!;
    try {
      for (const table of this.#tables.writers) await table.end();
      for (const table of this.#tables.specs) {
        if (!this.#created.has(table.name)) continue;
        for (const sql of addForeignKeysSql(table, this.#qualify)) await client.query(sql);
      }
      await client.query("COMMIT");
    } catch (error) {
      this.#tables.phase = "open";
      await this.abort();
      throw pgError(`${this.location}: the rows could not be committed`, error);
    }
    this.#client = undefined;
    await client.end().catch(() => undefined);
    return { rows: this.#tables.summaryRows((t) => t.rows), location: this.location };
  }

  async abort(): Promise<void> {
    if (!this.#tables.close("aborted")) return;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    try {
      for (const table of this.#tables.writers) await table.cancel();
      await client.query("ROLLBACK");
    } catch {
      // The connection is closed below; PostgreSQL rolls back a transaction whose session ends.
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
