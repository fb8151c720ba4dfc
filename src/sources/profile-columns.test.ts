import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type ColumnProfile, type PatternName, profileColumns } from "./profile-columns.ts";
import type { SourceRow, SourceValue } from "./types.ts";
import {
  isChiNumber,
  isNhsNumber,
  isUkPostcode,
  isUkPostcodeDistrict,
  passesModulus11,
} from "./value-patterns.ts";

function rowsOf(column: string, values: SourceValue[]): SourceRow[] {
  return values.map((value, index) => ({ line: index + 2, values: { [column]: value } }));
}

async function profileOf(values: SourceValue[], column = "c"): Promise<ColumnProfile> {
  const [profile] = await profileColumns(rowsOf(column, values), [column]);
  return profile!;
}

function rate(profile: ColumnProfile, pattern: PatternName, format?: string): number {
  const match = profile.patterns.find(
    (p) => p.pattern === pattern && (format === undefined || p.format === format),
  );
  return match?.rate ?? 0;
}

/** A valid CHI for a birth date and serial (the serial is bumped until a check digit exists). */
function chi(day: number, month: number, year: number, serial: number): string {
  for (let s = serial; ; s++) {
    const first9 = `${String(day).padStart(2, "0")}${String(month).padStart(2, "0")}${String(year % 100).padStart(2, "0")}${String(s % 1000).padStart(3, "0")}`;
    for (let check = 0; check <= 9; check++) {
      if (passesModulus11(`${first9}${check}`)) return `${first9}${check}`;
    }
  }
}

describe("value patterns", () => {
  test("CHI numbers: a DDMMYY date of birth and the modulus-11 check digit", () => {
    const valid = chi(1, 1, 1970, 23);
    assert.ok(isChiNumber(valid));
    assert.ok(valid.startsWith("0"));
    assert.ok(isChiNumber(valid.slice(1)), "nine digits: a CHI stored as a number lost its leading zero");
    const wrongCheck = `${valid.slice(0, 9)}${(Number(valid[9]) + 1) % 10}`;
    assert.equal(isChiNumber(wrongCheck), false);
    assert.equal(isChiNumber("3202701234"), false, "day 32");
    assert.equal(isChiNumber(`12345678901`), false, "eleven digits");
  });

  test("NHS numbers, grouped or not; postcodes full and partial, only in real postcode areas", () => {
    assert.ok(isNhsNumber("9434765919"));
    assert.ok(isNhsNumber("943 476 5919"));
    assert.equal(isNhsNumber("9434765918"), false);
    assert.ok(isUkPostcode("EH4 2XU"));
    assert.ok(isUkPostcode("sw1a1aa"));
    assert.equal(isUkPostcode("EH4 2XC"), false, "C is not used in the inward code");
    assert.ok(isUkPostcodeDistrict("EH4"));
    assert.ok(isUkPostcodeDistrict("EH4 2"));
    assert.equal(isUkPostcodeDistrict("C50"), false, "C is no postcode area: an ICD-10 code");
    assert.equal(isUkPostcodeDistrict("I21"), false);
  });
});

