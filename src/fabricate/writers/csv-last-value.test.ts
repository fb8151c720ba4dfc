/**
 * The CSV encoder remembers each column's last value and reuses its text: the lines must stay
 * right when values repeat, alternate or turn null, and a null where none is allowed must still
 * throw, however the column's previous value was formatted.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CellValue, TableSpec } from "../table-spec.ts";
import { csvEncoder } from "./csv-format.ts";

const TABLE: TableSpec = {
  name: "samples",
  columns: [
    { name: "id", type: "integer", nullable: false },
    // Next to the integer: an equal number in the next column must still get its own text.
    { name: "dose", type: "decimal", nullable: true, precision: 8, scale: 2 },
    { name: "label", type: "string", nullable: true },
    { name: "ward", type: "string", nullable: false },
  ],
  primaryKey: ["id"],
  unique: [],
  foreignKeys: [],
};

describe("CSV encoder: a column's repeated value", () => {
  test("each line is right as values repeat, alternate and turn null or empty", () => {
    const encoder = csvEncoder(TABLE);
    assert.equal(encoder.start, "id,dose,label,ward\r\n");
    // label: a, b, a, a, null, "", null (then a again); dose repeats, turns null and back.
    const rows: [CellValue[], string][] = [
      [[1, 1.5, "a", "W,1"], '1,1.50,a,"W,1"\r\n'],
      [[2, 1.5, "b", "W,1"], '2,1.50,b,"W,1"\r\n'],
      [[3, 3, "a", "W2"], "3,3.00,a,W2\r\n"],
      [[4, 3, "a", "W2"], "4,3.00,a,W2\r\n"],
      [[5, null, null, "W2"], "5,,,W2\r\n"],
      [[6, 0, "", "W2"], '6,0.00,"",W2\r\n'],
      [[7, 0.1, null, 'say "hi"'], '7,0.10,,"say ""hi"""\r\n'],
      [[8, null, "a", 'say "hi"'], '8,,a,"say ""hi"""\r\n'],
      [[9, 9, "a", "W2"], "9,9.00,a,W2\r\n"],
    ];
    rows.forEach(([values, line], i) => {
      assert.equal(encoder.row(values, i), line, `row ${i + 1}`);
    });
    assert.equal(encoder.end(rows.length), "");
  });

  test("two encoders of one table keep their own last values", () => {
    const first = csvEncoder(TABLE);
    const second = csvEncoder(TABLE);
    assert.equal(first.row([1, 3, "a", "W"], 0), "1,3.00,a,W\r\n");
    assert.equal(second.row([1, 4, "b", "W"], 0), "1,4.00,b,W\r\n");
    assert.equal(first.row([2, 4, "b", "W"], 1), "2,4.00,b,W\r\n");
    assert.equal(second.row([2, 3, "a", "W"], 1), "2,3.00,a,W\r\n");
  });

  test("a null in a column that is not nullable throws naming it, even right after a valid value", () => {
    const encoder = csvEncoder(TABLE);
    assert.equal(encoder.row([1, 1, "a", "W1"], 0), "1,1.00,a,W1\r\n");
    const isNullError = (column: string) => (e: Error & { code?: string }) =>
      e.code === "BAD_ROW" && e.message.includes(`column ${column}`) && e.message.includes("null");
    assert.throws(() => encoder.row([2, 1, "a", null], 1), isNullError("ward"));
    // Again: a failed row leaves nothing remembered that would let the null through.
    assert.throws(() => encoder.row([3, 1, "a", null], 2), isNullError("ward"));
    assert.throws(() => encoder.row([null, 1, "a", "W1"], 3), isNullError("id"));
    // The encoder goes on with valid rows.
    assert.equal(encoder.row([4, 1, "a", "W1"], 4), "4,1.00,a,W1\r\n");
    // A null as the very first value of a fresh encoder throws too.
    assert.throws(() => csvEncoder(TABLE).row([1, 1, "a", null], 0), isNullError("ward"));
  });
});
