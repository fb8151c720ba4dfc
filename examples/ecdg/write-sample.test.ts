import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { generateSample, type SampleRow, type SampleValue } from "./sample.ts";
import { findTable } from "./schemas.ts";
import {
  CHEMOCARE_TABLES,
  CSV_TABLES,
  createTableSql,
  csvField,
  toCsv,
  writeSample,
} from "./write-sample.ts";

describe("csvField and toCsv", () => {
  it("quotes fields with commas, quotes, line ends or edge spaces, and only those", () => {
    assert.equal(csvField("EH4"), "EH4");
    assert.equal(csvField("St John's Hospital"), "St John's Hospital");
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("two\nlines"), '"two\nlines"');
    assert.equal(csvField("1A "), '"1A "');
    assert.equal(csvField(""), "");
  });

  it("round-trips awkward values through a CSV parser", () => {
    const table = findTable("ndc_smr06");
    const awkward = ['a "quoted", value', " lead", "crlf\r\nin", "plain"];
    const rows = awkward.map((value) => {
      const row: SampleRow = {};
      for (const c of table.columns) row[c.name] = value;
      return row;
    });
    const parsed = parse(toCsv(table, rows, ["Y", "N"]), { columns: true }) as Record<string, string>[];
    assert.deepEqual(
      parsed.map((r) => r.morphology),
      awkward,
    );
  });

  it("declares SQLite types and NOT NULL from the schema", () => {
    const sql = createTableSql(findTable("chemocare_treatment"));
    assert.match(sql, /"upi_number" INTEGER NOT NULL/);
    assert.match(sql, /"weight_kg" REAL NOT NULL/);
    assert.match(sql, /"treatment_datetime" TEXT NOT NULL/);
  });
});

describe("writeSample", () => {
  let dir: string;
  let files: string[];
  const options = { patients: 24, seed: 5 };
  const sample = generateSample(options);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ecdg-sample-"));
    ({ files } = await writeSample(path.join(dir, "out"), options));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes three CSV files and one SQLite database, and nothing else", () => {
    const out = path.join(dir, "out");
    assert.deepEqual(
      files.map((f) => path.relative(out, f)),
      ["ndc_smr01.csv", "ndc_smr06.csv", "ndc_charlson.csv", "chemocare.db"],
    );
    assert.deepEqual(readdirSync(out).sort(), [
      "chemocare.db",
      "ndc_charlson.csv",
      "ndc_smr01.csv",
      "ndc_smr06.csv",
    ]);
  });

  for (const [name, { file, booleans }] of Object.entries(CSV_TABLES)) {
    it(`${file} reads back as the sample's ${name} rows`, () => {
      const text = readFileSync(path.join(dir, "out", file), "utf8");
      const table = findTable(name);
      assert.ok(text.startsWith(`${table.columns.map((c) => c.name).join(",")}\r\n`));
      const records = parse(text, { columns: true }) as Record<string, string>[];
      const typed = records.map((record) => {
        const row: Record<string, SampleValue> = {};
        for (const c of table.columns) {
          const raw = record[c.name]!;
          if (raw === "") row[c.name] = null;
          else if (c.type === "integer" || c.type === "decimal") row[c.name] = Number(raw);
          else if (c.type === "boolean") {
            assert.ok(booleans.includes(raw), `${c.name}: ${raw}`);
            row[c.name] = raw === booleans[0];
          } else row[c.name] = raw;
        }
        return row;
      });
      // The CHI stays text, leading zero and all.
      assert.ok(records.some((r) => r.upi_number!.startsWith("0")));
      assert.deepEqual(typed, sample[name]);
    });
  }

  it("dates ndc_smr01 in ISO form and ndc_charlson as DD/MM/YYYY", () => {
    const smr01 = readFileSync(path.join(dir, "out", "ndc_smr01.csv"), "utf8").split("\r\n")[1]!;
    assert.match(smr01, /^\d{10},\d{4}-\d{2}-\d{2},\d{4}-\d{2}-\d{2},/);
    const charlson = readFileSync(path.join(dir, "out", "ndc_charlson.csv"), "utf8").split("\r\n")[1]!;
    assert.match(charlson, /^\d{10},\d{2}\/\d{2}\/\d{4},/);
  });

  it("puts the Chemocare tables in chemocare.db with the sample's rows and typed columns", () => {
    const db = new DatabaseSync(path.join(dir, "out", "chemocare.db"), { readOnly: true });
    try {
      for (const name of CHEMOCARE_TABLES) {
        const table = findTable(name);
        const info = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string }[];
        assert.deepEqual(
          info.map((c) => c.name),
          table.columns.map((c) => c.name),
        );
        const types = Object.fromEntries(info.map((c) => [c.name, c.type]));
        assert.equal(types.upi_number, "INTEGER");
        const got = db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all();
        assert.equal(got.length, sample[name]!.length);
        assert.deepEqual(
          got.map((r) => ({ ...r })),
          sample[name],
        );
        const typeofs = db.prepare(`SELECT DISTINCT typeof(upi_number) AS t FROM "${name}"`).all() as {
          t: string;
        }[];
        assert.deepEqual(
          typeofs.map((r) => r.t),
          ["integer"],
        );
      }
      const weights = db.prepare(`SELECT DISTINCT typeof(weight_kg) AS t FROM chemocare_treatment`).all() as {
        t: string;
      }[];
      assert.deepEqual(
        weights.map((r) => r.t),
        ["real"],
      );
    } finally {
      db.close();
    }
  });

  it("replaces an earlier database rather than appending to it", async () => {
    await writeSample(path.join(dir, "out"), options);
    const db = new DatabaseSync(path.join(dir, "out", "chemocare.db"), { readOnly: true });
    try {
      const { count } = db.prepare("SELECT count(*) AS count FROM chemocare_toxicity").get() as {
        count: number;
      };
      assert.equal(count, sample.chemocare_toxicity!.length);
    } finally {
      db.close();
    }
  });
});
