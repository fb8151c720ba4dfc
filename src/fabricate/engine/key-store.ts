/**
 * What the engine keeps of a table once its rows are written: only the columns its children
 * need (the keys their foreign keys reference, and the parent columns their rules read), each in
 * a compact typed array — numbers and dates in a Float64Array (NaN is null), categories as
 * Uint16 indexes, booleans as bytes; only free texts are kept as strings. Memory grows with the
 * parent tables' row counts, never with the children's.
 */
import type { CellValue, ColumnSpec } from "../table-spec.ts";

interface Buffer {
  push(value: CellValue): void;
  get(i: number): CellValue;
}

class NumberBuffer implements Buffer {
  #data = new Float64Array(1024);
  #length = 0;
  push(value: CellValue): void {
    if (this.#length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = value === null ? Number.NaN : (value as number);
  }
  get(i: number): CellValue {
    const x = this.#data[i]!;
    return Number.isNaN(x) ? null : x;
  }
}

class CodeBuffer implements Buffer {
  #data = new Uint16Array(1024);
  #length = 0;
  readonly #values: readonly CellValue[];
  readonly #codes: Map<CellValue, number>;
  constructor(values: readonly CellValue[]) {
    this.#values = values;
    this.#codes = new Map(values.map((v, i) => [v, i + 1]));
  }
  push(value: CellValue): void {
    if (this.#length === this.#data.length) {
      const grown = new Uint16Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = value === null ? 0 : (this.#codes.get(value) ?? 0);
  }
  get(i: number): CellValue {
    const code = this.#data[i]!;
    return code === 0 ? null : this.#values[code - 1]!;
  }
}

class TextBuffer implements Buffer {
  readonly #data: (string | null)[] = [];
  push(value: CellValue): void {
    this.#data.push(value === null ? null : String(value));
  }
  get(i: number): CellValue {
    return this.#data[i] ?? null;
  }
}

function bufferFor(column: ColumnSpec): Buffer {
  switch (column.type) {
    case "categorical":
      return new CodeBuffer(column.categories ?? []);
    case "boolean":
      return new CodeBuffer([false, true]);
    case "string":
      return new TextBuffer();
    default:
      return new NumberBuffer();
  }
}

/** The kept columns of one table's rows, by row index. */
export class KeyStore {
  readonly table: string;
  /** The kept columns' indexes in the table's rows. */
  readonly columns: readonly number[];
  readonly #buffers: Buffer[];
  readonly #position = new Map<number, number>();
  #rows = 0;

  constructor(table: string, specs: readonly ColumnSpec[], columns: readonly number[]) {
    this.table = table;
    this.columns = columns;
    this.#buffers = columns.map((c) => bufferFor(specs[c]!));
    columns.forEach((c, i) => {
      this.#position.set(c, i);
    });
  }

  get rows(): number {
    return this.#rows;
  }

  add(row: readonly CellValue[]): void {
    for (let i = 0; i < this.columns.length; i++) this.#buffers[i]!.push(row[this.columns[i]!]!);
    this.#rows++;
  }

  /** The value of table column `column` in row `i` (the column must be kept). */
  get(i: number, column: number): CellValue {
    return this.#buffers[this.#position.get(column)!]!.get(i);
  }

  /** A reader of one column, for the hot loop. */
  reader(column: number): (i: number) => CellValue {
    const buffer = this.#buffers[this.#position.get(column)!]!;
    return (i) => buffer.get(i);
  }
}
