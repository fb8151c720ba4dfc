/**
 * `serums demo` (what `npm start` runs): fabricates the Edinburgh Cancer Data Gateway use case
 * (examples/ecdg/fabrication.yaml: breast-cancer patients, their regimes, cycles, toxicities and
 * hospital episodes) straight into the smart patient record through the use case's mappings,
 * exactly as the five source tables of the three hospital databases would be loaded, then shows
 * one assembled record. A few dozen patients by default, so that it runs in seconds; the paper's
 * scale (933 patients, about 51,661 treatments) on request. Running it again with the same
 * patients and seed loads nothing new: fabrication is deterministic and loading idempotent.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readConfig } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { compileProject, loadProject, type RunSummary, runProject } from "../../fabricate/index.ts";
import { RecordWriter } from "../../fabricate/writers/record-writer.ts";
import { assembleRecord, type IngestReport, listRecords } from "../../record/index.ts";
import { parse, parseCount } from "../args.ts";
import { printJson, withStore } from "../context.ts";
import { tableProgress } from "../progress-bar.ts";
import { renderRecord } from "../render-record.ts";

/** Patients by default: enough for a varied record list, a few seconds on a fresh machine. */
export const DEMO_PATIENTS = 60;
/** The paper's extraction: 933 breast-cancer patients (section V-A). */
export const PAPER_PATIENTS = 933;

const DEMO_USAGE = `Usage: serums demo [--patients N | --paper-scale] [--seed N] [--db PATH|URL] [--json]

Fabricates the Edinburgh Cancer Data Gateway use case (examples/ecdg/fabrication.yaml) into the
smart patient record through its mappings (examples/ecdg/mappings), and shows the record of the
patient with the most events. Running it again with the same options loads nothing new.
  --patients N    patients to fabricate (default ${DEMO_PATIENTS}); the other tables follow
  --paper-scale   the paper's scale: ${PAPER_PATIENTS} patients, about 51,661 treatments
  --seed N        the seed (default the project's); the same seed gives the same patients
  --db PATH|URL   the store (default the configured one, ./data/serums.db)
  --json          print the fabrication, the loads and the record as JSON`;

const ECDG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/ecdg");
const PROJECT = path.join(ECDG, "fabrication.yaml");
const MAPPINGS = path.join(ECDG, "mappings");

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

/** What was fabricated, per table, in one line; the auxiliary tables marked as not loaded. */
function renderFabricated(summary: RunSummary, loaded: ReadonlySet<string>): string {
  const parts = summary.tables.map(
    (t) => `${t.table} ${t.rows.toLocaleString("en-GB")}${loaded.has(t.table) ? "" : " (not loaded)"}`,
  );
  return `  ${parts.join(", ")}\n`;
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      patients: { type: "string" },
      "paper-scale": { type: "boolean", default: false },
      seed: { type: "string" },
    },
    DEMO_USAGE,
  );
  if (values.help) {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0)
    throw new SerumsError("BAD_USAGE", `unexpected ${positionals.join(" ")}\n\n${DEMO_USAGE}`);
  if (values["paper-scale"] && values.patients !== undefined)
    throw new SerumsError("BAD_USAGE", `give --patients or --paper-scale, not both\n\n${DEMO_USAGE}`);
  const patients = values["paper-scale"]
    ? PAPER_PATIENTS
    : parseCount("patients", values.patients, DEMO_PATIENTS, 100_000);
  if (patients === 0) throw new SerumsError("BAD_USAGE", `--patients must be at least 1\n\n${DEMO_USAGE}`);
  const seed = values.seed === undefined ? undefined : parseCount("seed", values.seed, 0, 0xffffffff);
  const { project, source } = loadProject(PROJECT);
  const compiled = compileProject(project, source);

  let location = "";
  let summary: RunSummary | undefined;
  let reports: IngestReport[] = [];
  const record = await withStore(values, async (store) => {
    location = store.location;
    const writer = new RecordWriter({ store, mappings: MAPPINGS, unmapped: "skip" });
    const progress = tableProgress();
    summary = await runProject(compiled, writer, {
      rows: patients,
      ...(seed === undefined ? {} : { seed }),
      onProgress: progress.onProgress,
    });
    progress.finish();
    reports = writer.reports;
    const failed = summary.tables.filter((t) => t.failed > 0);
    if (failed.length > 0) {
      throw new SerumsError(
        "BAD_PROJECT",
        `${PROJECT}: ${failed.map((t) => `${t.table}: ${t.failed} records could not be made`).join("; ")}`,
        { file: PROJECT },
      );
    }
    let best: { serumsId: string; events: number } | undefined;
    for (const entry of await listRecords(store, { limit: 100_000, offset: 0 })) {
      if (!best || entry.events > best.events) best = entry;
    }
    if (!best) throw new SerumsError("NOT_FOUND", "the demo loaded no records");
    return assembleRecord(store, best.serumsId);
  });
  const run = summary!;
  const loaded = new Set(reports.map((r) => r.source.replace(/^fabricated:/, "")));
  if (values.json) {
    printJson({
      project: PROJECT,
      seed: run.seed,
      patients,
      fabricated: Object.fromEntries(run.tables.map((t) => [t.table, t.rows])),
      seconds: run.seconds,
      loads: reports,
      record,
    });
    return 0;
  }
  process.stdout.write(
    `Fabricated the Edinburgh Cancer Data Gateway use case (${patients.toLocaleString("en-GB")} patients, seed ${run.seed}) in ${run.seconds.toFixed(1)} s:\n`,
  );
  process.stdout.write(renderFabricated(run, loaded));
  process.stdout.write(`\nLoaded into ${location} through examples/ecdg/mappings:\n\n`);
  process.stdout.write(`${renderLoadTable(reports)}\n`);
  process.stdout.write(renderRecord(record, readConfig().defaultTimeZone));
  process.stdout.write(
    `\nThis is the patient with the most events. See others with:\n  ./bin/serums record list\n  ./bin/serums record show ${record.serumsId} --json\nThe paper's scale: ./bin/serums demo --paper-scale\n`,
  );
  return 0;
}
