/**
 * Reading a YAML document node by node, with errors that locate themselves: every failure is
 * SerumsError BAD_MAPPING naming the file, the line, the path in the document
 * (`events[0].start.type`) and the bad value, and saying what would be valid.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { SerumsError, showValue } from "../errors/index.ts";

/** A field of a map: its key node and its value node (null when empty). */
export type Entry = { key: Node; value: Node | null };
/** The fields of a map by name, in the order written. */
export type Fields = Map<string, Entry>;

const IDENTIFIER_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The path of a field under `parent`: `events[0].start`, `codes.sex["1"]`. */
export function child(parent: string, key: string): string {
  const part = IDENTIFIER_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  return parent === "" || part.startsWith("[") ? `${parent}${part}` : `${parent}.${part}`;
}

/** The path of a list item: `events[0]`. */
export function item(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** What a node is, for messages: "a list", "the text \"x\"", "the number 12", "nothing". */
export function describe(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return "nothing (null)";
    if (typeof v === "string") return `the text ${showValue(v)}`;
    if (typeof v === "number") return `the number ${node.source ?? v}`;
    if (typeof v === "boolean") return String(v);
  }
  return "an unsupported value";
}

/** A node as plain JavaScript, for `where.value`. */
export function plain(node: Node | null): unknown {
  if (node === null) return undefined;
  if (isScalar(node)) return node.value;
  return node.toJSON();
}

/** The edit distance of two short words, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** " (did you mean match?)" when `word` is within two edits of an option, else "". */
export function didYouMean(word: string, options: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const d = distance(word.toLowerCase(), option);
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best === undefined ? "" : ` (did you mean ${best}?)`;
}

/** A YAML document being read; `fail` throws a located BAD_MAPPING. */
export class YamlReader {
  /** The file, as named in messages. */
  readonly file: string;
  readonly #lines: LineCounter;
  readonly #doc: Document.Parsed;
  #aliases = 0;

  /**
   * Parses `text`; a YAML syntax error throws SerumsError BAD_MAPPING with the file, line and
   * column, and the text of that line as the value.
   */
  constructor(text: string, file: string) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const error = doc.errors[0];
    if (error !== undefined) {
      const { line, col } = lines.linePos(error.pos[0]);
      const message =
        error.code === "MULTIPLE_DOCS"
          ? "the file must hold one YAML document; remove the second ---"
          : error.message;
      throw new SerumsError(
        "BAD_MAPPING",
        `${file} line ${line}, column ${col}: YAML syntax error: ${message}`,
        {
          file,
          line,
          column: col,
          value: text.split(/\r?\n/)[line - 1] ?? "",
        },
      );
    }
    this.file = file;
    this.#lines = lines;
    this.#doc = doc;
  }

  /** The document's top node, or null for an empty document. */
  get root(): Node | null {
    return this.resolve(this.#doc.contents, "");
  }

  line(node: Node | null | undefined): number | undefined {
    const range = node?.range;
    return range ? this.#lines.linePos(range[0]).line : undefined;
  }

  fail(where: string, node: Node | null | undefined, message: string, value?: unknown): never {
    const line = this.line(node);
    const prefix = [
      this.file,
      line === undefined ? "" : ` line ${line}`,
      where === "" ? "" : `, at ${where}`,
    ].join("");
    throw new SerumsError("BAD_MAPPING", `${prefix}: ${message}`, {
      file: this.file,
      line,
      path: where,
      value,
    });
  }

  /** Follows an alias to its anchored node. */
  resolve(node: unknown, where: string): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      if (++this.#aliases > 1000) this.fail(where, node, "too many aliases (more than 1000)");
      const target = node.resolve(this.#doc);
      if (target === undefined)
        this.fail(where, node, `the alias *${node.source} has no anchor &${node.source}`, `*${node.source}`);
      return this.resolve(target, where);
    }
    return node as Node;
  }

  /** The fields of a map, checked against those allowed and required. */
  fields(
    node: Node | null,
    where: string,
    what: string,
    allowed: readonly string[],
    required: readonly string[] = [],
  ): Fields {
    if (node === null || !isMap(node)) {
      this.fail(
        where,
        node,
        `expected ${what}: a map with fields ${allowed.join(", ")}; got ${describe(node)}`,
        plain(node),
      );
    }
    const fields: Fields = new Map();
    for (const pair of node.items) {
      const key = this.resolve(pair.key, where);
      if (
        key === null ||
        !isScalar(key) ||
        (typeof key.value !== "string" && typeof key.value !== "number")
      ) {
        this.fail(where, key ?? node, `a field name must be a text; got ${describe(key)}`, plain(key));
      }
      const name = String(key.value);
      const value = this.resolve(pair.value, child(where, name));
      if (!allowed.includes(name)) {
        const valueIsNull = value === null || (isScalar(value) && value.value === null);
        const flowHint =
          node.flow && valueIsNull
            ? `; inside { } a comma separates fields, so quote a text that contains one (e.g. "Western General Hospital, Edinburgh")`
            : "";
        this.fail(
          child(where, name),
          key,
          `${showValue(name)} is not a field of ${what}; valid: ${allowed.join(", ")}${didYouMean(name, allowed)}${flowHint}`,
          name,
        );
      }
      fields.set(name, { key, value });
    }
    for (const name of required) {
      if (!fields.has(name)) this.fail(child(where, name), node, `${name} is required in ${what}`);
    }
    return fields;
  }

  /** A text: a string, or a plain number as written ("01" stays "01"). */
  text(
    node: Node | null,
    where: string,
    what: string,
    options: { pattern?: RegExp; rule?: string; allowEmpty?: boolean } = {},
  ): string {
    let text: string | undefined;
    if (node !== null && isScalar(node)) {
      if (typeof node.value === "string") text = node.value;
      else if (typeof node.value === "number") text = node.source ?? String(node.value);
    }
    if (text === undefined)
      this.fail(where, node, `expected ${what} (a text); got ${describe(node)}`, plain(node));
    if (text === "" && !options.allowEmpty) this.fail(where, node, `${what} cannot be empty`, text);
    if (options.pattern !== undefined && !options.pattern.test(text)) {
      this.fail(where, node, `${showValue(text)} is not a valid ${what}: use ${options.rule}`, text);
    }
    return text;
  }

  oneOf<T extends string>(node: Node | null, where: string, what: string, options: readonly T[]): T {
    const text = this.text(node, where, what);
    if (!(options as readonly string[]).includes(text)) {
      this.fail(
        where,
        node,
        `${showValue(text)} is not ${what}; valid: ${options.join(", ")}${didYouMean(text, options)}`,
        text,
      );
    }
    return text as T;
  }

  boolean(node: Node | null, where: string, what: string): boolean {
    if (node !== null && isScalar(node) && typeof node.value === "boolean") return node.value;
    return this.fail(where, node, `expected ${what}: true or false; got ${describe(node)}`, plain(node));
  }

  list(node: Node | null, where: string, what: string, example = ""): Node[] {
    if (node === null || !isSeq(node)) {
      const hint = example === "" ? "" : ` (e.g. ${example})`;
      return this.fail(where, node, `expected a list of ${what}${hint}; got ${describe(node)}`, plain(node));
    }
    return node.items.map((entry, index) => this.resolve(entry, item(where, index)) as Node);
  }

  // -------------------------------------------------------------------------------------------
  // Values
}
