/** ScopedKeys: the first keys in a short array, more in a Set, compared as a Set compares. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CellValue } from "../table-spec.ts";
import { ScopedKeys } from "./key-set.ts";

/** More keys than the short array holds (8), of mixed types. */
const KEYS: CellValue[] = [1, "1", 2, "two", 3.5, true, false, "x", 100, "y", 101, "z", -7];

describe("ScopedKeys", () => {
  test("has, add and size across the short array and the Set beyond it", () => {
    const keys = new ScopedKeys();
    assert.equal(keys.size, 0);
    assert.equal(keys.has(1), false);
    KEYS.forEach((key, i) => {
      assert.equal(keys.has(key), false, `${String(key)} not yet there`);
      assert.equal(keys.add(key), keys, "add returns the set");
      assert.equal(keys.has(key), true, `${String(key)} found once added`);
      assert.equal(keys.size, i + 1);
    });
    for (const key of KEYS) assert.equal(keys.has(key), true, `${String(key)} still found`);
    // Not there: same text, other type, and values never added.
    assert.equal(keys.has("100"), false);
    assert.equal(keys.has("true"), false);
    assert.equal(keys.has(null), false);
    assert.equal(keys.has(4), false);
    assert.equal(keys.has("-7"), false);
  });

  test("a key added twice is counted once, in either part", () => {
    const keys = new ScopedKeys();
    for (const key of KEYS) keys.add(key);
    const size = keys.size;
    keys.add(1); // in the short array
    keys.add("x"); // the array's last
    keys.add(101); // in the Set
    keys.add(-7); // the Set's last
    assert.equal(keys.size, size);
    assert.equal(size, KEYS.length);
  });

  test("null is a key like any", () => {
    const keys = new ScopedKeys();
    keys.add(null);
    assert.equal(keys.has(null), true);
    assert.equal(keys.has("null"), false);
    keys.add(null);
    assert.equal(keys.size, 1);
  });

  test("NaN is found as a Set finds it, in the array and in the Set", () => {
    const short = new ScopedKeys();
    short.add(Number.NaN);
    assert.equal(short.has(Number.NaN), true);
    short.add(Number.NaN);
    assert.equal(short.size, 1, "NaN equals NaN: added once");
    assert.equal(short.has("NaN"), false);

    const long = new ScopedKeys();
    for (let i = 0; i < 8; i++) long.add(i);
    long.add(Number.NaN); // the ninth: in the Set
    assert.equal(long.has(Number.NaN), true);
    long.add(Number.NaN);
    assert.equal(long.size, 9);
    // As a Set: 0 and -0 are the same key.
    assert.equal(long.has(-0), true);
  });

  test("clear empties both parts, and the object is reusable", () => {
    const keys = new ScopedKeys();
    for (const key of KEYS) keys.add(key);
    keys.clear();
    assert.equal(keys.size, 0);
    for (const key of KEYS) assert.equal(keys.has(key), false, `${String(key)} forgotten`);
    // Clearing an empty set is harmless.
    keys.clear();
    assert.equal(keys.size, 0);
    // Refilled past the array: every key found, counted once; the old ones stay forgotten.
    const next: CellValue[] = ["p", "q", "r", "s", "t", "u", "v", "w", "m", "n"];
    for (const key of next) keys.add(key);
    keys.add("m");
    assert.equal(keys.size, next.length);
    for (const key of next) assert.equal(keys.has(key), true, `${String(key)} after reuse`);
    for (const key of KEYS) assert.equal(keys.has(key), false, `${String(key)} not back`);
    // A key that was in the Set before the clear, now added into the array, is found once.
    keys.clear();
    keys.add(101);
    assert.equal(keys.has(101), true);
    assert.equal(keys.size, 1);
  });
});