describe("profileColumns: types", () => {
  test("integers, decimals and booleans; 0/1 stays integer with the boolean-like pattern", async () => {
    const integers = await profileOf([1, "2", " 3 ", "4.0", null, ""]);
    assert.equal(integers.type, "integer");
    assert.equal(integers.count, 6);
    assert.equal(integers.nulls, 1);
    assert.equal(integers.empties, 1);
    assert.equal(integers.missingRate, 2 / 6);
    assert.equal(integers.nonEmpty, 4);
    assert.equal(integers.min, 1);
    assert.equal(integers.max, 4);
    assert.equal(integers.mean, 2.5);
    assert.ok(Math.abs(integers.stddev! - Math.sqrt(5 / 3)) < 1e-12);

    const decimals = await profileOf(["1.5", 2, "-0.25"]);
    assert.equal(decimals.type, "decimal");
    assert.equal(decimals.min, -0.25);

    assert.equal((await profileOf(["1,5", "2"])).type, "string", "a decimal comma is not a decimal");
    assert.equal((await profileOf(["Y", "N", "y", "n"])).type, "boolean");
    assert.equal((await profileOf([true, false, true])).type, "boolean");
    assert.equal((await profileOf(["N", "N", "N"])).type, "string", "a single word may be a code list");

    const flags = await profileOf([0, 1, "1", "0"]);
    assert.equal(flags.type, "integer");
    assert.equal(rate(flags, "boolean_like"), 1);
  });

  test("digit strings with a leading zero are strings (an integer would lose the zero)", async () => {
    const profile = await profileOf(["0123", "4567"]);
    assert.equal(profile.type, "string");
    assert.equal(profile.typeRates.integer, 1);
    assert.equal(profile.min, undefined);
  });

  test("dates and datetimes with their format in the mapping's token syntax", async () => {
    const dmy = await profileOf(["05/03/2014", "31/12/2015", "29/02/2016"]);
    assert.equal(dmy.type, "date");
    assert.equal(dmy.format, "DD/MM/YYYY");
    assert.equal(dmy.min, "2014-03-05");
    assert.equal(dmy.max, "2016-02-29");

    const iso = await profileOf(["2014-03-05", "2015-01-01"]);
    assert.equal(iso.type, "date");
    assert.equal(iso.format, "YYYY-MM-DD");

    const dmyTime = await profileOf(["05/03/2014 09:30", "06/03/2014 14:05"]);
    assert.equal(dmyTime.type, "datetime");
    assert.equal(dmyTime.format, "DD/MM/YYYY HH:mm");
    assert.equal(dmyTime.min, "2014-03-05T09:30:00");

    const zoned = await profileOf([
      "2014-03-05T09:30:00Z",
      "2014-03-05T10:30:00+01:00",
      "2014-03-06T08:00:00.123Z",
    ]);
    assert.equal(zoned.type, "datetime");
    assert.equal(zoned.format, "ISO-8601");
    assert.equal(zoned.min, "2014-03-05T09:30:00.000Z", "both first values are the same instant");

    const compact = await profileOf([20140305, "20151231"]);
    assert.equal(compact.type, "date");
    assert.equal(compact.format, "YYYYMMDD");
    assert.equal(compact.min, "2014-03-05");

    const us = await profileOf(["03/25/2014", "12/31/2015"]);
    assert.equal(us.format, "MM/DD/YYYY", "day 25 and 31 in second place: month first");
    const ambiguous = await profileOf(["03/04/2014", "05/06/2015"]);
    assert.equal(ambiguous.format, "DD/MM/YYYY", "when both read, the UK order is preferred");
  });

  test("not dates: impossible days, mixed formats, eight-digit numbers that are not dates", async () => {
    const impossible = await profileOf(["31/02/2014", "05/03/2014"]);
    assert.equal(impossible.type, "string");
    assert.equal(rate(impossible, "date", "DD/MM/YYYY"), 0.5);

    const mixed = await profileOf(["2014-03-05", "06/03/2014", "2014-03-07", "08/03/2014"]);
    assert.equal(mixed.type, "string", "no single format reads every value");
    assert.equal(mixed.format, undefined);
    assert.equal(mixed.min, undefined, "no range for a column that is not a date");
    assert.equal(rate(mixed, "date", "YYYY-MM-DD"), 0.5);
    assert.equal(rate(mixed, "date", "DD/MM/YYYY"), 0.5);
    assert.equal(mixed.typeRates.date, 0.5);

    const numbers = await profileOf([12345678, 87654321]);
    assert.equal(numbers.type, "integer");
  });

  test("an empty column", async () => {
    const profile = await profileOf([null, "", "  "]);
    assert.equal(profile.type, "empty");
    assert.equal(profile.missingRate, 1);
    assert.equal(profile.uniqueness, 0);
    assert.equal(profile.maxLength, undefined);
  });
});

