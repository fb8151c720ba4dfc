import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import { JsonLinesSource, JsonSource } from "./json-source.ts";
import type { SourceReader, SourceRow } from "./types.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-json-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function write(content: string | Uint8Array, extension: string): string {
  const file = path.join(dir, `f${++fileCount}${extension}`);
  writeFileSync(file, content);
  return file;
}

async function readAll(source: SourceReader): Promise<{ columns: string[]; rows: SourceRow[] }> {
  const columns = await source.columns();
  const rows: SourceRow[] = [];
  try {
    for await (const row of source.rows()) rows.push(row);
  } finally {
    await source.close();
  }
  return { columns, rows };
}

async function rejectsWith(
  action: () => Promise<unknown>,
  expected: { line?: number; column?: string; message: RegExp },
): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof SerumsError, `expected a SerumsError, got ${String(error)}`);
    assert.equal(error.code, "BAD_SOURCE");
    assert.match(error.message, expected.message);
    if (expected.line !== undefined) assert.equal(error.where.line, expected.line);
    if (expected.column !== undefined) assert.equal(error.where.column, expected.column);
    return true;
  });
}

describe("JsonSource (.json arrays)", () => {
  it("reads flat objects; columns are the union of keys in first-seen order; absent keys are null", async () => {
    const file = write(
      JSON.stringify([
        { id: 1, name: "Ann", active: true },
        { id: 2, note: null, name: "Bob" },
      ]),
      ".json",
    );
    const source = await JsonSource.open(file);
    assert.equal(await source.countRows(), 2);
    const { columns, rows } = await readAll(source);
    assert.deepEqual(columns, ["id", "name", "active", "note"]);
    assert.deepEqual(rows, [
      { line: 1, values: { id: 1, name: "Ann", active: true, note: null } },
      { line: 2, values: { id: 2, name: "Bob", active: null, note: null } },
    ]);
    assert.deepEqual(Object.keys(rows[1]!.values), columns);
  });

  it("drops a byte-order mark, keeps huge integers as text and ordinary numbers as numbers", async () => {
    const file = write('\uFEFF[{"nhs": 12345678901234567890, "w": 72.50, "n": -3, "e": 1e3}]', ".json");
    const { rows } = await readAll(await JsonSource.open(file));
    assert.deepEqual(rows[0]!.values, { nhs: "12345678901234567890", w: 72.5, n: -3, e: 1000 });
  });

  it("keeps a __proto__ key as data", async () => {
    const { rows } = await readAll(await JsonSource.open(write('[{"__proto__": "x", "a": 1}]', ".json")));
    assert.equal(Object.getOwnPropertyDescriptor(rows[0]!.values, "__proto__")?.value, "x");
  });

  it("reads an empty array", async () => {
    const { columns, rows } = await readAll(await JsonSource.open(write("[]", ".json")));
    assert.deepEqual([columns, rows], [[], []]);
  });

  it("rejects a missing file, invalid JSON and a top level that is not an array", async () => {
    await rejectsWith(() => JsonSource.open(path.join(dir, "none.json")), {
      message: /none\.json: the file does not exist/,
    });
    await rejectsWith(() => JsonSource.open(write('[{"a": 1},]', ".json")), {
      message: /f\d+\.json: not valid JSON/,
    });
    await rejectsWith(() => JsonSource.open(write('{"a": 1}', ".json")), {
      message: /holds an object; a \.json source must be an array of objects/,
    });
  });

  it("rejects an element that is not an object, naming its index", async () => {
    await rejectsWith(() => JsonSource.open(write('[{"a": 1}, {"a": 2}, [3]]', ".json")), {
      line: 3,
      message: /element 3: an array where an object of column values was expected/,
    });
    await rejectsWith(() => JsonSource.open(write('[{"a": 1}, "x"]', ".json")), {
      line: 2,
      message: /element 2: a string where an object/,
    });
  });

  it("rejects a nested value, naming the element and key", async () => {
    await rejectsWith(
      () => JsonSource.open(write('[{"a": 1}, {"a": 2, "address": {"city": "Leith"}}]', ".json")),
      {
        line: 2,
        column: "address",
        message:
          /element 2, key "address": an object is nested; values must be strings, numbers, booleans or null/,
      },
    );
  });
});

describe("JsonLinesSource (.jsonl / .ndjson)", () => {
  it("streams one object per line, skipping blank lines, with physical line numbers (CRLF too)", async () => {
    const file = write(
      '{"id": 1, "sex": "F"}\r\n\r\n   \n{"id": 2, "extra": true}\n{"sex": "M", "id": 3}',
      ".jsonl",
    );
    const source = await JsonLinesSource.open(file);
    assert.equal(await source.countRows(), 3);
    const { columns, rows } = await readAll(source);
    assert.deepEqual(columns, ["id", "sex"]);
    assert.deepEqual(rows, [
      { line: 1, values: { id: 1, sex: "F" } },
      { line: 4, values: { id: 2, sex: null, extra: true } },
      { line: 5, values: { id: 3, sex: "M" } },
    ]);
    assert.deepEqual(Object.keys(rows[2]!.values), ["id", "sex"]);
  });

  it("gives an empty file no columns and no rows", async () => {
    const { columns, rows } = await readAll(await JsonLinesSource.open(write("\n\n", ".ndjson")));
    assert.deepEqual([columns, rows], [[], []]);
  });

  it("streams many lines with multi-byte characters across chunk boundaries", async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 30000; i++) lines.push(JSON.stringify({ i, name: `Zoë ${i} 漢字` }));
    const source = await JsonLinesSource.open(write(lines.join("\n"), ".jsonl"));
    let count = 0;
    for await (const row of source.rows()) {
      count++;
      assert.equal(row.line, count);
      assert.equal(row.values.name, `Zoë ${count} 漢字`);
    }
    assert.equal(count, 30000);
  });

  it("rejects a line of bad JSON, naming the line and the parse problem", async () => {
    const source = await JsonLinesSource.open(write('{"a": 1}\n\n{"a": 2,,}\n', ".jsonl"));
    await rejectsWith(() => readAll(source), {
      line: 3,
      message: /f\d+\.jsonl, line 3: not valid JSON \(.+\)/,
    });
  });

  it("rejects a line that is not an object and a nested value, naming line and key", async () => {
    await rejectsWith(() => readAll(new JsonLinesSource(write('{"a": 1}\n[1, 2]\n', ".jsonl"))), {
      line: 2,
      message: /line 2: an array where an object of column values was expected/,
    });
    await rejectsWith(
      () => readAll(new JsonLinesSource(write('{"a": 1}\n{"a": 2, "tags": ["x"]}\n', ".jsonl"))),
      {
        line: 2,
        column: "tags",
        message: /line 2, key "tags": an array is nested/,
      },
    );
  });

  it("rejects a missing file and bytes that are not UTF-8", async () => {
    await rejectsWith(() => JsonLinesSource.open(path.join(dir, "gone.jsonl")), {
      message: /gone\.jsonl: the file does not exist/,
    });
    const latin1 = Buffer.concat([
      Buffer.from('{"a": "x"}\n{"a": "'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]);
    await rejectsWith(() => readAll(new JsonLinesSource(write(latin1, ".jsonl"))), {
      line: 2,
      message: /line 2: the file is not valid UTF-8/,
    });
  });
});
