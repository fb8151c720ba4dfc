/**
 * `serums fabricate run PROJECT --out SPEC`: fabricates the project's tables into the writer SPEC
 * names, with a progress bar on stderr and a summary at the end (rows per table, time, rules
 * checked, soft rules dropped, records that could not be made).
 */
import { isPostgresUrl } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { type CheckSummary, checkingWriter } from "../../fabricate/check/index.ts";
import {
  buildCopyFilter,
  type CopyFilter,
  compileProject,
  loadProject,
  type RunSummary,
  runProject,
  writtenSpecs,
} from "../../fabricate/index.ts";
import { parseForeignKey } from "../../fabricate/profile/index.ts";
import { OUTPUT_FORMS, openWriter } from "../../fabricate/writers/index.ts";
import { parse, parseCount, requireFlag } from "../args.ts";
import { printJson } from "../context.ts";
import { tableProgress } from "../progress-bar.ts";

const USAGE = `Usage: serums fabricate run PROJECT --out SPEC [--seed N] [--rows N] [--target DB] [--check] [--force | --append]
                           [--avoid-copies-of REAL [--k N] [--fk C.col=P.col]] [--json]

Fabricates the tables of the data project PROJECT (YAML) into SPEC, one of:
  ${OUTPUT_FORMS}
  --seed N       the seed (default the project's); the same project and seed give the same rows
  --rows N       rows of every table given as a number (tables per parent or by ratio follow)
  --target DB    the database reuse/mixed tables take existing rows from (default the project's):
                 a SQLite file, or a postgres:// URL (with #schema for the tables of a schema)
  --mappings D   record:DB — the folder of mappings (TABLE.yaml) into the smart patient record
  --check        check every row against the project's mandatory rules as it is written, by a
                 checker independent of the solver; print the violations (exit 1 if any)
  --force        replace existing output files or tables (refused when tables take existing
                 rows, mode reuse or mixed, and SPEC is a database: it would drop them)
  --append       sqlite: and postgres: outputs: add the rows to tables that exist already —
                 inflating a database: --target DB --out sqlite:DB --append (same database)
  --avoid-copies-of REAL
                 make no record equal to a rare real row (fewer than k real rows share it, on
                 the columns fabricate report compares): REAL, a CSV folder, SQLite file or
                 postgres:// URL as fabricate report --real takes, is read first; only keyed
                 hashes of its rare rows are kept, in memory, until the run ends; a record
                 equal to one is made again (counted in the summary), within the search bound
  --k N          with --avoid-copies-of: the k of fabricate report --k (default 10)
  --fk C.col=P.col
                 with --avoid-copies-of: a foreign key REAL does not declare, as fabricate
                 report --fk (repeatable; its columns are keys, not compared)
  --json         print the summary as JSON`;

export function renderSummary(summary: RunSummary): string {
  const lines = [
    `Fabricated ${summary.rows.toLocaleString("en-GB")} rows of ${summary.project} (seed ${summary.seed}) in ${summary.seconds.toFixed(2)} s into ${summary.location}`,
    `  ${summary.checks.toLocaleString("en-GB")} rule checks`,
  ];
  for (const t of summary.tables) {
    const parts = [`${t.rows.toLocaleString("en-GB")} rows`];
    if (t.reused > 0) parts.push(`${t.reused.toLocaleString("en-GB")} existing reused`);
    if (t.failed > 0) parts.push(`${t.failed} records could not be made`);
    if (t.copies !== undefined)
      parts.push(
        `${t.copies.remade.toLocaleString("en-GB")} records made again as they equalled a rare real row (${t.copies.refused.toLocaleString("en-GB")} refused)`,
      );
    lines.push(`  ${t.table} (${t.mode}): ${parts.join(", ")}`);
    for (const d of t.droppedUpFront) lines.push(`    soft rule ${d.rule} dropped: ${d.reason}`);
    for (const [rule, n] of Object.entries(t.softDropped))
      lines.push(`    soft rule ${rule} dropped in ${n} records`);
    if (t.failed > 0) {
      const worst = Object.entries(t.failures)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3);
      lines.push(`    failing most: ${worst.map(([r, n]) => `${r} (${n})`).join(", ")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The --check part of the summary. */
export function renderCheck(check: CheckSummary): string {
  const lines = [
    `  mandatory rules checked independently on ${check.rows.toLocaleString("en-GB")} rows: ${check.violations} violation(s)${check.violations === 0 ? "" : "  ← must be 0"}`,
  ];
  for (const [rule, n] of Object.entries(check.byRule)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5))
    lines.push(`    ${rule}: ${n}`);
  for (const e of check.examples.slice(0, 3))
    lines.push(`    e.g. ${e.table} row ${e.row}, ${e.rule}: ${e.message}`);
  for (const note of check.notChecked) lines.push(`    not checked: ${note}`);
  return `${lines.join("\n")}\n`;
}

/** Whether an output spec names a database (the writers that can append or drop tables). */
function isDatabaseOutput(out: string): boolean {
  return /^(sqlite|postgres|postgresql):/i.test(out) || isPostgresUrl(out);
}

/**
 * --force and --append exclude each other; --append needs a database output; and --force with
 * tables that take existing rows (reuse, mixed) into a database is refused: dropping the output's
 * tables would drop the target's rows that the new rows reference, when they are one database.
 */
function checkOutputMode(
  out: string,
  force: boolean,
  append: boolean,
  tables: readonly { name: string; mode: string }[],
): void {
  if (force && append) {
    throw new SerumsError(
      "BAD_USAGE",
      "--force (drop and re-create the output's tables) and --append (add rows to them) exclude each other; choose one",
      { path: "--append" },
    );
  }
  const database = isDatabaseOutput(out);
  if (append && !database) {
    throw new SerumsError(
      "BAD_USAGE",
      "--append adds rows to the existing tables of a database output; give --out sqlite:FILE or postgres:URL",
      { path: "--append" },
    );
  }
  const existing = tables.filter((t) => t.mode !== "new");
  if (force && database && existing.length > 0) {
    const names = existing.map((t) => `${t.name} (${t.mode})`).join(", ");
    throw new SerumsError(
      "BAD_USAGE",
      `--force would drop the output database's tables, but ${names} take${existing.length > 1 ? "" : "s"} existing rows from the target: to inflate the target, pass --append instead (the new rows are added to its tables); to start afresh, write to another database`,
      { path: "--force" },
    );
  }
}

