/**
 * The copy filter of `serums fabricate run --avoid-copies-of REAL`: keeps the engine from making
 * a record equal to a rare real row — one that fewer than k real rows share on the compared
 * columns — which the quality report would count as an exact copy (must be 0). Chance matches
 * happen when a table has few low-cardinality columns; a profile holds no real row, so only the
 * real data can tell them.
 *
 * Before fabricating, REAL (a CSV folder, a SQLite file, a postgres:// URL: what `fabricate
 * report --real` reads) is read per table the project writes (matched by name without regard to
 * case): a first pass classifies its columns as the report does (report-side.ts's loadSide, no
 * rows sampled), a second hashes every row's normalised key on the compared columns
 * (row-key.ts). Only the keys of the rows fewer than k rows share are kept, per table, in a Set.
 *
 * What is kept: the HMAC-SHA-256 of each key under a per-run key, truncated to its first 64 bits
 * (a bigint). Nothing of REAL is written anywhere, and no plain value is kept: the rows of a
 * low-cardinality table are few enough to enumerate, so an unkeyed hash would be as good as the
 * rows themselves to whoever read the process's memory; the HMAC key makes the set useless
 * without it. The per-run key is random (32 bytes from the system's generator) and never leaves
 * the process. It is NOT derived from the seed: the seed is in the project and in every summary,
 * so a seed-derived key would be a public one. Determinism does not need it: whether a record is
 * a copy is an equality of keys, the same under any HMAC key; only a 64-bit collision between a
 * record and a rare real row could differ between runs, with a probability below
 * (records × rare rows) / 2^64 (about 5·10^-7 for ten million records against a million rare
 * rows) — and such a collision only re-makes one record that was no copy. So the same project,
 * seed, REAL and options give byte-identical output.
 *
 * The sets live until clear(), which the caller calls when the run ends.
 */
import { createHmac, randomBytes } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import type { SourceValue } from "../../sources/index.ts";
import {
  type CatalogueForeignKey,
  type ColumnClass,
  DEFAULT_K,
  DEFAULT_SEED,
  readCatalogue,
} from "../profile/index.ts";
import { loadSide } from "../report/report-side.ts";
import type { CellValue, ColumnSpec, TableSpec } from "../table-spec.ts";
import { plainFormatter } from "../writers/value-format.ts";
import { copyColumns, rowKey, specKeyColumn, valueKey } from "./row-key.ts";

export interface CopyFilterOptions {
  /** A real row fewer than k real rows share is rare (default 10, as the report's --k). */
  k?: number;
  /** Foreign keys REAL does not declare (as the report's --fk): their columns are keys, not compared. */
  foreignKeys?: readonly CatalogueForeignKey[];
  /** The HMAC key (default: 32 random bytes). For tests that show the output does not depend on it. */
  hmacKey?: Uint8Array;
}

/** What the filter holds for one table (no value of REAL: counts and column names only). */
export interface CopyFilterTable {
  table: string;
  /** The real table it was read from. */
  realTable: string;
  /** The compared columns. */
  columns: string[];
  realRows: number;
  /** Real rows that fewer than k real rows share: the keys kept. */
  rareRows: number;
}

/** Tells whether an engine row (own columns in spec order) equals a rare real row; the columns it reads. */
export interface CopyTest {
  test: (row: readonly CellValue[]) => boolean;
  columns: number[];
}

export class CopyFilter {
  readonly k: number;
  readonly realName: string;
  readonly tables: CopyFilterTable[];
  /** Tables of the project REAL has not (not filtered). */
  readonly missing: string[];
  readonly #tests = new Map<string, CopyTest>();
  readonly #sets: Set<bigint>[] = [];

  constructor(
    k: number,
    realName: string,
    tables: CopyFilterTable[],
    missing: string[],
    tests: Map<string, CopyTest>,
    sets: Set<bigint>[],
  ) {
    this.k = k;
    this.realName = realName;
    this.tables = tables;
    this.missing = missing;
    for (const [table, test] of tests) this.#tests.set(table, test);
    this.#sets.push(...sets);
  }

