/**
 * Writes the ECDG sample as the sources hold it: the Trak and Oncology DB tables as CSV files
 * (ndc_smr01.csv, ndc_smr06.csv, ndc_charlson.csv) and the two Chemocare tables in one SQLite
 * database (chemocare.db). Files go only to the directory the caller gives.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { generateSample, type SampleOptions, type SampleRow, type SampleValue } from "./sample.ts";
import { findTable, type SourceColumn, type SourceTable } from "./schemas.ts";

/** The tables written as CSV files, each with how its booleans are spelt. */
export const CSV_TABLES: Readonly<Record<string, { file: string; booleans: readonly [string, string] }>> = {
  ndc_smr01: { file: "ndc_smr01.csv", booleans: ["Y", "N"] },
  ndc_smr06: { file: "ndc_smr06.csv", booleans: ["Y", "N"] },
  ndc_charlson: { file: "ndc_charlson.csv", booleans: ["1", "0"] },
};

/** The tables written into the Chemocare SQLite database. */
export const CHEMOCARE_FILE = "chemocare.db";
export const CHEMOCARE_TABLES: readonly string[] = ["chemocare_toxicity", "chemocare_treatment"];

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, line end or edge space. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvText(value: SampleValue, booleans: readonly [string, string]): string {
  if (value === null) return "";
  if (typeof value === "boolean") return value ? booleans[0] : booleans[1];
  return String(value);
}

/** The table as CSV text: a header, then one CRLF-ended record per row; null is an empty field. */
export function toCsv(
  table: SourceTable,
  rows: readonly SampleRow[],
  booleans: readonly [string, string],
): string {
  const names = table.columns.map((c) => c.name);
  const lines = [names.map(csvField).join(",")];
  for (const row of rows) lines.push(names.map((n) => csvField(csvText(row[n] ?? null, booleans))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function sqlType(column: SourceColumn): string {
  switch (column.type) {
    case "integer":
    case "boolean":
      return "INTEGER";
    case "decimal":
      return "REAL";
    default:
      return "TEXT";
  }
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** CREATE TABLE for a source table: its columns with SQLite types and NOT NULL where not nullable. */
export function createTableSql(table: SourceTable): string {
  const columns = table.columns.map(
    (c) => `  ${quoteIdentifier(c.name)} ${sqlType(c)}${c.nullable ? "" : " NOT NULL"}`,
  );
  return `CREATE TABLE ${quoteIdentifier(table.name)} (\n${columns.join(",\n")}\n)`;
}

function writeChemocare(file: string, tables: Record<string, SampleRow[]>): void {
  const db = new DatabaseSync(file);
  try {
    db.exec("BEGIN");
    for (const name of CHEMOCARE_TABLES) {
      const table = findTable(name);
      db.exec(createTableSql(table));
      const names = table.columns.map((c) => c.name);
      const insert = db.prepare(
        `INSERT INTO ${quoteIdentifier(name)} (${names.map(quoteIdentifier).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
      );
      for (const row of tables[name] ?? []) {
        insert.run(...names.map((n) => toSqlite(row[n] ?? null)));
      }
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  } finally {
    db.close();
  }
}

function toSqlite(value: SampleValue): string | number | null {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}

/**
 * Generates the sample and writes it into `dir` (created when missing; files of the same names
 * are replaced). Returns the paths written.
 */
export async function writeSample(dir: string, options: SampleOptions = {}): Promise<{ files: string[] }> {
  const sample = generateSample(options);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, { file, booleans }] of Object.entries(CSV_TABLES)) {
    const target = path.join(dir, file);
    await writeFile(target, toCsv(findTable(name), sample[name] ?? [], booleans), "utf8");
    files.push(target);
  }
  const db = path.join(dir, CHEMOCARE_FILE);
  await rm(db, { force: true });
  writeChemocare(db, sample);
  files.push(db);
  return { files };
}
