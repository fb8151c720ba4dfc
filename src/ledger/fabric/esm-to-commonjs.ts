/**
 * Converts one ES module (plain JavaScript, types already stripped) to CommonJS, for Fabric's
 * Node chaincode runtime: fabric-shim 2.5 loads the chaincode with a synchronous `require`, and
 * the runtime image (fabric-nodeenv 2.5) runs Node 18, which cannot `require` an ES module.
 *
 * Only the module syntax changes; every line stays on its line, so a stack trace from a peer
 * points at the same line of the TypeScript source. The forms handled are the ones Serums code
 * is written in: named, default, namespace and side-effect imports; exported declarations;
 * `export { … }` lists, re-exports and `export *`. Anything else (dynamic `import()`,
 * `import.meta`, destructuring exports) is refused with the file and line.
 *
 * Imports become destructuring `require`s, so values are bound once at load time; the module
 * graph must therefore have no cycles (the caller checks). Exports are getters defined on the
 * first line, so they see the final value of every binding.
 */
import { SerumsError } from "../../errors/index.ts";
import { maskSource } from "./source-mask.ts";

export interface ModuleImport {
  /** The specifier as written. */
  specifier: string;
  /** Names taken from the module: "default", a named export, or "*" for the whole namespace. */
  names: string[];
}

export interface CommonJsModule {
  code: string;
  /** Every static dependency, in source order (imports, re-exports and `export *`). */
  imports: ModuleImport[];
  /** Names this module exports itself or re-exports by name (not those from `export *`). */
  exportNames: string[];
  /** Specifiers of `export * from` (their names are exported too, except "default"). */
  starExports: string[];
}

const NAME = String.raw`[A-Za-z_$][\w$]*`;
const STRING = String.raw`"[^"\n]*"|'[^'\n]*'`;
const ATTRIBUTES = String.raw`(?:\s*with\s*\{[^}]*\})?`;

const FORMS = {
  dynamicImport: /import\s*\(/y,
  importMeta: /import\s*\.\s*meta\b/y,
  sideEffect: new RegExp(String.raw`import\s*(${STRING})${ATTRIBUTES}\s*;?`, "y"),
  importFrom: new RegExp(String.raw`import\s*([^;"']*?)\s*from\s*(${STRING})${ATTRIBUTES}\s*;?`, "y"),
  exportDefaultFunction: new RegExp(
    String.raw`export\s+default\s+((?:async\s+)?function\b\s*\*?\s*)(${NAME})?`,
    "y",
  ),
  exportDefaultClass: new RegExp(String.raw`export\s+default\s+(class\b\s*)(${NAME})?`, "y"),
  exportDefault: /export\s+default\s+/y,
  exportFunction: new RegExp(String.raw`export\s+((?:async\s+)?function\b\s*\*?\s*)(${NAME})`, "y"),
  exportClass: new RegExp(String.raw`export\s+(class\s+)(${NAME})`, "y"),
  exportVariable: new RegExp(String.raw`export\s+((?:const|let|var)\s+)(${NAME})`, "y"),
  exportList: new RegExp(String.raw`export\s*\{([^}]*)\}(?:\s*from\s*(${STRING})${ATTRIBUTES})?\s*;?`, "y"),
  exportStar: new RegExp(
    String.raw`export\s*\*\s*(?:as\s+(${NAME})\s*)?from\s*(${STRING})${ATTRIBUTES}\s*;?`,
    "y",
  ),
};

const FORM_ORDER = [
  "sideEffect",
  "importFrom",
  "exportDefaultFunction",
  "exportDefaultClass",
  "exportDefault",
  "exportFunction",
  "exportClass",
  "exportVariable",
  "exportList",
  "exportStar",
] as const;
type FormName = (typeof FORM_ORDER)[number];

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (source.charCodeAt(i) === 10) line += 1;
  return line;
}

/** The specifier written in the source at the masked string's position. */
function specifierAt(source: string, masked: string, match: RegExpExecArray, group: number): string {
  const inMask = match[group]!;
  const at = masked.indexOf(inMask, match.index);
  return source.slice(at + 1, at + inMask.length - 1);
}

/** `a`, `b as c`, `default as d` → [imported, local] pairs. */
function parseList(list: string, fail: (why: string) => never): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const item of list.split(",")) {
    const text = item.trim();
    if (text === "") continue;
    const match = new RegExp(String.raw`^(${NAME})(?:\s+as\s+(${NAME}))?$`).exec(text);
    if (!match)
      fail(`the import or export item ${JSON.stringify(text)} is not a plain name or "name as other"`);
    pairs.push([match[1]!, match[2] ?? match[1]!]);
  }
  return pairs;
}

const DEFAULT_OF = (expression: string) => `((m) => (m && m.__esModule ? m.default : m))(${expression})`;

