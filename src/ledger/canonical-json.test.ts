import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { SerumsError } from "../errors/index.ts";
import { canonicalJson } from "./canonical-json.ts";

test("keys are sorted at every depth and undefined properties are left out", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, "x"], c: null }, u: undefined }),
    '{"a":{"c":null,"d":[1,"x"]},"b":1}',
  );
});

test("the same value built in any key order gives the same text, and it parses back", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value);
      const reordered = JSON.parse(
        JSON.stringify(value, (_k, v) =>
          v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ),
      );
      assert.equal(canonicalJson(reordered), text);
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
    }),
  );
});

test("non-finite numbers and non-plain objects are refused with their path", () => {
  assert.throws(
    () => canonicalJson({ a: [1, Number.NaN] }),
    (e: SerumsError) => e.code === "BAD_REQUEST" && e.message.startsWith("$.a[1] is NaN"),
  );
  assert.throws(() => canonicalJson({ when: new Date(0) }), /\$\.when is a Date/);
  assert.throws(() => canonicalJson({ n: 1n }), /\$\.n is a bigint/);
});
