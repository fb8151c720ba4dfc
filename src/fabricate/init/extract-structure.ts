/**
 * `serums fabricate init --from DB`: a starting data project from an existing SQLite or
 * PostgreSQL database — its tables, columns and types, primary keys, unique sets, foreign keys
 * and nullability, read from the catalogue (SQLite's PRAGMAs; PostgreSQL's pg_catalog, in the
 * store's schema). No row is read. The project fabricates 100 rows per table without parents and
 * 1–3 per parent row for the others; the user then adds rules (or derives them from a profile).
 */
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import type { ColumnDef, FabricateDef, ForeignKeyDef, Project, TableDef } from "../project/project-types.ts";

export interface ExtractedTable {
  name: string;
  columns: { name: string; def: ColumnDef }[];
  primaryKey: string[];
  unique: string[][];
  foreignKeys: ForeignKeyDef[];
}

/** A column type of the project from a database's declared type. */
export function projectType(declared: string, precision?: number | null, scale?: number | null): ColumnDef {
  const t = declared.toLowerCase();
  if (/bool/.test(t)) return { type: "boolean" };
  if (/^timestamp|datetime/.test(t)) return { type: "datetime" };
  if (/^date$/.test(t.trim())) return { type: "date" };
  if (/int|serial/.test(t)) return { type: "integer" };
  const sized = /(numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(\d+))?\s*\)/.exec(t);
  if (sized) return { type: "decimal", precision: Number(sized[2]), scale: Number(sized[3] ?? 0) };
  if (/numeric|decimal/.test(t)) {
    return precision
      ? { type: "decimal", precision, scale: scale ?? 0 }
      : { type: "decimal", precision: 12, scale: 2 };
  }
  if (/real|floa|doub/.test(t)) return { type: "decimal", precision: 15, scale: 4 };
  return { type: "string" };
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function extractSqlite(db: Executor): Promise<ExtractedTable[]> {
  const tables = await db.all<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  );
  const out: ExtractedTable[] = [];
  for (const { name } of tables) {
    const info = await db.all<{ name: string; type: string; notnull: number | bigint; pk: number | bigint }>(
      `PRAGMA table_info(${quote(name)})`,
    );
    const primaryKey = info
      .filter((c) => Number(c.pk) > 0)
      .sort((a, b) => Number(a.pk) - Number(b.pk))
      .map((c) => c.name);
    const unique: string[][] = [];
    for (const index of await db.all<{ name: string; unique: number | bigint; origin: string }>(
      `PRAGMA index_list(${quote(name)})`,
    )) {
      if (Number(index.unique) !== 1 || index.origin === "pk") continue;
      const cols = await db.all<{ seqno: number | bigint; name: string }>(
        `PRAGMA index_info(${quote(index.name)})`,
      );
      unique.push(cols.sort((a, b) => Number(a.seqno) - Number(b.seqno)).map((c) => c.name));
    }
    const fkRows = await db.all<{
      id: number | bigint;
      seq: number | bigint;
      table: string;
      from: string;
      to: string | null;
    }>(`PRAGMA foreign_key_list(${quote(name)})`);
    const byId = new Map<number, ForeignKeyDef>();
    for (const fk of fkRows.sort((a, b) => Number(a.id) - Number(b.id) || Number(a.seq) - Number(b.seq))) {
      const entry = byId.get(Number(fk.id)) ?? { columns: [], table: fk.table, references: [] };
      entry.columns.push(fk.from);
      entry.references.push(fk.to ?? "");
      byId.set(Number(fk.id), entry);
    }
    out.push({
      name,
      columns: info.map((c) => ({
        name: c.name,
        def: {
          ...projectType(c.type),
          ...(Number(c.notnull) === 1 || Number(c.pk) > 0 ? {} : { nullable: true }),
        },
      })),
      primaryKey,
      unique,
      foreignKeys: [...byId.values()],
    });
  }
  // A foreign key written without columns (REFERENCES parent) means the parent's primary key.
  for (const t of out) {
    for (const fk of t.foreignKeys) {
      if (fk.references.some((r) => r === ""))
        fk.references = out.find((p) => p.name === fk.table)?.primaryKey ?? fk.references;
    }
  }
  return out;
}

