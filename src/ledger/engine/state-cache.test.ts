import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCompositeKey, partialKeyRange } from "../composite-key.ts";
import type { StateEntry } from "./embedded-stub.ts";
import { StateCache } from "./state-cache.ts";

const entry = (key: string, block = 1): StateEntry => ({
  key,
  value: new Uint8Array([1]),
  version: [block, 0],
});
const rule = (site: string, id: string) => createCompositeKey("serums.rule.site", [site, id]);

describe("the peer's state cache", () => {
  it("keeps a partial-key range until a commit writes a key under its prefix", () => {
    const cache = new StateCache();
    const [start, end] = partialKeyRange("serums.rule.site", ["edinburgh"]);
    const [otherStart, otherEnd] = partialKeyRange("serums.rule.site", ["barcelona"]);
    cache.rememberRange(cache.generation, start, end, [entry(rule("edinburgh", "a"))]);
    cache.rememberRange(cache.generation, otherStart, otherEnd, [entry(rule("barcelona", "b"))]);
    assert.deepEqual(cache.range(start, end), [entry(rule("edinburgh", "a"))]);

    cache.beginCommit();
    cache.endCommit([rule("edinburgh", "new")]);
    assert.equal(cache.range(start, end), undefined, "a new key under the prefix drops the range");
    assert.deepEqual(cache.range(otherStart, otherEnd), [entry(rule("barcelona", "b"))], "other ranges stay");
  });

  it("drops a range when a key under a shorter or longer prefix of it is written", () => {
    const cache = new StateCache();
    const [all, allEnd] = partialKeyRange("serums.rule.site", []);
    const [one, oneEnd] = partialKeyRange("serums.rule.site", ["edinburgh"]);
    cache.rememberRange(cache.generation, all, allEnd, []);
    cache.rememberRange(cache.generation, one, oneEnd, []);
    cache.endCommit([rule("zuyderland", "x")]);
    assert.equal(cache.range(all, allEnd), undefined);
    assert.deepEqual(cache.range(one, oneEnd), []);
  });

  it("keeps point reads (and absences) until a commit writes or deletes that key", () => {
    const cache = new StateCache();
    cache.rememberPoint(cache.generation, "k", entry("k"));
    cache.rememberPoint(cache.generation, "gone", null);
    cache.rememberPoint(cache.generation, "other", entry("other"));
    assert.deepEqual(cache.point("k"), entry("k"));
    assert.equal(cache.point("gone"), null);
    assert.equal(cache.point("never"), undefined);
    cache.beginCommit();
    cache.endCommit(["k", "gone"]);
    assert.equal(cache.point("k"), undefined);
    assert.equal(cache.point("gone"), undefined);
    assert.deepEqual(cache.point("other"), entry("other"));
  });

  it("does not remember a read that was under way while a commit happened", () => {
    const cache = new StateCache();
    const [start, end] = partialKeyRange("serums.rule.site", ["edinburgh"]);
    const startedBefore = cache.generation;
    cache.beginCommit();
    cache.rememberRange(startedBefore, start, end, [entry(rule("edinburgh", "stale"))]);
    cache.rememberPoint(startedBefore, "k", entry("k"));
    cache.endCommit([]);
    const startedDuring = cache.generation - 1;
    cache.rememberPoint(startedDuring, "k2", entry("k2"));
    assert.equal(cache.range(start, end), undefined);
    assert.equal(cache.point("k"), undefined);
    assert.equal(cache.point("k2"), undefined);
    cache.rememberPoint(cache.generation, "k", entry("k", 2));
    assert.deepEqual(cache.point("k"), entry("k", 2));
  });

  it("caches only partial composite-key ranges, never arbitrary ones", () => {
    const cache = new StateCache();
    cache.rememberRange(cache.generation, "a", "m", [entry("b")]);
    cache.rememberRange(cache.generation, createCompositeKey("t", ["x"]), "", [entry("c")]);
    assert.equal(cache.range("a", "m"), undefined);
    assert.equal(cache.range(createCompositeKey("t", ["x"]), ""), undefined);
  });

  it("forgets everything on clear", () => {
    const cache = new StateCache();
    const [start, end] = partialKeyRange("t", []);
    cache.rememberRange(cache.generation, start, end, []);
    cache.rememberPoint(cache.generation, "k", null);
    cache.clear();
    assert.equal(cache.range(start, end), undefined);
    assert.equal(cache.point("k"), undefined);
  });
});
