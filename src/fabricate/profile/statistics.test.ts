import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clippedMoments,
  cramersV,
  ksStatistic,
  niceStep,
  pearson,
  quantileSorted,
  ranks,
  roundTo,
  spearman,
  totalVariation,
} from "./statistics.ts";

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected} ± ${tolerance}`);

describe("statistics", () => {
  it("Pearson's r matches a hand computation and skips missing pairs", () => {
    // x = 1..5, y = 2,4,5,4,5: mean x 3, mean y 4; Sxy = 6, Sxx = 10, Syy = 6 → r = 6/√60.
    close(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]).r, 6 / Math.sqrt(60));
    const withGaps = pearson([1, 2, Number.NaN, 3, 4, 5, 9], [2, 4, 7, 5, 4, 5, Number.NaN]);
    close(withGaps.r, 6 / Math.sqrt(60));
    assert.equal(withGaps.n, 5);
    close(pearson([1, 2, 3], [3, 2, 1]).r, -1);
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]).r), "a constant column has no correlation");
  });

  it("Spearman's ρ is Pearson of the ranks, ties averaged", () => {
    assert.deepEqual([...ranks([10, 20, 20, 5])], [2, 3.5, 3.5, 1]);
    // A monotone but non-linear relation: ρ = 1 while r < 1.
    const x = [1, 2, 3, 4, 5];
    const y = x.map((v) => v ** 3);
    close(spearman(x, y).r, 1);
    assert.ok(pearson(x, y).r < 0.99);
    // Hand-computed: x = 1,2,3,4 ; y = 1,3,2,4 → d² = 0,1,1,0 → ρ = 1 − 6·2/(4·15) = 0.8.
    close(spearman([1, 2, 3, 4], [1, 3, 2, 4]).r, 0.8);
  });

  it("Cramér's V matches a hand-computed 2×2 table", () => {
    // Table [[10, 0], [5, 5]]: n 20; rows 10,10; cols 15,5; expected 7.5 2.5 / 7.5 2.5;
    // χ² = 2.5²/7.5·2 + 2.5²/2.5·2 = 1.6667 + 5 = 6.6667 → V = √(6.6667/20) = 0.57735.
    const a = [...Array(10).fill(0), ...Array(10).fill(1)];
    const b = [...Array(10).fill(0), ...Array(5).fill(0), ...Array(5).fill(1)];
    close(cramersV(a, 2, b, 2).r, Math.sqrt(1 / 3), 1e-9);
    // Perfect association and independence.
    close(cramersV([0, 1, 2, 0, 1, 2], 3, [2, 0, 1, 2, 0, 1], 3).r, 1);
    close(cramersV([0, 0, 1, 1], 2, [0, 1, 0, 1], 2).r, 0);
    // Missing codes are skipped; a single level present gives 0.
    assert.equal(cramersV([0, 0, -1], 2, [0, 1, 1], 2).r, 0);
  });

  it("the KS statistic is the largest gap between the two ECDFs", () => {
    assert.equal(ksStatistic([1, 2, 3], [1, 2, 3]), 0);
    assert.equal(ksStatistic([1, 2, 3], [4, 5, 6]), 1);
    // a = 1,2,3,4 ; b = 3,4,5,6: at x = 2, F_a = 0.5, F_b = 0 → D = 0.5.
    close(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]), 0.5);
    // Ties across samples: a = 1,1,2 ; b = 1,2,2: at 1, 2/3 vs 1/3 → 1/3.
    close(ksStatistic([1, 1, 2], [1, 2, 2]), 1 / 3);
    assert.equal(ksStatistic([], [1]), 1);
  });

  it("total variation is half the L1 distance of the proportions", () => {
    assert.equal(totalVariation([5, 5], [50, 50]), 0);
    close(totalVariation([1, 0], [0, 1]), 1);
    close(totalVariation([3, 1], [1, 1]), 0.25);
  });

  it("quantiles interpolate; nice steps and rounding are 1-2-5 without binary noise", () => {
    close(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    close(quantileSorted([10, 20, 30, 40, 50], 0.25), 20);
    assert.equal(niceStep(0.77), 1);
    assert.equal(niceStep(0.3), 0.5);
    assert.equal(niceStep(0.13), 0.2);
    assert.equal(niceStep(1300), 2000);
    assert.equal(niceStep(0.3, 1), 1);
    assert.equal(roundTo(0.7, 0.1, "floor"), 0.7);
    assert.equal(roundTo(17, 5, "ceil"), 20);
    assert.equal(roundTo(-17, 5, "floor"), -20);
  });

  it("clipped moments winsorise before averaging", () => {
    const m = clippedMoments([1, 2, 3, 1000], 1, 4);
    close(m.mean, 2.5);
    assert.equal(m.n, 4);
    assert.ok(Number.isNaN(clippedMoments([Number.NaN]).mean));
  });
});
