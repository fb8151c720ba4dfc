/**
 * `serums profile SOURCE`: the profile of every table of a source (one pass each), then the
 * children-per-parent distribution of every foreign key between them.
 */
import { SerumsError, showValue } from "../../errors/index.ts";
import type { SourceReader } from "../../sources/index.ts";
import { childrenPerParent } from "./children-per-parent.ts";
import { classifyColumn } from "./column-class.ts";
import { buildColumnProfile } from "./column-profile.ts";
import { profilePairs } from "./pair-profile.ts";
import { type ForeignKeyProfile, PROFILE_VERSION, type Profile, type TableProfile } from "./profile-types.ts";
import { findRelations } from "./relations.ts";
import { type Catalogue, type CatalogueForeignKey, readCatalogue } from "./table-catalogue.ts";
import { scanTable, type TableScan } from "./table-scan.ts";
import { typeColumns } from "./typed-table.ts";

export interface ProfileSettings {
  /** Values (and shapes, lengths, joint counts) seen fewer than k times are never shown. Default 10. */
  k?: number;
  /** Rows sampled per table for quantiles, pairs and relations. Default 100,000. */
  sampleSize?: number;
  seed?: number;
  /** One table of a database source. */
  table?: string;
  /** Foreign keys beyond those the database declares. */
  foreignKeys?: readonly CatalogueForeignKey[];
  /** Called as each table starts (for progress). */
  onTable?: (name: string, index: number, total: number) => void;
}

export const DEFAULT_K = 10;
export const DEFAULT_SAMPLE_SIZE = 100_000;
export const DEFAULT_SEED = 1;

interface Resolved {
  k: number;
  sampleSize: number;
  seed: number;
}

function resolve(settings: ProfileSettings): Resolved {
  const k = settings.k ?? DEFAULT_K;
  const sampleSize = settings.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(k) || k < 1)
    throw new SerumsError("BAD_USAGE", `k must be a whole number of at least 1, not ${showValue(k)}`, {
      path: "k",
      value: k,
    });
  if (!Number.isInteger(sampleSize) || sampleSize < 1)
    throw new SerumsError(
      "BAD_USAGE",
      `the sample size must be a whole number of at least 1, not ${showValue(sampleSize)}`,
      { path: "sampleSize", value: sampleSize },
    );
  return { k, sampleSize, seed: settings.seed ?? DEFAULT_SEED };
}

/** The profile of one scanned table. */
export function profileTable(
  scan: TableScan,
  primaryKey: readonly string[],
  declaredKeys: ReadonlySet<string>,
  settings: Resolved,
): TableProfile {
  const { k, seed } = settings;
  const classes = scan.base.map((base, index) => classifyColumn(base, index, { k, declaredKeys }));
  const typed = typeColumns(scan.sample, classes);
  const columns = classes.map((column, i) => buildColumnProfile(column, scan.counters[i]!, typed[i]!, k));
  const minSupport = Math.max(2 * k, 10);
  return {
    name: scan.name,
    rows: scan.rows,
    sampledRows: scan.sample.length,
    primaryKey: [...primaryKey],
    columns,
    pairs: profilePairs(typed, columns, k, seed),
    relations: findRelations(typed, k, minSupport),
  };
}

function checkForeignKeys(catalogue: Catalogue): void {
  const names = catalogue.tables.map((t) => t.name);
  for (const fk of catalogue.foreignKeys) {
    for (const table of [fk.table, fk.references.table]) {
      if (!names.includes(table)) {
        throw new SerumsError(
          "BAD_USAGE",
          `the foreign key ${fk.table}.${fk.columns.join("+")}=${fk.references.table}.${fk.references.columns.join("+")} names table ${showValue(table)}, which ${catalogue.name} does not have; its tables are: ${names.join(", ")}`,
          { path: "--fk", value: table },
        );
      }
    }
  }
}

/** Profiles every table of a catalogue. */
export async function profileCatalogue(
  catalogue: Catalogue,
  settings: ProfileSettings = {},
): Promise<Profile> {
  const resolved = resolve(settings);
  checkForeignKeys(catalogue);
  const tables: TableProfile[] = [];
  const keyCounts = new Map<string, Map<string, number>>();
  for (const [index, table] of catalogue.tables.entries()) {
    settings.onTable?.(table.name, index, catalogue.tables.length);
    const keys = [
      ...catalogue.foreignKeys.filter((fk) => fk.table === table.name).map((fk) => fk.columns),
      ...catalogue.foreignKeys
        .filter((fk) => fk.references.table === table.name)
        .map((fk) => fk.references.columns),
    ];
    const reader: SourceReader = await table.open();
    let scan: TableScan;
    try {
      scan = await scanTable(table.name, reader, { ...resolved, keys });
    } finally {
      await reader.close();
    }
    for (const key of keys) {
      const missing = key.find((column) => !scan.columns.includes(column));
      if (missing !== undefined) {
        throw new SerumsError(
          "BAD_USAGE",
          `table ${table.name} has no column ${showValue(missing)} for a foreign key; its columns are: ${scan.columns.join(", ")}`,
          { path: "--fk", value: missing },
        );
      }
    }
    for (const [key, counts] of scan.keyCounts) keyCounts.set(`${table.name}\u0000${key}`, counts);
    const declared = new Set([...table.primaryKey, ...keys.flat()]);
    tables.push(profileTable(scan, table.primaryKey, declared, resolved));
  }
  const foreignKeys: ForeignKeyProfile[] = catalogue.foreignKeys.map((fk) => {
    const parents =
      keyCounts.get(`${fk.references.table}\u0000${fk.references.columns.join(",")}`) ?? new Map();
    const children = keyCounts.get(`${fk.table}\u0000${fk.columns.join(",")}`) ?? new Map();
    return {
      table: fk.table,
      columns: fk.columns,
      references: fk.references,
      ...childrenPerParent(parents, children, resolved.k),
    };
  });
  return {
    version: PROFILE_VERSION,
    kind: "serums-profile",
    source: catalogue.name,
    settings: resolved,
    tables,
    foreignKeys,
  };
}

/** Profiles a source spec: a file, a folder of files, a SQLite file or a postgres:// URL. */
export async function profileSource(spec: string, settings: ProfileSettings = {}): Promise<Profile> {
  const catalogue = await readCatalogue(spec, {
    ...(settings.table === undefined ? {} : { table: settings.table }),
    ...(settings.foreignKeys === undefined ? {} : { foreignKeys: settings.foreignKeys }),
  });
  return profileCatalogue(catalogue, settings);
}
