/**
 * The copy filter (`fabricate run --avoid-copies-of REAL`): a project of low-cardinality columns
 * is fabricated against a planted real table (CSV, dates in another format than the writers'),
 * with and without the filter, and judged by the quality report's own exact-copy count.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import {
  COPY_FAILURE,
  compileProject,
  type RunOptions,
  type RunSummary,
  runProject,
  writtenSpecs,
} from "../engine/index.ts";
import { parseProject } from "../project/index.ts";
import { type PrivacyTable, qualityReport } from "../report/index.ts";
import { openWriter } from "../writers/index.ts";
import { buildCopyFilter, type CopyFilter } from "./copy-filter.ts";

const PROJECT = `
seed: 5
tables:
  people:
    columns:
      id: { type: integer }
      sex: { type: categorical, categories: [F, M] }
      grade: { type: integer }
      flag: { type: boolean }
      seen: { type: date }
    primary_key: [id]
    rules:
      - { range: { column: grade, min: 0, max: 2 } }
      - { range: { column: seen, min: '2020-01-13', max: '2020-01-15' } }
fabricate:
  people: { rows: 400 }
`;

/** 36 combinations; the real table holds 14 of them once each (rare), and one 12 times (common). */
const RARE = [
  ["F", 1, "true", "13/01/2020"],
  ["F", 1, "false", "14/01/2020"],
  ["F", 2, "true", "15/01/2020"],
  ["F", 2, "false", "13/01/2020"],
  ["M", 0, "true", "14/01/2020"],
  ["M", 0, "false", "15/01/2020"],
  ["M", 1, "true", "13/01/2020"],
  ["M", 1, "false", "14/01/2020"],
  ["M", 2, "true", "15/01/2020"],
  ["M", 2, "false", "13/01/2020"],
  ["F", 0, "true", "15/01/2020"],
  ["M", 0, "true", "13/01/2020"],
  ["F", 1, "true", "15/01/2020"],
  ["M", 2, "false", "15/01/2020"],
] as const;
const COMMON = ["F", 0, "false", "14/01/2020"] as const;
const K = 10;

function realCsv(): string {
  const rows = [...RARE, ...Array.from({ length: 12 }, () => COMMON)];
  return `id,sex,grade,flag,seen\n${rows.map((r, i) => `${1000 + i},${r.join(",")}`).join("\n")}\n`;
}