export async function fabricateRun(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      out: { type: "string" },
      seed: { type: "string" },
      rows: { type: "string" },
      target: { type: "string" },
      mappings: { type: "string" },
      force: { type: "boolean", default: false },
      append: { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      "avoid-copies-of": { type: "string" },
      k: { type: "string" },
      fk: { type: "string", multiple: true },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    throw new SerumsError("BAD_USAGE", `fabricate run takes one PROJECT file\n\n${USAGE}`);
  const out = requireFlag("out", values.out, USAGE);
  const seed = values.seed === undefined ? undefined : parseCount("seed", values.seed, 0, 0xffffffff);
  const rows = values.rows === undefined ? undefined : parseCount("rows", values.rows, 0, 1_000_000_000);
  const { project, source } = loadProject(positionals[0]!);
  const compiled = compileProject(project, source);
  checkOutputMode(out, values.force === true, values.append === true, compiled.tables);
  if (values.append === true && (values.target ?? project.target) === undefined) {
    throw new SerumsError(
      "BAD_USAGE",
      "--append needs the target database (--target DB, the same database as --out, or target: in the project): the keys its tables hold already are read from it so that new rows do not repeat them",
      { path: "--target" },
    );
  }
  const avoidFrom = values["avoid-copies-of"] as string | undefined;
  if (avoidFrom === undefined && (values.k !== undefined || values.fk !== undefined)) {
    throw new SerumsError(
      "BAD_USAGE",
      `--${values.k !== undefined ? "k" : "fk"} belongs to --avoid-copies-of REAL (which real rows are rare); give it too, or leave --${values.k !== undefined ? "k" : "fk"} out`,
      { path: values.k !== undefined ? "--k" : "--fk" },
    );
  }
  let filter: CopyFilter | undefined;
  if (avoidFrom !== undefined) {
    const k = parseCount("k", values.k as string | undefined, 10, 1_000_000);
    if (k < 1) throw new SerumsError("BAD_USAGE", `--k ${k} must be at least 1`, { path: "--k", value: k });
    if (process.stderr.isTTY) process.stderr.write("reading the real data for --avoid-copies-of\n");
    filter = await buildCopyFilter(avoidFrom, writtenSpecs(compiled), {
      k,
      foreignKeys: ((values.fk as string[] | undefined) ?? []).map(parseForeignKey),
    });
  }
  try {
    return await runInto(filter);
  } finally {
    filter?.clear();
  }

  async function runInto(filter: CopyFilter | undefined): Promise<number> {
    const opened = await openWriter(out, {
      overwrite: values.force === true,
      append: values.append === true,
      ...(values.mappings === undefined ? {} : { recordMappings: values.mappings }),
    });
    const checking = values.check === true ? checkingWriter(project, source, opened) : undefined;
    const writer = checking ?? opened;
    const progress = tableProgress();
    const summary = await runProject(compiled, writer, {
      ...(seed === undefined ? {} : { seed }),
      ...(rows === undefined ? {} : { rows }),
      ...(values.target === undefined ? {} : { target: values.target }),
      ...(values.append === true ? { append: true } : {}),
      ...(filter === undefined ? {} : { avoid: (table: string) => filter.avoidance(table) }),
      onProgress: progress.onProgress,
    });
    progress.finish();
    const check = checking?.summary();
    const avoided =
      filter === undefined
        ? undefined
        : { real: filter.realName, k: filter.k, tables: filter.tables, missing: filter.missing };
    if (values.json)
      printJson({
        ...summary,
        ...(check === undefined ? {} : { check }),
        ...(avoided === undefined ? {} : { avoided }),
      });
    else
      process.stdout.write(
        renderSummary(summary) +
          (avoided === undefined ? "" : renderAvoided(avoided)) +
          (check === undefined ? "" : renderCheck(check)),
      );
    return summary.tables.some((t) => t.failed > 0) || (check?.violations ?? 0) > 0 ? 1 : 0;
  }
}

/** The --avoid-copies-of part of the summary: per table, the compared columns and rare real rows. */
export function renderAvoided(avoided: {
  real: string;
  k: number;
  tables: CopyFilter["tables"];
  missing: string[];
}): string {
  const lines = [
    `  copies of rare real rows avoided against ${avoided.real} (rare: fewer than ${avoided.k} real rows share it)`,
  ];
  for (const t of avoided.tables)
    lines.push(
      `    ${t.table}: ${t.rareRows.toLocaleString("en-GB")} rare of ${t.realRows.toLocaleString("en-GB")} real rows, on ${t.columns.length === 0 ? "no column" : t.columns.join(", ")}`,
    );
  for (const table of avoided.missing) lines.push(`    ${table}: not in the real data (not filtered)`);
  return `${lines.join("\n")}\n`;
}
