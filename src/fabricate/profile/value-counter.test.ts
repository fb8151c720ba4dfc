import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shapeOf, ValueCounter } from "./value-counter.ts";

describe("value counts", () => {
  it("shapes texts by character class", () => {
    assert.equal(shapeOf("EH3 9YL"), "AA9 9AA");
    assert.equal(shapeOf("C50.4"), "A99.9");
    assert.equal(shapeOf("Élan"), "Aaaa");
    assert.equal(shapeOf("x".repeat(25)), undefined);
  });

  it("counts values, shapes and lengths exactly within the bound", () => {
    const counter = new ValueCounter(100, 2);
    for (const text of ["EH1 1AA", "EH1 1AA", "G2 3BB", " EH1 1AA ", "", null, "x".repeat(30)])
      counter.add(text);
    assert.deepEqual(counter.values.frequent(2), [["EH1 1AA", 3]]);
    assert.equal(counter.values.exact, true);
    assert.deepEqual(counter.shapes.frequent(1), [
      ["AA9 9AA", 3],
      ["A9 9AA", 1],
    ]);
    assert.deepEqual(counter.lengths.frequent(1), [
      ["7", 3],
      ["30", 1],
      ["6", 1],
    ]);
    assert.equal(counter.longTexts, 1);
  });

  it("past the bound, never over-counts a value, and still counts every shape", () => {
    const counter = new ValueCounter(50, 3);
    const truth = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const text = i % 5 === 0 ? "COMMON" : `v${i}`;
      truth.set(text, (truth.get(text) ?? 0) + 1);
      counter.add(text);
    }
    assert.equal(counter.values.exact, false);
    for (const [text, count] of counter.values.map) assert.ok(count <= truth.get(text)!, text);
    assert.equal(counter.values.frequent(3)[0]![0], "COMMON");
    const shapes = counter.shapes.frequent(1).reduce((sum, [, n]) => sum + n, 0);
    assert.equal(shapes, 500);
  });
});
