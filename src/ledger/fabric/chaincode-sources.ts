/**
 * The source files of the chaincode: every module reached from the contracts' entry by static
 * imports, and nothing else, each with its types stripped and its module syntax converted to
 * CommonJS (esm-to-commonjs.ts). The walk refuses a module that imports something a peer's
 * chaincode container must not use (the embedded engine, the database, the network, the file
 * system) or that the package does not ship, naming the file and the import.
 */
import { readFile } from "node:fs/promises";
import { stripTypeScriptTypes } from "node:module";
import path from "node:path";
import vm from "node:vm";
import { SerumsError } from "../../errors/index.ts";
import { type CommonJsModule, toCommonJs } from "./esm-to-commonjs.ts";
import { maskSource } from "./source-mask.ts";

export interface ChaincodeSourceOptions {
  /** The folder module paths are relative to (the repository's `src/`); it becomes the package's `src/`. */
  sourceRoot: string;
  /** The entry module, relative to `sourceRoot`. */
  entry: string;
  /** Folders (relative to `sourceRoot`) chaincode modules may come from. */
  allowedFolders?: readonly string[];
  /** Folders inside the allowed ones that are still out of bounds. */
  forbiddenFolders?: readonly string[];
  /** npm packages and Node built-ins chaincode may import. */
  allowedPackages?: readonly string[];
}

export interface ChaincodeModule {
  /** Path inside the package's `src/`, with a `.js` extension. */
  path: string;
  /** The TypeScript file it came from, relative to `sourceRoot`. */
  from: string;
  code: string;
}

export interface ChaincodeSources {
  /** Sorted by path. */
  modules: ChaincodeModule[];
  /** The npm packages the modules import (Node built-ins left out), sorted. */
  packages: string[];
  /** Uses of JavaScript or Node APIs newer than the chaincode runtime's Node 18. */
  warnings: string[];
}

export const DEFAULT_ALLOWED_FOLDERS = ["ledger", "access", "errors"] as const;
export const DEFAULT_FORBIDDEN_FOLDERS = ["ledger/engine", "ledger/fabric"] as const;
export const DEFAULT_ALLOWED_PACKAGES = [
  "fabric-contract-api",
  "zod",
  "node:crypto",
  "node:buffer",
  "node:util",
  "node:assert",
] as const;

