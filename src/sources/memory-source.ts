/** A source over rows already in memory: generated data, tests and benchmarks. */
import type { SourceReader, SourceRow, SourceValue } from "./types.ts";

export class MemorySource implements SourceReader {
  readonly name: string;
  readonly #columns: string[];
  readonly #rows: Iterable<Record<string, SourceValue>> | AsyncIterable<Record<string, SourceValue>>;
  readonly #count: number | undefined;

  constructor(
    name: string,
    columns: string[],
    rows: Iterable<Record<string, SourceValue>> | AsyncIterable<Record<string, SourceValue>>,
    count?: number,
  ) {
    this.name = name;
    this.#columns = columns;
    this.#rows = rows;
    this.#count = count ?? (Array.isArray(rows) ? rows.length : undefined);
  }

  async columns(): Promise<string[]> {
    return this.#columns;
  }

  async countRows(): Promise<number | undefined> {
    return this.#count;
  }

  async *rows(): AsyncIterable<SourceRow> {
    let line = 0;
    for await (const values of this.#rows) {
      line++;
      yield { line, values };
    }
  }

  async close(): Promise<void> {}
}
