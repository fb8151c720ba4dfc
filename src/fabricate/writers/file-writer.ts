/**
 * The writer for every file format (CSV, JSON Lines, JSON, XML): one file per table in one
 * folder, `<table><extension>`. Each table is written to a hidden temporary file beside its final
 * name (`.<table><extension>.<random>.tmp`), in chunks of about 64 KiB built as strings and
 * written with `fs.writeSync`; `finish` closes, syncs and renames them all; `abort` removes them
 * (and the folder, when this writer created it and it is left empty). So a failed run leaves no
 * file under a final name, and an existing file is replaced only with `overwrite`.
 *
 * A format is an encoder per table: the text that starts the file, the text of each row, and the
 * text that ends it.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";
import type { RowValues, TableSpec } from "../table-spec.ts";
import { rowLengthError } from "./value-format.ts";
import { WriterTables } from "./writer-tables.ts";
import type { FabricationWriter, TableWriter, WriteSummary } from "./writer-types.ts";

/** Characters gathered before one write: ~64 KiB of ASCII. */
const CHUNK_CHARS = 64 * 1024;

export interface TableEncoder {
  /** Written before the first row (a header, an opening bracket or tag); may be "". */
  readonly start: string;
  /** One row's text, separators and line end included; `index` counts from 0. */
  row(values: RowValues, index: number): string;
  /** Written after the last row; `rows` is how many there were. */
  end(rows: number): string;
}

export interface FileFormat {
  /** The spec prefix and the name in messages: "csv", "jsonl", "json", "xml". */
  readonly kind: string;
  /** With its dot: ".csv". */
  readonly extension: string;
  encoder(table: TableSpec): TableEncoder;
}

export interface FileWriterOptions {
  /** Replace existing output files (the CLI's --force). */
  overwrite?: boolean;
}

/** A table name usable as a file name on every platform: no separators, no leading dot. */
const SAFE_FILE_NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u;

class FileTable implements TableWriter {
  /** Each row is formatted (or bound) before write returns. */
  readonly keepsNoRow = true;
  readonly spec: TableSpec;
  readonly target: string;
  readonly temporary: string;
  rows = 0;
  #fd: number | undefined;
  #buffer: string;
  #width: number;
  readonly #encoder: TableEncoder;
  readonly #kind: string;

  constructor(
    spec: TableSpec,
    target: string,
    temporary: string,
    fd: number,
    encoder: TableEncoder,
    kind: string,
  ) {
    this.spec = spec;
    this.target = target;
    this.temporary = temporary;
    this.#fd = fd;
    this.#encoder = encoder;
    this.#buffer = encoder.start;
    this.#width = spec.columns.length;
    this.#kind = kind;
  }

