/**
 * Unique sets scoped to the parent a table is made per: keys stay unique within each parent, the
 * set holds only the current parent's children (it is cleared when the next parent starts), and
 * a set that does not hold the parent's key, or a table not made per parent, keeps a global set.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseProject } from "../project/index.ts";
import { compileProject } from "./compile-project.ts";
import { MemoryWriter } from "./memory-writer.ts";
import { runProject } from "./runner.ts";

async function run(yaml: string) {
  const { project, source } = parseProject(yaml, "scope.yaml");
  const compiled = compileProject(project, source);
  const writer = new MemoryWriter();
  const summary = await runProject(compiled, writer, {});
  const sizes = (table: string) => compiled.byName.get(table)!.solver.uniqueSizes();
  return { writer, summary, sizes };
}

const project = (childKey: string, extra = "") => `
seed: 7
tables:
  parents:
    columns: { pid: { type: integer }, grp: { type: integer } }
    primary_key: [pid]
    rules: [ { range: { column: grp, min: 1, max: 3 } } ]
  children:
    columns: { pid: { type: integer }, n: { type: integer }, code: { type: integer } }
    ${childKey}
    foreign_keys: [ { columns: [pid], table: parents, references: [pid] } ]
    rules:
      - { range: { column: n, min: 1, max: 5 } }
      - { range: { column: code, min: 1, max: 1000000 } }
${extra}
fabricate:
  parents: { rows: 50 }
  children: { rows: { per: parents, count: 5 } }
`;

describe("unique sets scoped to the parent", () => {
  test("a key holding the parent's key is checked per parent, and the set is cleared per parent", async () => {
    const { writer, summary, sizes } = await run(project("primary_key: [pid, n]"));
    const children = writer.objects("children");
    assert.equal(children.length, 250);
    assert.equal(summary.tables.find((t) => t.table === "children")!.failed, 0);
    // n has 5 values and each parent 5 children: unique within the parent means each takes all 5.
    const byParent = new Map<unknown, number[]>();
    for (const c of children) byParent.set(c.pid, [...(byParent.get(c.pid) ?? []), c.n as number]);
    assert.equal(byParent.size, 50);
    for (const [pid, ns] of byParent) assert.deepEqual([...ns].sort(), [1, 2, 3, 4, 5], `parent ${pid}`);
    // Only the last parent's children are held (a set never cleared would hold all 250).
    assert.deepEqual(sizes("children"), { "n,pid": 5 });
  });

  test("a unique set without the parent's key stays global and holds every row", async () => {
    const { writer, sizes } = await run(project("primary_key: [pid, n]\n    unique: [[code]]"));
    const codes = writer.objects("children").map((c) => c.code);
    assert.equal(new Set(codes).size, 250);
    assert.deepEqual(sizes("children"), { "n,pid": 5, code: 250 });
  });

  test("a table made as a total (parents drawn at random) keeps a global set", async () => {
    const yaml = project("primary_key: [pid, n]").replace(
      "children: { rows: { per: parents, count: 5 } }",
      "children: { rows: 100 }",
    );
    const { writer, sizes } = await run(yaml);
    const rows = writer.objects("children");
    assert.ok(rows.length >= 90, `${rows.length} rows`);
    // Children of one parent are not made together: keys must be unique across all, so global.
    assert.equal(new Set(rows.map((r) => `${r.pid}/${r.n}`)).size, rows.length);
    assert.deepEqual(sizes("children"), { "n,pid": rows.length });
  });

  test("the scoped run gives the same rows as a run without scoping would (the key is the same)", async () => {
    // Same seed, the key spelled in the other order: same set, same rows.
    const one = await run(project("primary_key: [pid, n]"));
    const two = await run(project("primary_key: [n, pid]"));
    assert.deepEqual(one.writer.rows, two.writer.rows);
  });

  test("appending: the target's existing keys are kept out of each parent's new children", async () => {
    const yaml = project("primary_key: [pid, n]")
      .replace("parents: { rows: 50 }", "parents: { mode: reuse }")
      .replace("count: 5", "count: 3");
    const { project: p, source } = parseProject(yaml, "scope.yaml");
    const compiled = compileProject(p, source);
    const writer = new MemoryWriter();
    const existingRows = async function* (table: string) {
      if (table === "parents") for (let pid = 1; pid <= 4; pid++) yield { pid, grp: 1 };
      // Parent 1 has children 1 and 2 already, parent 2 has 5.
      else
        for (const [pid, n] of [
          [1, 1],
          [1, 2],
          [2, 5],
        ])
          yield { pid, n, code: 9 };
    };
    await runProject(compiled, writer, { target: "db", existingRows, append: true });
    const made = writer.objects("children");
    assert.equal(made.length, 12);
    const of = (pid: number) =>
      made
        .filter((c) => c.pid === pid)
        .map((c) => c.n as number)
        .sort();
    assert.deepEqual(of(1), [3, 4, 5]);
    assert.ok(!of(2).includes(5), `parent 2 got ${of(2)}`);
    // The scoped set holds the 3 existing keys and the last parent's 3 new children, no more.
    assert.deepEqual(compiled.byName.get("children")!.solver.uniqueSizes(), { "n,pid": 3 + 3 });
  });
});
