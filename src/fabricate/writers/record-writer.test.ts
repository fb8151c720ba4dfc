import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, it } from "node:test";
import { generateSample, type SampleRow } from "../../../examples/ecdg/sample.ts";
import { ecdgTables, type SourceTable } from "../../../examples/ecdg/schemas.ts";
import { writeSample } from "../../../examples/ecdg/write-sample.ts";
import type { SerumsError } from "../../errors/index.ts";
import {
  assembleRecord,
  ingest,
  loadMapping,
  type Mapping,
  type PatientRecord,
  parseMapping,
  recordMigrations,
  resolveSerumsId,
} from "../../record/index.ts";
import { openSource } from "../../sources/index.ts";
import type { Store } from "../../store/index.ts";
import { describeEachEngine, openTestStore, type TestStore } from "../../store/test-engines.ts";
import { parseDate, type RowValues, type TableSpec } from "../table-spec.ts";
import { openRecordWriter, RecordWriter } from "./record-writer.ts";

const ECDG = path.resolve(import.meta.dirname, "../../../examples/ecdg");
const MAPPINGS = path.join(ECDG, "mappings");

/** The ECDG tables as the engine describes them. */
function tableSpec(table: SourceTable): TableSpec {
  return {
    name: table.name,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
    primaryKey: [],
    unique: [],
    foreignKeys: [],
  };
}
const SPECS = ecdgTables.map(tableSpec);

/** Offset of Europe/London from UTC at an instant, in ms (independent of the writer's). */
function londonOffset(ms: number): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London",
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(ms);
  const p = Object.fromEntries(parts.map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - Math.floor(ms / 60_000) * 60_000;
}

/** A sample value as the engine holds it: dates as days, date-times as UTC seconds. */
function engineValue(type: string, value: SampleRow[string]): RowValues[number] {
  if (value === null || typeof value !== "string") return value ?? null;
  if (type === "date") {
    const dmy = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
    const days = parseDate(dmy ? `${dmy[3]}-${dmy[2]}-${dmy[1]}` : value);
    assert.ok(days !== undefined, value);
    return days;
  }
  if (type === "datetime") {
    const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(value)!;
    const naive = Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4]), Number(m[5]));
    const utc = naive - londonOffset(naive - londonOffset(naive));
    return utc / 1000;
  }
  return value;
}

function engineRows(table: SourceTable, rows: readonly SampleRow[]): RowValues[] {
  return rows.map((row) => table.columns.map((c) => engineValue(c.type, row[c.name] ?? null)));
}

async function fabricate(writer: RecordWriter, tables: Record<string, RowValues[]>, specs = SPECS) {
  const chosen = specs.filter((s) => tables[s.name] !== undefined);
  await writer.begin(chosen);
  for (const spec of chosen) {
    const table = writer.table(spec.name);
    for (const row of tables[spec.name]!) {
      const wait = table.write(row);
      if (wait) await wait;
    }
    await table.end();
  }
  return writer.finish();
}

/** A record without what differs between two loads of the same data: the Serums ID and load times. */
function comparable(record: PatientRecord): unknown {
  return JSON.parse(
    JSON.stringify({ ...record, serumsId: "", asOf: {} }, (key, value) => (key === "loadedAt" ? "" : value)),
  );
}

