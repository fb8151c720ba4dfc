import assert from "node:assert/strict";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { parse } from "csv-parse/sync";
import { formatDate, formatDateTime, type RowValues, type TableSpec } from "../table-spec.ts";
import { CSV_FORMAT, csvField } from "./csv-format.ts";
import { FileWriter } from "./file-writer.ts";
import { JSON_FORMAT, JSON_LINES_FORMAT } from "./json-format.ts";
import {
  PATIENT_ROWS,
  PATIENTS,
  TABLES,
  TREATMENT_ROWS,
  TREATMENTS,
  writeFixtures,
} from "./writer-fixtures.ts";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), "serums-writers-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The value every text format shows for a cell: null stays null. */
function text(table: TableSpec, row: RowValues, i: number): string | null {
  const value = row[i]!;
  const column = table.columns[i]!;
  if (value === null) return null;
  if (column.type === "date") return formatDate(value as number);
  if (column.type === "datetime") return formatDateTime(value as number);
  if (column.type === "decimal") return (value as number).toFixed(column.scale!).replace(/^-(0\.0*)$/, "$1");
  return String(value);
}

function listing(folder: string): string[] {
  return fs.readdirSync(folder).sort();
}

describe("CSV", () => {
  test("writes a header and RFC 4180 records that a CSV parser reads back exactly", async () => {
    const out = path.join(dir, "out");
    const writer = new FileWriter(CSV_FORMAT, out);
    await writeFixtures(writer);
    const summary = await writer.finish();
    assert.deepEqual(summary, {
      rows: { patients: PATIENT_ROWS.length, treatments: 3 },
      location: `csv:${out}`,
    });
    assert.deepEqual(listing(out), ["patients.csv", "treatments.csv"]);
    for (const [table, rows] of [
      [PATIENTS, PATIENT_ROWS],
      [TREATMENTS, TREATMENT_ROWS],
    ] as const) {
      const raw = fs.readFileSync(path.join(out, `${table.name}.csv`), "utf8");
      const records: string[][] = parse(raw, { relax_quotes: false });
      assert.deepEqual(
        records[0],
        table.columns.map((c) => c.name),
      );
      assert.equal(records.length, rows.length + 1);
      rows.forEach((row, r) => {
        assert.deepEqual(
          records[r + 1],
          row.map((_, i) => text(table, row, i) ?? ""),
          `${table.name} row ${r + 1}`,
        );
      });
    }
    const raw = fs.readFileSync(path.join(out, "patients.csv"), "utf8");
    // Records end with CRLF; a newline inside a value is quoted and kept as it was.
    assert.ok(raw.startsWith("id,name,sex,birth_date,weight,smoker,registered\r\n"));
    assert.ok(raw.includes('2,"a,b",M,'));
    assert.ok(raw.includes('3,"say ""hi""",F,'));
    assert.ok(raw.includes('"cr\r\nlf"'));
    // The empty string is "" and null is an empty field, so they stay apart.
    assert.ok(raw.includes('7,"",F,'));
    assert.ok(raw.includes("100,,F,1950-06-15,,,1970-01-01T00:00:00Z\r\n"));
    assert.ok(raw.includes("101,rounded,M,1970-01-01,0.00,false,1969-12-31T23:59:59Z\r\n"));
  });

  test("a field is quoted exactly when it holds a comma, a quote, CR or LF", () => {
    assert.equal(csvField("plain text"), "plain text");
    assert.equal(csvField(" spaced "), " spaced ");
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('a"b'), '"a""b"');
    assert.equal(csvField("a\rb"), '"a\rb"');
    assert.equal(csvField("a\nb"), '"a\nb"');
    assert.equal(csvField(""), '""');
  });

  test("a null in a column that is not nullable is refused, naming the table and column", async () => {
    const writer = new FileWriter(CSV_FORMAT, dir);
    await writer.begin([PATIENTS]);
    assert.throws(
      () => writer.table("patients").write([1, "x", null, 0, null, null, 0]),
      (e: Error & { code?: string }) => e.code === "BAD_ROW" && /patients, column sex/.test(e.message),
    );
    await writer.abort();
  });

  test("a row of the wrong width is refused", async () => {
    const writer = new FileWriter(CSV_FORMAT, dir);
    await writer.begin([TREATMENTS]);
    assert.throws(() => writer.table("treatments").write([1, 2]), /a row of 2 values for 5 columns/);
    await writer.abort();
    assert.deepEqual(listing(dir), []);
  });
});

