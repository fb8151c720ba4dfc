/**
 * JSON sources. A `.json` file is an array of flat objects, read whole (use JSON Lines for files
 * too large for memory); `line` is the 1-based element index and the columns are the union of the
 * keys in first-seen order. A `.jsonl`/`.ndjson` file holds one object per line and is streamed;
 * blank lines are skipped, `line` is the physical line, and the columns are the keys of the first
 * record (a later record's extra keys still appear in its values).
 *
 * Values must be strings, numbers, booleans or null: a nested object or array is an error naming
 * the line and key. A key a record lacks is null in its values, so every row has every column. An
 * integer too large for a JavaScript number to hold exactly is kept as its decimal text.
 */
import { describeLocation, SerumsError } from "../errors/index.ts";
import { checkReadableFile, countNonBlankLines, readLines, readWholeText } from "./text-input.ts";
import type { SourceReader, SourceRow, SourceValue } from "./types.ts";
import { exactNumber, isIntegerText } from "./values.ts";

type Flat = Record<string, SourceValue>;

/** JSON.parse, keeping integers that a number cannot hold exactly as their text. */
function parseJson(text: string): unknown {
  return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === "number" && context?.source !== undefined && isIntegerText(context.source)
      ? exactNumber(context.source)
      : value,
  );
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Checks that `value` is a flat object; `at` names where it is ("line 3", "element 3"). */
function flatObject(value: unknown, file: string, line: number, at: string): Flat {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SerumsError(
      "BAD_SOURCE",
      `${file}, ${at}: ${describeJson(value)} where an object of column values was expected`,
      { file, line },
    );
  }
  for (const [key, item] of Object.entries(value)) {
    if (item !== null && typeof item === "object") {
      throw new SerumsError(
        "BAD_SOURCE",
        `${file}, ${at}, key ${JSON.stringify(key)}: ${describeJson(item)} is nested; values must be strings, numbers, booleans or null (flatten it into separate keys)`,
        { file, line, column: key },
      );
    }
  }
  return value as Flat;
}

/** The row's values: the source's columns first (null where absent), then any extra keys. */
function rowValues(columns: readonly string[], object: Flat): Flat {
  // Later entries overwrite earlier ones but keep their place: columns first, in column order.
  return Object.fromEntries([...columns.map((name) => [name, null]), ...Object.entries(object)]);
}

/** A `.json` file: an array of flat objects. */
export class JsonSource implements SourceReader {
  readonly name: string;
  readonly #columns: string[];
  readonly #objects: Flat[];
  #iterated = false;

  constructor(file: string, objects: Flat[], columns: string[]) {
    this.name = file;
    this.#objects = objects;
    this.#columns = columns;
  }

  /** Reads, parses and checks the whole file: every problem is reported here. */
  static async open(file: string): Promise<JsonSource> {
    await checkReadableFile(file);
    const text = await readWholeText(file);
    let parsed: unknown;
    try {
      parsed = parseJson(text);
    } catch (error) {
      throw new SerumsError("BAD_SOURCE", `${file}: not valid JSON (${(error as Error).message})`, { file });
    }
    if (!Array.isArray(parsed)) {
      throw new SerumsError(
        "BAD_SOURCE",
        `${file}: the file holds ${describeJson(parsed)}; a .json source must be an array of objects (or use JSON Lines, .jsonl)`,
        { file },
      );
    }
    const columns = new Set<string>();
    const objects = parsed.map((element: unknown, index) => {
      const object = flatObject(element, file, index + 1, `element ${index + 1}`);
      for (const key of Object.keys(object)) columns.add(key);
      return object;
    });
    return new JsonSource(file, objects, [...columns]);
  }

  async columns(): Promise<string[]> {
    return [...this.#columns];
  }

  async countRows(): Promise<number> {
    return this.#objects.length;
  }

  async *rows(): AsyncGenerator<SourceRow> {
    if (this.#iterated)
      throw new SerumsError("BAD_USAGE", `${this.name}: the rows of a source can be read only once`);
    this.#iterated = true;
    for (const [index, object] of this.#objects.entries()) {
      yield { line: index + 1, values: rowValues(this.#columns, object) };
    }
  }

  async close(): Promise<void> {}
}

/** A `.jsonl` / `.ndjson` file: one flat object per line, streamed. */
export class JsonLinesSource implements SourceReader {
  readonly name: string;
  readonly #lines: AsyncGenerator<{ line: number; text: string }>;
  #first: Promise<{ line: number; object: Flat } | undefined> | undefined;
  #count: Promise<number> | undefined;
  #iterated = false;

  constructor(file: string) {
    this.name = file;
    this.#lines = readLines(file);
  }

  static async open(file: string): Promise<JsonLinesSource> {
    await checkReadableFile(file);
    return new JsonLinesSource(file);
  }

  /** The next non-blank line as a checked object. */
  async #next(): Promise<{ line: number; object: Flat } | undefined> {
    for (;;) {
      const result = await this.#lines.next();
      if (result.done) return undefined;
      const { line, text } = result.value;
      if (text.trim() === "") continue;
      let parsed: unknown;
      try {
        parsed = parseJson(text);
      } catch (error) {
        throw new SerumsError(
          "BAD_SOURCE",
          `${describeLocation({ file: this.name, line })}: not valid JSON (${(error as Error).message}); each line must hold one JSON object`,
          { file: this.name, line },
        );
      }
      return { line, object: flatObject(parsed, this.name, line, `line ${line}`) };
    }
  }

  /** The keys of the first record ([] for a file with no records). */
  async columns(): Promise<string[]> {
    this.#first ??= this.#next();
    const first = await this.#first;
    return first ? Object.keys(first.object) : [];
  }

  /** Non-blank lines, counted by a fast pass over the bytes. */
  async countRows(): Promise<number> {
    this.#count ??= countNonBlankLines(this.name);
    return this.#count;
  }

  async *rows(): AsyncGenerator<SourceRow> {
    if (this.#iterated)
      throw new SerumsError("BAD_USAGE", `${this.name}: the rows of a source can be read only once`);
    this.#iterated = true;
    const columns = await this.columns();
    try {
      let record = await this.#first;
      for (; record; record = await this.#next()) {
        yield { line: record.line, values: rowValues(columns, record.object) };
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await this.#lines.return(undefined);
  }
}
