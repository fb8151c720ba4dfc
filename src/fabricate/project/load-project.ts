/**
 * Reading a data project from YAML: syntax (YAML, then the zod schema), then meaning
 * (check-project.ts). Every failure is SerumsError BAD_PROJECT whose message names the file, the
 * line, the path in the document (`tables.admissions.rules[2].range.min`) and the bad value, and
 * says what would be valid.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Document, isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { SerumsError, showValue } from "../../errors/index.ts";
import { checkProject } from "./check-project.ts";
import { projectSchema, ruleSchemas } from "./project-schema.ts";
import { type Project, RULE_KINDS, type RuleKind } from "./project-types.ts";

export type PathPart = string | number;

/** `tables.admissions.rules[2].range` from its parts. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Locates paths of a parsed YAML document and throws located errors. */
export class ProjectSource {
  readonly file: string;
  /** The folder knowledge files are relative to. */
  readonly dir: string;
  readonly #doc: Document.Parsed | undefined;
  readonly #lines: LineCounter | undefined;

  constructor(file: string, doc?: Document.Parsed, lines?: LineCounter) {
    this.file = file;
    this.dir = path.dirname(file);
    this.#doc = doc;
    this.#lines = lines;
  }

  /** The line of the deepest node of `parts` that exists (1-based), or undefined. */
  line(parts: readonly PathPart[]): number | undefined {
    if (this.#doc === undefined || this.#lines === undefined) return undefined;
    for (let n = parts.length; n >= 0; n--) {
      const node = this.#doc.getIn(parts.slice(0, n), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node && typeof node === "object" && node.range) return this.#lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  error(parts: readonly PathPart[], message: string, value?: unknown): SerumsError {
    const where = formatPath(parts);
    const line = this.line(parts);
    const prefix = `${this.file}${line === undefined ? "" : ` line ${line}`}${where === "" ? "" : `, at ${where}`}`;
    const shown = value === undefined ? "" : ` (got ${showValue(value)})`;
    return new SerumsError("BAD_PROJECT", `${prefix}: ${message}${shown}`, {
      file: this.file,
      ...(line === undefined ? {} : { line }),
      path: where,
      value,
    });
  }
}

function valueAt(root: unknown, parts: readonly PathPart[]): unknown {
  let current = root;
  for (const part of parts) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** The first zod issue as a located error; a bad rule is re-checked against its own kind. */
function issueError(source: ProjectSource, root: unknown, issue: z.core.$ZodIssue): SerumsError {
  const parts = issue.path.filter((p): p is PathPart => typeof p !== "symbol");
  const bad = valueAt(root, parts);
  // A rule (tables.T.rules[i]) that matched no kind: name its kind, or check it as that kind.
  if (issue.code === "invalid_union" && parts.length === 4 && parts[2] === "rules") {
    const rule = bad as Record<string, unknown> | null;
    if (rule === null || typeof rule !== "object" || Array.isArray(rule)) {
      return source.error(parts, `a rule must be a map with one of ${RULE_KINDS.join(", ")}`, bad);
    }
    const kinds = RULE_KINDS.filter((kind) => kind in rule);
    if (kinds.length !== 1) {
      return source.error(
        parts,
        kinds.length === 0
          ? `a rule needs one kind field: ${RULE_KINDS.join(", ")}; it has ${Object.keys(rule).join(", ") || "none"}`
          : `a rule has one kind field; this one has ${kinds.join(" and ")} (split it into ${kinds.length} rules)`,
      );
    }
    const result = ruleSchemas[kinds[0] as RuleKind].safeParse(rule);
    if (!result.success) return issueError(source, root, prefixIssue(result.error.issues[0]!, parts));
  }
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    return source.error([...parts, key], `${JSON.stringify(key)} is not a field here; ${message}`);
  }
  if (issue.code === "invalid_type" && bad === undefined) message = `required; ${message}`;
  return source.error(parts, message, bad);
}

function prefixIssue(issue: z.core.$ZodIssue, parts: readonly PathPart[]): z.core.$ZodIssue {
  return { ...issue, path: [...parts, ...issue.path] } as z.core.$ZodIssue;
}

/** Parses and checks a project's YAML text. `file` names it in messages and anchors knowledge paths. */
export function parseProject(text: string, file: string): { project: Project; source: ProjectSource } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new SerumsError(
      "BAD_PROJECT",
      `${file} line ${line}, column ${col}: YAML syntax error: ${syntax.message.split("\n")[0]}`,
      { file, line, column: col, value: text.split(/\r?\n/)[line - 1] ?? "" },
    );
  }
  const source = new ProjectSource(file, doc, lines);
  if (!isMap(doc.contents) && !isSeq(doc.contents)) {
    throw source.error(
      [],
      "a data project is a map with fields tables and fabricate (and optionally name, seed, knowledge, target)",
    );
  }
  const root = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const parsed = projectSchema.safeParse(root);
  if (!parsed.success) throw issueError(source, root, parsed.error.issues[0]!);
  const project = parsed.data as Project;
  checkProject(project, source);
  return { project, source };
}

/** Reads and checks a project file. */
export function loadProject(file: string): { project: Project; source: ProjectSource } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SerumsError(
      "NOT_FOUND",
      `${file}: cannot read the data project (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { file },
      { cause: error },
    );
  }
  return parseProject(text, file);
}
