import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fabricateReport } from "../../cli/commands/fabricate-report.ts";
import { compileProject, runProject } from "../engine/index.ts";
import { loadProject } from "../project/index.ts";
import { openWriter } from "../writers/index.ts";
import { checkProjectRules } from "./report-rules.ts";

const dir = mkdtempSync(path.join(tmpdir(), "serums-report-rules-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const projectFile = path.join(dir, "project.yaml");
writeFileSync(
  projectFile,
  `
tables:
  people:
    columns:
      id: { type: integer }
      born: { type: date }
      height: { type: decimal, precision: 5, scale: 1 }
    primary_key: [id]
    rules:
      - { id: born, range: { column: born, min: "1950-01-01", max: "1999-12-31" } }
      - { id: height, distribution: { column: height, kind: truncated_normal, mean: 170, sd: 10, min: 140, max: 210 } }
  visits:
    columns:
      id: { type: integer }
      person: { type: integer }
      day: { type: date }
    primary_key: [id]
    foreign_keys: [{ columns: [person], table: people, references: [id] }]
    rules:
      - { id: after-birth, constraint: "day > people.born" }
fabricate:
  people: { rows: 300 }
  visits: { rows: { per: people, count: { kind: uniform, min: 0, max: 3 } } }
`,
);

async function fabricate(seed: number, folder: string): Promise<void> {
  const { project, source } = loadProject(projectFile);
  await runProject(compileProject(project, source), await openWriter(`csv:${folder}`, { overwrite: true }), {
    seed,
  });
}

test("the report's --project check: 0 violations and exit 0; a broken row counted and exit 1", async () => {
  const real = path.join(dir, "real");
  const synthetic = path.join(dir, "synthetic");
  await fabricate(1, real);
  await fabricate(2, synthetic);
  const clean = await checkProjectRules(projectFile, synthetic);
  assert.equal(clean.checked, true);
  assert.equal(clean.violations, 0);
  assert.ok((clean.rows ?? 0) > 300);

  const out = path.join(dir, "report.json");
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let code: number;
  try {
    code = await fabricateReport([
      "--real",
      real,
      "--synthetic",
      synthetic,
      "--project",
      projectFile,
      "--out",
      out,
    ]);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(code, 0);
  assert.equal(JSON.parse(readFileSync(out, "utf8")).rules.violations, 0);

  // A visit before its person's birth: the constraint reads the parent's column.
  const visits = path.join(synthetic, "visits.csv");
  const lines = readFileSync(visits, "utf8").split("\r\n"); // RFC 4180 line ends
  const header = lines[0]!.split(",");
  const cells = lines[1]!.split(",");
  cells[header.indexOf("day")] = "1940-01-01";
  lines[1] = cells.join(",");
  writeFileSync(visits, lines.join("\r\n"));
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    code = await fabricateReport([
      "--real",
      real,
      "--synthetic",
      synthetic,
      "--project",
      projectFile,
      "--out",
      out,
      "--force",
    ]);
  } finally {
    process.stdout.write = write;
  }
  const report = JSON.parse(readFileSync(out, "utf8"));
  assert.equal(code, 1, JSON.stringify(report.rules));
  assert.equal(report.rules.violations, 1);
  assert.deepEqual(report.rules.byRule, { "after-birth": 1 });
  assert.equal(
    report.privacy.every((p: { exactCopies: number }) => p.exactCopies === 0),
    true,
  );
});
