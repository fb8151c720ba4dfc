import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { categoryCovers, categoryProblem, coveringCategories, isCategory } from "./category.ts";

const HASH = "3f9a0c1e5b7d2a4c6e8f0a1b3c5d7e9f1a2b3c4d5e6f708192a3b4c5d6e7f809";

describe("categoryCovers", () => {
  const cases: [string, string, boolean][] = [
    ["event", "event", true],
    ["event", "event:chemotherapy_cycle", true],
    ["event", `event:chemotherapy_cycle:${HASH}`, true],
    ["event:chemotherapy_cycle", `event:chemotherapy_cycle:${HASH}`, true],
    ["*", "person", true],
    ["*", "*", true],
    ["event", "events", false],
    ["event:chemo", "event:chemotherapy_cycle", false],
    ["event:chemotherapy_cycle", "event", false],
    ["event", "*", false],
    ["person", "event", false],
    ["event:scan", "event:chemotherapy_cycle", false],
  ];
  for (const [rule, requested, covers] of cases) {
    it(`"${rule}" ${covers ? "covers" : "does not cover"} "${requested}"`, () => {
      assert.equal(categoryCovers(rule, requested), covers);
    });
  }
});

describe("coveringCategories", () => {
  it("lists every category that covers one, broadest first", () => {
    assert.deepEqual(coveringCategories(`event:chemotherapy_cycle:${HASH}`), [
      "*",
      "event",
      "event:chemotherapy_cycle",
      `event:chemotherapy_cycle:${HASH}`,
    ]);
    assert.deepEqual(coveringCategories("person"), ["*", "person"]);
    assert.deepEqual(coveringCategories("*"), ["*"]);
  });

  it("agrees with categoryCovers: a rule category covers a request exactly when it is in the list", () => {
    const all = ["*", "event", "events", "event:a", "event:a:b", "event:ab", "person", "person:a"];
    for (const rule of all) {
      for (const requested of all) {
        assert.equal(
          coveringCategories(requested).includes(rule),
          categoryCovers(rule, requested),
          `${rule} / ${requested}`,
        );
      }
    }
  });
});

describe("category syntax", () => {
  it("accepts *, hubs, satellites, event types, hash keys and @ . - _ inside segments", () => {
    for (const good of [
      "*",
      "person",
      "satellite:body_measurements",
      `event:chemotherapy_cycle:${HASH}`,
      "object:medicine:atc@who.2024",
      "location:post-code",
      "a",
    ]) {
      assert.equal(categoryProblem(good), undefined, good);
      assert.ok(isCategory(good));
    }
  });

  it("refuses each kind of bad category with the reason", () => {
    const cases: [string, string][] = [
      ["", "it is empty"],
      ["event:", "it has an empty segment"],
      [":event", "it has an empty segment"],
      ["event::cycle", "it has an empty segment"],
      ["event:*", 'it has "*" in a segment ("*" stands alone, for every category)'],
      ["**", 'it has "*" in a segment ("*" stands alone, for every category)'],
      ["Event", "it has upper case (categories and hash keys are lower-case)"],
      [`event:${HASH.toUpperCase()}`, "it has upper case (categories and hash keys are lower-case)"],
      ["event cycle", 'it has the character " "'],
      ["event/cycle", 'it has the character "/"'],
      ["évent", 'it has the character "é"'],
      [`event:${"x".repeat(251)}`, "it is longer than 256 characters"],
    ];
    for (const [bad, reason] of cases) {
      assert.equal(categoryProblem(bad), reason, bad);
      assert.equal(isCategory(bad), false);
    }
  });

  it("accepts exactly 256 characters", () => {
    assert.equal(categoryProblem(`event:${"x".repeat(250)}`), undefined);
  });
});
