/**
 * Opens a source from its spec: a `postgres://` or `postgresql://` URL (with `#table` or
 * `#schema.table`, or the table option), a SQLite file `*.db|*.sqlite|*.sqlite3` (with `#table` or
 * the table option), or a `.csv`, `.tsv`, `.json`, `.jsonl` or `.ndjson` file. A `#table` suffix
 * wins over the table option. Extensions are matched without regard to case.
 */
import path from "node:path";
import { isPostgresUrl } from "../config/index.ts";
import { SerumsError, showValue } from "../errors/index.ts";
import { CsvSource } from "./csv-source.ts";
import { JsonLinesSource, JsonSource } from "./json-source.ts";
import { PostgresSource } from "./postgres-source.ts";
import { SqliteSource } from "./sqlite-source.ts";
import type { OpenSourceOptions, SourceReader } from "./types.ts";

export const SOURCE_KINDS =
  'a .csv or .tsv file, a .json file (an array of objects), a .jsonl or .ndjson file, a SQLite file (.db, .sqlite or .sqlite3, with "#table"), or a postgres:// URL (with "#table" or "#schema.table")';

const SQLITE_FILE = /^(.+\.(?:db|sqlite|sqlite3))(?:#(.*))?$/i;

/** Splits "location#table"; the table is undefined when there is no "#" or nothing after it. */
function splitTable(spec: string): { location: string; table: string | undefined } {
  const hash = spec.lastIndexOf("#");
  if (hash === -1) return { location: spec, table: undefined };
  const table = spec.slice(hash + 1);
  return { location: spec.slice(0, hash), table: table === "" ? undefined : table };
}

/** The spec safe to print: the password of any URL (mysql://, https://…) hidden, not only PostgreSQL's. */
function redactSpec(spec: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return spec;
  try {
    const url = new URL(spec);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(an unparseable URL)";
  }
}

/** Opens the source `spec` names; a spec of no known kind is a BAD_SOURCE error listing the kinds. */
export async function openSource(spec: string, options: OpenSourceOptions = {}): Promise<SourceReader> {
  if (spec.trim() === "") {
    throw new SerumsError("BAD_SOURCE", `no source given; give ${SOURCE_KINDS}`, { value: spec });
  }
  if (isPostgresUrl(spec)) {
    const { location, table } = splitTable(spec);
    return PostgresSource.open(location, table ?? options.table);
  }
  const sqlite = SQLITE_FILE.exec(spec);
  if (sqlite) {
    const table = sqlite[2] === undefined || sqlite[2] === "" ? options.table : sqlite[2];
    return SqliteSource.open(sqlite[1]!, table);
  }
  const extension = path.extname(spec).toLowerCase();
  switch (extension) {
    case ".csv":
      return CsvSource.open(spec, options.delimiter === undefined ? {} : { delimiter: options.delimiter });
    case ".tsv":
      return CsvSource.open(spec, { delimiter: options.delimiter ?? "\t" });
    case ".json":
      return JsonSource.open(spec);
    case ".jsonl":
    case ".ndjson":
      return JsonLinesSource.open(spec);
    default: {
      const shown = redactSpec(spec);
      throw new SerumsError(
        "BAD_SOURCE",
        `${showValue(shown, 200)} is not a kind of source Serums reads; give ${SOURCE_KINDS}`,
        { file: shown, value: shown },
      );
    }
  }
}
