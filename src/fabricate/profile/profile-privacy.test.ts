import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatDate } from "../table-spec.ts";
import { profileCatalogue } from "./profile-source.ts";
import { profileSchema } from "./profile-types.ts";
import { memoryCatalogue } from "./test-catalogue.ts";

const COMMON_WORDS = ["alpha", "beta", "gamma", "delta", "epsilon"];

/** A table whose every column mixes common values (seen ≥ k times) with planted rare ones. */
const tableArbitrary = fc
  .record({
    k: fc.integer({ min: 2, max: 12 }),
    rows: fc.integer({ min: 30, max: 160 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    rareCounts: fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 4 }),
    rareLetters: fc.array(fc.stringMatching(/^[a-z]{7}$/), { minLength: 4, maxLength: 4 }),
  })
  .map(({ k, rows, seed, rareCounts, rareLetters }) => {
    let state = seed;
    const next = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    const data: Record<string, string | number | null>[] = [];
    for (let i = 0; i < rows; i++) {
      data.push({
        word: COMMON_WORDS[Math.floor(next() * COMMON_WORDS.length)]!,
        grade: Math.floor(next() * 4),
        score: Math.round(next() * 1000) / 10,
        seen: formatDate(16_000 + Math.floor(next() * 500)),
        note: next() < 0.2 ? null : COMMON_WORDS[Math.floor(next() * 2)]!,
      });
    }
    // Plant rare values: each seen fewer than k times, in random rows.
    // `days`: the date as the profile's numbers spell it, looked for in its own column's profile
    // (elsewhere the same number may be an unrelated grid point of another column).
    const planted: { column: string; texts: string[]; days?: string }[] = [];
    rareCounts.forEach((raw, index) => {
      const times = Math.min(raw, k - 1);
      const token = `Rq${rareLetters[index]}${index}`;
      const score = 987_000 + index * 1.125 + 0.0625;
      const date = formatDate(-25_000 - index * 37);
      const plant = (column: string, value: string | number) => {
        for (let t = 0; t < times; t++) data[Math.floor(next() * data.length)]![column] = value;
      };
      plant("word", token);
      plant("note", `${token}x`);
      plant("score", score);
      plant("seen", date);
      planted.push({ column: "word", texts: [token] });
      planted.push({ column: "note", texts: [`${token}x`] });
      planted.push({ column: "score", texts: [String(score)] });
      planted.push({ column: "seen", texts: [date], days: String(-25_000 - index * 37) });
    });
    return { k, data, planted };
  });

