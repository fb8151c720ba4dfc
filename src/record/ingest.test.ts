import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, beforeEach, it } from "node:test";
import type { SerumsError } from "../errors/index.ts";
import { describeEachEngine, openTestStore, type TestStore } from "../store/test-engines.ts";
import { assembleRecord, ingest, recordMigrations, recordSchema, resolveSerumsId } from "./index.ts";
import {
  chemoMapping,
  chemoRow,
  chemoSource,
  tableCounts,
  trakMapping,
  trakRow,
  trakSource,
} from "./test-fixtures.ts";

describeEachEngine("ingest", (engine) => {
  let t: TestStore;
  let dir: string;
  beforeEach(async () => {
    t = await openTestStore(engine, recordMigrations);
    dir = mkdtempSync(path.join(tmpdir(), "serums-ingest-"));
  });
  afterEach(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const twoAdmissions = () => [
    trakRow(),
    trakRow({
      admitted: "2015-06-01",
      discharged: "2015-06-03",
      stay: "2",
      postcode: "EH5 1AA",
      condition: "C50.4",
    }),
    trakRow({ chi: "0202627777", hospital_number: "T200", sex: "1", condition: null }),
  ];

  it("loads hubs, links and satellites and reports what it did", async () => {
    const report = await ingest(t.store, trakMapping(), trakSource(twoAdmissions()), { batchSize: 2 });
    assert.equal(report.rowsRead, 3);
    assert.equal(report.rowsChanged, 3);
    assert.equal(report.rowsUnchanged, 0);
    assert.equal(report.newPersons, 2);
    assert.equal(report.newIdentifiers, 4);
    const counts = await tableCounts(t.store);
    assert.equal(counts.hub_person, 2);
    assert.equal(counts.hub_event, 3);
    assert.equal(counts.hub_object, 2, "two distinct conditions; the null condition adds none");
    assert.equal(counts.hub_location, 3, "two postcodes and one site");
    assert.equal(counts.load_log, 1);
    assert.equal(
      report.newHubs,
      counts.hub_person + counts.hub_event + counts.hub_object + counts.hub_location,
    );
    assert.equal(report.newLinks, counts.link);
    assert.equal(report.newSatellites, counts.satellite);
  });

  it("is idempotent: loading the same rows again changes nothing", async () => {
    await ingest(t.store, trakMapping(), trakSource(twoAdmissions()));
    const before = await tableCounts(t.store);
    const again = await ingest(t.store, trakMapping(), trakSource(twoAdmissions()), { batchSize: 1 });
    assert.equal(again.rowsChanged, 0);
    assert.equal(again.rowsUnchanged, 3);
    assert.equal(again.newHubs + again.newLinks + again.newSatellites + again.newIdentifiers, 0);
    const afterCounts = await tableCounts(t.store);
    assert.deepEqual({ ...afterCounts, load_log: 0 }, { ...before, load_log: 0 });
    assert.equal(afterCounts.load_log, 2);
  });

  it("adds a satellite row for a changed attribute and keeps the old one for as-of queries", async () => {
    let clock = Date.parse("2020-01-01T00:00:00Z");
    const now = () => clock;
    const first = await ingest(t.store, trakMapping(), trakSource([trakRow()]), { now });
    clock = Date.parse("2020-02-01T00:00:00Z");
    const second = await ingest(
      t.store,
      trakMapping(),
      trakSource([trakRow({ stay: "5", discharged: "2014-03-10" })]),
      {
        now,
      },
    );
    assert.equal(second.newSatellites, 2, "the episode and the event time changed");
    assert.equal(second.rowsChanged, 1);
    const id = await resolveSerumsId(t.store, "chi:0101561234");
    const latest = await assembleRecord(t.store, id);
    assert.equal(latest.events[0]?.facts[0]?.attributes.length_of_stay_days, 5);
    assert.equal(latest.events[0]?.end, "2014-03-10T00:00:00.000Z");
    const past = await assembleRecord(t.store, id, { loadTime: first.loadTs });
    assert.equal(past.events[0]?.facts[0]?.attributes.length_of_stay_days, 4);
    assert.equal(past.events[0]?.end, "2014-03-09T00:00:00.000Z");
    await assert.rejects(
      assembleRecord(t.store, id, { loadTime: first.loadTs - 1 }),
      (e: SerumsError) => e.code === "NOT_FOUND",
    );
  });

  it("assembles the record as of an effective time", async () => {
    await ingest(t.store, trakMapping(), trakSource(twoAdmissions()));
    const id = await resolveSerumsId(t.store, "trak:T100");
    const now = await assembleRecord(t.store, id);
    assert.equal(now.events.length, 2);
    assert.equal(now.person.facts[0]?.attributes.postcode, "EH5 1AA");
    assert.equal(
      now.person.facts[0]?.effectiveFrom,
      "2015-05-31T23:00:00.000Z",
      "local midnight in British Summer Time",
    );
    const in2014 = await assembleRecord(t.store, id, { effectiveTime: Date.parse("2014-12-31T00:00:00Z") });
    assert.equal(in2014.events.length, 1);
    assert.equal(in2014.person.facts[0]?.attributes.postcode, "EH4 2XU");
    const before = await assembleRecord(t.store, id, { effectiveTime: Date.parse("2010-01-01T00:00:00Z") });
    assert.equal(before.events.length, 0);
    assert.equal(before.person.facts.length, 0);
  });

  it("matches the same patient across sources into one golden nominal", async () => {
    await ingest(t.store, trakMapping(), trakSource(twoAdmissions()));
    const report = await ingest(
      t.store,
      chemoMapping(),
      chemoSource([chemoRow(), chemoRow({ cycle: 2, given_at: "01/05/2014 10:00" })]),
    );
    assert.equal(report.newPersons, 0, "CHI 101561234 from Chemocare, padded, is Trak's 0101561234");
    const record = await assembleRecord(t.store, await resolveSerumsId(t.store, "chi:0101561234"));
    assert.deepEqual(
      record.identifiers.map((i) => `${i.system}:${i.value}:${i.source}`),
      ["chi:0101561234:trak/admissions", "trak:T100:trak/admissions"],
    );
    assert.deepEqual(
      record.events.map((e) => e.type),
      [
        "hospital_admission",
        "chemotherapy_regime",
        "chemotherapy_cycle",
        "chemotherapy_cycle",
        "hospital_admission",
      ],
    );
    const regime = record.events[1]!;
    assert.equal(regime.startDerived, true);
    assert.equal(regime.start, "2014-04-10T08:30:00.000Z", "09:30 British Summer Time is 08:30 UTC");
    assert.equal(record.events[2]?.partOf, regime.id);
    assert.equal(record.events[2]?.facts[0]?.attributes.weight_kg, 69.85322498);
    assert.equal(record.events[2]?.objects[0]?.code, "Docetaxel");
    const admission = record.events[0]!;
    assert.deepEqual(admission.objects[0], {
      role: "main_condition",
      type: "condition",
      codeSystem: "ICD-10",
      code: "C50.9",
      source: "trak/admissions",
      facts: [],
    });
    assert.equal(admission.locations[0]?.key, "WESTERN GENERAL HOSPITAL");
    assert.deepEqual(recordSchema.parse(record), record);
  });

  it("refuses a row that gives a known person a second identifier of the same system", async () => {
    await ingest(t.store, trakMapping(), trakSource([trakRow()]));
    await assert.rejects(
      ingest(t.store, trakMapping(), trakSource([trakRow({ chi: "0909099999" })])),
      (error: SerumsError) =>
        error.code === "IDENTITY_CONFLICT" &&
        /already has a different chi/.test(error.message) &&
        !error.message.includes("0909"),
    );
    const rejectFile = path.join(dir, "r.jsonl");
    const report = await ingest(
      t.store,
      trakMapping(),
      trakSource([trakRow({ chi: "0909099999" }), trakRow({ chi: "0909099999", hospital_number: "T909" })]),
      { rejectFile },
    );
    assert.equal(report.rowsRejected, 1);
    assert.equal(report.newPersons, 1, "the second row is a different patient");
  });

  it("refuses a row whose identifiers belong to two different people, changing nothing", async () => {
    await ingest(t.store, trakMapping(), trakSource(twoAdmissions()));
    const before = await tableCounts(t.store);
    await assert.rejects(
      ingest(t.store, trakMapping(), trakSource([trakRow({ chi: "0202627777", hospital_number: "T100" })])),
      (error: SerumsError) =>
        error.code === "IDENTITY_CONFLICT" &&
        /trak\.csv, line 1/.test(error.message) &&
        !error.message.includes("T100"),
    );
    assert.deepEqual(await tableCounts(t.store), before);
  });

  it("stops at a bad row with an error naming file, line, column and value, and leaves the store as it was", async () => {
    await ingest(t.store, trakMapping(), trakSource([trakRow()]));
    const before = await tableCounts(t.store);
    const rows = [
      trakRow({ chi: "1111111111", hospital_number: "T1" }),
      trakRow({ chi: "2222222222", hospital_number: "T2" }),
      trakRow({ admitted: "2014-13-40" }),
    ];
    await assert.rejects(
      ingest(t.store, trakMapping(), trakSource(rows), { batchSize: 1 }),
      (error: SerumsError) => {
        assert.equal(error.code, "BAD_ROW");
        assert.equal(error.where.file, "trak.csv");
        assert.equal(error.where.line, 3);
        assert.equal(error.where.column, "admitted");
        assert.equal(error.where.value, "2014-13-40");
        assert.match(error.message, /^trak\.csv, line 3: .*admitted.*2014-13-40/);
        return true;
      },
    );
    assert.deepEqual(await tableCounts(t.store), before);
  });

  it("with a reject file, sets bad rows aside with their reason and loads the rest", async () => {
    const rejectFile = path.join(dir, "rejects.jsonl");
    const rows = [
      trakRow(),
      trakRow({ sex: "7" }),
      trakRow({ chi: "3333333333", hospital_number: "T300", stay: "four" }),
      trakRow({ chi: "4444444444", hospital_number: "T400" }),
    ];
    const report = await ingest(t.store, trakMapping(), trakSource(rows), { rejectFile });
    assert.equal(report.rowsRejected, 2);
    assert.equal(report.newPersons, 2);
    const rejected = readFileSync(rejectFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      rejected.map((r) => [r.line, r.code, r.column]),
      [
        [2, "BAD_ROW", "sex"],
        [3, "BAD_ROW", "stay"],
      ],
    );
    assert.match(rejected[0].reason, /"7"/);
    const clean = path.join(dir, "none.jsonl");
    await ingest(t.store, trakMapping(), trakSource([trakRow()]), { rejectFile: clean });
    assert.equal(existsSync(clean), false, "no rejects, no file");
  });

  it("leaves no reject file behind when the load fails", async () => {
    const rejectFile = path.join(dir, "rejects.jsonl");
    const rows = [trakRow({ sex: "7" }), trakRow({ chi: "0202627777", hospital_number: "T100" }), trakRow()];
    // Row 3's hospital number names row 2's patient, who has another CHI: rejected too, so the load commits.
    const report = await ingest(t.store, trakMapping(), trakSource(rows), { rejectFile });
    assert.equal(report.rowsRejected, 2);
    assert.equal(existsSync(rejectFile), true);
    const missing = path.join(dir, "gone.jsonl");
    await assert.rejects(
      ingest(
        t.store,
        trakMapping(),
        new (await import("../sources/memory-source.ts")).MemorySource("x.csv", ["chi"], [{ chi: "1" }]),
        {
          rejectFile: missing,
        },
      ),
      (error: SerumsError) => error.code === "BAD_MAPPING",
    );
    assert.equal(existsSync(missing), false);
  });

  it("refuses a source that lacks a column the mapping reads, naming it", async () => {
    const { MemorySource } = await import("../sources/memory-source.ts");
    await assert.rejects(
      ingest(t.store, trakMapping(), new MemorySource("partial.csv", ["chi", "sex"], [])),
      (error: SerumsError) =>
        error.code === "BAD_MAPPING" && /no column "hospital_number"/.test(error.message),
    );
    assert.equal((await tableCounts(t.store)).load_log, 0);
  });

  it("refuses two rows of one load that say different things about one satellite", async () => {
    const rows = [trakRow(), trakRow({ stay: "9" })];
    await assert.rejects(ingest(t.store, trakMapping(), trakSource(rows)), (error: SerumsError) => {
      assert.equal(error.code, "BAD_ROW");
      assert.match(error.message, /line 2: satellite episode .* line 1/);
      return true;
    });
    assert.equal((await tableCounts(t.store)).hub_person, 0);
  });
});

describeEachEngine("record lookup", (engine) => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore(engine, recordMigrations);
    await ingest(t.store, trakMapping(), trakSource([trakRow()]));
  });
  after(() => t.dispose());

  it("resolves a Serums ID or system:value, and names what is wrong otherwise", async () => {
    const id = await resolveSerumsId(t.store, "chi:0101561234");
    assert.match(id, /^srm(-[0-9a-z]{4}){4}$/);
    assert.equal(await resolveSerumsId(t.store, id), id);
    await assert.rejects(
      resolveSerumsId(t.store, "chi:999"),
      (e: SerumsError) => e.code === "NOT_FOUND" && /chi, trak/.test(e.message),
    );
    await assert.rejects(resolveSerumsId(t.store, "nonsense"), (e: SerumsError) => e.code === "BAD_USAGE");
    await assert.rejects(
      assembleRecord(t.store, "srm-0000-0000-0000-0000"),
      (e: SerumsError) => e.code === "NOT_FOUND",
    );
  });
});
