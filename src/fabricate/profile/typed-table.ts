/**
 * The sampled rows of a table as typed columns, for statistics over several columns at once:
 * numbers (engine form, NaN when missing) for numeric, temporal and boolean columns; dictionary
 * codes of every column's texts (-1 when missing; booleans as "true"/"false") for equality tests.
 */
import type { SourceValue } from "../../sources/index.ts";
import type { ColumnClass } from "./column-class.ts";
import { valueText } from "./value-counter.ts";
import { booleanOf, numericParser } from "./value-parse.ts";

export interface TypedColumn {
  column: ColumnClass;
  numbers: Float64Array | undefined;
  /** Codes into `dictionary`; -1 when missing. */
  codes: Int32Array;
  dictionary: string[];
}

/** The comparable text of a value of the column: booleans as "true"/"false", else trimmed text. */
export function comparableText(raw: SourceValue, column: ColumnClass): string | null {
  if (column.kind === "boolean") {
    const value = booleanOf(raw);
    return value === undefined ? null : String(value);
  }
  const text = valueText(raw);
  return text === null || text === "" ? null : text;
}

export function typeColumns(
  sample: readonly SourceValue[][],
  columns: readonly ColumnClass[],
): TypedColumn[] {
  return columns.map((column) => {
    const parse = column.kind === "empty" ? undefined : numericParser(column.inferred, column.format);
    const numbers = parse === undefined ? undefined : new Float64Array(sample.length);
    const codes = new Int32Array(sample.length);
    const lookup = new Map<string, number>();
    const dictionary: string[] = [];
    for (let row = 0; row < sample.length; row++) {
      const raw = sample[row]![column.index] ?? null;
      if (numbers) numbers[row] = parse!(raw);
      const text = comparableText(raw, column);
      if (text === null) {
        codes[row] = -1;
        continue;
      }
      let code = lookup.get(text);
      if (code === undefined) {
        code = dictionary.length;
        dictionary.push(text);
        lookup.set(text, code);
      }
      codes[row] = code;
    }
    return { column, numbers, codes, dictionary };
  });
}

/**
 * Level codes of a column for contingency statistics: each of `levels` its index, any other
 * present value `levels.length` ("other"), missing -1.
 */
export function levelCodes(typed: TypedColumn, levels: readonly string[]): Int32Array {
  const index = new Map(levels.map((level, i) => [level, i]));
  const byCode = typed.dictionary.map((text) => index.get(text) ?? levels.length);
  return typed.codes.map((code) => (code < 0 ? -1 : byCode[code]!));
}

/** Bin codes of numbers over fixed edges (below the first bin → 0, above the last → last), NaN → -1. */
export function binCodes(numbers: Float64Array, edges: readonly number[]): Int32Array {
  const bins = Math.max(1, edges.length - 1);
  const start = edges[0] ?? 0;
  const width = edges.length > 1 ? (edges[edges.length - 1]! - start) / bins : 1;
  const out = new Int32Array(numbers.length);
  for (let i = 0; i < numbers.length; i++) {
    const value = numbers[i]!;
    out[i] = Number.isNaN(value)
      ? -1
      : Math.min(bins - 1, Math.max(0, Math.floor((value - start) / (width || 1) + 1e-9)));
  }
  return out;
}
