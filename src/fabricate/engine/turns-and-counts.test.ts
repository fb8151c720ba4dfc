/**
 * Lookups of the same columns taking turns by their conditions; foreign keys sharing columns;
 * children per parent counted from the parent row — each with the independent checker.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { checkRows } from "../check/index.ts";
import { parseProject } from "../project/index.ts";
import { compileText, fabricateText } from "./test-support.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-turns-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, "project.yaml");
writeFileSync(path.join(dir, "k.csv"), "name,unit,weight\na,x,1\nb,y,1\nc,x,2\n");

async function run(yaml: string) {
  const { writer, summary } = await fabricateText(yaml, {}, file);
  const { project, source } = parseProject(yaml, file);
  const check = checkRows(project, source, Object.fromEntries(writer.rows));
  return { writer, summary, check };
}

describe("lookups of the same columns under opposite conditions", () => {
  const yaml = (second: string) => `
knowledge: { k: k.csv }
tables:
  parents: { columns: { id: { type: integer } }, primary_key: [id], rules: [ { constraint: "id = row_number()" } ] }
  children:
    columns: { id: { type: integer }, name: { type: string }, unit: { type: categorical, categories: [x, y] } }
    primary_key: [id, name]
    foreign_keys: [ { columns: [id], table: parents, references: [id] } ]
    rules:
      - { when: "row_number() = 1", lookup: { table: k, columns: { name: name, unit: unit } } }
      - ${second}
fabricate: { parents: { rows: 30 }, children: { rows: { per: parents, count: 2 } } }
`;

  test("each draws under its own condition: no record fails, every pair is a knowledge row", async () => {
    const { writer, summary, check } = await run(
      yaml(
        `{ when: "row_number() > 1", lookup: { table: k, columns: { name: name, unit: unit }, weight: weight } }`,
      ),
    );
    const children = writer.objects("children");
    assert.equal(summary.tables.find((t) => t.table === "children")!.failed, 0);
    assert.equal(children.length, 60);
    const known = new Set(["a/x", "b/y", "c/x"]);
    for (const c of children) assert.ok(known.has(`${c.name}/${c.unit}`), `${c.name}/${c.unit}`);
    assert.equal(check.violations, 0, JSON.stringify(check.examples));
  });

  test("the second's weights apply only where its condition holds", async () => {
    // First rows: uniform, c a third. Second rows: weighted (c twice a or b) among the names the
    // first did not take (the key is [id, name]): 2/3 × 2/3 = 4/9; uniform would give 1/3.
    const yaml2 = yaml(
      `{ when: "row_number() > 1", lookup: { table: k, columns: { name: name, unit: unit }, weight: weight } }`,
    ).replace("rows: 30", "rows: 3000");
    const { writer } = await run(yaml2);
    const children = writer.objects("children");
    const share = (n: number) =>
      children.filter((c, i) => i % 2 === n - 1 && c.name === "c").length / (children.length / 2);
    assert.ok(Math.abs(share(1) - 1 / 3) < 0.04, `first rows: c ${share(1)}`);
    assert.ok(Math.abs(share(2) - 4 / 9) < 0.04, `second rows: c ${share(2)}`);
  });

  test("a lookup after an unconditional one of the same columns still checks membership", async () => {
    // Without a condition on the first, the second is a check: a pair not in k2 fails.
    writeFileSync(path.join(dir, "k2.csv"), "name,unit\na,x\n");
    const yaml3 = `
knowledge: { k: k.csv, k2: k2.csv }
tables:
  t:
    columns: { id: { type: integer }, name: { type: string }, unit: { type: categorical, categories: [x, y] } }
    primary_key: [id]
    rules:
      - { lookup: { table: k, columns: { name: name, unit: unit } } }
      - { lookup: { table: k2, columns: { name: name, unit: unit } } }
fabricate: { t: { rows: 50 } }
`;
    const { writer } = await run(yaml3);
    for (const r of writer.objects("t")) assert.deepEqual([r.name, r.unit], ["a", "x"]);
  });
});

describe("foreign keys sharing columns", () => {
  const yaml = (fks: string, per: string) => `
tables:
  regimes: { columns: { regime_id: { type: integer } }, primary_key: [regime_id], rules: [ { constraint: "regime_id = row_number()" } ] }
  cycles:
    columns: { regime_id: { type: integer }, cycle_number: { type: integer } }
    primary_key: [regime_id, cycle_number]
    foreign_keys: [ { columns: [regime_id], table: regimes, references: [regime_id] } ]
    rules: [ { constraint: "cycle_number = row_number()" } ]
  drugs:
    columns: { regime_id: { type: integer }, cycle_number: { type: integer } }
    foreign_keys:
${fks}
fabricate: { regimes: { rows: 4 }, cycles: { rows: { per: regimes, count: 3 } }, drugs: { rows: { per: ${per}, count: 2 } } }
`;
  const short = "      - { columns: [regime_id], table: regimes, references: [regime_id] }";
  const long =
    "      - { columns: [regime_id, cycle_number], table: cycles, references: [regime_id, cycle_number] }";
  for (const [name, fks] of [
    ["the shorter key first", `${short}\n${long}`],
    ["the longer key first", `${long}\n${short}`],
  ] as const) {
    for (const per of ["regimes", "cycles"]) {
      test(`${name}, per ${per}: every column is filled from a parent row`, async () => {
        const { writer, check } = await run(yaml(fks, per));
        const drugs = writer.objects("drugs");
        assert.equal(drugs.length, per === "regimes" ? 8 : 24);
        for (const d of drugs) {
          assert.equal(typeof d.regime_id, "number");
          assert.equal(typeof d.cycle_number, "number");
          assert.ok((d.cycle_number as number) >= 1 && (d.cycle_number as number) <= 3);
        }
        assert.equal(check.violations, 0, JSON.stringify(check.examples));
      });
    }
  }
});

describe("children per parent from the parent row", () => {
  const yaml = (count: string, extra = "") => `
tables:
  regimes:
    columns: { regime_id: { type: integer }, planned_cycles: { type: integer, nullable: true }, label: { type: string } }
    primary_key: [regime_id]
    rules:
      - { range: { column: planned_cycles, min: 1, max: 70 } }
      - { nulls: { column: planned_cycles, share: 0.1 } }
  cycles:
    columns: { regime_id: { type: integer }, cycle_number: { type: integer } }
    primary_key: [regime_id, cycle_number]
    foreign_keys: [ { columns: [regime_id], table: regimes, references: [regime_id] } ]
    rules: [ { constraint: "cycle_number = row_number()" } ]
${extra}
fabricate: { regimes: { rows: 200 }, cycles: { rows: { per: regimes, count: ${JSON.stringify(count)} } } }
`;
  const perRegime = (cycles: Record<string, unknown>[]) => {
    const m = new Map<unknown, number>();
    for (const c of cycles) m.set(c.regime_id, (m.get(c.regime_id) ?? 0) + 1);
    return m;
  };

  test("a column: each parent gets exactly that many children (none when null)", async () => {
    const { writer, check } = await run(yaml("planned_cycles"));
    const counts = perRegime(writer.objects("cycles"));
    const regimes = writer.objects("regimes");
    assert.ok(regimes.some((r) => r.planned_cycles === null));
    for (const r of regimes) assert.equal(counts.get(r.regime_id) ?? 0, r.planned_cycles ?? 0);
    assert.equal(check.violations, 0, JSON.stringify(check.examples));
  });

  test("an expression, qualified or not", async () => {
    const { writer, check } = await run(yaml("min(regimes.planned_cycles + 2, 60)"));
    const counts = perRegime(writer.objects("cycles"));
    for (const r of writer.objects("regimes")) {
      const want = r.planned_cycles === null ? 0 : Math.min((r.planned_cycles as number) + 2, 60);
      assert.equal(counts.get(r.regime_id) ?? 0, want);
    }
    assert.equal(check.violations, 0);
  });

  test("the checker finds a parent with the wrong number of children", async () => {
    const text = yaml("planned_cycles");
    const { writer } = await run(text);
    const { project, source } = parseProject(text, file);
    const regimes = writer.rows.get("regimes")!;
    const cycles = writer.rows.get("cycles")!;
    const victim = regimes.find((r) => typeof r[1] === "number" && (r[1] as number) > 1)!;
    // One child fewer for one regime: its last.
    const at = cycles.findLastIndex((c) => c[0] === victim[0]);
    const fewer = { regimes, cycles: cycles.filter((_, i) => i !== at) };
    const summary = checkRows(project, source, fewer);
    assert.equal(summary.byRule["fabricate.cycles.rows"], 1);
    assert.match(
      summary.examples[0]!.message,
      new RegExp(`has ${(victim[1] as number) - 1} children, not ${victim[1]}`),
    );
  });

  test("bad expressions are refused naming the path and what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["planned", /regimes has no column planned; its columns: regime_id, planned_cycles, label/],
      ["label", /must be a number/],
      ["cycles.regime_id", /a count reads only the parent regimes/],
      ["planned_cycles +", /fabricate\.cycles\.rows\.count|character/],
    ];
    for (const [count, message] of cases) {
      assert.throws(
        () => compileText(yaml(count), file),
        (e: SerumsError) => {
          assert.equal(e.code, "BAD_PROJECT", `${count}: ${e.message}`);
          assert.match(e.message, message);
          assert.equal(e.where.path, "fabricate.cycles.rows.count");
          return true;
        },
      );
    }
  });
});
