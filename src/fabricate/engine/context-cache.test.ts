/**
 * ContextCache (entries per context, bounded), contextOf (what a step's choice reads) and
 * passingChoices / pickChoice (the candidates that pass a step's checks, drawn by weight).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CellValue } from "../table-spec.ts";
import {
  CONTEXT_LIMIT,
  ContextCache,
  contextOf,
  NO_CHOICE,
  passingChoices,
  pickChoice,
} from "./context-cache.ts";
import { Prng } from "./prng.ts";

describe("ContextCache", () => {
  test("an entry belongs to the values at vars (nested), whatever the other entries hold", () => {
    const cache = new ContextCache<string>([0, 2]);
    assert.equal(cache.get([1, "x", "a"]), undefined);
    assert.equal(cache.set([1, "x", "a"], "1a"), true);
    assert.equal(cache.set([1, "x", "b"], "1b"), true);
    assert.equal(cache.set([2, "x", "a"], "2a"), true);
    // Index 1 is not read: any value there finds the same entry.
    assert.equal(cache.get([1, "something else", "a"]), "1a");
    assert.equal(cache.get([1, null, "b"]), "1b");
    assert.equal(cache.get([2, 99, "a"]), "2a");
    // A known first value with an unknown second one, and an unknown first value, both miss.
    assert.equal(cache.get([1, "x", "c"]), undefined);
    assert.equal(cache.get([3, "x", "a"]), undefined);
    assert.equal(cache.size, 3);
  });

  test("1, '1' and null are distinct keys, at every level", () => {
    const cache = new ContextCache<string>([0, 1]);
    cache.set([1, 1], "number/number");
    cache.set(["1", 1], "text/number");
    cache.set([null, 1], "null/number");
    cache.set([1, "1"], "number/text");
    cache.set([1, null], "number/null");
    assert.equal(cache.get([1, 1]), "number/number");
    assert.equal(cache.get(["1", 1]), "text/number");
    assert.equal(cache.get([null, 1]), "null/number");
    assert.equal(cache.get([1, "1"]), "number/text");
    assert.equal(cache.get([1, null]), "number/null");
    assert.equal(cache.get(["1", "1"]), undefined);
    assert.equal(cache.get([null, null]), undefined);
    assert.equal(cache.size, 5);

    const single = new ContextCache<string>([0]);
    single.set([1], "number");
    assert.equal(single.get(["1"]), undefined);
    assert.equal(single.get([null]), undefined);
    single.set([null], "null");
    assert.equal(single.get([null]), "null");
    assert.equal(single.get([1]), "number");
  });

  test("the last context found answers the next lookup only when every read value is the same", () => {
    const cache = new ContextCache<string>([0, 2]);
    cache.set(["a", 0, 1], "a1");
    cache.set(["a", 0, 2], "a2");
    cache.set(["b", 0, 1], "b1");
    // Alternating, repeated, and differing in the last or first read value only.
    const asked: [CellValue[], string | undefined][] = [
      [["a", 9, 1], "a1"],
      [["a", 8, 1], "a1"],
      [["a", 8, 2], "a2"],
      [["b", 8, 1], "b1"],
      [["b", 8, 1], "b1"],
      [["a", 8, 1], "a1"],
      [["c", 8, 1], undefined],
      [["a", 8, "1"], undefined],
      [["a", 8, 1], "a1"],
    ];
    for (const [v, want] of asked) assert.equal(cache.get(v), want, JSON.stringify(v));
    // A context set after the last lookup is found too.
    cache.set(["a", 0, 3], "a3");
    assert.equal(cache.get(["a", 0, 3]), "a3");
    assert.equal(cache.get(["a", 0, 1]), "a1");
    // NaN is never equal to itself, but the Map finds it (as a Set would).
    cache.set(["n", 0, Number.NaN], "nan");
    assert.equal(cache.get(["n", 0, Number.NaN]), "nan");
    assert.equal(cache.get(["n", 0, Number.NaN]), "nan");
    assert.equal(cache.get(["n", 0, 0]), undefined);
  });

  test("no vars: one slot, the same for every value array", () => {
    const cache = new ContextCache<number>([]);
    assert.equal(cache.get([1, 2, 3]), undefined);
    assert.equal(cache.size, 0);
    assert.equal(cache.set([1, 2, 3], 42), true);
    assert.equal(cache.get([]), 42);
    assert.equal(cache.get(["a", null, false]), 42);
    assert.equal(cache.size, 1);
  });

  test("set refuses once limit entries are held: new contexts miss, old ones still hit", () => {
    const cache = new ContextCache<string>([0], 3);
    assert.equal(cache.limit, 3);
    assert.equal(cache.set(["a"], "A"), true);
    assert.equal(cache.size, 1);
    assert.equal(cache.set(["b"], "B"), true);
    assert.equal(cache.set(["c"], "C"), true);
    assert.equal(cache.size, 3);
    assert.equal(cache.set(["d"], "D"), false, "a fourth context is refused");
    assert.equal(cache.set(["e"], "E"), false);
    assert.equal(cache.size, 3, "refused entries are not counted");
    assert.equal(cache.get(["d"]), undefined);
    assert.equal(cache.get(["e"]), undefined);
    assert.equal(cache.get(["a"]), "A");
    assert.equal(cache.get(["b"]), "B");
    assert.equal(cache.get(["c"]), "C");
  });

  test("the limit also holds for nested contexts and for the single slot", () => {
    const nested = new ContextCache<number>([0, 1], 2);
    assert.equal(nested.set([1, 1], 11), true);
    assert.equal(nested.set([1, 2], 12), true);
    assert.equal(nested.set([2, 1], 21), false);
    assert.equal(nested.get([2, 1]), undefined);
    assert.equal(nested.get([1, 2]), 12);
    const none = new ContextCache<number>([], 0);
    assert.equal(none.set([], 1), false);
    assert.equal(none.get([]), undefined);
    assert.equal(none.size, 0);
  });

  test("the default limit is CONTEXT_LIMIT contexts", () => {
    const cache = new ContextCache<number>([0]);
    assert.equal(cache.limit, CONTEXT_LIMIT);
    for (let i = 0; i < CONTEXT_LIMIT; i++) assert.equal(cache.set([i], i), true);
    assert.equal(cache.set([CONTEXT_LIMIT], CONTEXT_LIMIT), false);
    assert.equal(cache.size, CONTEXT_LIMIT);
    assert.equal(cache.get([CONTEXT_LIMIT - 1]), CONTEXT_LIMIT - 1);
  });
});

describe("contextOf", () => {
  test("the union of the checks' vars and the reads, less the assigned columns, sorted", () => {
    assert.deepEqual(contextOf([{ vars: [7, 1, 3] }, { vars: [3, 12] }], [5, 1, 9], [3, 9]), [1, 5, 7, 12]);
    // Duplicates appear once; no checks: the reads alone.
    assert.deepEqual(contextOf([], [4, 2, 4], [2]), [4]);
    // Sorted as numbers, not as text.
    assert.deepEqual(contextOf([{ vars: [10, 9, 100] }], [], []), [9, 10, 100]);
    // Everything read is assigned: the empty context (one slot).
    assert.deepEqual(contextOf([{ vars: [0] }], [0], [0]), []);
  });

  test("undefined as soon as one check does not say what it reads", () => {
    assert.equal(contextOf([{ vars: [1] }, {}], [2], []), undefined);
    assert.equal(contextOf([{}], [], []), undefined);
  });
});

describe("passingChoices and pickChoice", () => {
  const names = ["a", "b", "c", "d", "e"];
  // Weights: b has none; the check refuses d.
  const weights = [1, 0, 2, 3, 1];
  const put = (v: CellValue[], i: number) => {
    v[0] = names[i]!;
  };
  const notD = [{ fn: (v: CellValue[]) => v[0] !== "d" }];

  test("only candidates of positive weight that pass every check, with cumulative weights", () => {
    const choices = passingChoices([null], weights, put, notD);
    assert.deepEqual([...choices.picks], [0, 2, 4]);
    assert.deepEqual([...choices.cum], [1, 3, 4]);
    // Two checks: both must pass.
    const notE = { fn: (v: CellValue[]) => v[0] !== "e" };
    const both = passingChoices([null], weights, put, [...notD, notE]);
    assert.deepEqual([...both.picks], [0, 2]);
    // Negative or NaN weights count as none.
    const odd = passingChoices([null], [-1, Number.NaN, 2, 0, 0], put, []);
    assert.deepEqual([...odd.picks], [2]);
  });

  test("a check that answers null (unknown) does not refuse, as the solver's checks", () => {
    const unknown = [{ fn: (v: CellValue[]) => (v[0] === "a" ? null : v[0] === "c") }];
    const choices = passingChoices([null], weights, put, unknown);
    assert.deepEqual([...choices.picks], [0, 2]);
  });

  test("NO_CHOICE when no candidate passes, or none has weight", () => {
    const never = [{ fn: () => false }];
    assert.equal(passingChoices([null], weights, put, never), NO_CHOICE);
    assert.equal(passingChoices([null], [0, 0, 0], put, []), NO_CHOICE);
    assert.equal(passingChoices([null], [], put, []), NO_CHOICE);
    assert.equal(NO_CHOICE.picks.length, 0);
  });

  test("pickChoice draws by weight among the passing candidates only", () => {
    const choices = passingChoices([null], weights, put, notD);
    const rng = new Prng(20260101, "context-cache-test");
    const counts = new Map<number, number>();
    const draws = 40_000;
    for (let i = 0; i < draws; i++) {
      const pick = pickChoice(choices, rng);
      counts.set(pick, (counts.get(pick) ?? 0) + 1);
    }
    assert.equal(counts.get(1), undefined, "a zero-weight candidate is never drawn");
    assert.equal(counts.get(3), undefined, "a refused candidate is never drawn");
    assert.deepEqual([...counts.keys()].sort(), [0, 2, 4]);
    // Expected 1/4, 2/4, 1/4 (uniform would be 1/3 each); the tolerance is ~8 standard deviations.
    const share = (i: number) => counts.get(i)! / draws;
    assert.ok(Math.abs(share(0) - 0.25) < 0.02, `a ${share(0)}`);
    assert.ok(Math.abs(share(2) - 0.5) < 0.02, `c ${share(2)}`);
    assert.ok(Math.abs(share(4) - 0.25) < 0.02, `e ${share(4)}`);
  });

  test("pickChoice maps [0, 1) onto the cumulative weights, half-open at each boundary", () => {
    const choices = passingChoices([null], weights, put, notD); // cum 1, 3, 4 of 4
    const at = (x: number) => pickChoice(choices, { next: () => x });
    assert.equal(at(0), 0);
    assert.equal(at(0.2499), 0);
    assert.equal(at(0.25), 2, "exactly at a boundary: the next candidate");
    assert.equal(at(0.7499), 2);
    assert.equal(at(0.75), 4);
    assert.equal(at(0.999999), 4);
  });

  test("pickChoice consumes one draw of the stream", () => {
    const choices = passingChoices([null], weights, put, notD);
    let calls = 0;
    pickChoice(choices, {
      next: () => {
        calls++;
        return 0.5;
      },
    });
    assert.equal(calls, 1);
  });
});