describe("profileColumns: patterns", () => {
  test("CHI numbers, as text and as numbers that lost the leading zero; identifier ranges withheld", async () => {
    const chis = [chi(1, 2, 1960, 11), chi(15, 7, 1971, 40), chi(3, 11, 1985, 7), chi(28, 2, 1950, 99)];
    const text = await profileOf(chis);
    assert.equal(rate(text, "chi"), 1);
    assert.equal(text.type, "string", "a leading zero: kept as text");
    assert.ok(text.identifierLike);

    const numbers = await profileOf(chis.map(Number));
    assert.equal(numbers.type, "integer");
    assert.equal(rate(numbers, "chi"), 1, "nine digits are a CHI that lost its zero");
    assert.equal(numbers.minLength, 9);
    assert.ok(numbers.identifierLike);
    assert.equal(numbers.min, undefined, "the range of identifiers is not shown");
    assert.equal(numbers.mean, undefined);
  });

  test("ten-digit numbers failing the CHI check are not CHI numbers", async () => {
    const failing = [chi(1, 2, 1960, 11), chi(15, 7, 1971, 40), chi(3, 11, 1985, 7)].map(
      (valid) => `${valid.slice(0, 9)}${(Number(valid[9]) + 1) % 10}`,
    );
    failing.push("9999999999", "3213121234");
    const profile = await profileOf(failing);
    assert.equal(rate(profile, "chi"), 0);
  });

  test("NHS numbers, ICD-10, OPCS-4, ICD-O-3, postcodes, grades", async () => {
    assert.equal(rate(await profileOf(["943 476 5919", "9434765919"]), "nhs_number"), 1);

    const icd = await profileOf(["C50.9", "C509", "I21", "E11.9", "bad"]);
    assert.equal(rate(icd, "icd10"), 0.8);
    assert.equal(rate(icd, "opcs4"), 0.6, "I21 is no OPCS-4 code (no chapter I); the others read as both");

    const opcs = await profileOf(["B27.4", "Z15.4", "T85.2", "B284"]);
    assert.equal(rate(opcs, "opcs4"), 1);

    assert.equal(rate(await profileOf(["8500/3", "M8520/3", "8010/2"]), "icdo3_morphology"), 1);

    const postcodes = await profileOf(["EH4 2XU", "G12 8QQ", "EH4", "EH10 5"]);
    assert.equal(rate(postcodes, "uk_postcode"), 0.5);
    assert.equal(rate(postcodes, "uk_postcode_district"), 0.5);

    const grades = await profileOf([0, 1, 2, 3, 4, 5]);
    assert.ok(Math.abs(rate(grades, "grade_0_4") - 5 / 6) < 1e-12);
  });
});

describe("profileColumns: counting", () => {
  test("distinct counts: exact up to the bound, then a close estimate", async () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `value-${i % 15_000}`);
    const [exact] = await profileColumns(rowsOf("c", values), ["c"], { distinctExactLimit: 20_000 });
    assert.equal(exact!.distinct, 15_000);
    assert.ok(exact!.distinctExact);
    assert.equal(exact!.uniqueness, 0.75);

    const [estimated] = await profileColumns(rowsOf("c", values), ["c"], { distinctExactLimit: 1000 });
    assert.equal(estimated!.distinctExact, false);
    assert.ok(Math.abs(estimated!.distinct - 15_000) / 15_000 < 0.05, `estimate ${estimated!.distinct}`);
  });

  test("sampleLimit stops reading, from an async source", async () => {
    let read = 0;
    async function* rows(): AsyncGenerator<SourceRow> {
      for (let i = 1; ; i++) {
        read++;
        if (i > 10) throw new Error("read past the sample limit");
        yield { line: i, values: { a: i } };
      }
    }
    const [profile] = await profileColumns(rows(), ["a", "missing"], { sampleLimit: 10 });
    assert.equal(profile!.count, 10);
    assert.equal(profile!.max, 10);
    assert.equal(read, 10);
  });

  test("a column absent from the rows counts as nulls", async () => {
    const [, missing] = await profileColumns(rowsOf("a", [1, 2]), ["a", "b"]);
    assert.equal(missing!.nulls, 2);
    assert.equal(missing!.type, "empty");
  });
});

