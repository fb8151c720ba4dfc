/**
 * `serums fabricate run PROJECT --out SPEC`: fabricates the project's tables into the writer SPEC
 * names, with a progress bar on stderr and a summary at the end (rows per table, time, rules
 * checked, soft rules dropped, records that could not be made).
 */
import { isPostgresUrl } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { type CheckSummary, checkingWriter } from "../../fabricate/check/index.ts";
import { compileProject, loadProject, type RunSummary, runProject } from "../../fabricate/index.ts";
import { OUTPUT_FORMS, openWriter } from "../../fabricate/writers/index.ts";
import { parse, parseCount, requireFlag } from "../args.ts";
import { printJson } from "../context.ts";
import { ProgressBar } from "../progress-bar.ts";

const USAGE = `Usage: serums fabricate run PROJECT --out SPEC [--seed N] [--rows N] [--target DB] [--check] [--force | --append] [--json]

Fabricates the tables of the data project PROJECT (YAML) into SPEC, one of:
  ${OUTPUT_FORMS}
  --seed N       the seed (default the project's); the same project and seed give the same rows
  --rows N       rows of every table given as a number (tables per parent or by ratio follow)
  --target DB    the database reuse/mixed tables take existing rows from (default the project's)
  --mappings D   record:DB — the folder of mappings (TABLE.yaml) into the smart patient record
  --check        check every row against the project's mandatory rules as it is written, by a
                 checker independent of the solver; print the violations (exit 1 if any)
  --force        replace existing output files or tables (refused when tables take existing
                 rows, mode reuse or mixed, and SPEC is a database: it would drop them)
  --append       sqlite: and postgres: outputs: add the rows to tables that exist already —
                 inflating a database: --target DB --out sqlite:DB --append (same database)
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
  const opened = await openWriter(out, {
    overwrite: values.force === true,
    append: values.append === true,
    ...(values.mappings === undefined ? {} : { recordMappings: values.mappings }),
  });
  const checking = values.check === true ? checkingWriter(project, source, opened) : undefined;
  const writer = checking ?? opened;
  let bar: ProgressBar | undefined;
  let current = "";
  const summary = await runProject(compiled, writer, {
    ...(seed === undefined ? {} : { seed }),
    ...(rows === undefined ? {} : { rows }),
    ...(values.target === undefined ? {} : { target: values.target }),
    ...(values.append === true ? { append: true } : {}),
    onProgress(table, done, total) {
      if (table !== current) {
        bar?.finish();
        bar = new ProgressBar(table, total);
        current = table;
      }
      bar!.update(done);
    },
  });
  bar?.finish();
  const check = checking?.summary();
  if (values.json) printJson(check === undefined ? summary : { ...summary, check });
  else process.stdout.write(renderSummary(summary) + (check === undefined ? "" : renderCheck(check)));
  return summary.tables.some((t) => t.failed > 0) || (check?.violations ?? 0) > 0 ? 1 : 0;
}
