import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { SerumsError } from "../../errors/index.ts";
import {
  centringOffset,
  discretizedGestures,
  type Gesture,
  gestureOffsets,
  parseGestures,
  SLOTS_PER_GESTURE,
  segmentIndex,
} from "./gesture-geometry.ts";

const R = 25;

describe("centered discretization", () => {
  it("puts each value at the centre of its segment", () => {
    for (const v of [0, 12.5, 25, 100.3, 499.99, 1000]) {
      const d = centringOffset(v, R);
      assert.ok(d >= 0 && d < 2 * R);
      const i = segmentIndex(v, d, R);
      const centre = d + i * 2 * R + R;
      assert.ok(Math.abs(centre - v) < 1e-9, `${v} is the centre (${centre})`);
    }
  });

  it("matches within r on an axis and not beyond (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: -0.999, max: 0.999, noNaN: true }),
        fc.double({ min: 1.001, max: 3, noNaN: true }),
        fc.boolean(),
        (v, inside, outside, negative) => {
          const d = centringOffset(v, R);
          const i = segmentIndex(v, d, R);
          assert.equal(segmentIndex(v + inside * R, d, R), i);
          assert.notEqual(segmentIndex(v + (negative ? -outside : outside) * R, d, R), i);
        },
      ),
    );
  });

  it("hashes the same text for an attempt within tolerance, a different one just outside", () => {
    const key: Gesture[] = [
      { kind: "tap", x: 310.4, y: 220.7 },
      { kind: "line", x: 100, y: 900, x2: 640, y2: 480 },
      { kind: "circle", x: 500, y: 500, radius: 120 },
    ];
    const offsets = gestureOffsets(key, R, Math.random);
    assert.equal(offsets.length, key.length * SLOTS_PER_GESTURE);
    const enrolled = discretizedGestures("bg", R, key, offsets);
    const near: Gesture[] = [
      { kind: "tap", x: 310.4 + 24, y: 220.7 - 24.9 },
      { kind: "line", x: 100 - 20, y: 900 + 20, x2: 640 + 10, y2: 480 - 24 },
      { kind: "circle", x: 500 + 24.5, y: 500, radius: 120 - 24 },
    ];
    assert.equal(discretizedGestures("bg", R, near, offsets), enrolled);
    const justOutside: Gesture[] = [{ kind: "tap", x: 310.4 + 26, y: 220.7 }, key[1]!, key[2]!];
    assert.notEqual(discretizedGestures("bg", R, justOutside, offsets), enrolled);
    const radiusOff: Gesture[] = [key[0]!, key[1]!, { kind: "circle", x: 500, y: 500, radius: 120 + 26 }];
    assert.notEqual(discretizedGestures("bg", R, radiusOff, offsets), enrolled);
    const reordered = [key[1]!, key[0]!, key[2]!];
    assert.notEqual(discretizedGestures("bg", R, reordered, offsets), enrolled);
    const otherKind: Gesture[] = [{ kind: "circle", x: 310.4, y: 220.7, radius: 1 }, key[1]!, key[2]!];
    assert.notEqual(discretizedGestures("bg", R, otherKind, offsets), enrolled);
    assert.notEqual(discretizedGestures("other-bg", R, key, offsets), enrolled);
    assert.ok(!enrolled.includes("310"), "no raw coordinate in the hashed text");
  });

  it("fills unused offset slots at random, so the offsets do not show the kinds", () => {
    const taps: Gesture[] = [{ kind: "tap", x: 10, y: 10 }];
    const a = gestureOffsets(taps, R, () => 0.123);
    const b = gestureOffsets(taps, R, () => 0.789);
    assert.deepEqual(a.slice(0, 2), b.slice(0, 2));
    assert.notDeepEqual(a.slice(2), b.slice(2));
    assert.ok([...a, ...b].every((d) => d >= 0 && d < 2 * R));
  });
});

describe("gesture input", () => {
  it("accepts taps, lines and circles in the frame", () => {
    const ok = parseGestures([
      { kind: "tap", x: 0, y: 1000 },
      { kind: "line", x: 1, y: 2, x2: 3, y2: 4 },
      { kind: "circle", x: 5, y: 6, radius: 7 },
    ]);
    assert.equal(ok.length, 3);
  });

  it("names the bad field of malformed input", () => {
    const cases: [unknown, RegExp][] = [
      [[], /gestures/],
      [[{ kind: "tap", x: 1001, y: 0 }], /gestures\[0\]\.x/],
      [[{ kind: "tap", x: 1, y: 2, z: 3 }], /gestures\[0\]/],
      [[{ kind: "swipe", x: 1, y: 2 }], /gestures\[0\]\.kind/],
      [[{ kind: "circle", x: 1, y: 2, radius: 0 }], /gestures\[0\]\.radius/],
      [[{ kind: "tap", x: Number.NaN, y: 2 }], /gestures\[0\]\.x/],
      ["taps", /gestures/],
      [Array.from({ length: 9 }, () => ({ kind: "tap", x: 1, y: 1 })), /gestures/],
    ];
    for (const [input, field] of cases) {
      assert.throws(
        () => parseGestures(input),
        (e: SerumsError) => e.code === "BAD_REQUEST" && field.test(e.message),
        JSON.stringify(input),
      );
    }
  });
});
