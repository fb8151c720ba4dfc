/**
 * Hoisting in tables made per parent: steps that read only the parent's values run once per
 * parent; their checks still decide for each parent (a parent whose values fail them has no
 * children, the next parent is judged afresh), and the rows obey every rule.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkRows } from "../check/index.ts";
import { parseProject } from "../project/index.ts";
import { compileProject } from "./compile-project.ts";
import { MemoryWriter } from "./memory-writer.ts";
import { runProject } from "./runner.ts";

const yaml = `
seed: 5
tables:
  parents:
    columns: { pid: { type: integer }, x: { type: integer } }
    primary_key: [pid]
    rules: [ { id: x, range: { column: x, min: 1, max: 10 } } ]
  cycles:
    columns: { pid: { type: integer }, n: { type: integer }, twice: { type: integer }, note: { type: integer } }
    primary_key: [pid, n]
    foreign_keys: [ { columns: [pid], table: parents, references: [pid] } ]
    rules:
      - { id: n, constraint: "n = row_number()" }
      - { id: twice, constraint: "twice = parents.x * 2" }
      - { id: small, constraint: "twice <= 10" }
      - { id: note, range: { column: note, min: 0, max: 9 } }
  doses:
    columns: { pid: { type: integer }, n: { type: integer }, k: { type: integer }, twice: { type: integer }, when_ok: { type: integer } }
    primary_key: [pid, n, k]
    foreign_keys:
      - { columns: [pid, n], table: cycles, references: [pid, n] }
      - { columns: [pid], table: parents, references: [pid] }
    rules:
      - { id: k, constraint: "k = row_number()" }
      - { id: twice-of-cycle, constraint: "twice = cycles.twice" }
      - { id: when-ok, constraint: "when_ok = parents.x + cycles.note" }
fabricate:
  parents: { rows: 40 }
  cycles: { rows: { per: parents, count: 3 } }
  doses: { rows: { per: cycles, count: 4 } }
`;

describe("hoisting steps that read only the parent", () => {
  test("a parent-only check still decides per parent, and the rows obey every rule", async () => {
    const { project, source } = parseProject(yaml, "hoist.yaml");
    const compiled = compileProject(project, source);
    // The steps hoisted: the key copied from the parent, and what is computed from parent values
    // (a grandparent's through the foreign key inside the parent's key, too).
    assert.deepEqual(compiled.byName.get("cycles")!.solver.hoistedColumns().sort(), ["pid", "twice"]);
    assert.deepEqual(compiled.byName.get("doses")!.solver.hoistedColumns().sort(), [
      "n",
      "pid",
      "twice",
      "when_ok",
    ]);
    const writer = new MemoryWriter();
    const summary = await runProject(compiled, writer, {});
    const parents = writer.objects("parents");
    const cycles = writer.objects("cycles");
    const small = parents.filter((p) => (p.x as number) <= 5);
    assert.ok(small.length > 5 && small.length < 35, `${small.length} parents with x <= 5`);
    // Exactly the parents whose x passes the check have their 3 cycles; the others none.
    const cycleParents = new Map<unknown, number>();
    for (const c of cycles) cycleParents.set(c.pid, (cycleParents.get(c.pid) ?? 0) + 1);
    assert.deepEqual([...cycleParents.keys()].sort(), small.map((p) => p.pid).sort());
    assert.ok([...cycleParents.values()].every((n) => n === 3));
    const cycleTable = summary.tables.find((t) => t.table === "cycles")!;
    assert.equal(cycleTable.failed, 3 * (parents.length - small.length));
    const x = new Map(parents.map((p) => [p.pid, p.x as number]));
    for (const c of cycles) assert.equal(c.twice, 2 * x.get(c.pid)!);
    const doses = writer.objects("doses");
    assert.equal(doses.length, cycles.length * 4);
    const note = new Map(cycles.map((c) => [`${c.pid}/${c.n}`, c.note as number]));
    for (const d of doses) {
      assert.equal(d.twice, 2 * x.get(d.pid)!);
      assert.equal(d.when_ok, x.get(d.pid)! + note.get(`${d.pid}/${d.n}`)!);
    }
    // The independent checker finds nothing but the parents left without their 3 cycles.
    const check = checkRows(project, source, Object.fromEntries(writer.rows));
    assert.deepEqual(check.byRule, { "fabricate.cycles.rows": parents.length - small.length });
  });

  test("after a record made without a soft rule, the next ones compute the hoisted value again", async () => {
    // y = parents.a (soft) is hoisted; z = row_number() is not; y != z fails the row whose number
    // is a, which is made without the soft rule (y drawn) — the rows after it have y = a again.
    const soft = `
seed: 3
tables:
  parents:
    columns: { pid: { type: integer }, a: { type: integer } }
    primary_key: [pid]
    rules: [ { range: { column: a, min: 1, max: 3 } } ]
  kids:
    columns: { pid: { type: integer }, y: { type: integer }, z: { type: integer } }
    primary_key: [pid, z]
    foreign_keys: [ { columns: [pid], table: parents, references: [pid] } ]
    rules:
      - { id: y-range, range: { column: y, min: 1, max: 9 } }
      - { id: y-of-parent, constraint: "y = parents.a", soft: true, priority: 1 }
      - { id: z, constraint: "z = row_number()" }
      - { id: differ, constraint: "y != z" }
fabricate:
  parents: { rows: 12 }
  kids: { rows: { per: parents, count: 4 } }
`;
    const { project, source } = parseProject(soft, "soft.yaml");
    const compiled = compileProject(project, source);
    assert.deepEqual(compiled.byName.get("kids")!.solver.hoistedColumns().sort(), ["pid", "y"]);
    const writer = new MemoryWriter();
    const summary = await runProject(compiled, writer, {});
    const a = new Map(writer.objects("parents").map((p) => [p.pid, p.a as number]));
    const kids = writer.objects("kids");
    assert.equal(kids.length, 48);
    for (const k of kids) {
      if (k.z === a.get(k.pid)) assert.notEqual(k.y, k.z, `parent ${k.pid} row ${k.z}`);
      else assert.equal(k.y, a.get(k.pid), `parent ${k.pid} row ${k.z}: y = parents.a`);
    }
    assert.deepEqual(summary.tables.find((t) => t.table === "kids")!.softDropped, { "y-of-parent": 12 });
  });
});