  /** The test for a table of the project, or undefined when REAL has no such table (or no rare row). */
  avoidance(table: string): CopyTest | undefined {
    return this.#tests.get(table);
  }

  /** Drops every kept key (call when the run ends). */
  clear(): void {
    for (const set of this.#sets) set.clear();
    this.#sets.length = 0;
    this.#tests.clear();
  }
}

/** The first 64 bits of HMAC-SHA-256(key, text). */
function keyedHash(key: Uint8Array): (text: string) => bigint {
  return (text) => createHmac("sha256", key).update(text).digest().readBigUInt64BE(0);
}

/** Reads REAL and builds the filter for the tables of `specs` (see the file's comment). */
export async function buildCopyFilter(
  realSpec: string,
  specs: readonly TableSpec[],
  options: CopyFilterOptions = {},
): Promise<CopyFilter> {
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1) {
    throw new SerumsError("BAD_USAGE", `--k ${k} must be a whole number of at least 1`, {
      path: "--k",
      value: k,
    });
  }
  const hash = keyedHash(options.hmacKey ?? randomBytes(32));
  const catalogue = await readCatalogue(realSpec);
  const wanted = new Set(specs.map((s) => s.name.toLowerCase()));
  const chosen = { ...catalogue, tables: catalogue.tables.filter((t) => wanted.has(t.name.toLowerCase())) };
  const side = await loadSide(chosen, {
    sampleSize: 0,
    seed: DEFAULT_SEED,
    k,
    foreignKeys: [...catalogue.foreignKeys, ...(options.foreignKeys ?? [])],
  });
  const tables: CopyFilterTable[] = [];
  const tests = new Map<string, CopyTest>();
  const sets: Set<bigint>[] = [];
  const missing: string[] = [];
  for (const spec of specs) {
    const real = side.tables.get(spec.name.toLowerCase());
    const entry = chosen.tables.find((t) => t.name.toLowerCase() === spec.name.toLowerCase());
    if (real === undefined || entry === undefined) {
      missing.push(spec.name);
      continue;
    }
    const compared = copyColumns(real.classes, spec.columns);
    const summary: CopyFilterTable = {
      table: spec.name,
      realTable: real.name,
      columns: compared.map((c) => c.real.name),
      realRows: 0,
      rareRows: 0,
    };
    tables.push(summary);
    if (compared.length === 0) continue;
    // Count every real row's keyed hash, then keep the rare ones.
    const realKey = rowKey(compared.map((c) => ({ own: c.real, as: c.real })));
    const counts = new Map<bigint, number>();
    const reader = await entry.open();
    try {
      for await (const row of reader.rows()) {
        const h = hash(realKey(row.values));
        counts.set(h, (counts.get(h) ?? 0) + 1);
        summary.realRows++;
      }
    } finally {
      await reader.close();
    }
    const rare = new Set<bigint>();
    for (const [h, n] of counts) if (n < k) rare.add(h);
    counts.clear();
    summary.rareRows = rare.size;
    if (rare.size === 0) continue;
    sets.push(rare);
    tests.set(spec.name, engineTest(spec, compared, rare, hash));
  }
  return new CopyFilter(k, catalogue.name, tables, missing, tests, sets);
}

/** The test on engine rows: each compared value printed as a writer prints it, then keyed as the report reads it. */
function engineTest(
  spec: TableSpec,
  compared: readonly { real: ColumnClass; synthetic: ColumnSpec }[],
  rare: Set<bigint>,
  hash: (text: string) => bigint,
): CopyTest {
  const parts = compared.map(({ real, synthetic }) => {
    const index = spec.columns.indexOf(synthetic);
    const print = plainFormatter(synthetic);
    const key = valueKey(specKeyColumn(synthetic), real);
    return (row: readonly CellValue[]) => {
      const value = row[index] ?? null;
      const raw: SourceValue = value === null ? null : print(value);
      return key(raw);
    };
  });
  return {
    test: (row) => rare.has(hash(JSON.stringify(parts.map((part) => part(row))))),
    columns: compared.map((c) => spec.columns.indexOf(c.synthetic)),
  };
}
