/**
 * Generates texts that match a regular expression, for pattern rules. The subset: literals,
 * escapes (\d \w \s, \. \- \\ and other escaped punctuation, \t \n), `.`, character classes with
 * ranges and negation ([A-Z0-9], [^,]), groups ( ) and (?: ), alternation |, quantifiers ? * +
 * {n} {n,} {n,m} (unbounded ones add at most 8 repetitions), and ^ $ at the ends. Anything else
 * (look-around, back-references) is an error naming the offset. Compiled once into closures.
 */
import type { Prng } from "../engine/prng.ts";

export type TextGenerator = (rng: Prng) => string;

export class RegexError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const PRINTABLE: string[] = [];
for (let c = 32; c < 127; c++) PRINTABLE.push(String.fromCharCode(c));
const DIGITS = "0123456789".split("");
const WORD = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"];
const UNBOUNDED_EXTRA = 8;

function pickFrom(chars: readonly string[]): TextGenerator {
  if (chars.length === 1) {
    const c = chars[0]!;
    return () => c;
  }
  const n = chars.length;
  return (rng) => chars[Math.floor(rng.next() * n)]!;
}

function sequence(parts: TextGenerator[]): TextGenerator {
  if (parts.length === 1) return parts[0]!;
  const n = parts.length;
  return (rng) => {
    let out = "";
    for (let i = 0; i < n; i++) out += parts[i]!(rng);
    return out;
  };
}

/** Compiles `pattern` into a generator of matching texts; throws RegexError for what it cannot generate. */
export function compileRegex(pattern: string): TextGenerator {
  let i = 0;
  let source = pattern;
  if (source.startsWith("^")) {
    source = source.slice(1);
    i = 0;
  }
  if (source.endsWith("$") && !source.endsWith("\\$")) source = source.slice(0, -1);
  const offset = pattern.length - source.length - (pattern.endsWith("$") && !pattern.endsWith("\\$") ? 1 : 0);

  const fail = (message: string): never => {
    throw new RegexError(message, i + offset);
  };

  function escaped(inClass: boolean): string[] {
    const c = source[i++];
    if (c === undefined) return fail("a \\ ends the pattern");
    switch (c) {
      case "d":
        return DIGITS;
      case "w":
        return WORD;
      case "s":
        return [" "];
      case "t":
        return ["\t"];
      case "n":
        return ["\n"];
      case "D":
        return PRINTABLE.filter((x) => !DIGITS.includes(x));
      case "W":
        return PRINTABLE.filter((x) => !WORD.includes(x));
      default:
        if (/[A-Za-z0-9]/.test(c)) {
          return fail(`\\${c} is not supported${inClass ? " in a class" : ""} (use \\d \\w \\s or a class)`);
        }
        return [c];
    }
  }

  function charClass(): string[] {
    // at the character after "["
    let negate = false;
    if (source[i] === "^") {
      negate = true;
      i++;
    }
    const chars = new Set<string>();
    let first = true;
    while (source[i] !== "]" || first) {
      if (i >= source.length) fail("a [ class is not closed");
      first = false;
      let set: string[];
      if (source[i] === "\\") {
        i++;
        set = escaped(true);
      } else set = [source[i++]!];
      if (set.length === 1 && source[i] === "-" && source[i + 1] !== "]" && i + 1 < source.length) {
        i++;
        let end: string;
        if (source[i] === "\\") {
          i++;
          const e = escaped(true);
          if (e.length !== 1) fail("a range must end in one character");
          end = e[0]!;
        } else end = source[i++]!;
        const from = set[0]!.charCodeAt(0);
        const to = end.charCodeAt(0);
        if (to < from) fail(`the range ${set[0]}-${end} is backwards`);
        for (let c = from; c <= to; c++) chars.add(String.fromCharCode(c));
      } else for (const c of set) chars.add(c);
    }
    i++; // ]
    const list = negate ? PRINTABLE.filter((c) => !chars.has(c)) : [...chars];
    if (list.length === 0) fail("the class matches no character");
    return list;
  }

  function quantified(atom: TextGenerator): TextGenerator {
    let min = 1;
    let max = 1;
    const c = source[i];
    if (c === "?") [min, max] = [0, 1];
    else if (c === "*") [min, max] = [0, UNBOUNDED_EXTRA];
    else if (c === "+") [min, max] = [1, 1 + UNBOUNDED_EXTRA];
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? min + UNBOUNDED_EXTRA : Number(m[3]);
      if (max < min) fail(`{${min},${max}}: the maximum is below the minimum`);
      i += m[0].length - 1;
    } else return atom;
    i++;
    if (source[i] === "?" || source[i] === "+") i++; // lazy / possessive: same texts
    if (min === max) {
      const n = min;
      return (rng) => {
        let out = "";
        for (let k = 0; k < n; k++) out += atom(rng);
        return out;
      };
    }
    const span = max - min + 1;
    return (rng) => {
      const n = min + Math.floor(rng.next() * span);
      let out = "";
      for (let k = 0; k < n; k++) out += atom(rng);
      return out;
    };
  }

  function alternation(): TextGenerator {
    const options: TextGenerator[] = [sequenceOf()];
    while (source[i] === "|") {
      i++;
      options.push(sequenceOf());
    }
    if (options.length === 1) return options[0]!;
    const n = options.length;
    return (rng) => options[Math.floor(rng.next() * n)]!(rng);
  }

  function sequenceOf(): TextGenerator {
    const parts: TextGenerator[] = [];
    while (i < source.length && source[i] !== "|" && source[i] !== ")") {
      const c = source[i++]!;
      let atom: TextGenerator;
      if (c === "\\") atom = pickFrom(escaped(false));
      else if (c === "[") atom = pickFrom(charClass());
      else if (c === ".") atom = pickFrom(PRINTABLE);
      else if (c === "(") {
        if (source[i] === "?") {
          if (source[i + 1] === ":") i += 2;
          else fail("only (?: ) groups are supported (no look-around or named groups)");
        }
        atom = alternation();
        if (source[i] !== ")") fail("a ( group is not closed");
        i++;
      } else if ("*+?{".includes(c) && c !== "{") {
        return fail(`${c} has nothing to repeat`);
      } else if (c === "^" || c === "$") {
        return fail(`${c} is supported only at the start (^) or end ($)`);
      } else atom = () => c;
      parts.push(quantified(atom));
    }
    return parts.length === 0 ? () => "" : sequence(parts);
  }

  const generator = alternation();
  if (i < source.length) fail(`unexpected ${JSON.stringify(source[i])}`);
  return generator;
}
