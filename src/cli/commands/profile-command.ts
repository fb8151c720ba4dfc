/**
 * `serums profile SOURCE`: metadata about a source's tables that shows no rare value — types,
 * counts, bottom- and top-coded ranges, quantiles, histograms, shapes, common values (seen at
 * least k times), correlations, relations that always hold, children per parent. JSON, to stdout
 * or a file; `--schema` prints the profile's JSON Schema.
 */
import { existsSync, writeFileSync } from "node:fs";
import { SerumsError } from "../../errors/index.ts";
import {
  DEFAULT_K,
  DEFAULT_SAMPLE_SIZE,
  type Profile,
  parseForeignKey,
  profileJsonSchema,
  profileSource,
} from "../../fabricate/profile/index.ts";
import { parse, parseCount } from "../args.ts";
import { printJson } from "../context.ts";

export const PROFILE_USAGE = `Usage: serums profile SOURCE [options]

Profiles SOURCE without leaking: per column its type, null and empty counts, distinct count, the
range bottom- and top-coded at k, mean and deviation, quantiles, a histogram, length and shape
("A9 9AA") distributions and its common values with their counts; per pair of columns Pearson,
Spearman and Cramér's V; relations that hold in every row (date orderings, differences such as
stay = discharge - admission, functional dependencies); per foreign key the children per parent.
A value, shape or length seen fewer than k times is never shown, and identifier-like columns
(keys, CHI/NHS numbers, mostly distinct values) show no value at all. Turn the profile into a
data project with serums fabricate derive.

  SOURCE            a .csv/.tsv/.json/.jsonl file, a folder of them (one table each), a SQLite
                    file (every table, or FILE#table), or a postgres:// URL (its schema's tables,
                    or URL#table)
  --table T         only table T of a database
  --k N             suppress what fewer than N rows share (default ${DEFAULT_K})
  --sample N        rows sampled per table for quantiles, pairs and relations (default ${DEFAULT_SAMPLE_SIZE})
  --seed N          the sampling seed (default 1)
  --fk C.col=P.col  a foreign key the source does not declare (repeatable)
  --out FILE        write the profile to FILE (refuses to overwrite without --force)
  --force           overwrite --out
  --schema          print the profile's JSON Schema and exit
  --json            print the profile as JSON (the default without --out)`;

function summary(profile: Profile, file: string): string {
  const lines = [`Profile of ${profile.source} (k = ${profile.settings.k}) written to ${file}:`];
  for (const table of profile.tables) {
    const identifiers = table.columns.filter((c) => c.identifier).map((c) => c.name);
    lines.push(
      `  ${table.name}: ${table.rows} rows, ${table.columns.length} columns, ${table.pairs.length} pairs, ${table.relations.length} relations${identifiers.length > 0 ? `; identifier-like (no values shown): ${identifiers.join(", ")}` : ""}`,
    );
  }
  for (const fk of profile.foreignKeys) {
    lines.push(
      `  ${fk.table}.${fk.columns.join("+")} → ${fk.references.table}: ${fk.childrenPerParent.mean} children per parent on average`,
    );
  }
  lines.push(`Next: serums fabricate derive ${file} --out project.yaml`);
  return `${lines.join("\n")}\n`;
}

export async function profileCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      table: { type: "string" },
      k: { type: "string" },
      sample: { type: "string" },
      seed: { type: "string" },
      fk: { type: "string", multiple: true },
      out: { type: "string" },
      force: { type: "boolean", default: false },
      schema: { type: "boolean", default: false },
    },
    PROFILE_USAGE,
  );
  if (values.help) {
    process.stdout.write(`${PROFILE_USAGE}\n`);
    return 0;
  }
  if (values.schema) {
    printJson(profileJsonSchema());
    return 0;
  }
  if (positionals.length !== 1) {
    throw new SerumsError(
      "BAD_USAGE",
      `profile takes one SOURCE, got ${positionals.length}\n\n${PROFILE_USAGE}`,
    );
  }
  const out = values.out as string | undefined;
  if (out !== undefined && out.trim() === "") {
    throw new SerumsError("BAD_USAGE", "--out is empty; give a file name such as profile.json", {
      path: "--out",
    });
  }
  if (out && existsSync(out) && !values.force) {
    throw new SerumsError("BAD_USAGE", `--out ${out} exists; add --force to overwrite it`, { file: out });
  }
  const profile = await profileSource(positionals[0]!, {
    k: parseCount("k", values.k as string | undefined, DEFAULT_K, 1_000_000),
    sampleSize: parseCount("sample", values.sample as string | undefined, DEFAULT_SAMPLE_SIZE, 100_000_000),
    seed: parseCount("seed", values.seed as string | undefined, 1, 4_294_967_295),
    ...(values.table ? { table: values.table as string } : {}),
    foreignKeys: ((values.fk as string[] | undefined) ?? []).map(parseForeignKey),
    onTable: (name, index, total) => {
      if (process.stderr.isTTY) process.stderr.write(`profiling ${name} (${index + 1}/${total})\n`);
    },
  });
  if (out) {
    writeFileSync(out, `${JSON.stringify(profile, null, 2)}\n`, { flag: values.force ? "w" : "wx" });
    if (values.json)
      printJson({ file: out, tables: profile.tables.map((t) => ({ table: t.name, rows: t.rows })) });
    else process.stdout.write(summary(profile, out));
  } else printJson(profile);
  return 0;
}
