/**
 * JSON Lines (`<table>.jsonl`, one object per line) and JSON (`<table>.json`, one array of
 * objects, streamed: `[`, the objects separated by commas, `]` — so `[]` for no rows). An object's
 * keys are the column names in column order. Strings, categories, dates ("YYYY-MM-DD") and
 * date-times ("YYYY-MM-DDTHH:MM:SSZ") are JSON strings; integers and decimals are numbers, a
 * decimal printed with its scale's digits (`12.50`); booleans and null are themselves. MQTT
 * messages are the same objects.
 */
import type { CellValue, ColumnSpec, RowValues, TableSpec } from "../table-spec.ts";
import type { FileFormat, TableEncoder } from "./file-writer.ts";
import { badValue, dateText, dateTimeText, decimalFormatter, nullError } from "./value-format.ts";

type Cell = (value: CellValue) => string;

function jsonCell(table: string, column: ColumnSpec): Cell {
  const name = column.name;
  const nullText = column.nullable
    ? () => "null"
    : () => {
        throw nullError(table, name);
      };
  switch (column.type) {
    case "integer":
      return (value) => {
        if (value === null) return nullText();
        if (!Number.isSafeInteger(value)) throw badValue(name, "a safe integer", value);
        return `${value}`;
      };
    case "decimal": {
      const decimal = decimalFormatter(column);
      return (value) => (value === null ? nullText() : decimal(value as number));
    }
    case "date": {
      return (value) => (value === null ? nullText() : `"${dateText(value as number, name)}"`);
    }
    case "datetime":
      return (value) => (value === null ? nullText() : `"${dateTimeText(value as number, name)}"`);
    case "boolean":
      return (value) => (value === null ? nullText() : value === true ? "true" : "false");
    case "categorical": {
      const known = new Map((column.categories ?? []).map((c) => [c, JSON.stringify(c)]));
      return (value) =>
        value === null ? nullText() : (known.get(value as string) ?? JSON.stringify(String(value)));
    }
    case "string":
      return (value) => (value === null ? nullText() : JSON.stringify(String(value)));
  }
}

/** A row as one JSON object's text, keys in column order. */
export function jsonObjectEncoder(table: TableSpec): (values: RowValues) => string {
  const cells = table.columns.map((column) => jsonCell(table.name, column));
  const keys = table.columns.map((column, i) => `${i === 0 ? "{" : ","}${JSON.stringify(column.name)}:`);
  const width = cells.length;
  return (values) => {
    let text = "";
    for (let i = 0; i < width; i++) text += keys[i]! + cells[i]!(values[i]!);
    return `${text}}`;
  };
}

export function jsonLinesEncoder(table: TableSpec): TableEncoder {
  const object = jsonObjectEncoder(table);
  return { start: "", row: (values) => `${object(values)}\n`, end: () => "" };
}

export function jsonArrayEncoder(table: TableSpec): TableEncoder {
  const object = jsonObjectEncoder(table);
  return {
    start: "[",
    row: (values, index) => (index === 0 ? "\n" : ",\n") + object(values),
    end: (rows) => (rows === 0 ? "]\n" : "\n]\n"),
  };
}

export const JSON_LINES_FORMAT: FileFormat = {
  kind: "jsonl",
  extension: ".jsonl",
  encoder: jsonLinesEncoder,
};
export const JSON_FORMAT: FileFormat = { kind: "json", extension: ".json", encoder: jsonArrayEncoder };
