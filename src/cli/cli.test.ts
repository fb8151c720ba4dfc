import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { writeSample } from "../../examples/ecdg/write-sample.ts";
import { recordSchema } from "../record/index.ts";

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "main.ts");
const ROOT = path.resolve(path.dirname(MAIN), "../..");

function serums(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: "", SERUMS_DB: "", ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the serums command", () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "serums-cli-"));
    db = path.join(dir, "serums.db");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints usage with --help (exit 0) and without a command (exit 2)", () => {
    const help = serums(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /record show ID/);
    assert.equal(serums([]).code, 2);
    for (const command of [["ingest"], ["record"], ["map"], ["demo"]]) {
      const sub = serums([...command, "--help"]);
      assert.equal(sub.code, 0, `${command} --help`);
      assert.match(sub.stdout, /^Usage: serums/);
    }
  });

  it("exits 2 naming the problem on bad usage", () => {
    const unknown = serums(["frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"; valid: demo, ingest, record, map/);
    const flag = serums(["record", "list", "--bogus", "--db", db]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--bogus/);
    const missing = serums(["ingest", "--source", "x.csv", "--db", db]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--mapping is required/);
    const when = serums(["record", "show", "chi:1", "--as-of", "yesterday", "--db", db]);
    assert.equal(when.code, 2);
    assert.match(when.stderr, /--as-of "yesterday" is not an instant/);
  });

  it("runs the demo, loads nothing new the second time, and lists and shows records", () => {
    const first = serums(["demo", "--db", db, "--patients", "24", "--json"]);
    assert.equal(first.code, 0, first.stderr);
    const loaded = JSON.parse(first.stdout);
    assert.equal(loaded.patients, 24);
    assert.equal(loaded.fabricated.patients, 24);
    assert.ok(loaded.fabricated.chemocare_treatment > loaded.fabricated.chemocare_toxicity);
    assert.deepEqual(
      loaded.loads.map((l: { source: string }) => l.source),
      ["ndc_smr06", "ndc_charlson", "ndc_smr01", "chemocare_toxicity", "chemocare_treatment"].map(
        (t) => `fabricated:${t}`,
      ),
      "the five source tables are loaded, the auxiliary patients and regimes are not",
    );
    assert.equal(loaded.loads[0].newPersons, 24);
    for (const load of loaded.loads) assert.equal(load.rowsRead, loaded.fabricated[load.source.slice(11)]);
    recordSchema.parse(loaded.record);
    assert.ok(loaded.record.identifiers.length > 0);

    const second = JSON.parse(serums(["demo", "--db", db, "--patients", "24", "--json"]).stdout);
    for (const load of second.loads) {
      assert.equal(load.newHubs + load.newLinks + load.newSatellites + load.newIdentifiers, 0, load.source);
      assert.equal(load.rowsUnchanged, load.rowsRead);
    }
    const text = serums(["demo", "--db", db, "--patients", "24"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Edinburgh Cancer Data Gateway use case \(24 patients, seed 20140101\)/);
    assert.match(text.stdout, /patients 24 \(not loaded\), ndc_smr06 24, /);
    assert.match(text.stdout, /fabricated:chemocare_treatment +\d+ +\d+ +0 +0 +0 +0\n/);
    assert.match(text.stdout, /Timeline \(\d+ events\)/);
    const both = serums(["demo", "--db", db, "--patients", "5", "--paper-scale"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--patients or --paper-scale, not both/);
    const none = serums(["demo", "--db", db, "--patients", "0"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--patients must be at least 1/);

    const list = JSON.parse(serums(["record", "list", "--json", "--limit", "5", "--db", db]).stdout);
    assert.equal(list.total, 24);
    assert.equal(list.records.length, 5);
    const id = list.records[0].serumsId;
    const shown = serums(["record", "show", id, "--json", "--db", db]);
    assert.equal(shown.code, 0, shown.stderr);
    const record = recordSchema.parse(JSON.parse(shown.stdout));
    assert.equal(record.serumsId, id);
    assert.ok(
      record.events.some((e) => e.source.startsWith("chemocare/")),
      "Chemocare events joined the Trak patient",
    );
    assert.ok(record.events.some((e) => e.source.startsWith("trak/")));

    const byChi = serums(["record", "show", `chi:${record.identifiers[0]!.value}`, "--db", db]);
    assert.equal(byChi.code, 0, byChi.stderr);
    assert.match(byChi.stdout, new RegExp(`Smart patient record ${id}`));
    assert.match(byChi.stdout, /Timeline \(\d+ events\)/);

    const early = JSON.parse(
      serums(["record", "show", id, "--json", "--effective", "2014-01-01", "--db", db]).stdout,
    );
    assert.equal(early.events.length, 0, "the use case's diagnoses start in 2014");
    const missing = serums(["record", "show", "srm-0000-0000-0000-0000", "--db", db]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no record with Serums ID srm-0000-0000-0000-0000/);
  });

  it("ingests with a reject file and reports it; stops with exit 2 and a located error without one", async () => {
    const sample = path.join(dir, "sample2");
    await writeSample(sample);
    const csv = readFileSync(path.join(sample, "ndc_smr06.csv"), "utf8").split(/\r?\n/);
    const broken = path.join(dir, "smr06.csv");
    const header = csv[0]!.split(",");
    const dateColumn = header.indexOf("date_of_incidence");
    const cells = csv[3]!.split(",");
    cells[dateColumn] = "2015-02-31";
    csv[3] = cells.join(",");
    writeFileSync(broken, csv.join("\n"));
    const mapping = path.join(ROOT, "examples/ecdg/mappings/ndc_smr06.yaml");
    const fresh = path.join(dir, "fresh.db");
    const stopped = serums(["ingest", "--mapping", mapping, "--source", broken, "--db", fresh]);
    assert.equal(stopped.code, 2);
    assert.match(stopped.stderr, /smr06\.csv, line 4: column date_of_incidence: "2015-02-31"/);
    const listed = JSON.parse(serums(["record", "list", "--json", "--db", fresh]).stdout);
    assert.equal(listed.total, 0, "nothing was loaded");
    const rejects = path.join(dir, "rejects.jsonl");
    const loaded = serums([
      "ingest",
      "--mapping",
      mapping,
      "--source",
      broken,
      "--db",
      fresh,
      "--reject-file",
      rejects,
      "--json",
    ]);
    assert.equal(loaded.code, 0, loaded.stderr);
    const report = JSON.parse(loaded.stdout);
    assert.equal(report.rowsRejected, 1);
    assert.equal(report.rowsRead, csv.filter((line) => line.trim() !== "").length - 1);
    assert.equal(JSON.parse(readFileSync(rejects, "utf8")).line, 4);
  });
});