async function extractPostgres(db: Executor): Promise<ExtractedTable[]> {
  const columns = await db.all<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    numeric_precision: number | null;
    numeric_scale: number | null;
  }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.numeric_precision, c.numeric_scale
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const constraints = await db.all<{
    table_name: string;
    contype: string;
    cols: string[];
    ref_table: string | null;
    ref_cols: string[] | null;
  }>(
    `SELECT cl.relname AS table_name, co.contype,
            ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
            rf.relname AS ref_table,
            CASE WHEN co.confrelid = 0 THEN NULL ELSE
              ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i) END AS ref_cols
       FROM pg_constraint co
       JOIN pg_class cl ON cl.oid = co.conrelid
       JOIN pg_namespace ns ON ns.oid = cl.relnamespace
       LEFT JOIN pg_class rf ON rf.oid = co.confrelid
      WHERE ns.nspname = current_schema() AND co.contype IN ('p', 'u', 'f')
      ORDER BY cl.relname, co.conname`,
  );
  const tables = new Map<string, ExtractedTable>();
  for (const c of columns) {
    const table = tables.get(c.table_name) ?? {
      name: c.table_name,
      columns: [],
      primaryKey: [],
      unique: [],
      foreignKeys: [],
    };
    table.columns.push({
      name: c.column_name,
      def: {
        ...projectType(
          c.data_type,
          c.numeric_precision === null ? null : Number(c.numeric_precision),
          c.numeric_scale === null ? null : Number(c.numeric_scale),
        ),
        ...(c.is_nullable === "YES" ? { nullable: true } : {}),
      },
    });
    tables.set(c.table_name, table);
  }
  for (const k of constraints) {
    const table = tables.get(k.table_name);
    if (!table) continue;
    if (k.contype === "p") table.primaryKey = k.cols;
    else if (k.contype === "u") table.unique.push(k.cols);
    else table.foreignKeys.push({ columns: k.cols, table: k.ref_table!, references: k.ref_cols ?? [] });
  }
  return [...tables.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The structure of every table of the store's database (its schema, on PostgreSQL). */
export async function extractStructure(db: Executor): Promise<ExtractedTable[]> {
  return db.engine === "sqlite" ? extractSqlite(db) : extractPostgres(db);
}

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A starting project from extracted tables (tables whose names the project cannot hold are left out, and listed). */
export function projectFromStructure(
  tables: readonly ExtractedTable[],
  options: { name?: string; rows?: number; exclude?: readonly string[] } = {},
): { project: Project; skipped: string[] } {
  const skipped: string[] = [];
  const kept = tables.filter((t) => {
    const ok =
      SAFE_NAME.test(t.name) &&
      t.columns.every((c) => SAFE_NAME.test(c.name)) &&
      !(options.exclude ?? []).includes(t.name);
    if (!ok) skipped.push(t.name);
    return ok;
  });
  const names = new Set(kept.map((t) => t.name));
  const project: Project = { name: options.name ?? "project", seed: 1, tables: {}, fabricate: {} };
  for (const t of kept) {
    const foreignKeys = t.foreignKeys.filter((fk) => names.has(fk.table) && fk.table !== t.name);
    const def: TableDef = { columns: Object.fromEntries(t.columns.map((c) => [c.name, c.def])) };
    if (t.primaryKey.length > 0) def.primary_key = t.primaryKey;
    if (t.unique.length > 0) def.unique = t.unique;
    if (foreignKeys.length > 0) def.foreign_keys = foreignKeys;
    project.tables[t.name] = def;
    const fab: FabricateDef =
      foreignKeys.length === 0
        ? { rows: options.rows ?? 100 }
        : { rows: { per: foreignKeys[0]!.table, count: { kind: "uniform", min: 1, max: 3 } } };
    project.fabricate[t.name] = fab;
  }
  if (kept.length === 0) {
    throw new SerumsError("BAD_SOURCE", "the database has no tables to describe", {});
  }
  return { project, skipped };
}
