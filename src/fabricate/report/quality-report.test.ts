import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parseForeignKey, seededRandom } from "../profile/index.ts";
import { memoryCatalogue } from "../profile/test-catalogue.ts";
import { formatDate } from "../table-spec.ts";
import { compareCatalogues, qualityReport } from "./quality-report.ts";
import { renderReport } from "./render-report.ts";

type Row = Record<string, string | number | null>;
const COLUMNS = ["patient_id", "age", "weight", "sex", "ward", "admitted", "stay"];

function patients(n: number, seed: number, options: { shift?: number } = {}): Row[] {
  const random = seededRandom(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const age = Math.round(20 + random() * 60 + (options.shift ?? 0));
    rows.push({
      patient_id: seed * 100_000 + i,
      age,
      weight: Math.round((40 + age * 0.6 + random() * 10) * 10) / 10,
      sex: random() < 0.7 ? "F" : "M",
      ward: age > 50 ? "W1" : random() < 0.5 ? "W2" : "W3",
      admitted: formatDate(16_000 + Math.floor(random() * 700)),
      stay: random() < 0.1 ? null : Math.floor(random() * 8),
    });
  }
  return rows;
}

/** Each column permuted independently: the same marginals, no joint structure. */
function shuffleColumns(rows: Row[], seed: number): Row[] {
  const random = seededRandom(seed);
  const out = rows.map((row) => ({ ...row }));
  for (const column of COLUMNS) {
    const values = rows.map((row) => row[column]!);
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [values[i], values[j]] = [values[j]!, values[i]!];
    }
    out.forEach((row, i) => {
      row[column] = values[i]!;
    });
  }
  return out;
}

const catalogue = (rows: Row[]) => memoryCatalogue([{ name: "patients", columns: COLUMNS, rows }]);

