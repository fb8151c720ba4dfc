/**
 * A mask of JavaScript source: the same text, the same length and the same line breaks, with
 * the insides of comments, strings, template literals and regular-expression literals blanked
 * out. Searching the mask for `import` and `export` cannot be fooled by a word inside a string
 * or a comment, and every offset in the mask is the same offset in the source.
 *
 * The mask also lists where the top-level statements that begin with `import` or `export` start
 * (outside every bracket, not after a dot), which is all the module conversion needs.
 */

export interface MaskedSource {
  /** The source with comments, literal contents and templates blanked (line breaks kept). */
  text: string;
  /** Offsets of `import` / `export` keywords at the top level. */
  moduleKeywords: number[];
}

const KEYWORDS_BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[\w$]/.test(c);
}

/** Blank a span, keeping line breaks so lines still line up. */
function blank(text: string): string {
  return text.replace(/[^\n]/g, " ");
}

export function maskSource(source: string): MaskedSource {
  const out: string[] = [];
  const moduleKeywords: number[] = [];
  let depth = 0;
  let i = 0;
  /** The last significant character written to the mask, to tell a regex from a division. */
  let lastSignificant = "";
  let lastWord = "";

  const copy = (from: number, to: number): void => {
    out.push(source.slice(from, to));
  };

  /** The end (exclusive) of a quoted string starting at `start`. */
  const stringEnd = (start: number): number => {
    const quote = source[start];
    let j = start + 1;
    while (j < source.length && source[j] !== quote) {
      if (source[j] === "\\") j += 1;
      else if (source[j] === "\n") break;
      j += 1;
    }
    return Math.min(j + 1, source.length);
  };

  /** The end (exclusive) of a template literal starting at `start`, nested `${}` included. */
  const templateEnd = (start: number): number => {
    let j = start + 1;
    while (j < source.length) {
      const c = source[j];
      if (c === "\\") j += 2;
      else if (c === "`") return j + 1;
      else if (c === "$" && source[j + 1] === "{") j = expressionEnd(j + 2);
      else j += 1;
    }
    return source.length;
  };

  /** The end (exclusive) of a `${ … }` expression whose body starts at `start`. */
  const expressionEnd = (start: number): number => {
    let level = 1;
    let j = start;
    while (j < source.length && level > 0) {
      const c = source[j];
      if (c === '"' || c === "'") j = stringEnd(j);
      else if (c === "`") j = templateEnd(j);
      else if (c === "/" && source[j + 1] === "/") j = lineCommentEnd(j);
      else if (c === "/" && source[j + 1] === "*") j = blockCommentEnd(j);
      else {
        if (c === "{") level += 1;
        else if (c === "}") level -= 1;
        j += 1;
      }
    }
    return j;
  };

  const lineCommentEnd = (start: number): number => {
    const end = source.indexOf("\n", start);
    return end === -1 ? source.length : end;
  };

  const blockCommentEnd = (start: number): number => {
    const end = source.indexOf("*/", start + 2);
    return end === -1 ? source.length : end + 2;
  };

  const regexEnd = (start: number): number => {
    let j = start + 1;
    let inClass = false;
    while (j < source.length && source[j] !== "\n") {
      const c = source[j];
      if (c === "\\") j += 1;
      else if (c === "[") inClass = true;
      else if (c === "]") inClass = false;
      else if (c === "/" && !inClass) break;
      j += 1;
    }
    j += 1;
    while (isIdentifierChar(source[j])) j += 1; // flags
    return j;
  };

  const regexAllowed = (): boolean =>
    lastSignificant === "" ||
    (!/[\w$)\]}]/.test(lastSignificant) && lastSignificant !== ".") ||
    KEYWORDS_BEFORE_EXPRESSION.has(lastWord);

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    let end: number;
    if (c === "/" && next === "/") {
      end = lineCommentEnd(i);
      out.push(blank(source.slice(i, end)));
    } else if (c === "/" && next === "*") {
      end = blockCommentEnd(i);
      out.push(blank(source.slice(i, end)));
    } else if (c === '"' || c === "'") {
      end = stringEnd(i);
      out.push(`${c}${blank(source.slice(i + 1, end - 1))}${source[end - 1] === c ? c : " "}`);
      lastSignificant = c;
      lastWord = "";
    } else if (c === "`") {
      end = templateEnd(i);
      out.push(`\`${blank(source.slice(i + 1, end - 1))}\``);
      lastSignificant = "`";
      lastWord = "";
    } else if (c === "/" && regexAllowed()) {
      end = regexEnd(i);
      out.push(`/${blank(source.slice(i + 1, end - 1))}/`);
      // a regex literal is a value: a slash after it is a division
      lastSignificant = ")";
      lastWord = "";
    } else if (isIdentifierChar(c)) {
      end = i;
      while (isIdentifierChar(source[end])) end += 1;
      const word = source.slice(i, end);
      if (
        depth === 0 &&
        (word === "import" || word === "export") &&
        lastSignificant !== "." &&
        !isIdentifierChar(source[i - 1])
      ) {
        moduleKeywords.push(i);
      }
      copy(i, end);
      lastSignificant = word[word.length - 1]!;
      lastWord = word;
    } else {
      end = i + 1;
      if (c === "{" || c === "(" || c === "[") depth += 1;
      else if (c === "}" || c === ")" || c === "]") depth = Math.max(0, depth - 1);
      copy(i, end);
      if (!/\s/.test(c)) {
        lastSignificant = c;
        lastWord = "";
      }
    }
    i = end;
  }
  return { text: out.join(""), moduleKeywords };
}
