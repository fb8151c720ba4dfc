import assert from "node:assert/strict";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { formatDate, formatDateTime, type TableSpec } from "../table-spec.ts";
import { FileWriter } from "./file-writer.ts";
import { PATIENT_ROWS, PATIENTS, writeFixtures } from "./writer-fixtures.ts";
import { XML_FORMAT, xmlColumnNames, xmlName, xmlText } from "./xml-format.ts";

/** Characters XML 1.0 allows (its Char production). */
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const ENTITY = /&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g;

function unescapeXml(text: string): string {
  assert.doesNotMatch(text.replace(ENTITY, ""), /[<&]/, `unescaped markup in ${JSON.stringify(text)}`);
  return text.replace(ENTITY, (_, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[name]!;
  });
}

/**
 * A strict reader of exactly the shape the writer promises: the declaration, the root with the
 * xsi namespace, rows of leaf elements. Anything else fails the test. A parser normalises CR LF
 * and lone CR in text to LF; the writer escapes CR so that none reaches it raw, which this checks.
 */
function readXml(raw: string, root: string): (Record<string, string | null> & object)[] {
  assert.match(raw, XML_CHAR, "only XML 1.0 characters");
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n`;
  assert.ok(raw.startsWith(head), "declaration and root");
  assert.ok(raw.endsWith(`</${root}>\n`), "root closed");
  const body = raw.slice(head.length, raw.length - `</${root}>\n`.length);
  assert.doesNotMatch(body, /\r/, "CR is escaped");
  const rows: Record<string, string | null>[] = [];
  const row = /^ {2}<row>(.*?)<\/row>\n/su;
  let rest = body;
  while (rest.length > 0) {
    const match = row.exec(rest);
    assert.ok(match, `a row at ${JSON.stringify(rest.slice(0, 40))}`);
    rest = rest.slice(match[0].length);
    const record: Record<string, string | null> = {};
    let cells = match[1]!;
    const cell = /^(?:<([^\s<>/]+)>([^<]*)<\/\1>|<([^\s<>/]+) xsi:nil="true"\/>)/u;
    while (cells.length > 0) {
      const c = cell.exec(cells);
      assert.ok(c, `a cell at ${JSON.stringify(cells.slice(0, 40))}`);
      cells = cells.slice(c[0].length);
      if (c[3] !== undefined) record[c[3]] = null;
      else record[c[1]!] = unescapeXml(c[2]!);
    }
    rows.push(record);
  }
  return rows;
}

test("XML: a well-formed document per table whose rows read back as written", async () => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "serums-xml-"));
  try {
    const writer = new FileWriter(XML_FORMAT, dir);
    await writeFixtures(writer);
    const summary = await writer.finish();
    assert.equal(summary.rows.patients, PATIENT_ROWS.length);
    const rows = readXml(fs.readFileSync(path.join(dir, "patients.xml"), "utf8"), "patients");
    assert.equal(rows.length, PATIENT_ROWS.length);
    PATIENT_ROWS.forEach((row, r) => {
      const expected: Record<string, string | null> = {};
      PATIENTS.columns.forEach((column, i) => {
        const value = row[i]!;
        expected[column.name] =
          value === null
            ? null
            : column.type === "date"
              ? formatDate(value as number)
              : column.type === "datetime"
                ? formatDateTime(value as number)
                : column.type === "decimal"
                  ? (value as number).toFixed(2).replace(/^-(0\.00)$/, "$1")
                  : String(value);
      });
      assert.deepEqual(rows[r], expected, `row ${r + 1}`);
    });
    const empty = readXml(fs.readFileSync(path.join(dir, "treatments.xml"), "utf8"), "treatments");
    assert.equal(empty.length, 3);
    assert.deepEqual(empty[1], { id: "2", patient_id: "1", cycle: "2", drug: "AC, then T", given: null });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("XML escaping: markup characters as entities, CR as a reference, forbidden characters replaced", () => {
  assert.equal(xmlText(`a<b>&"c"'d'`), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  assert.equal(xmlText("x\r\ny"), "x&#13;\ny");
  assert.equal(xmlText("tab\tok"), "tab\tok");
  assert.equal(xmlText("bell\u0007 nul\u0000 vt\u000B"), "bell\uFFFD nul\uFFFD vt\uFFFD");
  assert.equal(
    xmlText("lone \uD800 high, lone \uDC00 low, pair 🙂"),
    "lone \uFFFD high, lone \uFFFD low, pair 🙂",
  );
  assert.equal(xmlText("\uFFFE\uFFFF"), "\uFFFD\uFFFD");
  assert.equal(xmlText("plain ünïcödé"), "plain ünïcödé");
});

test("XML names: made valid, never starting with xml, distinct within a table", () => {
  assert.equal(xmlName("admission_date"), "admission_date");
  assert.equal(xmlName("2nd opinion"), "_2nd_opinion");
  assert.equal(xmlName("main-op.a"), "main-op.a");
  assert.equal(xmlName("-x"), "_-x");
  assert.equal(xmlName("XMLdata"), "_XMLdata");
  assert.equal(xmlName("a:b"), "a_b");
  assert.equal(xmlName(""), "_");
  assert.equal(xmlName("größe"), "größe");
  const columns = ["a b", "a_b", "a-b", "a b"].map((name) => ({
    name,
    type: "string" as const,
    nullable: true,
  }));
  assert.deepEqual(xmlColumnNames(columns), ["a_b", "a_b_2", "a-b", "a_b_3"]);
});

test("XML: columns whose names are not XML names are written under their valid names", async () => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "serums-xml-"));
  const table: TableSpec = {
    name: "odd",
    columns: [
      { name: "1st value", type: "string", nullable: true },
      { name: "1st-value", type: "string", nullable: true },
    ],
    primaryKey: [],
    unique: [],
    foreignKeys: [],
  };
  try {
    const writer = new FileWriter(XML_FORMAT, dir);
    await writer.begin([table]);
    writer.table("odd").write(["x\u0001y", ""]);
    await writer.finish();
    const rows = readXml(fs.readFileSync(path.join(dir, "odd.xml"), "utf8"), "odd");
    assert.deepEqual(rows, [{ _1st_value: "x\uFFFDy", "_1st-value": "" }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
