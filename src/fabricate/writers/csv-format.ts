/**
 * CSV (RFC 4180): a header row of the column names, then one record per row, fields separated by
 * commas, records ended by CRLF. A field holding a comma, a double quote, CR or LF is quoted, with
 * inner quotes doubled. Null is an empty field; the empty string is `""`, so the two stay apart.
 * Dates are "YYYY-MM-DD", date-times "YYYY-MM-DDTHH:MM:SSZ", decimals have their scale's digits,
 * booleans are `true` / `false`.
 *
 * Per-row work is one closure call per column: each column's formatter is made once, and a value
 * equal to the column's previous one reuses its text.
 */
import type { CellValue, ColumnSpec, RowValues, TableSpec } from "../table-spec.ts";
import type { FileFormat, TableEncoder } from "./file-writer.ts";
import { nullError, plainFormatter } from "./value-format.ts";

const NEEDS_QUOTES = /[",\r\n]/;

/** One field's text, quoted when RFC 4180 requires it. */
export function csvField(text: string): string {
  if (text.length === 0) return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

type Cell = (value: CellValue) => string;

/**
 * One column's cell text. Each remembers its last value and text: a table made per parent repeats
 * the parent's values (and categories repeat) from row to row, and a repeated value is then not
 * formatted again (the check is inside each closure, so a new value costs no extra call).
 */
function csvCell(table: string, column: ColumnSpec): Cell {
  const name = column.name;
  const nullText = column.nullable
    ? () => ""
    : () => {
        throw nullError(table, name);
      };
  let last: CellValue | undefined;
  let text = "";
  switch (column.type) {
    case "string":
      return (value) => {
        if (value === last) return text;
        text = value === null ? nullText() : csvField(value as string);
        last = value;
        return text;
      };
    case "categorical": {
      // Categories repeat: their field text is made once each.
      const known = new Map((column.categories ?? []).map((c) => [c, csvField(c)]));
      return (value) => {
        if (value === last) return text;
        text = value === null ? nullText() : (known.get(value as string) ?? csvField(value as string));
        last = value;
        return text;
      };
    }
    default: {
      const plain = plainFormatter(column);
      return (value) => {
        if (value === last) return text;
        text = value === null ? nullText() : plain(value);
        last = value;
        return text;
      };
    }
  }
}

export function csvEncoder(table: TableSpec): TableEncoder {
  const cells = table.columns.map((column) => csvCell(table.name, column));
  const width = cells.length;
  const first = cells[0]!;
  const header = `${table.columns.map((c) => csvField(c.name)).join(",")}\r\n`;
  return {
    start: header,
    row(values: RowValues): string {
      let line = first(values[0]!);
      for (let i = 1; i < width; i++) line += `,${cells[i]!(values[i]!)}`;
      return `${line}\r\n`;
    },
    end: () => "",
  };
}

export const CSV_FORMAT: FileFormat = { kind: "csv", extension: ".csv", encoder: csvEncoder };
