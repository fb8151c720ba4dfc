/**
 * A table (or view) of a PostgreSQL database, streamed through a server-side cursor (`DECLARE …
 * CURSOR` and `FETCH 1000` inside a read-only transaction) on one `pg` connection. Rows come in
 * primary-key order when the table has one, else in the order PostgreSQL gives. Values are
 * converted as `postgres-values.ts` describes.
 *
 * The table name ("table" or "schema.table") is checked, then looked up in the catalogue with
 * `to_regclass` (exact spelling first, then lower case, as PostgreSQL folds unquoted names); only
 * the catalogue's names, quoted, reach the SQL. Messages show the URL without its password.
 */
import pg from "pg";
import { redactLocation } from "../config/index.ts";
import { SerumsError, showValue } from "../errors/index.ts";
import { sourceTypeParsers } from "./postgres-values.ts";
import type { SourceReader, SourceRow, SourceValue } from "./types.ts";

const FETCH_ROWS = 1000;
const CURSOR = "serums_source_rows";
const LISTED_TABLES = 50;

export interface TableName {
  schema?: string;
  table: string;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function validPart(part: string): boolean {
  if (part.length === 0 || part.length > 63 || part.includes('"')) return false;
  return [...part].every((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f);
}

/** "table" or "schema.table", each part 1–63 characters with no quote, dot or control character. */
export function parseTableName(text: string, location: string): TableName {
  const parts = text.split(".");
  if (parts.length > 2 || !parts.every(validPart)) {
    throw new SerumsError(
      "BAD_SOURCE",
      `${location}: the table name ${showValue(text)} is not valid; give "table" or "schema.table", each part 1 to 63 characters without quotes, dots or control characters`,
      { file: location, value: text },
    );
  }
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { table: parts[0]! };
}

function qualified(name: TableName): string {
  return `${name.schema === undefined ? "" : `${quoteIdentifier(name.schema)}.`}${quoteIdentifier(name.table)}`;
}

function wrap(error: unknown, location: string): SerumsError {
  if (error instanceof SerumsError) return error;
  return new SerumsError(
    "BAD_SOURCE",
    `${location}: PostgreSQL: ${(error as Error).message}`,
    { file: location },
    {
      cause: error,
    },
  );
}

async function findRelation(
  client: pg.Client,
  name: TableName,
  location: string,
): Promise<Required<TableName> & { oid: number }> {
  const lower = {
    table: name.table.toLowerCase(),
    ...(name.schema ? { schema: name.schema.toLowerCase() } : {}),
  };
  for (const spelling of [name, lower]) {
    const result = await client.query(
      `SELECT c.oid, n.nspname AS schema, c.relname AS table
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`,
      [qualified(spelling)],
    );
    if (result.rows[0]) return result.rows[0];
  }
  const listed = await client.query(
    `SELECT CASE WHEN table_schema = current_schema() THEN table_name
                 ELSE table_schema || '.' || table_name END AS name, count(*) OVER () AS total
       FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY table_schema <> current_schema(), table_schema, table_name
      LIMIT ${LISTED_TABLES}`,
  );
  const names = listed.rows.map((row: { name: string }) => row.name);
  const total = Number(listed.rows[0]?.total ?? 0);
  const more = total > names.length ? ` (and ${total - names.length} more)` : "";
  const tables =
    names.length === 0
      ? "the database has no tables you may read"
      : `the tables are: ${names.join(", ")}${more}`;
  const shown = name.schema === undefined ? name.table : `${name.schema}.${name.table}`;
  throw new SerumsError("BAD_SOURCE", `${location}: no table ${JSON.stringify(shown)}; ${tables}`, {
    file: location,
    value: shown,
  });
}

export class PostgresSource implements SourceReader {
  readonly name: string;
  readonly #client: pg.Client;
  readonly #columns: string[];
  readonly #from: string;
  readonly #select: string;
  #iterated = false;
  #closed = false;

  private constructor(name: string, client: pg.Client, columns: string[], from: string, key: string[]) {
    this.name = name;
    this.#client = client;
    this.#columns = columns;
    this.#from = from;
    const order = key.length > 0 ? ` ORDER BY ${key.map(quoteIdentifier).join(", ")}` : "";
    this.#select = `SELECT ${columns.map(quoteIdentifier).join(", ")} FROM ${from}${order}`;
  }

  /** Connects and finds the table; a missing table's error lists the tables there are. */
  static async open(url: string, table: string | undefined): Promise<PostgresSource> {
    const location = redactLocation(url);
    if (table === undefined || table === "") {
      throw new SerumsError(
        "BAD_SOURCE",
        `${location}: no table given; add "#table" or "#schema.table" to the URL, or give the table option`,
        { file: location },
      );
    }
    const name = parseTableName(table, location);
    const client = new pg.Client({ connectionString: url, types: sourceTypeParsers });
    client.on("error", () => undefined); // a lost connection surfaces as the failure of the next query
    try {
      await client.connect();
      await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
      const relation = await findRelation(client, name, location);
      const columns = await client.query(
        "SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [relation.oid],
      );
      const key = await client.query(
        `SELECT a.attname FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
          WHERE i.indrelid = $1 AND i.indisprimary
          ORDER BY array_position(i.indkey::int2[], a.attnum)`,
        [relation.oid],
      );
      return new PostgresSource(
        `${location}#${table}`,
        client,
        columns.rows.map((row: { attname: string }) => row.attname),
        `${quoteIdentifier(relation.schema)}.${quoteIdentifier(relation.table)}`,
        key.rows.map((row: { attname: string }) => row.attname),
      );
    } catch (error) {
      await client.end().catch(() => undefined);
      throw wrap(error, location);
    }
  }

  async columns(): Promise<string[]> {
    return [...this.#columns];
  }

  async countRows(): Promise<number> {
    try {
      const result = await this.#client.query(`SELECT count(*) AS n FROM ${this.#from}`);
      return result.rows[0].n as number;
    } catch (error) {
      throw wrap(error, this.name);
    }
  }

  #value(value: unknown, column: string, line: number): SourceValue {
    if (
      value === null ||
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean"
    ) {
      return value;
    }
    const what = value instanceof Uint8Array ? "a bytea (binary) value" : "a value of an unsupported type";
    throw new SerumsError(
      "BAD_SOURCE",
      `${this.name}, row ${line}, column ${column}: ${what}; a source column must hold text, numbers, booleans or dates (leave the column out with a view)`,
      { file: this.name, line, column },
    );
  }

  async *rows(): AsyncGenerator<SourceRow> {
    if (this.#iterated)
      throw new SerumsError("BAD_USAGE", `${this.name}: the rows of a source can be read only once`);
    this.#iterated = true;
    const client = this.#client;
    let finished = false;
    try {
      await client.query("BEGIN TRANSACTION READ ONLY");
      await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${this.#select}`);
      let line = 0;
      for (;;) {
        const batch = await client.query<unknown[]>({
          text: `FETCH FORWARD ${FETCH_ROWS} FROM ${CURSOR}`,
          rowMode: "array",
        });
        for (const row of batch.rows) {
          line++;
          const values = Object.fromEntries(
            this.#columns.map((column, at) => [column, this.#value(row[at], column, line)]),
          );
          yield { line, values };
        }
        if (batch.rows.length < FETCH_ROWS) break;
      }
      await client.query("COMMIT");
      finished = true;
    } catch (error) {
      throw wrap(error, this.name);
    } finally {
      if (!finished && !this.#closed) await client.query("ROLLBACK").catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.end().catch(() => undefined);
  }
}