describe("--avoid-copies-of: no synthetic row equals a rare real row", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-copy-filter-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const real = path.join(dir, "real");
  let runs = 0;

  before(() => {
    mkdirSync(real);
    writeFileSync(path.join(real, "people.csv"), realCsv());
  });

  async function fabricate(
    yaml: string,
    options: RunOptions = {},
  ): Promise<{ out: string; summary: RunSummary; privacy: PrivacyTable }> {
    const { project, source } = parseProject(yaml, "people.yaml");
    const out = path.join(dir, `out-${++runs}`);
    const writer = await openWriter(`csv:${out}`);
    const summary = await runProject(compileProject(project, source), writer, options);
    const report = await qualityReport(real, out, { k: K });
    return { out, summary, privacy: report.privacy.find((p) => p.table === "people")! };
  }

  async function filterFor(yaml: string, k = K, hmacKey?: Uint8Array): Promise<CopyFilter> {
    const { project, source } = parseProject(yaml, "people.yaml");
    return buildCopyFilter(real, writtenSpecs(compileProject(project, source)), {
      k,
      ...(hmacKey === undefined ? {} : { hmacKey }),
    });
  }

  const avoid = (filter: CopyFilter): RunOptions => ({ avoid: (table) => filter.avoidance(table) });
  const csvOf = (out: string) => readFileSync(path.join(out, "people.csv"), "utf8");

  test("without the filter, chance matches of rare real rows happen (the report counts them)", async () => {
    const { privacy, summary } = await fabricate(PROJECT);
    assert.deepEqual(
      privacy.columns,
      ["sex", "grade", "flag", "seen"],
      "id is identifier-like: not compared",
    );
    assert.ok(privacy.exactCopies > 0, JSON.stringify(privacy));
    assert.equal(summary.tables[0]!.copies, undefined, "no filter, no copies entry");
  });

  test("with it: no exact copy, the refused records made again and counted, the common row still made", async () => {
    const filter = await filterFor(PROJECT);
    assert.deepEqual(filter.tables, [
      {
        table: "people",
        realTable: "people",
        columns: ["sex", "grade", "flag", "seen"],
        realRows: 26,
        rareRows: RARE.length,
      },
    ]);
    const { privacy, summary } = await fabricate(PROJECT, avoid(filter));
    filter.clear();
    const people = summary.tables[0]!;
    assert.equal(privacy.exactCopies, 0, JSON.stringify(privacy));
    assert.equal(people.rows, 400);
    assert.equal(people.failed, 0);
    assert.ok(people.copies !== undefined && people.copies.remade > 0, JSON.stringify(people.copies));
    assert.ok(people.copies.refused >= people.copies.remade);
    // A row shared by k or more real rows reveals no one: it is not avoided.
    assert.ok(privacy.commonMatches > 0, JSON.stringify(privacy));
  });

  test("a real row shared by k or more real rows is avoided only when k is raised above its count", async () => {
    // k = 13: the common row (12 real rows) is rare too, and is avoided with the others.
    const filter = await filterFor(PROJECT, 13);
    assert.equal(filter.tables[0]!.rareRows, RARE.length + 1);
    const { out, summary } = await fabricate(PROJECT, avoid(filter));
    filter.clear();
    const report = await qualityReport(real, out, { k: 13 });
    const privacy = report.privacy[0]!;
    assert.equal(privacy.exactCopies, 0, JSON.stringify(privacy));
    assert.equal(privacy.commonMatches, 0);
    assert.equal(summary.tables[0]!.failed, 0);
  });

  test("k = 1: no real row is rare, nothing is refused, and the rows are those made without the filter", async () => {
    const filter = await filterFor(PROJECT, 1);
    assert.equal(filter.tables[0]!.rareRows, 0);
    assert.equal(filter.avoidance("people"), undefined);
    const withIt = await fabricate(PROJECT, avoid(filter));
    const without = await fabricate(PROJECT);
    assert.equal(csvOf(withIt.out), csvOf(without.out));
  });

  test("the same seed, REAL and options give byte-identical output, whatever the HMAC key", async () => {
    const a = await filterFor(PROJECT, K, new Uint8Array(32).fill(1));
    const b = await filterFor(PROJECT, K, new Uint8Array(32).fill(2));
    const first = await fabricate(PROJECT, avoid(a));
    const second = await fabricate(PROJECT, avoid(b));
    const random = await filterFor(PROJECT);
    const third = await fabricate(PROJECT, avoid(random));
    assert.equal(csvOf(first.out), csvOf(second.out));
    assert.equal(csvOf(first.out), csvOf(third.out));
    // And the filter changed the rows (else this would show nothing).
    const without = await fabricate(PROJECT);
    assert.notEqual(csvOf(first.out), csvOf(without.out));
  });

  test("a record that can only copy a rare real row fails within the bound, counted as such", async () => {
    // Every combination the project can make (sex alone) is a rare real row.
    writeFileSync(path.join(real, "pairs.csv"), "id,sex\n1,F\n2,M\n");
    const yaml = `
seed: 3
tables:
  pairs:
    columns: { id: { type: integer }, sex: { type: categorical, categories: [F, M] } }
    primary_key: [id]
fabricate:
  pairs: { rows: 3 }
`;
    const filter = await filterFor(yaml);
    const { summary } = await fabricate(yaml, avoid(filter));
    filter.clear();
    const pairs = summary.tables[0]!;
    assert.equal(pairs.rows, 0);
    assert.equal(pairs.failed, 3);
    assert.ok((pairs.failures[COPY_FAILURE] ?? 0) > 0, JSON.stringify(pairs.failures));
    assert.equal(pairs.copies?.remade, 0);
    rmSync(path.join(real, "pairs.csv"));
  });

  test("clear() drops the sets: the table is no longer filtered", async () => {
    const filter = await filterFor(PROJECT);
    assert.notEqual(filter.avoidance("people"), undefined);
    filter.clear();
    assert.equal(filter.avoidance("people"), undefined);
  });

  test("the filter's description holds no real value", async () => {
    const filter = await filterFor(PROJECT);
    const text = JSON.stringify(filter.tables);
    for (const value of ["13/01/2020", '"F"', '"M"', "1000"]) assert.ok(!text.includes(value), value);
    filter.clear();
  });

  test("bad input: a REAL that cannot be read, and k below 1", async () => {
    const { project, source } = parseProject(PROJECT, "people.yaml");
    const specs = writtenSpecs(compileProject(project, source));
    await assert.rejects(
      buildCopyFilter(path.join(dir, "no-such-folder"), specs),
      (error) =>
        error instanceof SerumsError && error.code === "NOT_FOUND" && /no-such-folder/.test(error.message),
    );
    await assert.rejects(
      buildCopyFilter(real, specs, { k: 0 }),
      (error) => error instanceof SerumsError && error.code === "BAD_USAGE" && /--k 0/.test(error.message),
    );
  });

  test("a project table REAL lacks is not filtered", async () => {
    const yaml = PROJECT.replaceAll("people", "others");
    const filter = await filterFor(yaml);
    assert.deepEqual(filter.tables, []);
    assert.deepEqual(filter.missing, ["others"]);
    assert.equal(filter.avoidance("others"), undefined);
  });
});
