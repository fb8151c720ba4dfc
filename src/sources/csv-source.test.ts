import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import { CsvSource } from "./csv-source.ts";
import type { SourceRow } from "./types.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-csv-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function write(content: string | Uint8Array, name = `f${++fileCount}.csv`): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function readAll(file: string, delimiter?: string): Promise<{ columns: string[]; rows: SourceRow[] }> {
  const source = await CsvSource.open(file, delimiter === undefined ? {} : { delimiter });
  const columns = await source.columns();
  const rows: SourceRow[] = [];
  for await (const row of source.rows()) rows.push(row);
  await source.close();
  return { columns, rows };
}

async function rejectsWith(
  promise: Promise<unknown>,
  expected: { line?: number; message: RegExp },
): Promise<SerumsError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SerumsError, `expected a SerumsError, got ${String(caught)}`);
  assert.equal(caught.code, "BAD_SOURCE");
  assert.match(caught.message, expected.message);
  if (expected.line !== undefined) assert.equal(caught.where.line, expected.line);
  return caught;
}

describe("CsvSource: reading", () => {
  it("reads a simple comma-separated file; values are strings, empty fields are empty strings", async () => {
    const file = write("id,name,age\n1,Ann,42\n2,,\n");
    const { columns, rows } = await readAll(file);
    assert.deepEqual(columns, ["id", "name", "age"]);
    assert.deepEqual(rows, [
      { line: 2, values: { id: "1", name: "Ann", age: "42" } },
      { line: 3, values: { id: "2", name: "", age: "" } },
    ]);
  });

  it("gives later records the line they start on after quoted newlines (CRLF inside and outside quotes)", async () => {
    const file = write('id,note\r\n1,"first\r\nsecond\r\nthird"\r\n2,plain\r\n3,"a\nb"\r\n4,end');
    const { rows } = await readAll(file);
    assert.deepEqual(
      rows.map((row) => [row.line, row.values.note]),
      [
        [2, "first\r\nsecond\r\nthird"],
        [5, "plain"],
        [6, "a\nb"],
        [8, "end"],
      ],
    );
  });

  it("handles escaped quotes, delimiters inside quotes and empty quoted fields", async () => {
    const file = write('a,b,c\n"say ""hi""","x,y",""\n');
    const { rows } = await readAll(file);
    assert.deepEqual(rows[0]!.values, { a: 'say "hi"', b: "x,y", c: "" });
  });

  it("drops a UTF-8 byte-order mark from the first column name", async () => {
    const file = write("\uFEFFpatient_id,sex\n17,F\n");
    const { columns, rows } = await readAll(file);
    assert.deepEqual(columns, ["patient_id", "sex"]);
    assert.deepEqual(rows[0]!.values, { patient_id: "17", sex: "F" });
  });

  it("detects a semicolon delimiter from the header and keeps commas in values", async () => {
    const file = write("id;weight;note\n1;72,5;a, b\n");
    const source = await CsvSource.open(file);
    assert.equal(source.delimiter, ";");
    await source.close();
    const { rows } = await readAll(file);
    assert.deepEqual(rows[0]!.values, { id: "1", weight: "72,5", note: "a, b" });
  });

  it("detects tab and pipe delimiters, ignoring delimiters inside quoted header names", async () => {
    assert.equal((await CsvSource.open(write("a\tb\tc\n1\t2\t3\n"))).delimiter, "\t");
    assert.equal((await CsvSource.open(write('"x,y,z"|b\n1|2\n'))).delimiter, "|");
    assert.equal((await CsvSource.open(write("only\n1\n"))).delimiter, ",");
  });

  it("uses a given delimiter instead of detecting one", async () => {
    const { columns } = await readAll(write("a;b,c\n1;2,3\n"), ",");
    assert.deepEqual(columns, ["a;b", "c"]);
  });

  it("skips empty lines but counts them in line numbers; handles mixed and CR-only line ends", async () => {
    const { rows } = await readAll(write("a,b\n\n1,2\r\n\r\n3,4\r5,6\n"));
    assert.deepEqual(
      rows.map((row) => [row.line, row.values.a, row.values.b]),
      [
        [3, "1", "2"],
        [5, "3", "4"],
        [6, "5", "6"],
      ],
    );
  });

  it("gives a header-only file no rows", async () => {
    const { columns, rows } = await readAll(write("a,b\n"));
    assert.deepEqual(columns, ["a", "b"]);
    assert.deepEqual(rows, []);
  });

  it("reads rows without columns() being called first, and refuses a second iteration", async () => {
    const source = await CsvSource.open(write("a\n1\n2\n"));
    const values: unknown[] = [];
    for await (const row of source.rows()) values.push(row.values.a);
    assert.deepEqual(values, ["1", "2"]);
    assert.deepEqual(await source.columns(), ["a"]);
    await assert.rejects(async () => {
      for await (const _ of source.rows()) break;
    }, /only once/);
  });

  it("counts records, not lines: quoted newlines, blank lines and a missing final newline", async () => {
    const source = await CsvSource.open(write('a,b\r\n1,"x\r\ny"\r\n\r\n2,3\r\n4,5'));
    assert.equal(await source.countRows(), 3);
    assert.equal(await (await CsvSource.open(write("a,b\n"))).countRows(), 0);
  });

  it("streams a large file with correct lines", async () => {
    const lines = ["id,text"];
    for (let i = 1; i <= 20000; i++) lines.push(i % 3 === 0 ? `${i},"multi\nline ${i}"` : `${i},té${i}`);
    const file = write(`${lines.join("\n")}\n`);
    const source = await CsvSource.open(file);
    assert.equal(await source.countRows(), 20000);
    let expectedLine = 2;
    let count = 0;
    for await (const row of source.rows()) {
      count++;
      assert.equal(row.line, expectedLine);
      expectedLine += Number(row.values.id) % 3 === 0 ? 2 : 1;
    }
    assert.equal(count, 20000);
  });
});

