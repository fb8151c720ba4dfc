/**
 * Compiles an expression tree into a closure over the solver's value array (own columns first,
 * then the parent columns the table's rules use), once per project: no parsing per row. Also
 * extracts what the solver reasons with: the variables an expression reads, its linear form
 * (Σ coef·x + constant) when it has one, and for a constraint its comparison as
 * `linear op 0`, so that bounds can be propagated through it.
 *
 * Values: numbers (dates in days, date-times in seconds), texts, booleans and null. Arithmetic or
 * a comparison with null gives null; `and`/`or` follow three-valued logic. A text literal compared
 * with (or added to) a date or date-time is read as one: `admission_date >= '2014-01-01'`.
 */
import type { CellValue, ColumnType } from "../table-spec.ts";
import { civilFromDays, parseDate, parseDateTime } from "../table-spec.ts";
import { type BinaryOp, type Expr, ExpressionError } from "./expression.ts";
import { literalRight } from "./literal-operand.ts";

export interface VarInfo {
  index: number;
  type: ColumnType;
}

/** Resolves `name` (or `table.name`) to a variable; throws ExpressionError when there is none. */
export type ResolveVar = (name: string, table: string | undefined, at: number) => VarInfo;

export type Evaluator = (v: CellValue[]) => CellValue;
type StaticType = "num" | "str" | "bool" | "null";

export interface Linear {
  vars: number[];
  coefs: number[];
  constant: number;
}

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

export interface Compiled {
  fn: Evaluator;
  /** The variables read, ascending. */
  vars: number[];
  type: StaticType;
  /** For a date/date-time typed expression, which. */
  temporal?: "date" | "datetime";
  linear: Linear | null;
}

export interface CompiledConstraint extends Compiled {
  /** `linear op 0`, when the constraint is a comparison of two linear sides. */
  compare: { linear: Linear; op: CompareOp } | null;
  /** `column = expression` (or the mirror): the column and the expression that computes it. */
  defines: { target: number; expr: Compiled }[];
  /**
   * For a comparison: its two sides, and the variables in which `left - right` is affine once the
   * others are fixed (`x * y` is affine in x when y is fixed), so that the solver can bound the
   * last of them by evaluating the sides at two points.
   */
  sides: { left: Compiled; right: Compiled; op: CompareOp; affine: Set<number> } | null;
}

/** The variables an expression reads, and those in which it is affine (the others fixed). */
function affinity(e: Expr, resolve: ResolveVar): { reads: Set<number>; affine: Set<number> } {
  const none = { reads: new Set<number>(), affine: new Set<number>() };
  switch (e.k) {
    case "col": {
      const i = resolve(e.name, e.table, e.at).index;
      return { reads: new Set([i]), affine: new Set([i]) };
    }
    case "num":
      return none;
    case "neg":
      return affinity(e.a, resolve);
    case "bin": {
      const a = affinity(e.a, resolve);
      const b = affinity(e.b, resolve);
      const reads = new Set([...a.reads, ...b.reads]);
      const affine = new Set<number>();
      for (const v of reads) {
        const inA = a.reads.has(v);
        const inB = b.reads.has(v);
        if (e.op === "+" || e.op === "-") {
          if ((!inA || a.affine.has(v)) && (!inB || b.affine.has(v))) affine.add(v);
        } else if (e.op === "*") {
          if ((a.affine.has(v) && !inB) || (b.affine.has(v) && !inA)) affine.add(v);
        } else if (e.op === "/") {
          if (a.affine.has(v) && !inB) affine.add(v);
        }
      }
      return { reads, affine };
    }
    default: {
      const reads = new Set(compileExpr(e, resolve).vars);
      return { reads, affine: new Set() };
    }
  }
}

/** The civil year of a day count. */
export function yearOfDays(days: number): number {
  return civilFromDays(days).year;
}

/** Month (1–12) and day of a day count. */
export function monthDayOfDays(days: number): { month: number; day: number } {
  return civilFromDays(days);
}

/** Whole years from `birth` to `on` (both in days): age on a date. */
export function ageInYears(birth: number, on: number): number {
  const b = civilFromDays(birth);
  const o = civilFromDays(on);
  return o.year - b.year - (o.month < b.month || (o.month === b.month && o.day < b.day) ? 1 : 0);
}

