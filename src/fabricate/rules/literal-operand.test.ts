/**
 * The closures for `left op number-literal` (literal-operand.ts) answer exactly as the general
 * ones: `x op 5` against `x op (5 + 0)`, whose right side is not a literal, over every operator it
 * covers, a column or an expression on the left, and nulls, booleans, texts and numbers as values.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { CellValue } from "../table-spec.ts";
import { compileExpr } from "./compile-expression.ts";
import { ExpressionError, parseExpression } from "./expression.ts";

const columns: Record<string, number> = { a: 0, b: 1 };
const resolve = (name: string) => {
  const index = columns[name];
  if (index === undefined) throw new ExpressionError(`no column ${name}`, 0);
  return { index, type: "integer" as const };
};
const evaluator = (text: string) => compileExpr(parseExpression(text), resolve).fn;

const value = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.boolean(),
);

test("x op literal gives what x op (literal + 0) gives, for every operator and left side", () => {
  const ops = ["+", "-", "*", "/", "<", "<=", ">", ">=", "=", "!="];
  const lefts = ["a", "a * b", "(a + 1)"];
  const literals = [0, 5, -3, 2.5];
  for (const op of ops) {
    for (const left of lefts) {
      for (const k of literals) {
        const fast = evaluator(`${left} ${op} ${k}`);
        const general = evaluator(`${left} ${op} (${k} + 0)`);
        fc.assert(
          fc.property(value, value, (a, b) => {
            const v: CellValue[] = [a, b];
            assert.deepEqual(fast(v), general(v), `${left} ${op} ${k} with a=${a}, b=${b}`);
          }),
          { numRuns: 60 },
        );
      }
    }
  }
});

test("a null left side gives null, not the operation on null", () => {
  for (const op of ["+", "-", "*", "/", "<", "<=", ">", ">="]) {
    assert.equal(evaluator(`a ${op} 5`)([null, 1]), null, op);
    assert.equal(evaluator(`(a + b) ${op} 5`)([null, 1]), null, op);
  }
  assert.equal(evaluator("a / 0")([4, 1]), null, "division by zero is unknown");
  assert.equal(evaluator("a * 37 + b * 53")([2, 3]), 233);
});
