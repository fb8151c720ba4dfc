/** `serums map suggest SOURCE`: profiles a source and proposes a mapping for review. */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";
import { suggestMapping } from "../../record/index.ts";
import { openSource, profileColumns } from "../../sources/index.ts";
import { parse } from "../args.ts";
import { printJson } from "../context.ts";

export const MAP_USAGE = `Usage: serums map suggest SOURCE [options]

Profiles SOURCE (types, null rates, cardinality, patterns such as dates, codes, postcodes and
identifiers) and proposes a mapping into the smart patient record: each column classified as
Time, Person, Object, Location or Event with the reason, grouped into satellites. Review the
proposal, then load with \`serums ingest --mapping FILE --source SOURCE\`. No source value is
printed.

  SOURCE            a .csv/.tsv, .json, .jsonl file, a SQLite file (FILE#table), or a
                    postgres:// URL (URL#table)
  --table T         the table of a database source
  --name N          the mapping's name (default: from the source)
  --time-zone Z     the IANA zone of local times in the source (default Europe/London)
  --out FILE        write the mapping to FILE (refuses to overwrite without --force)
  --force           overwrite --out
  --json            print the classification and the mapping as JSON`;

function defaultName(spec: string, table: string | undefined): string {
  const base = table ?? spec.split("#")[1] ?? path.basename(spec).replace(/\.[^.]+$/, "");
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "_")
      .replace(/^_+|_+$/g, "") || "source"
  );
}

export async function mapCommand(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parse(
    rest,
    {
      table: { type: "string" },
      name: { type: "string" },
      "time-zone": { type: "string" },
      out: { type: "string" },
      force: { type: "boolean", default: false },
    },
    MAP_USAGE,
  );
  if (values.help || verb === undefined || verb === "--help" || verb === "-h") {
    process.stdout.write(`${MAP_USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (verb !== "suggest")
    throw new SerumsError("BAD_USAGE", `unknown command "map ${verb}"; valid: suggest\n\n${MAP_USAGE}`);
  if (positionals.length !== 1)
    throw new SerumsError("BAD_USAGE", `map suggest takes one SOURCE\n\n${MAP_USAGE}`);
  const spec = positionals[0]!;
  if (values.out && existsSync(values.out) && !values.force) {
    throw new SerumsError("BAD_USAGE", `--out ${values.out} exists; add --force to overwrite it`, {
      file: values.out,
    });
  }
  const source = await openSource(spec, values.table ? { table: values.table } : {});
  try {
    const columns = await source.columns();
    const profile = await profileColumns(source.rows(), columns);
    const suggestion = suggestMapping(profile, {
      name: values.name ?? defaultName(spec, values.table),
      ...(values.table ? { table: values.table } : {}),
      ...(values["time-zone"] ? { timeZone: values["time-zone"] } : {}),
    });
    if (values.out) await writeFile(values.out, suggestion.yaml, { flag: values.force ? "w" : "wx" });
    if (values.json) {
      printJson({ source: source.name, columns: suggestion.columns, mapping: suggestion.yaml });
    } else {
      const lines = [`Proposed mapping for ${source.name} (${columns.length} columns):`];
      for (const c of suggestion.columns) {
        lines.push(`  ${c.column.padEnd(26)} ${c.hub.padEnd(8)} ${c.role.padEnd(18)} ${c.reason}`);
      }
      lines.push("");
      lines.push(
        values.out
          ? `Mapping written to ${values.out}; review it, then:`
          : "Mapping (review it, save it, then load):",
      );
      if (!values.out) lines.push("", suggestion.yaml);
      lines.push(`  serums ingest --mapping ${values.out ?? "MAPPING.yaml"} --source ${spec}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return 0;
  } finally {
    await source.close();
  }
}
