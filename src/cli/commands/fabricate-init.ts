/**
 * `serums fabricate init --from DB [--out project.yaml]`: a starting data project from the
 * structure of an existing SQLite file or PostgreSQL database (URL, optionally #schema).
 */
import { existsSync, writeFileSync } from "node:fs";
import { isPostgresUrl } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { extractStructure, projectFromStructure, renderProjectYaml } from "../../fabricate/init/index.ts";
import { openStore } from "../../store/index.ts";
import { parse, parseCount, requireFlag } from "../args.ts";

const USAGE = `Usage: serums fabricate init --from DB [--out project.yaml] [--name N] [--rows N] [--force]

Writes a starting data project from the structure of DB (a SQLite file, or a postgres:// URL,
optionally with #schema): tables, columns and types, primary keys, unique sets, foreign keys,
nullability. No row is read. Then add rules, and run it with serums fabricate run.
  --out FILE     where to write it (default: stdout)
  --rows N       rows of each table without a parent (default 100)
  --force        replace FILE if it exists`;

export async function fabricateInit(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      from: { type: "string" },
      out: { type: "string" },
      name: { type: "string" },
      rows: { type: "string" },
      force: { type: "boolean", default: false },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0)
    throw new SerumsError(
      "BAD_USAGE",
      `fabricate init takes no argument ${JSON.stringify(positionals[0])}\n\n${USAGE}`,
    );
  const from = requireFlag("from", values.from, USAGE);
  const rows = parseCount("rows", values.rows, 100, 1_000_000_000);
  if (values.out !== undefined && existsSync(values.out) && !values.force) {
    throw new SerumsError("BAD_USAGE", `${values.out} exists; give --force to replace it`, {
      path: "--out",
      value: values.out,
    });
  }
  let store: Awaited<ReturnType<typeof openStore>>;
  if (isPostgresUrl(from)) {
    const hash = from.lastIndexOf("#");
    const url = hash < 0 ? from : from.slice(0, hash);
    const schema = hash < 0 ? undefined : from.slice(hash + 1);
    store = await openStore({ databaseUrl: url, sqlitePath: "" }, schema ? { schema } : {});
  } else {
    if (!existsSync(from))
      throw new SerumsError("NOT_FOUND", `${from}: no such database file`, { file: from });
    store = await openStore({ sqlitePath: from });
  }
  let text: string;
  try {
    const tables = await extractStructure(store);
    const { project, skipped } = projectFromStructure(tables, { name: values.name ?? "project", rows });
    text = renderProjectYaml(project, [
      `A data project from the structure of ${store.location}.`,
      "Add rules under each table (range, categories, distribution, pattern, constraint, lookup, unique, nulls),",
      "then: serums fabricate validate FILE; serums fabricate run FILE --out csv:DIR",
      ...(skipped.length > 0 ? [`Left out (names a project cannot hold): ${skipped.join(", ")}`] : []),
    ]);
  } finally {
    await store.close();
  }
  if (values.out === undefined) process.stdout.write(text);
  else {
    writeFileSync(values.out, text);
    process.stdout.write(`Wrote ${values.out}\n`);
  }
  return 0;
}
