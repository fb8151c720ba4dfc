import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImageLibrary, type LibraryImage } from "../images/index.ts";
import type { Gesture } from "./gesture-geometry.ts";
import { gestureStrength, recognitionStrength } from "./graphical-strength.ts";
import { binomial } from "./key-strength.ts";

const WORDS =
  "anchor bicycle candle dragon engine feather guitar harbour island jacket kettle lantern mountain necklace orchard pepper quartz river saddle tunnel umbrella violin window yacht zebra acorn bridge cactus dolphin easel falcon glacier hammock igloo jigsaw kayak".split(
    " ",
  );

function image(id: string, tags: string[], source: LibraryImage["source"] = "openmoji"): LibraryImage {
  return {
    id,
    source,
    owner: source === "upload" ? "srm-owner" : null,
    title: tags[0]!,
    tags,
    contentType: "image/svg+xml",
  };
}

/** 36 unrelated images plus 6 cats. */
function library(extra: LibraryImage[] = []): ImageLibrary {
  const distinct = WORDS.map((w, i) => image(`img-${i}`, [w, `${w} thing`]));
  const cats = ["tabby", "kitten", "lion", "tiger", "lynx", "puma"].map((w, i) =>
    image(`cat-${i}`, ["cat", w]),
  );
  return new ImageLibrary([...distinct, ...cats, ...extra]);
}

const ids = (prefix: string, n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${from + i}`);

describe("recognition strength", () => {
  it("is the whole space C(n, k) for unrelated images and no population data", () => {
    const lib = library();
    const grid = ids("img", 36);
    const s = recognitionStrength(lib, grid, grid.slice(0, 5));
    assert.equal(s.guesses, binomial(36, 5));
    assert.equal(s.guesses, 376_992);
    assert.equal(s.score, 1);
    assert.equal(s.bits, 18.5);
    assert.equal(s.theoreticalBits, 18.5);
    assert.equal(s.feedback.warning, null);
  });

  it("discounts images that share one tag when the decoys do not", () => {
    const lib = library();
    const own = ids("cat", 5);
    const grid = [...own, ...ids("img", 31)];
    const s = recognitionStrength(lib, grid, own);
    assert.ok(s.guesses < 100, `${s.guesses} guesses`);
    assert.equal(s.score, 0);
    assert.match(s.feedback.warning ?? "", /share "cat"/);
    assert.equal(s.theoreticalBits, 18.5);
  });

  it("is not discounted as much when decoys share the theme too", () => {
    const lib = library([
      ...["a", "b", "c", "d", "e", "f", "g", "h"].map((w, i) => image(`cat-${6 + i}`, ["cat", `${w}cat`])),
    ]);
    const own = ids("cat", 5);
    const lonely = recognitionStrength(lib, [...own, ...ids("img", 31)], own);
    const hidden = recognitionStrength(lib, [...own, ...ids("cat", 9, 5), ...ids("img", 22)], own);
    assert.ok(hidden.guesses > 50 * lonely.guesses, `${hidden.guesses} vs ${lonely.guesses}`);
  });

  it("singles out uploads: decoys are never uploads", () => {
    const upload = image("up-1", ["holiday photo"], "upload");
    const lib = library([upload]);
    const grid = ["up-1", ...ids("img", 35)];
    const own = ["up-1", "img-0", "img-1", "img-2", "img-3"];
    const s = recognitionStrength(lib, grid, own);
    assert.equal(s.guesses, binomial(35, 4));
    assert.match(s.feedback.warning ?? "", /uploaded images stand out/);
  });

  it("discounts the images other users choose most, once the population has data", () => {
    const lib = library();
    const grid = ids("img", 36);
    const own = grid.slice(0, 5);
    const counts = new Map(own.map((id) => [id, 40]));
    const popular = recognitionStrength(lib, grid, own, { counts, total: 200 });
    assert.ok(popular.guesses <= 1, `${popular.guesses}`);
    assert.equal(popular.score, 0);
    assert.match(popular.feedback.warning ?? "", /other users choose most/);
    const unpopular = recognitionStrength(lib, grid, grid.slice(10, 15), { counts, total: 200 });
    assert.ok(unpopular.guesses > 100_000, `${unpopular.guesses}`);
    const tooFew = recognitionStrength(lib, grid, own, { counts, total: 10 });
    assert.equal(tooFew.guesses, 376_992, "below the minimum population the model is not used");
  });
});

const SPREAD: Gesture[] = [
  { kind: "tap", x: 130, y: 870 },
  { kind: "tap", x: 720, y: 160 },
  { kind: "tap", x: 450, y: 520 },
];

describe("gesture strength", () => {
  it("is the discretized space for unrelated points", () => {
    const s = gestureStrength(SPREAD, 25);
    assert.equal(s.guesses, (3 * 400) ** 3);
    assert.equal(s.score, 3);
    assert.equal(s.theoreticalBits, s.bits);
  });

  it("grows with lines and circles", () => {
    const richer = gestureStrength(
      [
        SPREAD[0]!,
        { kind: "line", x: 10, y: 10, x2: 900, y2: 400 },
        { kind: "circle", x: 600, y: 700, radius: 90 },
      ],
      25,
    );
    assert.equal(richer.guesses, 3 * 400 * (3 * 400 * 400) * (3 * 400 * 10));
    assert.equal(richer.score, 4);
  });

  it("discounts points on the background's hot spots", () => {
    const counts = new Map([
      ["2:17", 30],
      ["14:3", 25],
      ["9:10", 20],
      ["0:0", 1],
    ]);
    const hot = gestureStrength(SPREAD, 25, { counts, total: 76 });
    assert.ok(hot.guesses < 1000, `${hot.guesses}`);
    assert.equal(hot.score, 0);
    assert.match(hot.feedback.warning ?? "", /hot spots/);
    const cold = gestureStrength(
      [
        { kind: "tap", x: 330, y: 70 },
        { kind: "tap", x: 970, y: 640 },
        { kind: "tap", x: 560, y: 930 },
      ],
      25,
      { counts, total: 76 },
    );
    assert.ok(cold.guesses > 1e7, `${cold.guesses}`);
  });

  it("discounts points that repeat earlier ones, and says so", () => {
    const repeated: Gesture[] = [
      SPREAD[0]!,
      { kind: "tap", x: 140, y: 860 },
      { kind: "tap", x: 125, y: 875 },
    ];
    const s = gestureStrength(repeated, 25);
    assert.ok(s.guesses < 100_000, `${s.guesses}`);
    assert.match(s.feedback.warning ?? "", /same place/);
    assert.ok(s.feedback.suggestions.some((x) => /lines and circles/.test(x)));
  });
});
