/** ParentIndex: a parent table's rows found by one or more columns, compared as text. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CellValue } from "../table-spec.ts";
import { ParentIndex } from "./parent-index.ts";

/** Parent rows (patient, regime, cycle, note), read column by column as the runner reads a key store. */
const PARENTS: CellValue[][] = [
  [1, "AC", 1, "p0"],
  [1, "AC", 2, "p1"],
  [2, "AC", 1, "p2"],
  [1, "FEC", 1, "p3"],
  [2, "AC", 1, "p4"],
  [1, "AC", 1, "p5"],
  ["7", "X", 3, "p6"],
];
const reader = (column: number) => (p: number) => PARENTS[p]![column]!;

describe("ParentIndex", () => {
  test("rows found by one column, several under one key in row order", () => {
    const index = new ParentIndex(PARENTS.length, [reader(0)]);
    // The child's value array: its copied key at index 2.
    assert.deepEqual(index.find([null, null, 1], [2]), [0, 1, 3, 5]);
    assert.deepEqual(index.find([null, null, 2], [2]), [2, 4]);
    assert.equal(index.find([null, null, 3], [2]), undefined);
  });

  test("rows found by two and by three columns", () => {
    const two = new ParentIndex(PARENTS.length, [reader(0), reader(1)]);
    assert.deepEqual(two.find([1, "AC"], [0, 1]), [0, 1, 5]);
    assert.deepEqual(two.find([1, "FEC"], [0, 1]), [3]);
    assert.deepEqual(two.find([2, "AC"], [0, 1]), [2, 4]);
    // A known first value with an unknown second, and an unknown first value.
    assert.equal(two.find([2, "FEC"], [0, 1]), undefined);
    assert.equal(two.find([9, "AC"], [0, 1]), undefined);
    // The sources may sit anywhere in the value array, in any order.
    assert.deepEqual(two.find(["AC", null, 2], [2, 0]), [2, 4]);

    const three = new ParentIndex(PARENTS.length, [reader(0), reader(1), reader(2)]);
    assert.deepEqual(three.find([1, "AC", 1], [0, 1, 2]), [0, 5]);
    assert.deepEqual(three.find([1, "AC", 2], [0, 1, 2]), [1]);
    assert.deepEqual(three.find([2, "AC", 1], [0, 1, 2]), [2, 4]);
    assert.equal(three.find([1, "AC", 3], [0, 1, 2]), undefined);
    assert.equal(three.find([1, "FEC", 2], [0, 1, 2]), undefined);
  });

  test("values are compared as text: a child's number 7 finds a parent's '7', and back", () => {
    const byPatient = new ParentIndex(PARENTS.length, [reader(0)]);
    assert.deepEqual(byPatient.find([7], [0]), [6]);
    assert.deepEqual(byPatient.find(["7"], [0]), [6]);
    assert.deepEqual(byPatient.find(["1"], [0]), [0, 1, 3, 5], "a text '1' finds the parents' number 1");
    const byCycle = new ParentIndex(PARENTS.length, [reader(1), reader(2)]);
    assert.deepEqual(byCycle.find(["X", "3"], [0, 1]), [6]);
  });

  test("columns are kept apart: values holding a separator do not run into each other", () => {
    // Joined key texts would make ("a\u0001b", "c") and ("a", "b\u0001c") one key.
    const rows: CellValue[][] = [
      ["a\u0001b", "c"],
      ["a", "b\u0001c"],
    ];
    const index = new ParentIndex(rows.length, [(p) => rows[p]![0]!, (p) => rows[p]![1]!]);
    assert.deepEqual(index.find(["a\u0001b", "c"], [0, 1]), [0]);
    assert.deepEqual(index.find(["a", "b\u0001c"], [0, 1]), [1]);
  });

  test("no rows: nothing is found", () => {
    const index = new ParentIndex(0, [reader(0)]);
    assert.equal(index.find([1], [0]), undefined);
  });
});
