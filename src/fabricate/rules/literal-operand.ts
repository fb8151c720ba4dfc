/**
 * Arithmetic and ordering with a number literal on the right (`cycle_number * 53`, `x < 84`), the
 * most common shape in a project's rules: one closure that reads the left side (a column's value
 * directly, or its closure) and applies the operator to the constant — the same answers as the
 * general closures of compile-expression.ts (null in, null out), one or two calls fewer per use.
 */
import type { CellValue } from "../table-spec.ts";
import type { BinaryOp } from "./expression.ts";

type Evaluator = (v: CellValue[]) => CellValue;

/**
 * The evaluator of `left op k`, or null for an operator it does not cover (and, or, =, !=, and
 * division by 0, whose general closure answers null). `column` is the left side's value-array
 * index when the left side is a column, else -1.
 */
export function literalRight(
  op: BinaryOp,
  left: { fn: Evaluator },
  column: number,
  k: number,
): Evaluator | null {
  const f = left.fn;
  const i = column;
  const direct = column >= 0;
  switch (op) {
    case "+":
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) + k) : (v) => plus(f(v), k);
    case "-":
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) - k) : (v) => minus(f(v), k);
    case "*":
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) * k) : (v) => times(f(v), k);
    case "/":
      if (k === 0) return null;
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) / k) : (v) => divided(f(v), k);
    case "<":
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) < k) : (v) => less(f(v), k);
    case "<=":
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) <= k) : (v) => atMost(f(v), k);
    case ">":
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) > k) : (v) => more(f(v), k);
    case ">=":
      return direct ? (v) => nullOr(v[i]!, (v[i] as number) >= k) : (v) => atLeast(f(v), k);
    default:
      return null;
  }
}

// The result is computed before the null test (on null it is discarded): cheaper than a branch
// around each operation, and every operator here is defined on null without throwing.
const nullOr = (x: CellValue, result: CellValue): CellValue => (x === null ? null : result);
const plus = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) + k);
const minus = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) - k);
const times = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) * k);
const divided = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) / k);
const less = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) < k);
const atMost = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) <= k);
const more = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) > k);
const atLeast = (x: CellValue, k: number): CellValue => (x === null ? null : (x as number) >= k);