/** APIs a module may use on Node 24 that Node 18 (fabric-nodeenv 2.5) lacks. */
const NEWER_THAN_NODE_18: Array<[RegExp, string]> = [
  [/\.(toSorted|toReversed|toSpliced)\(/, "Array.prototype.$1 (Node 20)"],
  [/\b(Object|Map)\.groupBy\(/, "$1.groupBy (Node 21)"],
  [/\bPromise\.withResolvers\(/, "Promise.withResolvers (Node 22)"],
  [/\bArray\.fromAsync\(/, "Array.fromAsync (Node 22)"],
  [/\.(isWellFormed|toWellFormed)\(/, "String.prototype.$1 (Node 20)"],
  [
    /\.(union|intersection|difference|symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(/,
    "Set.prototype.$1 (Node 22)",
  ],
  [/\bIterator\.from\(/, "iterator helpers (Node 22)"],
  [/\bcrypto\.hash\(/, "crypto.hash (Node 21.7)"],
];

/** Named imports from Node built-ins that Node 18 lacks. */
const BUILTINS_NEWER_THAN_NODE_18: Record<string, string[]> = {
  "node:crypto": ["hash"],
  crypto: ["hash"],
};

function isInside(relative: string, folder: string): boolean {
  return relative === folder || relative.startsWith(`${folder}/`);
}

function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}

export async function collectChaincodeSources(options: ChaincodeSourceOptions): Promise<ChaincodeSources> {
  const sourceRoot = path.resolve(options.sourceRoot);
  const allowedFolders = options.allowedFolders ?? DEFAULT_ALLOWED_FOLDERS;
  const forbiddenFolders = options.forbiddenFolders ?? DEFAULT_FORBIDDEN_FOLDERS;
  const allowedPackages = new Set(options.allowedPackages ?? DEFAULT_ALLOWED_PACKAGES);
  const shown = (relative: string) => toPosix(path.join(path.basename(sourceRoot), relative));

  const converted = new Map<string, CommonJsModule>();
  const packages = new Set<string>();
  const warnings: string[] = [];

  const checkFolder = (relative: string, importer: string | undefined, specifier: string | undefined) => {
    const allowed = allowedFolders.some((f) => isInside(relative, f));
    const forbidden = forbiddenFolders.find((f) => isInside(relative, f));
    if (allowed && !forbidden) return;
    const what = importer
      ? `${shown(importer)} imports ${JSON.stringify(specifier)} (${shown(relative)})`
      : `the entry ${shown(relative)}`;
    throw new SerumsError(
      "LEDGER",
      `${what}, which chaincode may not contain: modules come from ${allowedFolders.map((f) => `${f}/`).join(", ")}` +
        ` and not from ${forbiddenFolders.map((f) => `${f}/`).join(", ")}`,
      { file: importer ? shown(importer) : shown(relative), value: specifier },
    );
  };

  const visit = async (relative: string, importer?: string, specifier?: string): Promise<void> => {
    if (converted.has(relative)) return;
    checkFolder(relative, importer, specifier);
    const file = path.join(sourceRoot, relative);
    let source: string;
    try {
      source = await readFile(file, "utf8");
    } catch (cause) {
      throw new SerumsError(
        "LEDGER",
        importer
          ? `${shown(importer)} imports ${JSON.stringify(specifier)}, but ${shown(relative)} cannot be read`
          : `the chaincode entry ${shown(relative)} cannot be read`,
        { file: shown(relative) },
        { cause },
      );
    }
    let javascript: string;
    try {
      javascript = stripTypeScriptTypes(source, { mode: "strip" });
    } catch (cause) {
      throw new SerumsError(
        "LEDGER",
        `${shown(relative)} is not erasable TypeScript: ${(cause as Error).message}`,
        { file: shown(relative) },
        { cause },
      );
    }
    const module = toCommonJs(javascript, shown(relative), (s) =>
      s.startsWith(".") ? s.replace(/\.ts$/, ".js") : s,
    );
    converted.set(relative, module);
    syntaxCheck(module.code, shown(relative));
    const masked = maskSource(module.code).text;
    for (const [pattern, api] of NEWER_THAN_NODE_18) {
      const match = pattern.exec(masked);
      if (match)
        warnings.push(`${shown(relative)} uses ${match[0].replace(pattern, api)}, which Node 18 lacks`);
    }
    for (const { specifier, names } of module.imports) {
      for (const name of names.filter((n) => BUILTINS_NEWER_THAN_NODE_18[specifier]?.includes(n))) {
        warnings.push(`${shown(relative)} imports ${name} from ${specifier}, which Node 18 lacks`);
      }
    }
    for (const dependency of module.imports) {
      const s = dependency.specifier;
      if (s.startsWith(".")) {
        if (!s.endsWith(".ts")) {
          throw new SerumsError(
            "LEDGER",
            `${shown(relative)} imports ${JSON.stringify(s)}; relative imports name the .ts file`,
            { file: shown(relative), value: s },
          );
        }
        const target = toPosix(path.normalize(path.join(path.dirname(relative), s)));
        if (target.startsWith("../")) {
          throw new SerumsError(
            "LEDGER",
            `${shown(relative)} imports ${JSON.stringify(s)}, which is outside ${path.basename(sourceRoot)}/`,
            { file: shown(relative), value: s },
          );
        }
        await visit(target, relative, s);
      } else {
        const bare = s.startsWith("node:") ? s : packageName(s);
        if (!allowedPackages.has(bare) && !allowedPackages.has(`node:${s}`)) {
          throw new SerumsError(
            "LEDGER",
            `${shown(relative)} imports ${JSON.stringify(s)}, which chaincode may not use; ` +
              `chaincode may import ${[...allowedPackages].join(", ")}`,
            { file: shown(relative), value: s },
          );
        }
        if (!s.startsWith("node:") && !allowedPackages.has(`node:${s}`)) packages.add(bare);
      }
    }
  };

  const entry = toPosix(path.normalize(options.entry));
  await visit(entry);
  checkCycles(converted, entry, shown);
  checkImportedNames(converted, shown);

  const modules = [...converted.entries()]
    .map(([from, m]) => ({ path: from.replace(/\.ts$/, ".js"), from, code: m.code }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { modules, packages: [...packages].sort(), warnings };
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function resolveRelative(from: string, specifier: string): string {
  return toPosix(path.normalize(path.join(path.dirname(from), specifier)));
}

function syntaxCheck(code: string, file: string): void {
  try {
    new vm.Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, {
      filename: file,
    });
  } catch (cause) {
    throw new SerumsError(
      "LEDGER",
      `${file} does not convert to valid CommonJS: ${(cause as Error).message}`,
      { file },
      { cause },
    );
  }
}

/** Imports are bound once at load time, so a cycle would see a module half-loaded: refuse it. */
function checkCycles(
  modules: Map<string, CommonJsModule>,
  entry: string,
  shown: (p: string) => string,
): void {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const walk = (name: string) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(name)), name].map(shown).join(" → ");
      throw new SerumsError("LEDGER", `the chaincode's modules import each other in a cycle: ${cycle}`, {
        file: shown(name),
      });
    }
    state.set(name, "visiting");
    stack.push(name);
    for (const dependency of modules.get(name)?.imports ?? []) {
      if (dependency.specifier.startsWith(".")) walk(resolveRelative(name, dependency.specifier));
    }
    stack.pop();
    state.set(name, "done");
  };
  walk(entry);
}

/** Every name imported from a Serums module is exported by it: a converter gap fails here, not on a peer. */
function checkImportedNames(modules: Map<string, CommonJsModule>, shown: (p: string) => string): void {
  const exportsOf = (name: string, seen = new Set<string>()): Set<string> => {
    const module = modules.get(name);
    const names = new Set(module?.exportNames ?? []);
    if (!module || seen.has(name)) return names;
    seen.add(name);
    for (const star of module.starExports) {
      for (const n of exportsOf(resolveRelative(name, star), seen)) if (n !== "default") names.add(n);
    }
    return names;
  };
  for (const [name, module] of modules) {
    for (const dependency of module.imports) {
      if (!dependency.specifier.startsWith(".")) continue;
      const target = resolveRelative(name, dependency.specifier);
      const available = exportsOf(target);
      for (const imported of dependency.names) {
        if (imported !== "*" && !available.has(imported)) {
          throw new SerumsError(
            "LEDGER",
            `${shown(name)} imports ${imported} from ${JSON.stringify(dependency.specifier)}, which does not export it` +
              ` (it exports ${[...available].sort().join(", ") || "nothing"})`,
            { file: shown(name), value: imported },
          );
        }
      }
    }
  }
}
