/**
 * One pass over a table: the sources' column profiler (types, date formats, distinct counts,
 * well-known patterns) and this folder's value counters see every row; a seeded reservoir keeps a
 * uniform sample of rows for what needs the values together (quantiles, pairs, relations); and
 * the keys that foreign keys need are counted in full.
 */
import {
  type ColumnProfile as BaseColumnProfile,
  profileColumns,
  type SourceReader,
  type SourceValue,
} from "../../sources/index.ts";
import { Reservoir } from "./sampling.ts";
import { ValueCounter, valueText } from "./value-counter.ts";

export interface ScanOptions {
  /** Rows kept for the sample-based statistics. */
  sampleSize: number;
  seed: number;
  k: number;
  /** Distinct values counted per column before the counts become lower bounds. */
  valueCap?: number;
  /** Column sets whose values to count in full (foreign keys, and the keys they reference). */
  keys?: readonly (readonly string[])[];
}

export interface TableScan {
  name: string;
  columns: string[];
  rows: number;
  base: BaseColumnProfile[];
  counters: ValueCounter[];
  /** Sampled rows, values in column order. */
  sample: SourceValue[][];
  /** Per key (its columns joined by ","): how many rows hold each key value (nulls skipped). */
  keyCounts: Map<string, Map<string, number>>;
}

export const DEFAULT_VALUE_CAP = 200_000;

/** The text of a composite key, or undefined when any part is missing. */
export function keyText(values: readonly (SourceValue | undefined)[]): string | undefined {
  const parts: string[] = [];
  for (const value of values) {
    const text = valueText(value);
    if (text === null || text === "") return undefined;
    parts.push(text);
  }
  return parts.length === 1 ? parts[0] : JSON.stringify(parts);
}

export async function scanTable(
  name: string,
  reader: SourceReader,
  options: ScanOptions,
): Promise<TableScan> {
  const columns = await reader.columns();
  const cap = options.valueCap ?? DEFAULT_VALUE_CAP;
  const counters = columns.map(() => new ValueCounter(cap, options.k));
  const reservoir = new Reservoir<SourceValue[]>(options.sampleSize, options.seed);
  const keyCounts = new Map<string, Map<string, number>>();
  const keys = (options.keys ?? [])
    .filter((key) => key.every((column) => columns.includes(column)))
    .map((key) => {
      const counts = new Map<string, number>();
      keyCounts.set(key.join(","), counts);
      return { key, counts };
    });
  let rows = 0;

  async function* tee() {
    for await (const row of reader.rows()) {
      rows++;
      const values = columns.map((column) => row.values[column] ?? null);
      for (let i = 0; i < values.length; i++) counters[i]!.add(values[i]);
      reservoir.offer(values);
      for (const { key, counts } of keys) {
        const text = keyText(key.map((column) => row.values[column]));
        if (text !== undefined) counts.set(text, (counts.get(text) ?? 0) + 1);
      }
      yield row;
    }
  }

  const base = await profileColumns(tee(), columns);
  return { name, columns, rows, base, counters, sample: reservoir.items, keyCounts };
}