  write(row: RowValues): void {
    if (row.length !== this.#width) throw this.#badWrite(row.length);
    this.#buffer += this.#encoder.row(row, this.rows);
    this.rows++;
    if (this.#buffer.length >= CHUNK_CHARS) this.#flush();
  }

  #badWrite(length: number): SerumsError {
    if (this.#fd === undefined) {
      return new SerumsError(
        "BAD_USAGE",
        `${this.#kind} writer: table ${this.spec.name} was written after it ended`,
      );
    }
    return rowLengthError(this.spec, length);
  }

  #flush(): void {
    if (this.#buffer.length === 0) return;
    fs.writeSync(this.#fd!, this.#buffer);
    this.#buffer = "";
  }

  async end(): Promise<void> {
    if (this.#fd === undefined) return;
    this.#buffer += this.#encoder.end(this.rows);
    this.#flush();
    fs.fsyncSync(this.#fd);
    this.close();
  }

  get ended(): boolean {
    return this.#fd === undefined;
  }

  /** Closes the file without writing what is buffered (abort). */
  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    this.#width = -1;
    this.#buffer = "";
    fs.closeSync(fd);
  }
}

export class FileWriter implements FabricationWriter {
  readonly #format: FileFormat;
  readonly #dir: string;
  readonly #overwrite: boolean;
  readonly #tables: WriterTables<FileTable>;
  readonly #open = new Map<string, FileTable>();
  /** The first folder this writer created (mkdir -p), removed on abort when left empty. */
  #createdDir: string | undefined;

  constructor(format: FileFormat, dir: string, options: FileWriterOptions = {}) {
    if (dir.trim() === "") {
      throw new SerumsError("BAD_USAGE", `${format.kind}: no folder given; write ${format.kind}:DIR`, {
        value: dir,
      });
    }
    this.#format = format;
    this.#dir = dir;
    this.#overwrite = options.overwrite ?? false;
    this.#tables = new WriterTables(format.kind);
  }

  get location(): string {
    return `${this.#format.kind}:${this.#dir}`;
  }

  /** The final path of a table's file. */
  fileOf(table: string): string {
    return path.join(this.#dir, `${table}${this.#format.extension}`);
  }

  async begin(tables: readonly TableSpec[]): Promise<void> {
    this.#tables.begin(tables);
    for (const table of tables) {
      if (!SAFE_FILE_NAME.test(table.name)) {
        throw new SerumsError(
          "BAD_USAGE",
          `${this.#format.kind}: table name ${JSON.stringify(table.name)} cannot be a file name; use letters, digits, "_", "-" and "." (not first)`,
          { path: table.name, value: table.name },
        );
      }
    }
    if (fs.existsSync(this.#dir) && !fs.statSync(this.#dir).isDirectory()) {
      throw new SerumsError("BAD_USAGE", `${this.location}: ${this.#dir} exists and is not a folder`, {
        file: this.#dir,
      });
    }
    this.#refuseExisting(tables.map((t) => t.name));
    this.#createdDir = fs.mkdirSync(this.#dir, { recursive: true });
    this.#tables.phase = "open";
    const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      for (const table of tables) {
        const file = `${table.name}${this.#format.extension}`;
        const temporary = path.join(this.#dir, `.${file}.${suffix}.tmp`);
        const fd = fs.openSync(temporary, "wx");
        const writer = new FileTable(
          table,
          path.join(this.#dir, file),
          temporary,
          fd,
          this.#format.encoder(table),
          this.#format.kind,
        );
        this.#open.set(table.name, writer);
      }
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  #refuseExisting(names: readonly string[]): void {
    if (this.#overwrite) return;
    for (const name of names) {
      const file = this.fileOf(name);
      if (fs.existsSync(file)) {
        throw new SerumsError(
          "BAD_USAGE",
          `${file} already exists; pass --force to replace it, or write to another folder`,
          { file },
        );
      }
    }
  }

  table(name: string): TableWriter {
    return this.#tables.writer(name, (spec) => this.#open.get(spec.name)!);
  }

  async finish(): Promise<WriteSummary> {
    this.#tables.close("finished");
    try {
      for (const table of this.#open.values()) await table.end();
      this.#refuseExisting([...this.#open.keys()]);
      for (const table of this.#open.values()) fs.renameSync(table.temporary, table.target);
    } catch (error) {
      this.#tables.phase = "open";
      await this.abort();
      throw error;
    }
    return {
      rows: this.#tables.summaryRows((t) => t.rows),
      location: this.location,
    };
  }

  async abort(): Promise<void> {
    if (!this.#tables.close("aborted")) return;
    for (const table of this.#open.values()) {
      table.close();
      fs.rmSync(table.temporary, { force: true });
    }
    this.#open.clear();
    if (this.#createdDir !== undefined) removeEmptyFolders(this.#dir, this.#createdDir);
  }
}

/** Removes `dir` and its parents up to and including `top` while they are empty. */
function removeEmptyFolders(dir: string, top: string): void {
  let current = path.resolve(dir);
  const stop = path.resolve(top);
  for (;;) {
    try {
      fs.rmdirSync(current);
    } catch {
      return;
    }
    if (current === stop) return;
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}