describe("profileColumns: no values leak", () => {
  const AREAS = ["EH", "G", "AB", "KY", "DD", "SW"];
  const text = fc.string({ minLength: 12, maxLength: 30 }).filter((s) => s.trim().length >= 12);
  const postcode = fc
    .tuple(fc.constantFrom(...AREAS), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 9 }))
    .chain(([area, district, sector]) =>
      fc.stringMatching(/^[ABDEFGHJLNPQRSTUWXYZ]{2}$/).map((unit) => `${area}${district} ${sector}${unit}`),
    );
  const chiValue = fc
    .tuple(
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1930, max: 2010 }),
    )
    .chain(([d, m, y]) => fc.integer({ min: 0, max: 999 }).map((serial) => chi(d, m, y, serial)));
  const icd = fc
    .tuple(
      fc.constantFrom("C", "D", "I", "E", "J"),
      fc.integer({ min: 10, max: 99 }),
      fc.integer({ min: 0, max: 9 }),
    )
    .map(([letter, n, sub]) => `${letter}${n}.${sub}`);
  const date = fc
    .date({
      min: new Date("1990-01-01T00:00:00Z"),
      max: new Date("2020-12-31T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10).split("-").reverse().join("/"));
  const bigNumber = fc.double({ min: 100_000, max: 1e9, noNaN: true, noDefaultInfinity: true });
  const kinds = { text, postcode, chi: chiValue, icd, date, number: bigNumber };
  const kindNames = Object.keys(kinds) as (keyof typeof kinds)[];
  const column = fc.constantFrom(...kindNames, "mixed" as const).chain((kind) => {
    const value: fc.Arbitrary<SourceValue> =
      kind === "mixed"
        ? fc.oneof(...kindNames.map((k) => kinds[k] as fc.Arbitrary<SourceValue>))
        : kinds[kind];
    return fc.array(fc.option(value, { freq: 6 }), { minLength: 1, maxLength: 30 });
  });

  /** Every leaf of the profile, except the range and moments of numeric and date columns. */
  function leaves(profile: ColumnProfile): unknown[] {
    const out: unknown[] = [];
    const ranged = ["integer", "decimal", "date", "datetime"].includes(profile.type);
    const walk = (node: unknown, key: string | undefined, depth: number) => {
      if (depth === 0 && ranged && ["min", "max", "mean", "stddev"].includes(key ?? "")) return;
      if (node !== null && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) walk(v, k, depth + (Array.isArray(node) ? 1 : 0));
      } else out.push(node);
    };
    for (const [k, v] of Object.entries(profile)) walk(v, k, 0);
    return out;
  }

  test("random values never appear in the profile, except as the range of numeric or date columns", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(column, { minLength: 1, maxLength: 4 }), async (columns) => {
        const names = columns.map((_, i) => `col_${i}`);
        const length = Math.max(...columns.map((c) => c.length));
        const rows: SourceRow[] = Array.from({ length }, (_, r) => ({
          line: r + 2,
          values: Object.fromEntries(columns.map((c, i) => [names[i], c[r] ?? null])),
        }));
        const profiles = await profileColumns(rows, names);
        const json = JSON.stringify(profiles.map((p) => Object.fromEntries(leaves(p).map((l, i) => [i, l]))));
        for (const [i, values] of columns.entries()) {
          const found = leaves(profiles[i]!);
          for (const value of values) {
            if (value === null) continue;
            const textValue = String(value).trim();
            if (typeof value === "number") {
              assert.ok(!found.includes(value), `number ${value} leaked in ${names[i]}`);
            } else {
              assert.ok(
                !json.includes(JSON.stringify(textValue).slice(1, -1)),
                `value ${JSON.stringify(textValue)} leaked`,
              );
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
