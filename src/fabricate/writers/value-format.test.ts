import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatDate, formatDateTime } from "../table-spec.ts";
import { dateText, dateTimeText, decimalFormatter, plainFormatter } from "./value-format.ts";

test("dateText agrees with Date for every day from year 0 to 9999 (sampled) and is cached", () => {
  fc.assert(
    fc.property(fc.integer({ min: -719_528, max: 2_932_896 }), (days) => {
      assert.equal(dateText(days), formatDate(days));
    }),
    { numRuns: 5000 },
  );
  assert.equal(dateText(16495), "2015-03-01");
  assert.equal(dateText(-7140), "1950-06-15");
  assert.equal(dateText(11016), "2000-02-29");
  assert.equal(dateText(-719_528), "0000-01-01");
  assert.equal(dateText(2_932_896), "9999-12-31");
});

test("dateTimeText agrees with Date, including negative seconds", () => {
  fc.assert(
    fc.property(fc.integer({ min: -62_167_219_200, max: 253_402_300_799 }), (seconds) => {
      assert.equal(dateTimeText(seconds), formatDateTime(seconds));
    }),
    { numRuns: 5000 },
  );
  assert.equal(dateTimeText(-1), "1969-12-31T23:59:59Z");
  assert.equal(dateTimeText(1456790399), "2016-02-29T23:59:59Z");
});

test("dates and date-times that are not whole numbers are BAD_ROW errors naming the column", () => {
  for (const bad of [1.5, Number.NaN, "2015-03-01" as unknown as number, 1e12]) {
    assert.throws(
      () => dateText(bad, "birth_date"),
      (e: Error & { code?: string }) => e.code === "BAD_ROW" && /birth_date/.test(e.message),
    );
  }
  assert.throws(
    () => dateTimeText(0.5, "registered"),
    (e: Error & { code?: string }) => e.code === "BAD_ROW" && /registered/.test(e.message),
  );
});

test("decimals print their scale's digits, round, and never print -0", () => {
  const two = decimalFormatter({ name: "w", type: "decimal", nullable: false, precision: 5, scale: 2 });
  assert.equal(two(61.5), "61.50");
  assert.equal(two(3), "3.00");
  assert.equal(two(-1.239), "-1.24");
  assert.equal(two(-0.004), "0.00");
  assert.equal(two(-0), "0.00");
  const none = decimalFormatter({ name: "w", type: "decimal", nullable: false, precision: 5, scale: 0 });
  assert.equal(none(2.5), "3");
  const free = decimalFormatter({ name: "w", type: "decimal", nullable: false });
  assert.equal(free(0.1), "0.1");
  assert.equal(free(1e21), "1000000000000000000000");
  assert.doesNotMatch(free(1e-7), /e/);
  assert.equal(two(-2e21), "-2000000000000000000000.00");
  assert.throws(() => two(Number.POSITIVE_INFINITY), /column w: .* not a finite decimal/);
  assert.throws(() => two(Number.NaN), /column w: .* not a finite decimal/);
});

test("decimals print exactly what toFixed prints, on and off their scale's steps", () => {
  for (const scale of [1, 2, 3, 6]) {
    const format = decimalFormatter({ name: "w", type: "decimal", nullable: false, precision: 18, scale });
    const unit = 10 ** scale;
    const expected = (x: number) => {
      const text = x.toFixed(scale);
      return text.startsWith("-") && Number(text) === 0 ? text.slice(1) : text;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        (m, x) => {
          const stepped = Math.round(m) / unit; // as the engine makes them
          assert.equal(format(stepped), expected(stepped));
          assert.equal(format(x), expected(x));
        },
      ),
    );
  }
});

test("plain formatting: integers must be safe integers, booleans true or false", () => {
  const integer = plainFormatter({ name: "n", type: "integer", nullable: false });
  assert.equal(integer(-42), "-42");
  assert.throws(() => integer(1.5), /column n: 1.5 is not a safe integer/);
  assert.throws(() => integer("7"), /column n/);
  const flag = plainFormatter({ name: "f", type: "boolean", nullable: false }, "t", "f");
  assert.equal(flag(true), "t");
  assert.equal(flag(false), "f");
  assert.throws(() => flag(1), /column f: 1 is not true or false/);
});

test("the date cache does not let a value of another kind through", () => {
  assert.equal(dateText(100), "1970-04-11");
  assert.throws(() => dateText("100" as unknown as number, "d"), /column d: "100" is not a date/);
  assert.throws(() => dateText(100.5, "d"), /column d: 100.5 is not a date/);
  assert.equal(dateText(-25_567), "1900-01-01");
  assert.equal(dateText(47_846), "2100-12-31");
  assert.equal(dateText(47_847), "2101-01-01");
});