describe("JSON Lines and JSON", () => {
  function expectedObjects(table: TableSpec, rows: readonly RowValues[]): Record<string, unknown>[] {
    return rows.map((row) =>
      Object.fromEntries(
        table.columns.map((column, i) => {
          const value = row[i]!;
          if (value === null || column.type === "boolean" || column.type === "integer")
            return [column.name, value];
          if (column.type === "decimal") return [column.name, Number(text(table, row, i))];
          return [column.name, text(table, row, i)];
        }),
      ),
    );
  }

  test("JSON Lines: one object per line, keys in column order, values typed", async () => {
    const writer = new FileWriter(JSON_LINES_FORMAT, dir);
    await writeFixtures(writer);
    await writer.finish();
    const raw = fs.readFileSync(path.join(dir, "patients.jsonl"), "utf8");
    const lines = raw.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, PATIENT_ROWS.length);
    const objects: Record<string, unknown>[] = lines.map((line) => JSON.parse(line));
    assert.deepEqual(objects, expectedObjects(PATIENTS, PATIENT_ROWS));
    assert.deepEqual(
      Object.keys(objects[0]!),
      PATIENTS.columns.map((c) => c.name),
    );
    // Decimals keep their scale's digits in the text.
    assert.match(lines[0]!, /"weight":61\.50,/);
    assert.match(lines[11]!, /"name":null,/);
  });

  test("JSON: one valid array per table, [] when there are no rows", async () => {
    const writer = new FileWriter(JSON_FORMAT, dir);
    await writer.begin(TABLES);
    for (const row of PATIENT_ROWS) writer.table("patients").write(row);
    await writer.table("patients").end();
    const summary = await writer.finish();
    assert.deepEqual(summary.rows, { patients: PATIENT_ROWS.length, treatments: 0 });
    assert.deepEqual(
      JSON.parse(fs.readFileSync(path.join(dir, "patients.json"), "utf8")),
      expectedObjects(PATIENTS, PATIENT_ROWS),
    );
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "treatments.json"), "utf8")), []);
  });

  test("JSON: a long table (many 64 KiB chunks) stays one valid array", async () => {
    const writer = new FileWriter(JSON_FORMAT, dir);
    await writer.begin([TREATMENTS]);
    const target = writer.table("treatments");
    const n = 5000;
    for (let i = 0; i < n; i++) target.write([i, 1, i, "FEC-T", 16000 + (i % 400)]);
    await writer.finish();
    const rows = JSON.parse(fs.readFileSync(path.join(dir, "treatments.json"), "utf8"));
    assert.equal(rows.length, n);
    assert.deepEqual(rows[n - 1], {
      id: n - 1,
      patient_id: 1,
      cycle: n - 1,
      drug: "FEC-T",
      given: formatDate(16000 + ((n - 1) % 400)),
    });
  });
});

