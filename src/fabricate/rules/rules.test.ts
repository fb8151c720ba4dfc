import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Prng } from "../engine/prng.ts";
import { parseDate } from "../table-spec.ts";
import { ageInYears, compileConstraint, compileExpr, yearOfDays } from "./compile-expression.ts";
import { ExpressionError, parseExpression } from "./expression.ts";
import { compileRegex, RegexError } from "./regex-generator.ts";

const columns = { a: 0, b: 1, d: 2, s: 3 } as Record<string, number>;
const types = ["integer", "integer", "date", "categorical"] as const;
const resolve = (name: string) => {
  const index = columns[name];
  if (index === undefined) throw new ExpressionError(`no column ${name}`, 0);
  return { index, type: types[index]! };
};

describe("expressions", () => {
  test("arithmetic, comparison, three-valued logic, functions", () => {
    const ev = (text: string, v: (string | number | boolean | null)[]) =>
      compileExpr(parseExpression(text), resolve).fn(v);
    assert.equal(ev("a + 2 * b - 1", [3, 4, 0, "F"]), 10);
    assert.equal(ev("a >= b and s = 'F'", [5, 4, 0, "F"]), true);
    assert.equal(ev("a > b or s in ('M', 'X')", [1, 4, 0, "F"]), false);
    assert.equal(ev("s not in ('M')", [1, 4, 0, "F"]), true);
    assert.equal(ev("a > b", [null, 4, 0, "F"]), null, "a comparison with null is unknown");
    assert.equal(ev("a > b and false", [null, 4, 0, "F"]), false);
    assert.equal(ev("if(a > 2, 'big', 'small')", [3, 0, 0, "F"]), "big");
    assert.equal(
      ev("d >= '2015-01-01'", [0, 0, parseDate("2015-01-02")!, "F"]),
      true,
      "a text compared with a date is a date",
    );
    assert.equal(ev("year(d)", [0, 0, parseDate("2016-02-29")!, "F"]), 2016);
    assert.equal(ev("min(a, b, 7)", [3, 9, 0, "F"]), 3);
  });

  test("age and year agree with the calendar", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -40000, max: 40000 }),
        fc.integer({ min: 0, max: 40000 }),
        (birth, span) => {
          const b = new Date(birth * 86400000);
          const o = new Date((birth + span) * 86400000);
          let age = o.getUTCFullYear() - b.getUTCFullYear();
          if (
            o.getUTCMonth() < b.getUTCMonth() ||
            (o.getUTCMonth() === b.getUTCMonth() && o.getUTCDate() < b.getUTCDate())
          )
            age--;
          assert.equal(yearOfDays(birth), b.getUTCFullYear());
          assert.equal(ageInYears(birth, birth + span), age);
        },
      ),
    );
  });

  test("a constraint's linear form, its computed column, and syntax errors with their offset", () => {
    const c = compileConstraint(parseExpression("a = d - b + 3"), resolve, 4);
    assert.deepEqual(c.compare?.linear, { vars: [0, 1, 2], coefs: [1, 1, -1], constant: -3 });
    assert.equal(c.defines[0]?.target, 0);
    assert.equal(c.sides?.affine.has(1), true);
    const product = compileConstraint(parseExpression("d <= a * b"), resolve, 4);
    assert.equal(product.compare, null, "a product of two columns is not linear");
    assert.deepEqual(
      [...product.sides!.affine].sort(),
      [0, 1, 2],
      "but affine in each once the other is fixed",
    );
    assert.throws(
      () => parseExpression("a = = 1"),
      (e: ExpressionError) => e.offset === 4,
    );
    assert.throws(() => parseExpression("frob(a)"), /no function frob/);
    assert.throws(() => compileConstraint(parseExpression("a + 1"), resolve, 4), /must be true or false/);
  });
});

describe("regular expressions as generators", () => {
  test("every generated text matches its pattern", () => {
    const patterns = [
      "[A-Z]{2}\\d{1,2} \\d[A-Z]{2}",
      "(foo|ba[rz])+-\\w{3}",
      "C50\\.[0-9]?x*",
      "[^,\\s]{4}",
      "a(b(c|d)?)*e",
    ];
    fc.assert(
      fc.property(fc.constantFrom(...patterns), fc.integer({ min: 0, max: 2 ** 31 }), (pattern, seed) => {
        const text = compileRegex(pattern)(new Prng(seed));
        assert.match(text, new RegExp(`^(?:${pattern})$`));
      }),
    );
  });

  test("what cannot be generated is an error naming the offset", () => {
    assert.throws(
      () => compileRegex("a(?=b)"),
      (e: RegexError) => e instanceof RegexError && /look-around/.test(e.message),
    );
    assert.throws(() => compileRegex("[abc"), /not closed/);
    assert.throws(() => compileRegex("\\1"), /not supported/);
  });
});
