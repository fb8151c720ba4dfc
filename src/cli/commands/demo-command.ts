/**
 * `serums demo` (what `npm start` runs): writes the Edinburgh Cancer Data Gateway sample —
 * three Trak/Oncology CSV extracts and the Chemocare SQLite database — under the data folder,
 * loads all five tables into the embedded store, and shows one assembled record. Running it
 * again loads nothing new: loading is idempotent.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeSample } from "../../../examples/ecdg/write-sample.ts";
import { readConfig } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { assembleRecord, type IngestReport, ingest, listRecords, loadMapping } from "../../record/index.ts";
import { openSource } from "../../sources/index.ts";
import { parse, parseCount } from "../args.ts";
import { printJson, withStore } from "../context.ts";
import { renderRecord } from "../render-record.ts";

const DEMO_USAGE = `Usage: serums demo [--patients N] [--sample-dir DIR] [--db PATH|URL] [--json]

Writes the Edinburgh Cancer Data Gateway sample (a few dozen synthetic breast-cancer patients,
five tables in three source databases) to DIR (default ./data/ecdg-sample), loads it into the
store, and shows the record of the patient with the most events.`;

const ECDG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/ecdg");

/** Table → where the sample writer puts it. */
const SOURCES: [table: string, source: (dir: string) => string][] = [
  ["ndc_smr01", (dir) => path.join(dir, "ndc_smr01.csv")],
  ["ndc_smr06", (dir) => path.join(dir, "ndc_smr06.csv")],
  ["ndc_charlson", (dir) => path.join(dir, "ndc_charlson.csv")],
  ["chemocare_treatment", (dir) => `${path.join(dir, "chemocare.db")}#chemocare_treatment`],
  ["chemocare_toxicity", (dir) => `${path.join(dir, "chemocare.db")}#chemocare_toxicity`],
];

/** One line per load: what each source added. */
function renderLoadTable(reports: readonly IngestReport[]): string {
  const header = ["source", "rows", "unchanged", "persons", "hubs", "links", "satellites"];
  const rows = reports.map((r) => [
    r.source,
    r.rowsRead,
    r.rowsUnchanged,
    r.newPersons,
    r.newHubs,
    r.newLinks,
    r.newSatellites,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: readonly (string | number)[]) =>
    cells
      .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!)))
      .join("  ");
  return `${[line(header), ...rows.map(line)].map((l) => `  ${l}`).join("\n")}\n`;
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { patients: { type: "string" }, "sample-dir": { type: "string" } },
    DEMO_USAGE,
  );
  if (values.help) {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0)
    throw new SerumsError("BAD_USAGE", `unexpected ${positionals.join(" ")}\n\n${DEMO_USAGE}`);
  const patients = parseCount("patients", values.patients, 36, 5000);
  const dir = values["sample-dir"] ?? path.join("data", "ecdg-sample");
  await writeSample(dir, { patients });
  const reports: IngestReport[] = [];
  let location = "";
  const record = await withStore(values, async (store) => {
    location = store.location;
    for (const [table, source] of SOURCES) {
      const mapping = await loadMapping(path.join(ECDG, "mappings", `${table}.yaml`));
      const reader = await openSource(source(dir));
      try {
        reports.push(await ingest(store, mapping, reader));
      } finally {
        await reader.close();
      }
    }
    let best: { serumsId: string; events: number } | undefined;
    for (const summary of await listRecords(store, { limit: 10_000, offset: 0 })) {
      if (!best || summary.events > best.events) best = summary;
    }
    if (!best) throw new SerumsError("NOT_FOUND", "the sample loaded no records");
    return assembleRecord(store, best.serumsId);
  });
  if (values.json) {
    printJson({ sample: dir, loads: reports, record });
    return 0;
  }
  process.stdout.write(`Sample written to ${dir}; loaded into ${location}:\n\n`);
  process.stdout.write(`${renderLoadTable(reports)}\n`);
  process.stdout.write(renderRecord(record, readConfig().defaultTimeZone));
  process.stdout.write(
    `\nThis is the patient with the most events. See others with:\n  ./bin/serums record list\n  ./bin/serums record show ${record.serumsId} --json\n`,
  );
  return 0;
}
