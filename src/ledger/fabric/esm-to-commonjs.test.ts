import assert from "node:assert/strict";
import { describe, it } from "node:test";
import vm from "node:vm";
import { SerumsError } from "../../errors/index.ts";
import { toCommonJs } from "./esm-to-commonjs.ts";
import { maskSource } from "./source-mask.ts";

/** Runs CommonJS code with the given modules to require; returns its exports. */
function run(code: string, modules: Record<string, unknown>): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  const require = (specifier: string) => {
    if (!(specifier in modules)) throw new Error(`unexpected require(${specifier})`);
    return modules[specifier];
  };
  vm.runInNewContext(`(function (exports, require) {${code}\n})`, { Object })(exports, require);
  return exports;
}

describe("maskSource", () => {
  it("blanks strings, comments, templates and regexes, and finds only top-level module keywords", () => {
    const source = [
      `import { a } from "./a.ts"; // export in a comment`,
      "const s = 'import x from \"y\"';",
      `const t = \`export $\{1}\${ { export: 1 }.export } import\`;`,
      "const r = /export|import/g; const d = 4 / 2 / 1;",
      "function f() { return { import: 1 }; }",
      "export const b = a;",
    ].join("\n");
    const { text, moduleKeywords } = maskSource(source);
    assert.equal(text.length, source.length);
    assert.equal(text.split("\n").length, source.split("\n").length);
    const lines = moduleKeywords.map((at) => source.slice(0, at).split("\n").length);
    assert.deepEqual(lines, [1, 6]);
    assert.ok(!text.includes("comment"));
    assert.ok(text.includes("4 / 2 / 1"), "divisions are code, not regexes");
  });
});

describe("toCommonJs", () => {
  it("converts every supported import and export form, keeping each line on its line", () => {
    const source = [
      `import { one, two as deux } from "./numbers.js";`,
      `import * as all from "./numbers.js";`,
      `import fallback from "./fallback.js";`,
      `import "./side-effect.js";`,
      `export { three } from "./numbers.js";`,
      `export * from "./more.js";`,
      `export const sum = one + deux;`,
      `export function twice(x) { return 2 * x; }`,
      `export class Box { value = all.one; }`,
      `let counter = 0;`,
      `export { counter as count };`,
      `export function bump() { counter += 1; }`,
      `export default fallback;`,
    ].join("\n");
    const converted = toCommonJs(source, "sample.js");
    assert.equal(converted.code.split("\n").length, source.split("\n").length);
    assert.deepEqual(
      converted.imports.map((i) => [i.specifier, i.names]),
      [
        ["./numbers.js", ["one", "two"]],
        ["./numbers.js", ["*"]],
        ["./fallback.js", ["default"]],
        ["./side-effect.js", []],
        ["./numbers.js", ["three"]],
        ["./more.js", ["*"]],
      ],
    );
    assert.deepEqual(converted.starExports, ["./more.js"]);
    assert.deepEqual(converted.exportNames.sort(), [
      "Box",
      "bump",
      "count",
      "default",
      "sum",
      "three",
      "twice",
    ]);

    const numbers = { one: 1, two: 2, three: 3 };
    const exports = run(converted.code, {
      "./numbers.js": numbers,
      "./fallback.js": { __esModule: true, default: "fallen back" },
      "./side-effect.js": {},
      "./more.js": { extra: "more", sum: "shadowed" },
    });
    assert.equal(exports.sum, 3);
    assert.equal((exports.twice as (x: number) => number)(4), 8);
    assert.equal(new (exports.Box as new () => { value: number })().value, 1);
    assert.equal(exports.three, 3);
    assert.equal(exports.extra, "more");
    assert.equal(exports.default, "fallen back");
    assert.equal(exports.count, 0);
    (exports.bump as () => void)();
    assert.equal(exports.count, 1, "exports are live bindings");
  });

  it("rewrites specifiers through the given function", () => {
    const converted = toCommonJs(`import { a } from "./a.ts";\nexport const b = a;`, "x.js", (s) =>
      s.replace(/\.ts$/, ".js"),
    );
    assert.match(converted.code, /require\("\.\/a\.js"\)/);
    assert.equal(converted.imports[0]?.specifier, "./a.ts");
  });

  it("takes a default import of a CommonJS package as the whole module", () => {
    const converted = toCommonJs(
      `import crypto from "node:crypto";\nexport const h = crypto.marker;`,
      "x.js",
    );
    assert.equal(run(converted.code, { "node:crypto": { marker: "builtin" } }).h, "builtin");
  });

  it("refuses dynamic import and import.meta, naming the file and line", () => {
    for (const [code, why] of [
      [`const a = 1;\nexport const m = await import("./m.js");`, /x\.js, line 2: dynamic import\(\)/],
      [`\n\nconst u = import.meta.url;`, /x\.js, line 3: import\.meta/],
    ] as const) {
      assert.throws(
        () => toCommonJs(code, "x.js"),
        (e: unknown) => e instanceof SerumsError && e.code === "LEDGER" && why.test(e.message),
      );
    }
  });

  it("refuses a destructuring export it cannot name", () => {
    assert.throws(() => toCommonJs(`export const { a, b } = obj;`, "x.js"), /x\.js, line 1: the export form/);
  });
});