function equal(a: CellValue, b: CellValue): boolean {
  if (typeof a === "number" && typeof b === "number") {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

function unionVars(...lists: number[][]): number[] {
  return [...new Set(lists.flat())].sort((x, y) => x - y);
}

function addLinear(a: Linear, b: Linear, scale: number): Linear {
  const map = new Map<number, number>();
  a.vars.forEach((v, i) => {
    map.set(v, a.coefs[i]!);
  });
  b.vars.forEach((v, i) => {
    map.set(v, (map.get(v) ?? 0) + scale * b.coefs[i]!);
  });
  const vars = [...map.keys()].filter((v) => map.get(v) !== 0).sort((x, y) => x - y);
  return { vars, coefs: vars.map((v) => map.get(v)!), constant: a.constant + scale * b.constant };
}

function scaleLinear(a: Linear, k: number): Linear {
  return { vars: a.vars, coefs: a.coefs.map((c) => c * k), constant: a.constant * k };
}

const constant = (v: CellValue, type: StaticType): Compiled => ({
  fn: () => v,
  vars: [],
  type,
  linear: typeof v === "number" ? { vars: [], coefs: [], constant: v } : null,
});

/** A text literal read as the temporal type of the other side, else itself. */
function coerce(e: Expr, other: Compiled | undefined): Expr {
  if (e.k !== "str" || other?.temporal === undefined) return e;
  const v = other.temporal === "date" ? parseDate(e.v) : parseDateTime(e.v);
  if (v === undefined) {
    throw new ExpressionError(
      `${JSON.stringify(e.v)} is not a ${other.temporal === "date" ? "date (YYYY-MM-DD)" : "date-time (ISO-8601)"}`,
      0,
    );
  }
  return { k: "num", v };
}

export function compileExpr(e: Expr, resolve: ResolveVar): Compiled {
  switch (e.k) {
    case "num":
      return constant(e.v, "num");
    case "str":
      return constant(e.v, "str");
    case "bool":
      return constant(e.v, "bool");
    case "null":
      return constant(null, "null");
    case "col": {
      const info = resolve(e.name, e.table, e.at);
      const i = info.index;
      const t = info.type;
      const type: StaticType =
        t === "boolean" ? "bool" : t === "string" || t === "categorical" ? "str" : "num";
      return {
        fn: (v) => v[i]!,
        vars: [i],
        type,
        ...(t === "date" || t === "datetime" ? { temporal: t } : {}),
        linear: type === "num" ? { vars: [i], coefs: [1], constant: 0 } : null,
      };
    }
    case "neg": {
      const a = compileExpr(e.a, resolve);
      const f = a.fn;
      return {
        fn: (v) => {
          const x = f(v);
          return typeof x === "number" ? -x : null;
        },
        vars: a.vars,
        type: "num",
        linear: a.linear && scaleLinear(a.linear, -1),
      };
    }
    case "not": {
      const a = compileExpr(e.a, resolve);
      const f = a.fn;
      return { fn: (v) => (f(v) === null ? null : !f(v)), vars: a.vars, type: "bool", linear: null };
    }
    case "in": {
      const a = compileExpr(e.a, resolve);
      const list = e.list.map((x) => compileExpr(coerce(x, a), resolve));
      const f = a.fn;
      const fns = list.map((x) => x.fn);
      const negated = e.negated;
      const vars = unionVars(a.vars, ...list.map((x) => x.vars));
      if (list.every((x) => x.vars.length === 0 && x.type === "str")) {
        // A list of text literals: one Set lookup (texts compare exactly, as equal() does them).
        const texts = new Set(fns.map((g) => g([])));
        return {
          fn: (v) => {
            const x = f(v);
            if (x === null) return null;
            return typeof x === "string" && texts.has(x) ? !negated : negated;
          },
          vars,
          type: "bool",
          linear: null,
        };
      }
      return {
        fn: (v) => {
          const x = f(v);
          if (x === null) return null;
          for (const g of fns) if (equal(x, g(v))) return !negated;
          return negated;
        },
        vars,
        type: "bool",
        linear: null,
      };
    }
    case "call":
      return compileCall(e, resolve);
    case "bin":
      return compileBinary(e.op, e.a, e.b, resolve);
  }
}

function compileBinary(op: BinaryOp, ea: Expr, eb: Expr, resolve: ResolveVar): Compiled {
  // Compile the side that is not a text literal first, so that the literal can take its type.
  let a: Compiled;
  let b: Compiled;
  let right = eb;
  if (ea.k === "str") {
    b = compileExpr(eb, resolve);
    a = compileExpr(coerce(ea, b), resolve);
  } else {
    a = compileExpr(ea, resolve);
    right = coerce(eb, a);
    b = compileExpr(right, resolve);
  }
  const fa = a.fn;
  const fb = b.fn;
  const vars = unionVars(a.vars, b.vars);
  // `x op 37`: the same answer without calling the literal's closure (nor a column's).
  const fast = right.k === "num" ? literalRight(op, a, ea.k === "col" ? a.vars[0]! : -1, right.v) : null;
  const bool = (fn: Evaluator): Compiled => ({ fn: fast ?? fn, vars, type: "bool", linear: null });
  const num = (fn: Evaluator, linear: Linear | null, temporal?: "date" | "datetime"): Compiled => ({
    fn: fast ?? fn,
    vars,
    type: "num",
    linear,
    ...(temporal ? { temporal } : {}),
  });
  const numeric = (what: string) => {
    for (const side of [a, b]) {
      // true and false count as 1 and 0 (flags in a weighted sum); texts are an error.
      if (side.type === "str") throw new ExpressionError(`${what} needs numbers or dates, not text`, 0);
    }
  };
  switch (op) {
    case "and":
      return bool((v) => {
        const x = fa(v);
        if (x === false) return false;
        const y = fb(v);
        if (y === false) return false;
        return x === null || y === null ? null : true;
      });
    case "or":
      return bool((v) => {
        const x = fa(v);
        if (x === true) return true;
        const y = fb(v);
        if (y === true) return true;
        return x === null || y === null ? null : false;
      });
    case "=":
      return bool((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null ? null : equal(x, y);
      });
    case "!=":
      return bool((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null ? null : !equal(x, y);
      });
    case "<":
      return bool((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null ? null : (x as number) < (y as number);
      });
    case "<=":
      return bool((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null ? null : (x as number) <= (y as number);
      });
    case ">":
      return bool((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null ? null : (x as number) > (y as number);
      });
    case ">=":
      return bool((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null ? null : (x as number) >= (y as number);
      });
    case "+": {
      numeric("+");
      const linear = a.linear && b.linear ? addLinear(a.linear, b.linear, 1) : null;
      return num(
        (v) => {
          const x = fa(v);
          const y = fb(v);
          return x === null || y === null ? null : (x as number) + (y as number);
        },
        linear,
        a.temporal ?? b.temporal,
      );
    }
    case "-": {
      numeric("-");
      const linear = a.linear && b.linear ? addLinear(a.linear, b.linear, -1) : null;
      // date - date is a number of days; date - number is a date.
      const temporal = a.temporal && !b.temporal ? a.temporal : undefined;
      return num(
        (v) => {
          const x = fa(v);
          const y = fb(v);
          return x === null || y === null ? null : (x as number) - (y as number);
        },
        linear,
        temporal,
      );
    }
    case "*": {
      numeric("*");
      let linear: Linear | null = null;
      if (a.linear && b.linear && a.linear.vars.length === 0)
        linear = scaleLinear(b.linear, a.linear.constant);
      else if (a.linear && b.linear && b.linear.vars.length === 0)
        linear = scaleLinear(a.linear, b.linear.constant);
      return num((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null ? null : (x as number) * (y as number);
      }, linear);
    }
    case "/": {
      numeric("/");
      const linear =
        a.linear && b.linear && b.linear.vars.length === 0 && b.linear.constant !== 0
          ? scaleLinear(a.linear, 1 / b.linear.constant)
          : null;
      return num((v) => {
        const x = fa(v);
        const y = fb(v);
        return x === null || y === null || y === 0 ? null : (x as number) / (y as number);
      }, linear);
    }
  }
}

function compileCall(e: Extract<Expr, { k: "call" }>, resolve: ResolveVar): Compiled {
  const args = e.args.map((x) => compileExpr(x, resolve));
  const fns = args.map((x) => x.fn);
  const vars = unionVars(...args.map((x) => x.vars));
  const [f0, f1, f2] = fns as [Evaluator, Evaluator | undefined, Evaluator | undefined];
  const num1 = (op: (x: number) => number): Compiled => ({
    fn: (v) => {
      const x = f0(v);
      return typeof x === "number" ? op(x) : null;
    },
    vars,
    type: "num",
    linear: null,
  });
  switch (e.fn) {
    case "if": {
      const [, a, b] = args as [Compiled, Compiled, Compiled];
      return {
        fn: (v) => (f0(v) === true ? f1!(v) : f2!(v)),
        vars,
        type: a.type === "null" ? b.type : a.type,
        ...(a.temporal ? { temporal: a.temporal } : {}),
        linear: null,
      };
    }
    case "abs":
      return num1(Math.abs);
    case "floor":
      return num1(Math.floor);
    case "ceil":
      return num1(Math.ceil);
    case "round":
      return num1(Math.round);
    case "year":
      return num1(yearOfDays);
    case "min":
    case "max": {
      const pick = e.fn === "min" ? Math.min : Math.max;
      return {
        fn: (v) => {
          let out: number | null = null;
          for (const f of fns) {
            const x = f(v);
            if (typeof x !== "number") return null;
            out = out === null ? x : pick(out, x);
          }
          return out;
        },
        vars,
        type: "num",
        ...(args[0]!.temporal ? { temporal: args[0]!.temporal } : {}),
        linear: null,
      };
    }
    case "row_number": {
      // The row's number among its parent's children (rows per parent), else in its table, from 1.
      const i = resolve("row_number()", undefined, e.at).index;
      return { fn: (v) => v[i]!, vars: [i], type: "num", linear: { vars: [i], coefs: [1], constant: 0 } };
    }
    case "age":
      return {
        fn: (v) => {
          const x = f0(v);
          const y = f1!(v);
          return typeof x === "number" && typeof y === "number" ? ageInYears(x, y) : null;
        },
        vars,
        type: "num",
        linear: null,
      };
    default:
      throw new ExpressionError(`no function ${e.fn}`, e.at);
  }
}

/** A boolean expression to hold, with what the solver can reason from it. */
export function compileConstraint(e: Expr, resolve: ResolveVar, ownColumns: number): CompiledConstraint {
  const whole = compileExpr(e, resolve);
  if (whole.type !== "bool" && whole.type !== "null") {
    throw new ExpressionError("a constraint must be true or false: compare values (=, <, >=, …)", 0);
  }
  let compare: CompiledConstraint["compare"] = null;
  let sides: CompiledConstraint["sides"] = null;
  const defines: CompiledConstraint["defines"] = [];
  if (e.k === "bin" && ["=", "!=", "<", "<=", ">", ">="].includes(e.op)) {
    const a = e.a.k === "str" ? null : compileExpr(e.a, resolve);
    const b = compileExpr(coerce(e.b, a ?? undefined), resolve);
    const a2 = a ?? compileExpr(coerce(e.a, b), resolve);
    if (a2.linear && b.linear)
      compare = { linear: addLinear(a2.linear, b.linear, -1), op: e.op as CompareOp };
    if (a2.type === "num" && b.type === "num") {
      const fa = affinity(e.a.k === "str" ? { k: "num", v: 0 } : e.a, resolve);
      const fb = affinity(e.b.k === "str" ? { k: "num", v: 0 } : e.b, resolve);
      const affine = new Set<number>();
      for (const v of new Set([...fa.reads, ...fb.reads])) {
        if ((!fa.reads.has(v) || fa.affine.has(v)) && (!fb.reads.has(v) || fb.affine.has(v))) affine.add(v);
      }
      sides = { left: a2, right: b, op: e.op as CompareOp, affine };
    }
    if (e.op === "=") {
      const own = (c: Compiled) => c.vars.length === 1 && c.vars[0]! < ownColumns && e.k === "bin";
      if (e.a.k === "col" && own(a2) && !b.vars.includes(a2.vars[0]!))
        defines.push({ target: a2.vars[0]!, expr: b });
      if (e.b.k === "col" && own(b) && !a2.vars.includes(b.vars[0]!))
        defines.push({ target: b.vars[0]!, expr: a2 });
    }
  }
  return { ...whole, compare, defines, sides };
}
