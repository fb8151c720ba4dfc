/** `serums ingest --mapping M --source S`: loads a source into the smart patient record. */
import { SerumsError } from "../../errors/index.ts";
import { type IngestReport, ingest, loadMapping } from "../../record/index.ts";
import { openSource } from "../../sources/index.ts";
import { parse, requireFlag } from "../args.ts";
import { printJson, withStore } from "../context.ts";
import { ProgressBar } from "../progress-bar.ts";

export const INGEST_USAGE = `Usage: serums ingest --mapping FILE --source SOURCE [options]

Loads a source table into the smart patient record through a mapping (docs/mapping.md).
Loading is one transaction: a bad row stops the load and changes nothing, unless
--reject-file is given. Loading the same data again changes nothing.

  --mapping FILE      the mapping (YAML)
  --source SOURCE     a .csv/.tsv, .json, .jsonl/.ndjson file, a SQLite file (.db, .sqlite;
                      FILE#table), or a postgres:// URL (URL#table); the table defaults to
                      the mapping's source.table
  --reject-file FILE  write bad rows with their reasons to FILE (JSON Lines) and load the rest
  --db PATH|URL       the store (default ./data/serums.db, or DATABASE_URL)
  --json              print the report as JSON
  -h, --help          this help`;

export function renderIngestReport(report: IngestReport): string {
  const rows = [
    ["rows read", report.rowsRead],
    ["rows that added facts", report.rowsChanged],
    ["rows unchanged", report.rowsUnchanged],
    ["rows rejected", report.rowsRejected],
    ["new persons", report.newPersons],
    ["new hubs", report.newHubs],
    ["new links", report.newLinks],
    ["new satellite rows", report.newSatellites],
    ["new source identifiers", report.newIdentifiers],
  ] as const;
  const lines = [
    `Loaded ${report.source} with mapping ${report.mapping} (load time ${new Date(report.loadTs).toISOString()})`,
  ];
  for (const [label, value] of rows) lines.push(`  ${label.padEnd(24)} ${value.toLocaleString("en-GB")}`);
  if (report.rejectFile) lines.push(`  rejected rows written to ${report.rejectFile}`);
  return `${lines.join("\n")}\n`;
}

export async function ingestCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { mapping: { type: "string" }, source: { type: "string" }, "reject-file": { type: "string" } },
    INGEST_USAGE,
  );
  if (values.help) {
    process.stdout.write(`${INGEST_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0)
    throw new SerumsError("BAD_USAGE", `unexpected ${positionals.join(" ")}\n\n${INGEST_USAGE}`);
  const mapping = await loadMapping(requireFlag("mapping", values.mapping, INGEST_USAGE));
  const source = await openSource(requireFlag("source", values.source, INGEST_USAGE), {
    ...(mapping.source.table ? { table: mapping.source.table } : {}),
  });
  try {
    const report = await withStore(values, async (store) => {
      const bar = new ProgressBar(`ingest ${mapping.name}`, await source.countRows());
      try {
        return await ingest(store, mapping, source, {
          ...(values["reject-file"] ? { rejectFile: values["reject-file"] } : {}),
          onProgress: (n) => bar.update(n),
        });
      } finally {
        bar.finish();
      }
    });
    if (values.json) printJson(report);
    else process.stdout.write(renderIngestReport(report));
    return 0;
  } finally {
    await source.close();
  }
}