describe("the profile shows no rare value", () => {
  it("never shows a value seen fewer than k times, anywhere in the JSON (property)", async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary, async ({ k, data, planted }) => {
        const catalogue = memoryCatalogue([
          { name: "t", columns: ["word", "grade", "score", "seen", "note"], rows: data },
        ]);
        const profile = await profileCatalogue(catalogue, { k });
        profileSchema.parse(profile);
        const json = JSON.stringify(profile);
        for (const { column, texts, days } of planted) {
          // A planted value may have landed on one row twice and so been overwritten; what counts
          // is how often it is really in the data.
          const seen = data.filter((row) => texts.includes(String(row[column]))).length;
          if (seen === 0 || seen >= k) continue;
          for (const text of texts)
            assert.ok(!json.includes(text), `${text} (seen ${seen} < ${k} times) is in the profile`);
          if (days !== undefined) {
            const own = JSON.stringify(profile.tables[0]!.columns.find((c) => c.name === column));
            assert.ok(
              !own.includes(days),
              `${days} (seen ${seen} < ${k} times) is in the profile of ${column}`,
            );
          }
        }
        // Histogram bins hold at least k values each (a narrow bin would show its values).
        for (const column of profile.tables[0]!.columns) {
          const counts = column.numeric?.histogram.counts ?? [];
          if (counts.length > 1)
            for (const count of counts) assert.ok(count >= k, `${column.name}: a bin of ${count} < ${k}`);
        }
        // And the common values are shown when frequent, so the check above is not vacuous.
        const word = profile.tables[0]!.columns.find((c) => c.name === "word")!;
        for (const entry of word.values!.top) assert.ok(entry.count >= k);
      }),
      { numRuns: 30, seed: 20240601 },
    );
  });

  it("shows frequent values with their counts, and counts the rest without showing them", async () => {
    const rows = [
      ...Array.from({ length: 12 }, () => ({ ward: "W1" })),
      ...Array.from({ length: 10 }, () => ({ ward: "W2" })),
      ...Array.from({ length: 9 }, () => ({ ward: "W3" })),
      { ward: "Secret ward" },
    ];
    const profile = await profileCatalogue(memoryCatalogue([{ name: "t", columns: ["ward"], rows }]), {
      k: 10,
    });
    const ward = profile.tables[0]!.columns[0]!;
    assert.deepEqual(ward.values!.top, [
      { value: "W1", count: 12 },
      { value: "W2", count: 10 },
    ]);
    assert.equal(ward.values!.otherRows, 10);
    assert.equal(ward.type, "categorical");
    assert.ok(!JSON.stringify(profile).includes("W3"));
    assert.ok(!JSON.stringify(profile).includes("Secret"));
    // The shape "A9" is shared by 31 values; the free-text one's shape is rare and withheld.
    assert.deepEqual(ward.patterns.top, [{ pattern: "A9", count: 31 }]);
    assert.equal(ward.patterns.otherRows, 1);
  });

  it("bottom- and top-codes numbers at k: the extremes are counted, never shown", async () => {
    const ages = [3, ...Array.from({ length: 100 }, (_, i) => 20 + (i % 60)), 117];
    const profile = await profileCatalogue(
      memoryCatalogue([{ name: "t", columns: ["age"], rows: ages.map((age) => ({ age })) }]),
      { k: 5 },
    );
    const numeric = profile.tables[0]!.columns[0]!.numeric!;
    assert.ok(numeric.lower > 3 && numeric.upper < 117, `bounds ${numeric.lower}..${numeric.upper}`);
    assert.ok(numeric.belowLower >= 1 && numeric.belowLower < 5, `below ${numeric.belowLower}`);
    assert.ok(numeric.aboveUpper >= 1 && numeric.aboveUpper < 5, `above ${numeric.aboveUpper}`);
    // Winsorised: the 117-year-old does not pull the mean up.
    assert.ok(numeric.mean <= 50, `mean ${numeric.mean}`);
    assert.ok(!JSON.stringify(numeric).includes("117"));
    assert.equal(
      numeric.histogram.counts.reduce((a, b) => a + b, 0) + numeric.belowLower + numeric.aboveUpper,
      102,
      "the histogram holds the values within the bounds",
    );
    // Fewer than 2k values: no numeric summary at all.
    const small = await profileCatalogue(
      memoryCatalogue([{ name: "t", columns: ["age"], rows: [{ age: 40 }, { age: 41 }, { age: 90 }] }]),
      { k: 5 },
    );
    assert.equal(small.tables[0]!.columns[0]!.numeric, undefined);
  });

  it("shows no value at all of identifier-like columns", async () => {
    const chis = ["0101801234", "0202802345", "0303803456"].map((c) => c);
    const rows = Array.from({ length: 60 }, (_, i) => ({
      patient_id: 5000 + (i % 30),
      hospital_no: `H${100000 + i}`,
      chi: chis[i % 3]!,
      sex: i % 2 === 0 ? "F" : "M",
    }));
    const profile = await profileCatalogue(
      memoryCatalogue([{ name: "t", columns: ["patient_id", "hospital_no", "chi", "sex"], rows }]),
      { k: 10 },
    );
    const json = JSON.stringify(profile);
    const byName = new Map(profile.tables[0]!.columns.map((c) => [c.name, c]));
    for (const name of ["patient_id", "hospital_no"]) {
      const column = byName.get(name)!;
      assert.equal(column.identifier, true, name);
      assert.equal(column.values, undefined);
      assert.equal(column.numeric, undefined);
    }
    assert.ok(!json.includes("5000") && !json.includes("H100000"));
    assert.match(byName.get("patient_id")!.identifierReasons.join(), /key-like name/);
    assert.equal(byName.get("sex")!.identifier, false);
    assert.equal(byName.get("sex")!.values!.top.length, 2);
    // No identifier takes part in a relation or a pair.
    for (const relation of profile.tables[0]!.relations)
      assert.ok(!JSON.stringify(relation).includes("patient_id"), JSON.stringify(relation));
    for (const pair of profile.tables[0]!.pairs)
      assert.ok(pair.a !== "patient_id" && pair.b !== "patient_id");
  });

  it("refuses a k below 1", async () => {
    await assert.rejects(
      profileCatalogue(memoryCatalogue([{ name: "t", columns: ["a"], rows: [{ a: 1 }] }]), { k: 0 }),
      /k must be a whole number of at least 1/,
    );
  });
});
