/**
 * The expression language of rules (constraint, when): parsed into a small tree.
 *
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | compare
 *   compare := sum ((= | != | <> | < | <= | > | >=) sum | [not] in "(" expr, … ")")?
 *   sum     := product ((+ | -) product)*
 *   product := unary ((* | /) unary)*
 *   unary   := - unary | primary
 *   primary := number | 'text' | true | false | null | name | name.name | name "(" expr, … ")" | "(" or ")"
 *
 * Keywords are case-insensitive; a text is in single quotes ('' is a quote inside it).
 */

export type BinaryOp = "+" | "-" | "*" | "/" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

export type Expr =
  | { k: "num"; v: number }
  | { k: "str"; v: string }
  | { k: "bool"; v: boolean }
  | { k: "null" }
  /** A column of the row, or with `table` a column of the parent row in that table. */
  | { k: "col"; name: string; table?: string; at: number }
  | { k: "neg"; a: Expr }
  | { k: "not"; a: Expr }
  | { k: "bin"; op: BinaryOp; a: Expr; b: Expr }
  | { k: "in"; a: Expr; list: Expr[]; negated: boolean }
  | { k: "call"; fn: string; args: Expr[]; at: number };

export const FUNCTIONS: Record<string, { min: number; max: number }> = {
  if: { min: 3, max: 3 },
  abs: { min: 1, max: 1 },
  min: { min: 2, max: 16 },
  max: { min: 2, max: 16 },
  floor: { min: 1, max: 1 },
  ceil: { min: 1, max: 1 },
  round: { min: 1, max: 1 },
  year: { min: 1, max: 1 },
  age: { min: 2, max: 2 },
  row_number: { min: 0, max: 0 },
};

/** A syntax error at a character offset of the expression. */
export class ExpressionError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

type Token =
  | { t: "num"; v: number; at: number }
  | { t: "str"; v: string; at: number }
  | { t: "name"; v: string; at: number }
  | { t: "op"; v: string; at: number }
  | { t: "end"; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i))!;
      tokens.push({ t: "num", v: Number(m[0]), at });
      i += m[0].length;
    } else if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionError("a text is not closed (a ' is missing)", at);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i++];
      }
      tokens.push({ t: "str", v, at });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ t: "name", v: m[0], at });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      if (["<=", ">=", "!=", "<>", "=="].includes(two)) {
        tokens.push({ t: "op", v: two === "<>" ? "!=" : two === "==" ? "=" : two, at });
        i += 2;
      } else if ("+-*/=<>(),.".includes(c)) {
        tokens.push({ t: "op", v: c, at });
        i++;
      } else {
        throw new ExpressionError(`unexpected character ${JSON.stringify(c)}`, at);
      }
    }
  }
  tokens.push({ t: "end", at: text.length });
  return tokens;
}

const KEYWORDS = new Set(["and", "or", "not", "in", "true", "false", "null"]);

export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p]!;
  const isOp = (v: string) => {
    const t = peek();
    return t.t === "op" && t.v === v;
  };
  const isWord = (v: string) => {
    const t = peek();
    return t.t === "name" && t.v.toLowerCase() === v;
  };
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExpressionError(`expected "${v}"`, peek().at);
    p++;
  };
  const describeToken = (t: Token) => (t.t === "end" ? "the end" : JSON.stringify(String(t.v)));

  function or(): Expr {
    let a = and();
    while (isWord("or")) {
      p++;
      a = { k: "bin", op: "or", a, b: and() };
    }
    return a;
  }
  function and(): Expr {
    let a = not();
    while (isWord("and")) {
      p++;
      a = { k: "bin", op: "and", a, b: not() };
    }
    return a;
  }
  function not(): Expr {
    if (isWord("not")) {
      p++;
      return { k: "not", a: not() };
    }
    return compare();
  }
  function compare(): Expr {
    const a = sum();
    const t = peek();
    if (t.t === "op" && ["=", "!=", "<", "<=", ">", ">="].includes(t.v)) {
      p++;
      return { k: "bin", op: t.v as BinaryOp, a, b: sum() };
    }
    let negated = false;
    const next = tokens[p + 1];
    if (isWord("not") && next?.t === "name" && next.v.toLowerCase() === "in") {
      negated = true;
      p++;
    }
    if (isWord("in")) {
      p++;
      expect("(");
      const list = [or()];
      while (isOp(",")) {
        p++;
        list.push(or());
      }
      expect(")");
      return { k: "in", a, list, negated };
    }
    return a;
  }
  function sum(): Expr {
    let a = product();
    while (isOp("+") || isOp("-")) {
      const op = (peek() as { v: string }).v as BinaryOp;
      p++;
      a = { k: "bin", op, a, b: product() };
    }
    return a;
  }
  function product(): Expr {
    let a = unary();
    while (isOp("*") || isOp("/")) {
      const op = (peek() as { v: string }).v as BinaryOp;
      p++;
      a = { k: "bin", op, a, b: unary() };
    }
    return a;
  }
  function unary(): Expr {
    if (isOp("-")) {
      p++;
      const a = unary();
      return a.k === "num" ? { k: "num", v: -a.v } : { k: "neg", a };
    }
    return primary();
  }
  function primary(): Expr {
    const t = peek();
    if (t.t === "num") {
      p++;
      return { k: "num", v: t.v };
    }
    if (t.t === "str") {
      p++;
      return { k: "str", v: t.v };
    }
    if (t.t === "op" && t.v === "(") {
      p++;
      const e = or();
      expect(")");
      return e;
    }
    if (t.t === "name") {
      const lower = t.v.toLowerCase();
      if (lower === "true" || lower === "false") {
        p++;
        return { k: "bool", v: lower === "true" };
      }
      if (lower === "null") {
        p++;
        return { k: "null" };
      }
      if (KEYWORDS.has(lower)) throw new ExpressionError(`unexpected ${JSON.stringify(t.v)}`, t.at);
      p++;
      if (isOp("(")) {
        const spec = FUNCTIONS[lower];
        if (!spec) {
          throw new ExpressionError(
            `no function ${t.v}; functions: ${Object.keys(FUNCTIONS).join(", ")}`,
            t.at,
          );
        }
        p++;
        const args: Expr[] = [];
        if (!isOp(")")) {
          args.push(or());
          while (isOp(",")) {
            p++;
            args.push(or());
          }
        }
        expect(")");
        if (args.length < spec.min || args.length > spec.max) {
          throw new ExpressionError(
            `${lower}() takes ${spec.min === spec.max ? spec.min : `${spec.min} to ${spec.max}`} arguments, got ${args.length}`,
            t.at,
          );
        }
        return { k: "call", fn: lower, args, at: t.at };
      }
      if (isOp(".")) {
        p++;
        const column = peek();
        if (column.t !== "name")
          throw new ExpressionError(`expected a column name after "${t.v}."`, column.at);
        p++;
        return { k: "col", table: t.v, name: column.v, at: t.at };
      }
      return { k: "col", name: t.v, at: t.at };
    }
    throw new ExpressionError(`expected a value, a column or "(", got ${describeToken(t)}`, t.at);
  }

  const e = or();
  if (peek().t !== "end") throw new ExpressionError(`unexpected ${describeToken(peek())}`, peek().at);
  return e;
}
