/**
 * XML 1.0 (`<table>.xml`): the table's element holding one `<row>` per row, each holding one
 * element per column in column order:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <ndc_smr01 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 *     <row><patient_id>17</patient_id><postcode xsi:nil="true"/></row>
 *   </ndc_smr01>
 *
 * Null is `xsi:nil="true"`; the empty string is an empty element. `& < > " '` are written as
 * entities and CR as `&#13;` (so a parser gives it back rather than normalising it away).
 * Characters XML 1.0 cannot carry at all, even as references (control characters other than tab,
 * LF and CR; U+FFFE, U+FFFF; unpaired surrogates), become U+FFFD. Element names are the table
 * and column names made valid XML names: a character a name may not hold becomes "_", a name
 * that may not start as it does (a digit, "-", ".", or "xml" in any case) gets a "_" in front,
 * and names that end up equal get "_2", "_3"… — the same in every file of the table.
 */
import type { CellValue, ColumnSpec, RowValues, TableSpec } from "../table-spec.ts";
import type { FileFormat, TableEncoder } from "./file-writer.ts";
import { nullError, plainFormatter } from "./value-format.ts";

const NAME_START =
  "A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}";
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NOT_NAME_CHAR = new RegExp(`[^${NAME_CHAR}]`, "gu");
const NAME_START_CHAR = new RegExp(`^[${NAME_START}]`, "u");

/** A valid XML element name (without a colon, so no namespace prefix) from any text. */
export function xmlName(text: string): string {
  let name = text.replace(NOT_NAME_CHAR, "_");
  if (name === "" || !NAME_START_CHAR.test(name) || /^xml/i.test(name)) name = `_${name}`;
  return name;
}

/** The element names of a table's columns: valid, and distinct from each other. */
export function xmlColumnNames(columns: readonly ColumnSpec[]): string[] {
  const used = new Set<string>();
  return columns.map((column) => {
    const base = xmlName(column.name);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}

/** Anything that is escaped or replaced; tested first so plain text costs one scan. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 refuses
const SPECIAL = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;
const SPECIAL_ALL = new RegExp(SPECIAL.source, "gu");
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\r": "&#13;",
};

/** Text escaped for element content or an attribute value. */
export function xmlText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(SPECIAL_ALL, (c) => ENTITIES[c] ?? "\uFFFD");
}

type Cell = (value: CellValue) => string;

function xmlCell(table: string, column: ColumnSpec, element: string): Cell {
  const open = `<${element}>`;
  const close = `</${element}>`;
  const nil = column.nullable
    ? () => `<${element} xsi:nil="true"/>`
    : () => {
        throw nullError(table, column.name);
      };
  const plain = plainFormatter(column);
  if (column.type === "string" || column.type === "categorical") {
    return (value) => (value === null ? nil() : open + xmlText(String(value)) + close);
  }
  return (value) => (value === null ? nil() : open + plain(value) + close);
}

export function xmlEncoder(table: TableSpec): TableEncoder {
  const names = xmlColumnNames(table.columns);
  const cells = table.columns.map((column, i) => xmlCell(table.name, column, names[i]!));
  const width = cells.length;
  const root = xmlName(table.name);
  return {
    start: `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n`,
    row(values: RowValues): string {
      let text = "  <row>";
      for (let i = 0; i < width; i++) text += cells[i]!(values[i]!);
      return `${text}</row>\n`;
    },
    end: () => `</${root}>\n`,
  };
}

export const XML_FORMAT: FileFormat = { kind: "xml", extension: ".xml", encoder: xmlEncoder };
