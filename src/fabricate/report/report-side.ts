/**
 * One side of a comparison (the real or the synthetic data): each table scanned once with the
 * profiler's machinery (types, a seeded sample, the keys foreign keys need), and its columns read
 * as the real side's types say, so that both sides are compared on the same scale.
 */
import type { SourceValue } from "../../sources/index.ts";
import {
  type Catalogue,
  type CatalogueForeignKey,
  type ColumnClass,
  classifyColumn,
  comparableText,
  numericParser,
  scanTable,
  type TableScan,
} from "../profile/index.ts";

export interface SideTable {
  name: string;
  scan: TableScan;
  classes: ColumnClass[];
  primaryKey: string[];
}

export interface Side {
  name: string;
  tables: Map<string, SideTable>;
}

export interface SideOptions {
  sampleSize: number;
  seed: number;
  k: number;
  foreignKeys: readonly CatalogueForeignKey[];
}

/** Scans every table of a catalogue (tables are matched by name, without regard to case). */
export async function loadSide(catalogue: Catalogue, options: SideOptions): Promise<Side> {
  const tables = new Map<string, SideTable>();
  for (const table of catalogue.tables) {
    const lower = table.name.toLowerCase();
    const keys = [
      ...options.foreignKeys.filter((fk) => fk.table.toLowerCase() === lower).map((fk) => fk.columns),
      ...options.foreignKeys
        .filter((fk) => fk.references.table.toLowerCase() === lower)
        .map((fk) => fk.references.columns),
    ];
    const reader = await table.open();
    let scan: TableScan;
    try {
      scan = await scanTable(table.name, reader, {
        sampleSize: options.sampleSize,
        seed: options.seed,
        k: options.k,
        keys,
      });
    } finally {
      await reader.close();
    }
    const declared = new Set([...table.primaryKey, ...keys.flat()]);
    const classes = scan.base.map((base, index) =>
      classifyColumn(base, index, { k: options.k, declaredKeys: declared }),
    );
    tables.set(lower, { name: table.name, scan, classes, primaryKey: table.primaryKey });
  }
  return { name: catalogue.name, tables };
}

/** The class of a column of the table by name (case-insensitive), or undefined. */
export function findColumn(table: SideTable, name: string): ColumnClass | undefined {
  return (
    table.classes.find((c) => c.name === name) ??
    table.classes.find((c) => c.name.toLowerCase() === name.toLowerCase())
  );
}

/**
 * The sampled values of `own` as numbers on the scale of `as` (the real side's class): with its
 * own parser when it was inferred as the same kind (a synthetic date may be written in another
 * format than the real one), else with the real side's. NaN when missing or not convertible.
 */
export function numbersAs(rows: readonly SourceValue[][], own: ColumnClass, as: ColumnClass): Float64Array {
  const sameKind = own.kind === as.kind && own.unit === as.unit;
  const parse =
    (sameKind ? numericParser(own.inferred, own.format) : undefined) ?? numericParser(as.inferred, as.format);
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = parse ? parse(rows[i]![own.index] ?? null) : Number.NaN;
  return out;
}

/** The sampled values of `own` as comparable texts under `as`'s kind (booleans as "true"/"false"). */
export function textsAs(
  rows: readonly SourceValue[][],
  own: ColumnClass,
  as: ColumnClass,
): (string | null)[] {
  return rows.map((row) => comparableText(row[own.index] ?? null, as));
}

/** Share of rows where the column is null or blank (over every row scanned). */
export function missingShare(column: ColumnClass): number {
  return column.base.count === 0 ? 0 : (column.base.nulls + column.base.empties) / column.base.count;
}
