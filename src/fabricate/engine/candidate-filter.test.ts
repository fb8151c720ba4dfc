/**
 * The engine's candidate filtering (a step keeps, per context, the candidates that pass its own
 * checks and draws among them by weight), through whole small projects: the rows must obey every
 * rule (the independent checker agrees), follow the weights the rules give restricted to what
 * the rules allow, fail and drop soft rules as before, and come out the same for the same seed
 * (hoisting and the reused row array: hoist-reuse.test.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { assertClean, assertShare, run } from "./test-support.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-candidates-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, "project.yaml");
// Per group, names of very different weights; the rules below allow only the light ones.
writeFileSync(
  path.join(dir, "names.csv"),
  "grp,name,weight\nx,a,8\nx,b,1\nx,c,8\nx,d,3\nx,e,8\nx,f,8\ny,p,5\ny,q,5\ny,r,1\ny,s,3\n",
);
// Names without groups: a, b, c, d, e, f of weights 1, 3, 4, 4, 4, 4.
writeFileSync(path.join(dir, "plain.csv"), "name,weight\na,1\nb,3\nc,4\nd,4\ne,4\nf,4\n");
describe("a lookup whose own checks refuse most candidates", () => {
  const yaml = `
seed: 11
knowledge: { names: names.csv }
tables:
  t:
    columns: { id: { type: integer }, g: { type: categorical, categories: [x, y] }, name: { type: string } }
    primary_key: [id]
    rules:
      - { id: g-weights, categories: { column: g, weights: { x: 1, y: 1 } } }
      - { id: names, lookup: { table: names, columns: { g: grp, name: name }, weight: weight } }
      - { id: x-names, when: "g = 'x'", constraint: "name in ('b', 'd')" }
      - { id: y-names, when: "g = 'y'", constraint: "name != 'p' and name != 'q'" }
fabricate: { t: { rows: 3000 } }
`;

  test("every row obeys every rule, none fails, and the names follow the weights of the allowed rows", async () => {
    const { memory, tables, check } = await run(yaml, file);
    assertClean(check);
    const summary = tables.get("t")!;
    assert.equal(summary.failed, 0);
    // No refused draw is made (rejection would check about 9 draws per x row): the step's
    // checks, run once per context on its candidates, are not run again per row.
    assert.ok(summary.checks < 3000, `${summary.checks} checks for 3000 rows`);
    const rows = memory.objects("t");
    assert.equal(rows.length, 3000);
    const xs = rows.filter((r) => r.g === "x");
    const ys = rows.filter((r) => r.g === "y");
    assert.ok(xs.length > 1200 && ys.length > 1200, `${xs.length} x, ${ys.length} y`);
    assert.deepEqual(new Set(xs.map((r) => r.name)), new Set(["b", "d"]));
    assert.deepEqual(new Set(ys.map((r) => r.name)), new Set(["r", "s"]));
    // b 1 : d 3 and r 1 : s 3 — three quarters (uniform among the allowed would be a half).
    assertShare(xs, "name", "d", 0.75);
    assertShare(ys, "name", "s", 0.75);
  });
});

describe("finite and listed steps filtered by their checks", () => {
  test("a categorical column under conditional categories rules and conditional constraints", async () => {
    const yaml = `
seed: 12
tables:
  t:
    columns:
      id: { type: integer }
      g: { type: categorical, categories: [x, y] }
      c: { type: categorical, categories: [A, B, C, D, E] }
    primary_key: [id]
    rules:
      - { categories: { column: g, weights: { x: 1, y: 1 } } }
      - { id: c-of-x, when: "g = 'x'", categories: { column: c, weights: { A: 16, B: 2, C: 16, D: 8, E: 16 } } }
      - { id: c-of-y, when: "g = 'y'", categories: { column: c, weights: { A: 16, B: 16, C: 4, D: 2, E: 1 } } }
      - { id: x-allows, when: "g = 'x'", constraint: "c in ('B', 'D')" }
      - { id: y-refuses, when: "g = 'y'", constraint: "c != 'A' and c != 'B'" }
fabricate: { t: { rows: 3000 } }
`;
    const { memory, tables, check } = await run(yaml, file);
    assertClean(check);
    assert.equal(tables.get("t")!.failed, 0);
    const rows = memory.objects("t");
    const xs = rows.filter((r) => r.g === "x");
    const ys = rows.filter((r) => r.g === "y");
    assert.deepEqual(new Set(xs.map((r) => r.c)), new Set(["B", "D"]));
    assert.deepEqual(new Set(ys.map((r) => r.c)), new Set(["C", "D", "E"]));
    // x: B 2, D 8 → D 0.8 (uniform: 0.5). y: C 4, D 2, E 1 → 4/7, 2/7, 1/7 (uniform: 1/3 each).
    assertShare(xs, "c", "D", 0.8);
    assertShare(ys, "c", "C", 4 / 7);
    assertShare(ys, "c", "E", 1 / 7);
  });

  test("an integer column drawn from listed values, under a condition, less the values a constraint removes", async () => {
    const yaml = `
seed: 13
tables:
  t:
    columns: { id: { type: integer }, g: { type: categorical, categories: [x, y] }, n: { type: integer } }
    primary_key: [id]
    rules:
      - { categories: { column: g, weights: { x: 1, y: 1 } } }
      # The same values under both conditions, by different weights.
      - { id: n-of-x, when: "g = 'x'", categories: { column: n, weights: { '1': 1, '2': 2, '3': 3, '4': 30 } } }
      - { id: n-of-y, when: "g = 'y'", categories: { column: n, weights: { '1': 3, '2': 1, '3': 40, '4': 1 } } }
      - { id: x-not-4, when: "g = 'x'", constraint: "n != 4" }
      - { id: y-at-most-2, when: "g = 'y'", constraint: "n <= 2" }
fabricate: { t: { rows: 3000 } }
`;
    const { memory, tables, check } = await run(yaml, file);
    assertClean(check);
    assert.equal(tables.get("t")!.failed, 0);
    const rows = memory.objects("t");
    const xs = rows.filter((r) => r.g === "x");
    const ys = rows.filter((r) => r.g === "y");
    assert.deepEqual(new Set(xs.map((r) => r.n)), new Set([1, 2, 3]));
    assert.deepEqual(new Set(ys.map((r) => r.n)), new Set([1, 2]));
    // x: 1, 2, 3 by 1 : 2 : 3 (uniform: 1/3 each). y: 1 by 3 : 1 (uniform: 0.5; x's weights: 1/3).
    assertShare(xs, "n", 1, 1 / 6);
    assertShare(xs, "n", 3, 1 / 2);
    assertShare(ys, "n", 1, 0.75);
  });
});

describe("more contexts than the cache holds", () => {
  test("a check reading an integer drawn from 1..20000: rows still all valid, weights still followed", async () => {
    const yaml = `
seed: 14
knowledge: { plain: plain.csv }
tables:
  t:
    columns:
      id: { type: integer }
      m: { type: integer }
      c: { type: categorical, categories: [A, B, C] }
      name: { type: string }
    primary_key: [id]
    rules:
      - { range: { column: m, min: 1, max: 20000 } }
      # Conditions on m put m first, and make it part of each step's context.
      - { id: c-low, when: "m <= 10000", categories: { column: c, weights: { A: 1, B: 3, C: 4 } } }
      - { id: c-high, when: "m > 10000", categories: { column: c, weights: { A: 4, B: 3, C: 1 } } }
      - { id: c-odd-refused, when: "m <= 15000", constraint: "c != 'C'" }
      - { id: names, when: "m >= 1", lookup: { table: plain, columns: { name: name }, weight: weight } }
      - { id: names-refused, when: "m <= 15000", constraint: "name in ('a', 'b')" }
fabricate: { t: { rows: 12000 } }
`;
    const { memory, tables, check } = await run(yaml, file);
    assertClean(check);
    assert.equal(tables.get("t")!.failed, 0);
    const rows = memory.objects("t");
    assert.equal(rows.length, 12000);
    assert.ok(new Set(rows.map((r) => r.m)).size > 2 * 4096, "more distinct contexts than CONTEXT_LIMIT");
    const low = rows.filter((r) => (r.m as number) <= 10000);
    const mid = rows.filter((r) => (r.m as number) > 10000 && (r.m as number) <= 15000);
    const high = rows.filter((r) => (r.m as number) > 15000);
    for (const r of [...low, ...mid]) {
      assert.notEqual(r.c, "C", `m ${r.m}`);
      assert.ok(r.name === "a" || r.name === "b", `m ${r.m}: ${r.name}`);
    }
    assert.ok(high.some((r) => r.c === "C") && high.some((r) => !["a", "b"].includes(r.name as string)));
    // Allowed: A 1 : B 3 (low), A 4 : B 3 (mid); names a 1 : b 3 — before and after the cache fills.
    assertShare(low, "c", "B", 0.75);
    assertShare(mid, "c", "A", 4 / 7);
    assertShare([...low, ...mid], "name", "b", 0.75);
    assertShare(high, "c", "A", 0.5);
  });
});

describe("a context whose candidates all fail a mandatory rule", () => {
  test("its records fail, and the summary names the rule", async () => {
    const yaml = `
seed: 15
knowledge: { plain: plain.csv }
tables:
  t:
    columns: { id: { type: integer }, name: { type: string } }
    primary_key: [id]
    rules:
      - { id: names, lookup: { table: plain, columns: { name: name }, weight: weight } }
      - { id: early-names, when: "row_number() <= 30", constraint: "name in ('b', 'c')" }
      - { id: late-no-name, when: "row_number() > 30", constraint: "name in ('zz')" }
fabricate: { t: { rows: 40 } }
`;
    const { memory, tables } = await run(yaml, file);
    const summary = tables.get("t")!;
    const rows = memory.objects("t");
    // Rows 1…30 are made (b or c); rows 31…40 cannot be.
    assert.equal(summary.rows, 30);
    assert.equal(summary.failed, 10);
    for (const r of rows) assert.ok(r.name === "b" || r.name === "c", String(r.name));
    assert.ok((summary.failures["late-no-name"] ?? 0) > 0, JSON.stringify(summary.failures));
    assert.equal(summary.failures["early-names"], undefined, JSON.stringify(summary.failures));
  });

  test("a listed-number step whose values all fail: the records fail, the rule is named", async () => {
    const yaml = `
seed: 16
tables:
  t:
    columns: { id: { type: integer }, g: { type: categorical, categories: [x, y] }, n: { type: integer } }
    primary_key: [id]
    rules:
      - { id: g-of, constraint: "g = 'x'", when: "row_number() <= 20" }
      - { id: g-late, constraint: "g = 'y'", when: "row_number() > 20" }
      - { id: n-of, categories: { column: n, weights: { '1': 1, '2': 1, '3': 1 } } }
      - { id: y-needs-big, when: "g = 'y'", constraint: "n * n > 50" }
fabricate: { t: { rows: 30 } }
`;
    const { memory, tables } = await run(yaml, file);
    const summary = tables.get("t")!;
    assert.equal(summary.rows, 20);
    assert.equal(summary.failed, 10);
    assert.ok(memory.objects("t").every((r) => r.g === "x"));
    assert.ok((summary.failures["y-needs-big"] ?? 0) > 0, JSON.stringify(summary.failures));
  });

  test("a categorical step whose values all fail: the records fail, the rule is named", async () => {
    // A nulls rule (of share 0) keeps the step off the cache: the forward-checking path is tested.
    const yaml = (nulls: boolean) => `
seed: 19
tables:
  t:
    columns: { id: { type: integer }, c: { type: categorical, categories: [A, B, C], nullable: true } }
    primary_key: [id]
    rules:
      ${nulls ? "- { id: no-nulls, nulls: { column: c, share: 0 } }" : ""}
      - { id: c-early, when: "row_number() <= 20", constraint: "c != 'C'" }
      - { id: c-late, when: "row_number() > 20", constraint: "c in ('D', 'E')" }
fabricate: { t: { rows: 30 } }
`;
    for (const nulls of [false, true]) {
      const { memory, tables } = await run(yaml(nulls), file);
      const summary = tables.get("t")!;
      const made = memory.objects("t");
      // Rows 21…30 can be made only as null (the nulls rule), never as A, B or C.
      assert.ok(made.every((r) => r.c !== "C"));
      assert.ok(made.filter((r) => (r.id as number) > 20).every((r) => r.c === null));
      assert.ok(summary.failed > 0, `nulls ${nulls}: ${summary.failed} failed`);
      assert.ok((summary.failures["c-late"] ?? 0) > 0, `nulls ${nulls}: ${JSON.stringify(summary.failures)}`);
      assert.equal(summary.failures["c-early"], undefined, JSON.stringify(summary.failures));
    }
  });

  test("a soft rule no categorical value can meet in some rows is the one dropped there", async () => {
    const yaml = `
seed: 20
tables:
  t:
    columns: { id: { type: integer }, c: { type: categorical, categories: [A, B, C] }, n: { type: integer } }
    primary_key: [id]
    rules:
      - { id: n-range, range: { column: n, min: 1, max: 9 } }
      - { id: prefer-small, constraint: "n <= 5", soft: true, priority: 1 }
      - { id: c-late, when: "row_number() > 20", constraint: "c in ('D', 'E')", soft: true, priority: 5 }
fabricate: { t: { rows: 30 } }
`;
    const { memory, tables } = await run(yaml, file);
    const summary = tables.get("t")!;
    assert.equal(summary.rows, 30);
    assert.equal(summary.failed, 0);
    // Only c-late conflicts (in rows 21…30); the lower-priority prefer-small is kept throughout.
    assert.deepEqual(summary.softDropped, { "c-late": 10 });
    assert.ok(memory.objects("t").every((r) => (r.n as number) <= 5));
  });
});

describe("a soft rule that conflicts with a cached step in some contexts", () => {
  test("it is dropped only for the records that need it; the mandatory rules always hold", async () => {
    const yaml = `
seed: 17
knowledge: { plain: plain.csv }
tables:
  parents:
    columns: { pid: { type: integer }, kind: { type: categorical, categories: [x, y] } }
    primary_key: [pid]
    rules: [ { categories: { column: kind, weights: { x: 1, y: 1 } } } ]
  kids:
    columns: { pid: { type: integer }, k: { type: integer }, name: { type: string } }
    primary_key: [pid, k]
    foreign_keys: [ { columns: [pid], table: parents, references: [pid] } ]
    rules:
      - { id: k, constraint: "k = row_number()" }
      - { id: names, lookup: { table: plain, columns: { name: name }, weight: weight } }
      - { id: y-names, when: "parents.kind = 'y'", constraint: "name in ('a', 'b')" }
      - { id: prefer-cd, soft: true, constraint: "name in ('c', 'd')" }
fabricate: { parents: { rows: 400 }, kids: { rows: { per: parents, count: 5 } } }
`;
    const { memory, tables, check } = await run(yaml, file);
    assertClean(check);
    const kind = new Map(memory.objects("parents").map((p) => [p.pid, p.kind]));
    const kids = memory.objects("kids");
    assert.equal(kids.length, 2000);
    const ofY = kids.filter((k) => kind.get(k.pid) === "y");
    const ofX = kids.filter((k) => kind.get(k.pid) === "x");
    assert.ok(ofY.length >= 800 && ofX.length >= 800, `${ofX.length} children of x, ${ofY.length} of y`);
    // Children of x keep the soft rule; children of y cannot, and drop it, all of them.
    for (const k of ofX) assert.ok(k.name === "c" || k.name === "d", `x child: ${k.name}`);
    for (const k of ofY) assert.ok(k.name === "a" || k.name === "b", `y child: ${k.name}`);
    const summary = tables.get("kids")!;
    assert.equal(summary.failed, 0);
    assert.deepEqual(summary.softDropped, { "prefer-cd": ofY.length });
    assert.deepEqual(summary.droppedUpFront, []);
    assert.deepEqual(check.soft, { "prefer-cd": ofY.length });
    // Without the soft rule the weights still hold: a 1 : b 3 (uniform would be a half).
    assertShare(ofY, "name", "b", 0.75);
  });
});

describe("a nulls rule on a drawn column (not cached)", () => {
  test("a categorical column: the null share as asked, the other rules hold", async () => {
    const yaml = `
seed: 18
tables:
  t:
    columns: { id: { type: integer }, g: { type: categorical, categories: [x, y] }, c: { type: categorical, categories: [A, B, C], nullable: true } }
    primary_key: [id]
    rules:
      - { categories: { column: g, weights: { x: 1, y: 1 } } }
      - { id: c-nulls, nulls: { column: c, share: 0.3 } }
      - { categories: { column: c, weights: { A: 1, B: 3, C: 20 } } }
      - { id: x-no-c, when: "g = 'x'", constraint: "c != 'C'" }
fabricate: { t: { rows: 3000 } }
`;
    const { memory, tables, check } = await run(yaml, file);
    assertClean(check);
    assert.equal(tables.get("t")!.failed, 0);
    const rows = memory.objects("t");
    assertShare(rows, "c", null, 0.3);
    const xs = rows.filter((r) => r.g === "x" && r.c !== null);
    assert.ok(xs.every((r) => r.c !== "C"));
    assertShare(xs, "c", "B", 0.75);
  });

  test("a lookup: nulls appear (the cache would draw none), the checks hold on the rest", async () => {
    const yaml = `
seed: 19
knowledge: { plain: plain.csv }
tables:
  t:
    columns: { id: { type: integer }, name: { type: string, nullable: true } }
    primary_key: [id]
    rules:
      - { id: names, lookup: { table: plain, columns: { name: name }, weight: weight } }
      - { id: name-nulls, nulls: { column: name, share: 0.2 } }
      - { id: no-f, constraint: "name != 'f'" }
fabricate: { t: { rows: 3000 } }
`;
    const { memory, tables, check } = await run(yaml, file);
    assertClean(check);
    assert.equal(tables.get("t")!.failed, 0);
    const rows = memory.objects("t");
    assert.ok(rows.every((r) => r.name !== "f"));
    // A null passes the check and a name is refused a fifth of the time (f is 4 of 20): the
    // records kept are null 0.2 / (0.2 + 0.8 × 0.8) = 0.238 of the time.
    assertShare(rows, "name", null, 0.2 / (0.2 + 0.8 * 0.8));
  });
});

describe("determinism", () => {
  const yaml = (seed: number) => `
seed: ${seed}
knowledge: { names: names.csv }
tables:
  parents:
    columns: { pid: { type: integer }, kind: { type: categorical, categories: [x, y] }, a: { type: integer } }
    primary_key: [pid]
    rules:
      - { categories: { column: kind, weights: { x: 1, y: 2 } } }
      - { range: { column: a, min: 1, max: 50 } }
  kids:
    columns: { pid: { type: integer }, n: { type: integer }, g: { type: categorical, categories: [x, y] }, name: { type: string }, v: { type: integer } }
    primary_key: [pid, n]
    foreign_keys: [ { columns: [pid], table: parents, references: [pid] } ]
    rules:
      - { constraint: "n = row_number()" }
      - { categories: { column: g, weights: { x: 1, y: 1 } } }
      - { lookup: { table: names, columns: { g: grp, name: name }, weight: weight } }
      - { when: "parents.kind = 'x'", constraint: "name != 'a' and name != 'p'" }
      - { when: "parents.kind = 'y'", constraint: "v = parents.a * 3" }
      - { range: { column: v, min: 0, max: 500 } }
fabricate: { parents: { rows: 50 }, kids: { rows: { per: parents, count: { kind: uniform, min: 1, max: 6 } } } }
`;

  test("the same project and seed give identical rows twice; another seed does not", async () => {
    const first = await run(yaml(31), file);
    const second = await run(yaml(31), file);
    assertClean(first.check);
    assert.ok(first.memory.rows.get("kids")!.length > 50);
    assert.deepEqual(second.memory.rows, first.memory.rows);
    const other = await run(yaml(32), file);
    assert.notDeepEqual(other.memory.rows.get("kids"), first.memory.rows.get("kids"));
  });
});
