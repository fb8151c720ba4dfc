/**
 * The tables of a source and the foreign keys between them, for the profiler and the quality
 * report: every table of a SQLite file or of a PostgreSQL database's current schema (their keys
 * from the catalogue), every .csv/.tsv/.json/.jsonl/.ndjson file of a folder (a table each, named
 * by the file), or one file. A "#table" suffix or the table option narrows a database to one
 * table. Foreign keys given by the caller ("child.col=parent.col") are added to the declared ones.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { isPostgresUrl, redactLocation } from "../../config/index.ts";
import { SerumsError, showValue } from "../../errors/index.ts";
import { openSource, PostgresSource, type SourceReader, SqliteSource } from "../../sources/index.ts";

export interface CatalogueTable {
  name: string;
  primaryKey: string[];
  open(): Promise<SourceReader>;
}

export interface CatalogueForeignKey {
  table: string;
  columns: string[];
  references: { table: string; columns: string[] };
}

export interface Catalogue {
  /** The source as safe to print. */
  name: string;
  tables: CatalogueTable[];
  foreignKeys: CatalogueForeignKey[];
}

const SQLITE_FILE = /^(.+\.(?:db|sqlite|sqlite3))(?:#(.*))?$/i;
const FILE_EXTENSIONS = new Set([".csv", ".tsv", ".json", ".jsonl", ".ndjson"]);

/** "child.col=parent.col" (or "child.a+b=parent.x+y" for composite keys). */
export function parseForeignKey(text: string): CatalogueForeignKey {
  const match = /^([^.=\s]+)\.([^=\s]+)=([^.=\s]+)\.([^=\s]+)$/.exec(text.trim());
  const columns = match?.[2]?.split("+") ?? [];
  const references = match?.[4]?.split("+") ?? [];
  if (!match || columns.length !== references.length || columns.some((c) => c === "")) {
    throw new SerumsError(
      "BAD_USAGE",
      `--fk ${showValue(text)} is not a foreign key; write child_table.column=parent_table.column (composite: t.a+b=p.x+y)`,
      { path: "--fk", value: text },
    );
  }
  return { table: match[1]!, columns, references: { table: match[3]!, columns: references } };
}

function splitHash(spec: string): { location: string; table: string | undefined } {
  const hash = spec.lastIndexOf("#");
  if (hash < 0) return { location: spec, table: undefined };
  const table = spec.slice(hash + 1);
  return { location: spec.slice(0, hash), table: table === "" ? undefined : table };
}

function sqliteCatalogue(file: string, only: string | undefined): Catalogue {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
  } catch (error) {
    throw new SerumsError(
      "BAD_SOURCE",
      `${file}: cannot be read as a SQLite database (${(error as Error).message})`,
      {
        file,
      },
    );
  }
  try {
    const names = (
      db
        .prepare(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .all() as { name: string }[]
    ).map((row) => row.name);
    const chosen = only === undefined ? names : names.filter((n) => n.toLowerCase() === only.toLowerCase());
    if (only !== undefined && chosen.length === 0) {
      throw new SerumsError(
        "BAD_SOURCE",
        `${file}: no table ${showValue(only)}; its tables are: ${names.join(", ")}`,
        {
          file,
          value: only,
        },
      );
    }
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
    const keys = new Map<string, string[]>();
    for (const name of names) {
      const info = db.prepare(`PRAGMA table_info(${quote(name)})`).all() as { name: string; pk: number }[];
      keys.set(
        name,
        info
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
      );
    }
    const foreignKeys: CatalogueForeignKey[] = [];
    for (const name of chosen) {
      const rows = db.prepare(`PRAGMA foreign_key_list(${quote(name)})`).all() as {
        id: number;
        seq: number;
        table: string;
        from: string;
        to: string | null;
      }[];
      const byId = Map.groupBy(rows, (row) => row.id);
      for (const group of byId.values()) {
        group.sort((a, b) => a.seq - b.seq);
        const parent =
          names.find((n) => n.toLowerCase() === group[0]!.table.toLowerCase()) ?? group[0]!.table;
        const parentKey = keys.get(parent) ?? [];
        foreignKeys.push({
          table: name,
          columns: group.map((row) => row.from),
          references: { table: parent, columns: group.map((row, i) => row.to ?? parentKey[i] ?? "") },
        });
      }
    }
    return {
      name: file,
      tables: chosen.map((table) => ({
        name: table,
        primaryKey: keys.get(table) ?? [],
        open: () => SqliteSource.open(file, table),
      })),
      foreignKeys,
    };
  } finally {
    db.close();
  }
}

async function postgresCatalogue(url: string, only: string | undefined): Promise<Catalogue> {
  const location = redactLocation(url);
  if (only !== undefined) {
    return {
      name: location,
      tables: [{ name: only, primaryKey: [], open: () => PostgresSource.open(url, only) }],
      foreignKeys: [],
    };
  }
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const tables = await client.query<{ name: string; key: string[] }>(
      `SELECT c.relname AS name,
              coalesce((SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
                          FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                         WHERE i.indrelid = c.oid AND i.indisprimary), '{}') AS key
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    const fks = await client.query<{ child: string; parent: string; columns: string[]; refs: string[] }>(
      `SELECT cl.relname AS child, pl.relname AS parent,
              array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
              array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                      JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS refs
         FROM pg_constraint k
         JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class pl ON pl.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = cl.relnamespace
        WHERE k.contype = 'f' AND n.nspname = current_schema()
        ORDER BY cl.relname, k.conname`,
    );
    return {
      name: location,
      tables: tables.rows.map((row) => ({
        name: row.name,
        primaryKey: row.key,
        open: () => PostgresSource.open(url, row.name),
      })),
      foreignKeys: fks.rows.map((row) => ({
        table: row.child,
        columns: row.columns,
        references: { table: row.parent, columns: row.refs },
      })),
    };
  } catch (error) {
    if (error instanceof SerumsError) throw error;
    throw new SerumsError("BAD_SOURCE", `${location}: PostgreSQL: ${(error as Error).message}`, {
      file: location,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function folderCatalogue(folder: string): Catalogue {
  const files = readdirSync(folder)
    .filter((file) => FILE_EXTENSIONS.has(path.extname(file).toLowerCase()))
    .sort();
  if (files.length === 0) {
    throw new SerumsError(
      "BAD_SOURCE",
      `${folder}: the folder holds no .csv, .tsv, .json, .jsonl or .ndjson file to read as a table`,
      { file: folder },
    );
  }
  return {
    name: folder,
    tables: files.map((file) => ({
      name: path.basename(file, path.extname(file)),
      primaryKey: [],
      open: () => openSource(path.join(folder, file)),
    })),
    foreignKeys: [],
  };
}

/** The catalogue of `spec`; `extraForeignKeys` must name tables and columns it has (checked by the caller's scan). */
export async function readCatalogue(
  spec: string,
  options: { table?: string; foreignKeys?: readonly CatalogueForeignKey[] } = {},
): Promise<Catalogue> {
  let catalogue: Catalogue;
  if (isPostgresUrl(spec)) {
    const { location, table } = splitHash(spec);
    catalogue = await postgresCatalogue(location, table ?? options.table);
  } else if (SQLITE_FILE.test(spec)) {
    const match = SQLITE_FILE.exec(spec)!;
    try {
      statSync(match[1]!);
    } catch {
      throw new SerumsError("NOT_FOUND", `${match[1]}: no such file`, { file: match[1]! });
    }
    catalogue = sqliteCatalogue(
      match[1]!,
      match[2] === undefined || match[2] === "" ? options.table : match[2],
    );
  } else {
    let isFolder = false;
    try {
      isFolder = statSync(spec).isDirectory();
    } catch {
      throw new SerumsError("NOT_FOUND", `${spec}: no such file or folder`, { file: spec });
    }
    catalogue = isFolder
      ? folderCatalogue(spec)
      : {
          name: spec,
          tables: [
            { name: path.basename(spec, path.extname(spec)), primaryKey: [], open: () => openSource(spec) },
          ],
          foreignKeys: [],
        };
  }
  const names = new Set(catalogue.tables.map((t) => t.name));
  const declared = catalogue.foreignKeys.filter(
    (fk) => names.has(fk.table) && names.has(fk.references.table),
  );
  return { ...catalogue, foreignKeys: [...declared, ...(options.foreignKeys ?? [])] };
}