describe("the quality report", () => {
  const real = patients(400, 1);

  it("scores identical data 1.0 and finds every row an exact copy", async () => {
    const report = await compareCatalogues(catalogue(real), catalogue(real));
    assert.equal(report.overall, 1);
    for (const c of report.columns) assert.equal(c.score, 1, c.column);
    for (const p of report.pairs) assert.equal(p.score, 1, `${p.a} × ${p.b}`);
    assert.equal(report.privacy[0]!.exactCopies, 400);
    assert.equal(report.privacy[0]!.dcr.p50, 0);
    assert.equal(report.privacy[0]!.closerThanRealP5, 1);
    // The identifier is not scored, nor compared for copies.
    assert.deepEqual(
      report.skipped.map((s) => s.column),
      ["patient_id"],
    );
    assert.ok(!report.privacy[0]!.columns.includes("patient_id"));
  });

  it("scores fresh data from the same process high, with no copies", async () => {
    const report = await compareCatalogues(catalogue(real), catalogue(patients(400, 2)));
    assert.ok(report.overall > 0.9, `overall ${report.overall}`);
    assert.equal(report.privacy[0]!.exactCopies, 0);
    assert.ok(report.privacy[0]!.closerThanRealP5 < 0.5, JSON.stringify(report.privacy[0]));
  });

  it("scores shuffled columns low on pairs but high on columns", async () => {
    const report = await compareCatalogues(catalogue(real), catalogue(shuffleColumns(real, 3)));
    assert.ok(report.columnAverage! > 0.99, `columns ${report.columnAverage}`);
    const ageWeight = report.pairs.find((p) => p.a === "age" && p.b === "weight")!;
    assert.equal(ageWeight.metric, "correlation");
    assert.ok(ageWeight.real! > 0.9 && Math.abs(ageWeight.synthetic!) < 0.2, JSON.stringify(ageWeight));
    assert.ok(ageWeight.score < 0.6);
    const ageWard = report.pairs.find((p) => p.a === "age" && p.b === "ward")!;
    assert.equal(ageWard.metric, "contingency");
    assert.ok(ageWard.score < 0.8, `age × ward ${ageWard.score}`);
  });

  it("scores changed distributions low on their columns", async () => {
    const changed = patients(400, 2, { shift: 25 }).map((row) => ({ ...row, sex: "M" }));
    const report = await compareCatalogues(catalogue(real), catalogue(changed));
    const score = (column: string) => report.columns.find((c) => c.column === column)!.score;
    assert.ok(score("age") < 0.7, `age ${score("age")}`);
    assert.ok(score("sex") < 0.4, `sex ${score("sex")}`);
    assert.ok(score("admitted") > 0.85, `admitted ${score("admitted")}`);
    assert.ok(report.overall < 0.85, `overall ${report.overall}`);
  });

  it("counts exact copies hidden among fresh rows, whatever their identifiers", async () => {
    const fresh = patients(300, 5);
    const copied = real.slice(0, 7).map((row, i) => ({ ...row, patient_id: 9_000_000 + i }));
    const report = await compareCatalogues(catalogue(real), catalogue([...fresh, ...copied]));
    assert.equal(report.privacy[0]!.exactCopies, 7);
    assert.equal(report.privacy[0]!.commonMatches, 0);
    assert.equal(report.privacy[0]!.realDuplicateRate, 0);
    assert.match(renderReport(report), /7 EXACT COPIES of rare real rows/);
  });

  it("counts a copy of a rare real row, never one of a row k or more real rows share", async () => {
    // Two combinations many real patients share (10 and 9 of them, different identifiers).
    const common = { age: 70, weight: 82.5, sex: "F", ward: "W1", admitted: "2014-01-01", stay: 2 };
    const fewer = { ...common, ward: "W2" };
    const group = (values: Omit<Row, "patient_id">, n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ patient_id: from + i, ...values }));
    const realRows = [...real, ...group(common, 10, 7_000_000), ...group(fewer, 9, 7_100_000)];
    const unique = { ...real[3]!, patient_id: 9_100_000 };
    const synthetic = [
      ...patients(300, 5),
      ...group(common, 3, 9_000_000),
      ...group(fewer, 2, 9_000_100),
      unique,
    ];
    const report = await compareCatalogues(catalogue(realRows), catalogue(synthetic));
    const privacy = report.privacy[0]!;
    // 9 < k = 10: still rare; 10 real rows share `common`: reveals no one.
    assert.equal(privacy.copyK, 10);
    assert.equal(privacy.exactCopies, 3, JSON.stringify(privacy));
    assert.equal(privacy.commonMatches, 3);
    assert.equal(privacy.realDuplicateRate, Math.round((19 / 419) * 10_000) / 10_000);
    assert.ok(!privacy.columns.includes("patient_id"), "identifiers are not compared");
    assert.match(report.privacyCriterion, /fewer than 10 real rows share/);
    const text = renderReport(report);
    assert.match(text, /patients: 3 EXACT COPIES of rare real rows/);
    assert.match(
      text,
      /3 row\(s\) equal to common real rows \(real rows duplicated among themselves: 4\.5%\)/,
    );

    // A larger k makes the shared rows rare too; k = 1 makes no row rare.
    const strict = await compareCatalogues(catalogue(realRows), catalogue(synthetic), { copyK: 20 });
    assert.equal(strict.privacy[0]!.exactCopies, 6);
    assert.equal(strict.privacy[0]!.commonMatches, 0);
    const lax = await compareCatalogues(catalogue(realRows), catalogue(synthetic), { copyK: 1 });
    assert.equal(lax.privacy[0]!.exactCopies, 0);
    assert.equal(lax.privacy[0]!.commonMatches, 6);
  });

  it("compares children per parent along foreign keys", async () => {
    const parents = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: i, group: i % 2 === 0 ? "a" : "b" }));
    const children = (n: number, per: (i: number) => number) =>
      Array.from({ length: n }).flatMap((_, i) =>
        Array.from({ length: per(i) }, (__, j) => ({ parent_id: i, n: j })),
      );
    const build = (per: (i: number) => number) =>
      memoryCatalogue([
        { name: "parent", columns: ["id", "group"], rows: parents(60) },
        { name: "child", columns: ["parent_id", "n"], rows: children(60, per) },
      ]);
    const fk = [parseForeignKey("child.parent_id=parent.id")];
    const same = await compareCatalogues(
      build((i) => i % 5),
      build((i) => (i + 5) % 5),
      { foreignKeys: fk },
    );
    assert.equal(same.cardinality[0]!.score, 1);
    const different = await compareCatalogues(
      build((i) => i % 5),
      build(() => 8),
      { foreignKeys: fk },
    );
    assert.equal(different.cardinality[0]!.score, 0);
    assert.equal(different.cardinality[0]!.meanSynthetic, 8);
  });

  it("reads CSV folders, matches dates written in another format, and names what is missing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "serums-report-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const csv = (rows: Row[], columns: string[], dmy: boolean) =>
      `${columns.join(",")}\n${rows
        .map((row) =>
          columns
            .map((c) => {
              const v = row[c];
              if (v === null || v === undefined) return "";
              if (c === "admitted" && dmy) return String(v).split("-").reverse().join("/");
              return String(v);
            })
            .join(","),
        )
        .join("\n")}\n`;
    const realDir = path.join(dir, "real");
    const synthDir = path.join(dir, "synthetic");
    for (const d of [realDir, synthDir]) (await import("node:fs")).mkdirSync(d);
    writeFileSync(path.join(realDir, "patients.csv"), csv(real, COLUMNS, true));
    writeFileSync(path.join(realDir, "extra.csv"), "a\n1\n");
    writeFileSync(
      path.join(synthDir, "patients.csv"),
      csv(
        real,
        COLUMNS.filter((c) => c !== "ward"),
        false,
      ),
    );
    const report = await qualityReport(realDir, synthDir);
    assert.equal(report.columns.find((c) => c.column === "admitted")!.score, 1);
    assert.deepEqual(report.missing.sort(), ["extra", "patients.ward"]);
    const text = renderReport(report);
    assert.match(text, /Overall quality/);
    assert.match(text, /Missing from the synthetic data: .*patients\.ward/);
  });
});
