/**
 * A CSV file (RFC 4180: quoted fields, "" for a quote, line ends inside quotes, LF, CRLF or CR
 * line ends, a UTF-8 byte-order mark), streamed through csv-parse. The first record is the header
 * naming the columns; every later record must have exactly as many fields. Values are the strings
 * of the file ("" for an empty field). Lines that are entirely empty are skipped; a line of spaces
 * is a record (and usually the wrong number of fields).
 *
 * `line` is the physical line a record starts on. It is counted here from each record's raw text,
 * not taken from csv-parse's `info.lines`, which counts a CRLF inside quotes as two lines.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CsvError, type Parser, parse } from "csv-parse";
import { describeLocation, SerumsError, showValue } from "../errors/index.ts";
import { checkDelimiter, countCsvRecords, detectDelimiter } from "./csv-scan.ts";
import { checkReadableFile, readText } from "./text-input.ts";
import type { SourceReader, SourceRow } from "./types.ts";

/** A record longer than this many characters is an error: almost always a quote never closed. */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;

export interface CsvSourceOptions {
  /** One character; detected from the header line (`,` `;` tab `|`) when absent. */
  delimiter?: string;
}

interface RawRecord {
  record: string[];
  raw: string;
}

/** Line ends in a record's raw text: CRLF, LF and a lone CR each count once. */
function lineBreaks(raw: string): number {
  let count = 0;
  for (let at = 0; at < raw.length; at++) {
    const char = raw[at];
    if (char === "\n" || (char === "\r" && raw[at + 1] !== "\n")) count++;
  }
  return count;
}

function checkHeader(fields: string[], file: string, line: number): string[] {
  const seen = new Map<string, number>();
  fields.forEach((name, index) => {
    if (name.trim() === "") {
      throw new SerumsError(
        "BAD_SOURCE",
        `${describeLocation({ file, line })}: header column ${index + 1} has no name; every column needs a unique, non-empty name`,
        { file, line, column: index + 1, value: name },
      );
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new SerumsError(
        "BAD_SOURCE",
        `${describeLocation({ file, line })}: header column ${index + 1} repeats the name ${showValue(name)} of column ${earlier}; every column needs a unique name`,
        { file, line, column: name, value: name },
      );
    }
    seen.set(name, index + 1);
  });
  return fields;
}

function translateCsvError(error: unknown, file: string, line: number): unknown {
  if (!(error instanceof CsvError)) return error;
  const where = { file, line };
  const at = describeLocation(where);
  const detail = error.message.replace(/ at line \d+/, "");
  const explanation =
    error.code === "CSV_QUOTE_NOT_CLOSED"
      ? "a quoted field of the record starting on this line is never closed (an unmatched quote runs to the end of the file)"
      : error.code === "CSV_MAX_RECORD_SIZE"
        ? `the record starting on this line is longer than ${MAX_RECORD_CHARS} characters; a quote is probably never closed`
        : error.code === "INVALID_OPENING_QUOTE"
          ? `in the record starting on this line, ${detail}; a field containing a quote must be quoted as a whole, with the quote doubled ("")`
          : `in the record starting on this line, ${detail}; inside a quoted field write a quote as ""`;
  return new SerumsError("BAD_SOURCE", `${at}: ${explanation}`, where, { cause: error });
}

export class CsvSource implements SourceReader {
  readonly name: string;
  readonly delimiter: string;
  #parser: Parser | undefined;
  #records: AsyncIterator<RawRecord> | undefined;
  #nextLine = 1;
  #header: Promise<{ names: string[]; line: number }> | undefined;
  #count: Promise<number> | undefined;
  #iterated = false;

  /** Use `CsvSource.open`, which checks the file and detects the delimiter. */
  constructor(file: string, delimiter: string) {
    this.name = file;
    this.delimiter = delimiter;
  }

  static async open(file: string, options: CsvSourceOptions = {}): Promise<CsvSource> {
    await checkReadableFile(file);
    const delimiter =
      options.delimiter === undefined ? await detectDelimiter(file) : checkDelimiter(options.delimiter, file);
    return new CsvSource(file, delimiter);
  }

  #start(): AsyncIterator<RawRecord> {
    const parser = parse({
      delimiter: this.delimiter,
      record_delimiter: ["\r\n", "\n", "\r"],
      raw: true,
      relax_column_count: true, // checked below, with a message naming the line
      max_record_size: MAX_RECORD_CHARS,
    });
    this.#parser = parser;
    // Errors reach the reader through the parser's iterator; the pipeline's own promise is not needed.
    pipeline(Readable.from(readText(this.name)), parser).catch(() => undefined);
    return parser[Symbol.asyncIterator]() as AsyncIterator<RawRecord>;
  }

  /** The next non-blank record and the line it starts on. */
  async #next(): Promise<{ fields: string[]; line: number } | undefined> {
    this.#records ??= this.#start();
    for (;;) {
      const line = this.#nextLine;
      let result: IteratorResult<RawRecord>;
      try {
        result = await this.#records.next();
      } catch (error) {
        throw translateCsvError(error, this.name, line);
      }
      if (result.done) return undefined;
      const { record, raw } = result.value;
      this.#nextLine += lineBreaks(raw);
      if (/^[\r\n]*$/.test(raw)) continue;
      return { fields: record, line };
    }
  }

  async #readHeader(): Promise<{ names: string[]; line: number }> {
    const first = await this.#next();
    if (!first) {
      throw new SerumsError(
        "BAD_SOURCE",
        `${this.name}: the file is empty; its first line must be a header naming the columns`,
        { file: this.name },
      );
    }
    return { names: checkHeader(first.fields, this.name, first.line), line: first.line };
  }

  async columns(): Promise<string[]> {
    this.#header ??= this.#readHeader();
    return [...(await this.#header).names];
  }

  /** Records after the header, counted by a fast pass over the bytes. */
  async countRows(): Promise<number> {
    this.#count ??= countCsvRecords(this.name).then((records) => Math.max(0, records - 1));
    return this.#count;
  }

  async *rows(): AsyncGenerator<SourceRow> {
    if (this.#iterated) {
      throw new SerumsError("BAD_USAGE", `${this.name}: the rows of a source can be read only once`);
    }
    this.#iterated = true;
    this.#header ??= this.#readHeader();
    const header = await this.#header;
    const names = header.names;
    try {
      for (let next = await this.#next(); next; next = await this.#next()) {
        const { fields, line } = next;
        if (fields.length !== names.length) {
          const hint =
            fields.length > names.length
              ? `; a value containing ${showValue(this.delimiter)} must be quoted`
              : "; an empty value still needs its delimiter";
          throw new SerumsError(
            "BAD_SOURCE",
            `${describeLocation({ file: this.name, line })}: ${fields.length} fields found, ${names.length} expected (the header on line ${header.line} has ${names.length} columns, delimiter ${showValue(this.delimiter)})${hint}`,
            { file: this.name, line },
          );
        }
        yield { line, values: Object.fromEntries(names.map((name, index) => [name, fields[index]!])) };
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    this.#parser?.destroy();
  }
}
