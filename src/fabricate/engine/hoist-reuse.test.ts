/**
 * The hoisting of conditional computations and the reused row array, through whole
 * small projects (candidate filtering: candidate-filter.test.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CellValue, RowValues, TableSpec } from "../table-spec.ts";
import type { FabricationWriter, TableWriter, WriteSummary } from "../writers/writer-types.ts";
import { assertClean, run } from "./test-support.ts";

describe("hoisting a conditional computation that reads only the parent", () => {
  const yaml = `
seed: 21
tables:
  parents:
    columns: { pid: { type: integer }, kind: { type: categorical, categories: [x, y, z] }, a: { type: integer } }
    primary_key: [pid]
    rules:
      - { categories: { column: kind, weights: { x: 1, y: 1, z: 1 } } }
      - { range: { column: a, min: 1, max: 9 } }
  kids:
    columns: { pid: { type: integer }, n: { type: integer }, val: { type: integer }, twice: { type: integer } }
    primary_key: [pid, n]
    foreign_keys: [ { columns: [pid], table: parents, references: [pid] } ]
    rules:
      - { id: n, constraint: "n = row_number()" }
      - { id: val-x, when: "parents.kind = 'x'", constraint: "val = parents.a * 10" }
      - { id: val-y, when: "parents.kind = 'y'", constraint: "val = parents.a + 1000" }
      - { id: val-range, range: { column: val, min: 1, max: 5000 } }
      - { id: twice, constraint: "twice = val * 2" }
fabricate: { parents: { rows: 30 }, kids: { rows: { per: parents, count: 20 } } }
`;

  test("it is hoisted; children share the computed value, or each draws its own when no condition holds", async () => {
    const { compiled, memory, tables, check } = await run(yaml, "hoist.yaml");
    const hoisted = compiled.byName.get("kids")!.solver.hoistedColumns();
    assert.ok(hoisted.includes("val"), `hoisted: ${hoisted.join(", ")}`);
    assert.ok(hoisted.includes("twice"), `hoisted: ${hoisted.join(", ")}`);
    assertClean(check);
    assert.equal(tables.get("kids")!.failed, 0);
    const parents = new Map(memory.objects("parents").map((p) => [p.pid, p]));
    const kids = memory.objects("kids");
    assert.equal(kids.length, 600);
    const byParent = new Map<CellValue | undefined, Record<string, CellValue>[]>();
    for (const k of kids) byParent.set(k.pid, [...(byParent.get(k.pid) ?? []), k]);
    const kinds = new Set<unknown>();
    for (const [pid, children] of byParent) {
      const p = parents.get(pid)!;
      kinds.add(p.kind);
      assert.equal(children.length, 20);
      for (const k of children)
        assert.equal(k.twice, 2 * (k.val as number), "twice follows the child's own val");
      const vals = new Set(children.map((k) => k.val));
      if (p.kind === "x" || p.kind === "y") {
        const want = p.kind === "x" ? (p.a as number) * 10 : (p.a as number) + 1000;
        assert.deepEqual([...vals], [want], `parent ${pid} (${p.kind})`);
      } else {
        // Drawn uniformly from 1…5000 for each child: 20 equal values would be a shared draw.
        assert.ok(vals.size >= 15, `parent ${pid} (z): ${vals.size} distinct values of 20`);
        for (const x of vals) assert.ok((x as number) >= 1 && (x as number) <= 5000);
      }
    }
    assert.deepEqual(kinds, new Set(["x", "y", "z"]), "each way of computing val occurs");
  });
});

/** A writer that records what it is handed, and copies of the values at each write. */
class RecordingWriter implements FabricationWriter {
  readonly arrays = new Map<string, RowValues[]>();
  readonly copies = new Map<string, CellValue[][]>();
  readonly keepsNoRow: boolean | undefined;
  constructor(keepsNoRow: boolean | undefined) {
    this.keepsNoRow = keepsNoRow;
  }

  async begin(tables: readonly TableSpec[]): Promise<void> {
    for (const t of tables) {
      this.arrays.set(t.name, []);
      this.copies.set(t.name, []);
    }
  }

  table(name: string): TableWriter {
    const arrays = this.arrays.get(name)!;
    const copies = this.copies.get(name)!;
    const write = (row: RowValues) => {
      arrays.push(row);
      copies.push([...row]);
    };
    return this.keepsNoRow === undefined
      ? { write, end: async () => undefined }
      : { write, keepsNoRow: this.keepsNoRow, end: async () => undefined };
  }

  async finish(): Promise<WriteSummary> {
    return {
      rows: Object.fromEntries([...this.copies].map(([k, v]) => [k, v.length])),
      location: "recording",
    };
  }

  async abort(): Promise<void> {}
}

describe("one row array for writers that keep no row", () => {
  // Parents' values are read back by the children (the key store must copy what it keeps).
  const yaml = `
seed: 41
tables:
  parents:
    columns: { pid: { type: integer }, label: { type: categorical, categories: [L, M, N] }, a: { type: integer } }
    primary_key: [pid]
    rules: [ { range: { column: a, min: 1, max: 1000 } } ]
  kids:
    columns: { pid: { type: integer }, n: { type: integer }, label: { type: categorical, categories: [L, M, N] }, b: { type: integer } }
    primary_key: [pid, n]
    foreign_keys: [ { columns: [pid], table: parents, references: [pid] } ]
    rules:
      - { constraint: "n = row_number()" }
      - { constraint: "label = parents.label" }
      - { constraint: "b = parents.a + n" }
fabricate: { parents: { rows: 40 }, kids: { rows: { per: parents, count: 3 } } }
`;

  test("keepsNoRow: the same array every time, holding the right values at each write", async () => {
    const memory = await run(yaml, "hoist.yaml");
    const reused = new RecordingWriter(true);
    await run(yaml, "hoist.yaml", reused);
    for (const table of ["parents", "kids"]) {
      const arrays = reused.arrays.get(table)!;
      assert.equal(arrays.length, memory.memory.rows.get(table)!.length);
      assert.equal(new Set(arrays).size, 1, `${table}: one array for every row`);
      assert.deepEqual(
        reused.copies.get(table),
        memory.memory.rows.get(table),
        `${table}: values at each write`,
      );
    }
    // The children read their parents' values right, though the parents' array was refilled.
    const parents = new Map(memory.memory.objects("parents").map((p) => [p.pid, p]));
    for (const k of memory.memory.objects("kids")) {
      assert.equal(k.label, parents.get(k.pid)!.label);
      assert.equal(k.b, (parents.get(k.pid)!.a as number) + (k.n as number));
    }
  });

  test("without keepsNoRow (absent or false): a distinct array per row, as the writer may keep it", async () => {
    const memory = await run(yaml, "hoist.yaml");
    for (const flag of [undefined, false]) {
      const writer = new RecordingWriter(flag);
      await run(yaml, "hoist.yaml", writer);
      for (const table of ["parents", "kids"]) {
        const arrays = writer.arrays.get(table)!;
        assert.equal(new Set(arrays).size, arrays.length, `${table}, keepsNoRow ${flag}: distinct arrays`);
        // What the writer kept still holds each row's values afterwards.
        assert.deepEqual(
          arrays.map((a) => [...a]),
          memory.memory.rows.get(table),
        );
      }
    }
  });
});