describe("CsvSource: errors", () => {
  it("names a file that does not exist", async () => {
    const missing = path.join(dir, "missing.csv");
    const error = await rejectsWith(CsvSource.open(missing), {
      message: /missing\.csv: the file does not exist/,
    });
    assert.equal(error.where.file, missing);
  });

  it("names a directory given as a file", async () => {
    await rejectsWith(CsvSource.open(dir), { message: /is not a regular file/ });
  });

  it("names a file that is not readable", { skip: process.getuid?.() === 0 }, async () => {
    const file = write("a\n1\n");
    chmodSync(file, 0o000);
    await rejectsWith(CsvSource.open(file), { message: /is not readable/ });
  });

  it("rejects an empty file, which has no header", async () => {
    const source = await CsvSource.open(write(""));
    await rejectsWith(source.columns(), { message: /the file is empty; its first line must be a header/ });
  });

  it("rejects a duplicate header name, naming it and the line", async () => {
    const source = await CsvSource.open(write("\nid,name,id\n1,2,3\n"));
    const error = await rejectsWith(source.columns(), {
      line: 2,
      message: /line 2: header column 3 repeats the name "id" of column 1/,
    });
    assert.equal(error.where.column, "id");
  });

  it("rejects an empty header name (a trailing delimiter)", async () => {
    const source = await CsvSource.open(write("id,name,\n1,2,3\n"));
    const error = await rejectsWith(source.columns(), { line: 1, message: /header column 3 has no name/ });
    assert.equal(error.where.column, 3);
  });

  it("rejects a row with too many fields, naming the line, found and expected", async () => {
    const file = write('a,b\n1,"x\ny"\n1,2,3\n');
    await rejectsWith(readAll(file), {
      line: 4,
      message: /f\d+\.csv, line 4: 3 fields found, 2 expected .*must be quoted/,
    });
  });

  it("rejects a row with too few fields", async () => {
    await rejectsWith(readAll(write("a;b;c\n1;2;3\r\n4;5\r\n")), {
      line: 3,
      message: /line 3: 2 fields found, 3 expected \(the header on line 1 has 3 columns, delimiter ";"\)/,
    });
  });

  it("rejects an unterminated quote, naming the line the record starts on", async () => {
    await rejectsWith(readAll(write('a,b\n1,2\n3,"never\nclosed\n4,5\n')), {
      line: 3,
      message: /line 3: a quoted field .* is never closed/,
    });
  });

  it("rejects text after a closing quote and a quote inside an unquoted field", async () => {
    await rejectsWith(readAll(write('a,b\n1,"x"y\n')), {
      line: 2,
      message: /line 2: .*Invalid Closing Quote/,
    });
    await rejectsWith(readAll(write('a,b\n1,x"y\n')), {
      line: 2,
      message: /line 2: .*Invalid Opening Quote/,
    });
  });

  it("rejects bytes that are not UTF-8, naming the line", async () => {
    const latin1 = Buffer.concat([Buffer.from("name\nAnn\nJos"), Buffer.from([0xe9]), Buffer.from("\n")]);
    await rejectsWith(readAll(write(latin1)), { line: 3, message: /line 3: the file is not valid UTF-8/ });
    const utf16 = Buffer.from("\uFEFFa,b\n", "utf16le");
    await rejectsWith(readAll(write(utf16)), { line: 1, message: /UTF-16/ });
  });

  it("rejects an ambiguous header and a bad delimiter option", async () => {
    await rejectsWith(CsvSource.open(write("a,b;c\n")), { line: 1, message: /cannot tell the delimiter/ });
    await rejectsWith(CsvSource.open(write("a,b\n"), { delimiter: ";;" }), {
      message: /must be one character/,
    });
  });
});