async function counts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [
    "hub_person",
    "person_identifier",
    "hub_object",
    "hub_location",
    "hub_event",
    "link",
    "satellite",
  ]) {
    out[table] = Number((await store.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
  }
  return out;
}

const sample = generateSample({ patients: 5, seed: 3 });
const fabricated = Object.fromEntries(ecdgTables.map((t) => [t.name, engineRows(t, sample[t.name]!)]));
const chis = [...new Set(sample.ndc_smr06!.map((r) => String(r.upi_number)))];

describeEachEngine("record writer", (engine) => {
  let a: TestStore;
  let dir: string;
  beforeEach(async () => {
    a = await openTestStore(engine, recordMigrations);
    dir = mkdtempSync(path.join(tmpdir(), "serums-record-writer-"));
  });
  afterEach(async () => {
    await a.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads fabricated rows exactly as the same data loads from the source files", async () => {
    const writer = new RecordWriter({ store: a.store, mappings: MAPPINGS, batchSize: 7, highWater: 5 });
    const summary = await fabricate(writer, fabricated);
    assert.deepEqual(
      summary.rows,
      Object.fromEntries(ecdgTables.map((t) => [t.name, sample[t.name]!.length])),
    );
    assert.match(summary.location, /^record:/);
    assert.deepEqual(
      writer.reports.map((r) => [r.source, r.rowsRead, r.rowsRejected]),
      ecdgTables.map((t) => [`fabricated:${t.name}`, sample[t.name]!.length, 0]),
    );

    // The same sample, written as the hospital sources hold it and loaded from them.
    const b = await openTestStore(engine, recordMigrations);
    try {
      await writeSample(dir, { patients: 5, seed: 3 });
      const files: Record<string, string> = {
        ndc_smr01: path.join(dir, "ndc_smr01.csv"),
        ndc_smr06: path.join(dir, "ndc_smr06.csv"),
        ndc_charlson: path.join(dir, "ndc_charlson.csv"),
        chemocare_toxicity: `${path.join(dir, "chemocare.db")}#chemocare_toxicity`,
        chemocare_treatment: `${path.join(dir, "chemocare.db")}#chemocare_treatment`,
      };
      for (const table of ecdgTables) {
        const reader = await openSource(files[table.name]!);
        try {
          await ingest(b.store, await loadMapping(path.join(MAPPINGS, `${table.name}.yaml`)), reader);
        } finally {
          await reader.close();
        }
      }
      const fromWriter = await counts(a.store);
      assert.deepEqual(fromWriter, await counts(b.store));
      assert.equal(fromWriter.hub_person, chis.length);
      for (const chi of chis) {
        const left = await assembleRecord(a.store, await resolveSerumsId(a.store, `chi:${chi}`));
        const right = await assembleRecord(b.store, await resolveSerumsId(b.store, `chi:${chi}`));
        assert.ok(left.events.length > 5, "each patient has a diagnosis, admissions and cycles");
        assert.deepEqual(comparable(left), comparable(right), chi);
      }
    } finally {
      await b.dispose();
    }
  });

  it("changes nothing when the same rows are written again", async () => {
    await fabricate(new RecordWriter({ store: a.store, mappings: MAPPINGS }), fabricated);
    const before = await counts(a.store);
    const again = new RecordWriter({ store: a.store, mappings: MAPPINGS });
    await fabricate(again, fabricated);
    assert.deepEqual(await counts(a.store), before);
    assert.deepEqual(
      again.reports.map((r) => r.rowsChanged),
      ecdgTables.map(() => 0),
    );
  });

  it("rejects a bad row naming the table and row, and leaves that table unloaded", async () => {
    const smr06 = fabricated.ndc_smr06!.map((row) => [...row]);
    smr06[2]![0] = null; // upi_number is required by the mapping
    const writer = new RecordWriter({ store: a.store, mappings: MAPPINGS });
    await writer.begin(SPECS.filter((s) => s.name === "ndc_smr01" || s.name === "ndc_smr06"));
    for (const name of ["ndc_smr01", "ndc_smr06"]) {
      const table = writer.table(name);
      for (const row of name === "ndc_smr06" ? smr06 : fabricated[name]!) await table.write(row);
      if (name === "ndc_smr01") await table.end();
      else
        await assert.rejects(
          table.end(),
          (e: SerumsError) =>
            e.code === "BAD_ROW" &&
            /fabricated:ndc_smr06, line 3/.test(e.message) &&
            /upi_number/.test(e.message),
        );
    }
    await writer.abort();
    const log = await a.store.all<{ source_name: string }>("SELECT source_name FROM load_log");
    assert.deepEqual(
      log.map((r) => r.source_name),
      ["fabricated:ndc_smr01"],
    );
    const diagnoses = await a.store.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM hub_event WHERE event_type = 'cancer_diagnosis'",
    );
    assert.equal(Number(diagnoses!.n), 0);
  });

  it("abort rolls back the table being written and frees an engine waiting on back-pressure", async () => {
    const writer = new RecordWriter({ store: a.store, mappings: MAPPINGS, highWater: 2 });
    await writer.begin(SPECS.filter((s) => s.name === "chemocare_treatment"));
    const table = writer.table("chemocare_treatment");
    const rows = fabricated.chemocare_treatment!;
    let waited = 0;
    for (const row of rows.slice(0, 20)) {
      const wait = table.write(row);
      if (wait) {
        waited++;
        await wait;
      }
    }
    assert.ok(waited > 0, "a full queue makes the engine wait");
    await writer.abort();
    assert.equal(Number((await a.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM hub_event"))!.n), 0);
    assert.equal(Number((await a.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM load_log"))!.n), 0);
  });
});

// -----------------------------------------------------------------------------------------------
// Renderings a mapping asks for, and what cannot be written

const EVENTS_YAML = (start: string, zone = "Europe/London") => `mapping: 1
name: visits
record_source: test/visits
source: { table: visits, time_zone: ${zone} }
person:
  identifiers:
    - system: nhs
      value: { column: nhs, required: true }
  match: [nhs]
events:
  - type: visit
    key: [{ column: nhs }, { column: seen_at, type: datetime${start} }]
    start: { column: seen_at, type: datetime${start} }
    satellites:
      - name: visit
        attributes:
          day: { column: day, type: date, format: YYYYMMDD }
          score: { column: score, type: decimal }
`;

const VISITS: TableSpec = {
  name: "visits",
  columns: [
    { name: "nhs", type: "string", nullable: false },
    { name: "seen_at", type: "datetime", nullable: false },
    { name: "day", type: "date", nullable: true },
    { name: "score", type: "decimal", nullable: true, precision: 5, scale: 2 },
  ],
  primaryKey: ["nhs", "seen_at"],
  unique: [],
  foreignKeys: [],
};

describeEachEngine("record writer renderings", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openTestStore(engine, recordMigrations);
  });
  afterEach(() => t.dispose());

  const load = async (mapping: Mapping, rows: RowValues[]) => {
    const writer = new RecordWriter({ store: t.store, mappings: new Map([["visits", mapping]]) });
    await fabricate(writer, { visits: rows }, [VISITS]);
    return assembleRecord(t.store, await resolveSerumsId(t.store, "nhs:943 476 5919"));
  };
  // 2015-07-17T22:30:15Z is 23:30 in London (BST), 18:30 in New York (EDT).
  const summer = Date.UTC(2015, 6, 17, 22, 30, 15) / 1000;
  const winter = Date.UTC(2014, 0, 9, 8, 5, 0) / 1000;
  const day = parseDate("2016-02-29")!;

  for (const [label, format, zone, expected] of [
    ["ISO-8601 (the default)", "", "Europe/London", [summer, winter]],
    ["local day-first in London", ", format: DD/MM/YYYY HH:mm", "Europe/London", [summer - 15, winter]],
    ["local month-first in New York", ", format: MM/DD/YYYY HH:mm:ss", "America/New_York", [summer, winter]],
  ] as const) {
    it(`writes date-times a mapping reads as ${label} at their instant`, async () => {
      const record = await load(parseMapping(EVENTS_YAML(format, zone), "visits.yaml"), [
        ["943 476 5919", summer, day, 12.345],
        ["943 476 5919", winter, null, null],
      ]);
      assert.deepEqual(
        record.events.map((e) => e.start),
        [...expected].sort((x, y) => x - y).map((s) => new Date(s * 1000).toISOString()),
      );
      const facts = record.events.map((e) => e.facts.find((f) => f.satellite === "visit")?.attributes);
      const withDay = facts.find((f) => f?.day !== null);
      // A date is the start of its day in the mapping's zone: 05:00Z in New York in winter.
      const midnight = zone === "America/New_York" ? "2016-02-29T05:00:00.000Z" : "2016-02-29T00:00:00.000Z";
      assert.equal(withDay?.day, midnight);
      assert.equal(withDay?.score, 12.35, "a decimal is rounded to its column's scale");
    });
  }

  it("refuses a mapping whose date format it cannot produce, naming the column", async () => {
    const mapping = parseMapping(EVENTS_YAML(", format: DD MM YYYY HH.mm"), "visits.yaml");
    const writer = new RecordWriter({ store: t.store, mappings: new Map([["visits", mapping]]) });
    await assert.rejects(
      writer.begin([VISITS]),
      (e: SerumsError) =>
        e.code === "BAD_MAPPING" && /visits\.seen_at/.test(e.message) && /visits\.yaml/.test(e.message),
    );
  });

  it("refuses a table without a mapping and a mapping that reads a column the table lacks", async () => {
    const none = new RecordWriter({ store: t.store, mappings: new Map() });
    await assert.rejects(
      none.begin([VISITS]),
      (e: SerumsError) => e.code === "BAD_USAGE" && /table visits/.test(e.message),
    );
    const folder = new RecordWriter({ store: t.store, mappings: MAPPINGS });
    await assert.rejects(
      folder.begin([VISITS]),
      (e: SerumsError) => e.code === "BAD_USAGE" && e.message.includes(path.join(MAPPINGS, "visits.yaml")),
    );
    const lacking = { ...VISITS, columns: VISITS.columns.filter((c) => c.name !== "score") };
    const writer = new RecordWriter({
      store: t.store,
      mappings: new Map([["visits", parseMapping(EVENTS_YAML(""), "visits.yaml")]]),
    });
    await assert.rejects(
      writer.begin([lacking]),
      (e: SerumsError) =>
        e.code === "BAD_MAPPING" && e.where.column === "score" && /visits\.yaml/.test(e.message),
    );
    assert.throws(
      () => writer.table("visits"),
      (e: SerumsError) => e.code === "BAD_USAGE",
    );
  });
});

it("with unmapped: skip, takes an auxiliary table's rows and loads only the mapped tables", async () => {
  const t = await openTestStore({ engine: "sqlite" }, recordMigrations);
  try {
    const writer = new RecordWriter({ store: t.store, mappings: MAPPINGS, unmapped: "skip" });
    const aux: TableSpec = { ...VISITS, name: "patients" };
    const summary = await fabricate(
      writer,
      { patients: [["943 476 5919", 0, null, null]], ndc_smr06: fabricated.ndc_smr06! },
      [aux, ...SPECS],
    );
    assert.deepEqual(writer.skipped, ["patients"]);
    assert.deepEqual(summary.rows, { ndc_smr06: sample.ndc_smr06!.length });
    const ids = await t.store.all<{ system: string }>("SELECT DISTINCT system FROM person_identifier");
    assert.deepEqual(
      ids.map((r) => r.system),
      ["chi"],
      "nothing of the skipped table is loaded",
    );
  } finally {
    await t.dispose();
  }
});

it("openRecordWriter skips unmapped tables by default and refuses when no table has a mapping", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-record-writer-"));
  try {
    const aux: TableSpec = { ...VISITS, name: "patients" };
    const writer = await openRecordWriter(path.join(dir, "a.db"), MAPPINGS);
    const summary = await fabricate(
      writer,
      { patients: [["943 476 5919", 0, null, null]], ndc_smr06: fabricated.ndc_smr06! },
      [aux, ...SPECS],
    );
    assert.deepEqual(writer.skipped, ["patients"]);
    assert.deepEqual(summary.rows, { ndc_smr06: sample.ndc_smr06!.length });
    const none = await openRecordWriter(path.join(dir, "b.db"), MAPPINGS);
    await assert.rejects(
      none.begin([aux]),
      (e: SerumsError) =>
        e.code === "BAD_USAGE" &&
        /no fabricated table has a mapping/.test(e.message) &&
        /patients/.test(e.message),
    );
    await none.abort();
    const strict = await openRecordWriter(path.join(dir, "c.db"), MAPPINGS, { unmapped: "error" });
    await assert.rejects(strict.begin([aux, ...SPECS]), (e: SerumsError) => e.code === "BAD_USAGE");
    await strict.abort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("openRecordWriter opens a SQLite file, migrates it, loads and closes it", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-record-writer-"));
  try {
    const file = path.join(dir, "record.db");
    const writer = await openRecordWriter(file, MAPPINGS);
    const summary = await fabricate(writer, { ndc_smr06: fabricated.ndc_smr06! });
    assert.deepEqual(summary.rows, { ndc_smr06: sample.ndc_smr06!.length });
    assert.equal(summary.location, `record:${file}`);
    const again = await openTestStore({ engine: "sqlite" }, recordMigrations, file);
    try {
      const n = await again.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM hub_person");
      assert.equal(Number(n!.n), chis.length);
    } finally {
      await again.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