export function toCommonJs(
  source: string,
  file: string,
  rewrite: (specifier: string) => string = (s) => s,
): CommonJsModule {
  const { text: masked, moduleKeywords } = maskSource(source);
  const imports: ModuleImport[] = [];
  const getters: Array<[string, string]> = []; // [exported name, expression]
  const starExports: string[] = [];
  /** Names assigned directly on `exports` (an `export default` expression). */
  const assignedNames: string[] = [];
  const pieces: string[] = [];
  let copied = 0;
  let temporary = 0;

  for (const at of moduleKeywords) {
    if (at < copied) continue;
    const fail = (why: string): never => {
      throw new SerumsError(
        "LEDGER",
        `${file}, line ${lineOf(source, at)}: ${why}; chaincode cannot be built from it`,
        {
          file,
          line: lineOf(source, at),
        },
      );
    };
    const tryForm = (form: RegExp): RegExpExecArray | null => {
      form.lastIndex = at;
      return form.exec(masked);
    };
    if (tryForm(FORMS.dynamicImport)) fail("dynamic import() is not supported");
    if (tryForm(FORMS.importMeta)) fail("import.meta is not supported");
    let form: FormName | undefined;
    let match: RegExpExecArray | null = null;
    for (const name of FORM_ORDER) {
      match = tryForm(FORMS[name]);
      if (match) {
        form = name;
        break;
      }
    }
    if (!form || !match) {
      const kind = /^export\b/.test(masked.slice(at, at + 7)) ? "export" : "import";
      return fail(
        `the ${kind} form ${JSON.stringify(masked.slice(at, at + 40).split("\n")[0])} is not supported`,
      );
    }
    let replacement: string;
    switch (form) {
      case "sideEffect": {
        const specifier = specifierAt(source, masked, match, 1);
        imports.push({ specifier, names: [] });
        replacement = `require(${JSON.stringify(rewrite(specifier))});`;
        break;
      }
      case "importFrom": {
        const specifier = specifierAt(source, masked, match, 2);
        const required = `require(${JSON.stringify(rewrite(specifier))})`;
        const clause = match[1]!.trim();
        const names: string[] = [];
        const statements: string[] = [];
        const clauseMatch = new RegExp(
          String.raw`^(?:(${NAME})\s*,?\s*)?(?:\*\s*as\s+(${NAME})|\{([^}]*)\})?$`,
        ).exec(clause);
        if (!clauseMatch || clause === "") {
          return fail(`the import clause ${JSON.stringify(clause)} is not understood`);
        }
        const [, defaultName, namespaceName, list] = clauseMatch;
        const module = `__module${temporary++}`;
        statements.push(`const ${module} = ${required};`);
        if (defaultName) {
          names.push("default");
          statements.push(`const ${defaultName} = ${DEFAULT_OF(module)};`);
        }
        if (namespaceName) {
          names.push("*");
          statements.push(`const ${namespaceName} = ${module};`);
        }
        if (list !== undefined) {
          const pairs = parseList(list, fail);
          for (const [imported] of pairs) names.push(imported);
          if (pairs.length > 0) {
            statements.push(
              `const { ${pairs.map(([imported, local]) => (imported === local ? local : `${imported}: ${local}`)).join(", ")} } = ${module};`,
            );
          }
        }
        imports.push({ specifier, names });
        replacement = statements.join(" ");
        break;
      }
      case "exportDefaultFunction":
      case "exportDefaultClass": {
        const name = match[2] && match[2] !== "extends" ? match[2] : undefined;
        if (name) {
          getters.push(["default", name]);
          replacement = `${match[1]}${name}`;
        } else {
          assignedNames.push("default");
          replacement = `exports.default = ${match[1]}${match[2] ?? ""}`;
        }
        break;
      }
      case "exportDefault": {
        assignedNames.push("default");
        replacement = "exports.default = ";
        break;
      }
      case "exportFunction":
      case "exportClass":
      case "exportVariable": {
        getters.push([match[2]!, match[2]!]);
        replacement = `${match[1]}${match[2]}`;
        break;
      }
      case "exportList": {
        const pairs = parseList(match[1]!, fail);
        if (match[2] !== undefined) {
          const specifier = specifierAt(source, masked, match, 2);
          const module = `__module${temporary++}`;
          imports.push({ specifier, names: pairs.map(([imported]) => imported) });
          for (const [imported, exported] of pairs) getters.push([exported, `${module}.${imported}`]);
          replacement = `const ${module} = require(${JSON.stringify(rewrite(specifier))});`;
        } else {
          for (const [local, exported] of pairs) getters.push([exported, local]);
          replacement = "";
        }
        break;
      }
      case "exportStar": {
        const specifier = specifierAt(source, masked, match, 2);
        const required = `require(${JSON.stringify(rewrite(specifier))})`;
        if (match[1]) {
          imports.push({ specifier, names: ["*"] });
          const module = `__module${temporary++}`;
          getters.push([match[1], module]);
          replacement = `const ${module} = ${required};`;
        } else {
          imports.push({ specifier, names: ["*"] });
          starExports.push(specifier);
          replacement =
            `{ const m = ${required}; for (const k of Object.keys(m)) if (k !== "default" && !Object.prototype.hasOwnProperty.call(exports, k)) ` +
            `Object.defineProperty(exports, k, { enumerable: true, get: () => m[k] }); }`;
        }
        break;
      }
    }
    const end = match.index + match[0].length;
    const lineBreaks = source.slice(at, end).split("\n").length - 1;
    pieces.push(source.slice(copied, at), replacement, "\n".repeat(lineBreaks));
    copied = end;
  }
  pieces.push(source.slice(copied));

  const seen = new Set<string>();
  for (const name of [...getters.map(([name]) => name), ...assignedNames]) {
    if (seen.has(name)) {
      throw new SerumsError(
        "LEDGER",
        `${file}: ${name} is exported twice; chaincode cannot be built from it`,
        {
          file,
        },
      );
    }
    seen.add(name);
  }
  const prologue = [
    `"use strict";`,
    `Object.defineProperty(exports, "__esModule", { value: true });`,
    ...getters.map(
      ([name, expression]) =>
        `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => ${expression} });`,
    ),
  ].join(" ");
  // The prologue shares the first line, so every line keeps its number.
  const body = pieces.join("");
  const code = body.startsWith("#!") ? body.replace(/^#![^\n]*/, prologue) : `${prologue} ${body}`;
  return { code, imports, exportNames: [...seen], starExports };
}