describe("file output is all or nothing", () => {
  test("while writing, only hidden temporary files exist; finish renames them", async () => {
    const writer = new FileWriter(CSV_FORMAT, dir);
    await writer.begin(TABLES);
    writer.table("patients").write(PATIENT_ROWS[0]!);
    const during = listing(dir);
    assert.equal(during.length, 2);
    for (const name of during) assert.match(name, /^\.(patients|treatments)\.csv\.\d+-[0-9a-f]+\.tmp$/);
    await writer.finish();
    assert.deepEqual(listing(dir), ["patients.csv", "treatments.csv"]);
  });

  test("abort removes every file, and the folder when the writer created it", async () => {
    const out = path.join(dir, "new", "deeper");
    const writer = new FileWriter(JSON_LINES_FORMAT, out);
    await writer.begin(TABLES);
    for (const row of PATIENT_ROWS) writer.table("patients").write(row);
    await writer.table("patients").end();
    writer.table("treatments").write(TREATMENT_ROWS[0]!);
    await writer.abort();
    assert.deepEqual(listing(dir), []);
    await writer.abort(); // a second abort does nothing
    await assert.rejects(writer.finish(), /finish called while the writer is aborted/);
  });

  test("abort leaves a folder that existed, and the files already in it", async () => {
    fs.writeFileSync(path.join(dir, "keep.txt"), "mine");
    const writer = new FileWriter(CSV_FORMAT, dir);
    await writer.begin(TABLES);
    writer.table("patients").write(PATIENT_ROWS[0]!);
    await writer.abort();
    assert.deepEqual(listing(dir), ["keep.txt"]);
  });

  test("an existing output file is not replaced without overwrite, and is with it", async () => {
    fs.writeFileSync(path.join(dir, "treatments.csv"), "old");
    const refused = new FileWriter(CSV_FORMAT, dir);
    await assert.rejects(
      refused.begin(TABLES),
      (e: Error & { code?: string }) =>
        e.code === "BAD_USAGE" && e.message.includes("treatments.csv already exists; pass --force"),
    );
    assert.equal(fs.readFileSync(path.join(dir, "treatments.csv"), "utf8"), "old");
    assert.deepEqual(listing(dir), ["treatments.csv"]);

    const replacing = new FileWriter(CSV_FORMAT, dir, { overwrite: true });
    await writeFixtures(replacing);
    await replacing.finish();
    assert.match(
      fs.readFileSync(path.join(dir, "treatments.csv"), "utf8"),
      /^id,patient_id,cycle,drug,given\r\n/,
    );
  });

  test("a file that appears under the final name while writing is not clobbered", async () => {
    const writer = new FileWriter(CSV_FORMAT, dir);
    await writeFixtures(writer);
    fs.writeFileSync(path.join(dir, "patients.csv"), "someone else's");
    await assert.rejects(writer.finish(), /patients\.csv already exists/);
    assert.deepEqual(listing(dir), ["patients.csv"]);
    assert.equal(fs.readFileSync(path.join(dir, "patients.csv"), "utf8"), "someone else's");
  });

  test("bad tables and misuse are errors naming what is wrong", async () => {
    await assert.rejects(
      new FileWriter(CSV_FORMAT, dir).begin([{ ...PATIENTS, name: "../escape" }]),
      /cannot be a file name/,
    );
    await assert.rejects(
      new FileWriter(CSV_FORMAT, dir).begin([PATIENTS, PATIENTS]),
      /table patients is given twice/,
    );
    await assert.rejects(new FileWriter(CSV_FORMAT, dir).begin([]), /no tables to write/);
    fs.writeFileSync(path.join(dir, "file"), "");
    await assert.rejects(new FileWriter(CSV_FORMAT, path.join(dir, "file")).begin(TABLES), /is not a folder/);
    assert.throws(() => new FileWriter(CSV_FORMAT, " "), /no folder given; write csv:DIR/);
    const writer = new FileWriter(CSV_FORMAT, path.join(dir, "x"));
    await writer.begin(TABLES);
    assert.throws(
      () => writer.table("nope"),
      /no table "nope" was begun; the tables are patients, treatments/,
    );
    const patients = writer.table("patients");
    assert.equal(writer.table("patients"), patients);
    await patients.end();
    assert.throws(() => patients.write(PATIENT_ROWS[0]!), /written after it ended/);
    await writer.abort();
  });
});
