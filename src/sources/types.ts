/** What every source reader gives: rows of plain values, each with where it came from. */

/** A raw value as the source holds it. CSV gives strings ("" for an empty field); databases and JSON give typed values. */
export type SourceValue = string | number | boolean | null;

export interface SourceRow {
  /**
   * Where the row is, for error messages: the physical line of a CSV or JSON Lines file (the
   * line the record starts on), the 1-based element index of a JSON array, the 1-based row
   * number of a database table in the order read.
   */
  line: number;
  values: Record<string, SourceValue>;
}

export interface SourceReader {
  /** Names the source in messages: the file path, or the redacted URL and table. */
  readonly name: string;
  /** Column names in source order, known once the header / schema has been read. */
  columns(): Promise<string[]>;
  /** How many rows there are, when it can be known cheaply (for progress bars). */
  countRows(): Promise<number | undefined>;
  /** The rows, in source order. Can be iterated once. */
  rows(): AsyncIterable<SourceRow>;
  close(): Promise<void>;
}

export interface OpenSourceOptions {
  /** The table of a database source (a `#table` suffix of the spec wins). */
  table?: string;
  /** The delimiter of a CSV file; detected from the header when absent. */
  delimiter?: string;
}
