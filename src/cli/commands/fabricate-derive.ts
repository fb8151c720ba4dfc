/**
 * `serums fabricate derive PROFILE`: a data project whose rules reproduce a profile (written by
 * `serums profile`), as YAML with a comment on every rule saying where it came from.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { SerumsError } from "../../errors/index.ts";
import { deriveProject } from "../../fabricate/derive/index.ts";
import { parseProject } from "../../fabricate/index.ts";
import { PROFILE_VERSION, profileSchema } from "../../fabricate/profile/index.ts";
import { parse, parseCount } from "../args.ts";
import { printJson } from "../context.ts";

const USAGE = `Usage: serums fabricate derive PROFILE [--out project.yaml] [--name N] [--seed N] [--force] [--json]

Turns PROFILE (JSON from serums profile) into a data project that reproduces it: categorical
weights from the common values (rare values were never in the profile: they are omitted and their
share spread over the common ones), distributions (normal or log-normal when they fit, else the
profile's histogram), ranges, null rates, patterns; date orderings and differences as constraints,
strong associations as conditional rules, foreign keys and children per parent. Every rule has a
comment saying where it came from: review the project, then serums fabricate run it.

  --out FILE   write the project to FILE (refuses to overwrite without --force); default stdout
  --name N     the project's name (default "derived")
  --seed N     the project's seed (default the profile's)
  --json       print the project as JSON instead of YAML`;

export async function fabricateDerive(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      out: { type: "string" },
      name: { type: "string" },
      seed: { type: "string" },
      force: { type: "boolean", default: false },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new SerumsError("BAD_USAGE", `fabricate derive takes one PROFILE file\n\n${USAGE}`);
  }
  const file = positionals[0]!;
  const out = values.out as string | undefined;
  if (out && existsSync(out) && !values.force) {
    throw new SerumsError("BAD_USAGE", `--out ${out} exists; add --force to overwrite it`, { file: out });
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new SerumsError("NOT_FOUND", `${file}: no such profile file`, { file });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SerumsError(
      "BAD_SOURCE",
      `${file}: not JSON (${(error as Error).message}); give a profile written by serums profile`,
      { file },
    );
  }
  const parsed = profileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join(".");
    const version = (data as { version?: unknown } | null)?.version;
    const hint = version !== PROFILE_VERSION ? ` (serums reads profiles of version ${PROFILE_VERSION})` : "";
    throw new SerumsError(
      "BAD_SOURCE",
      `${file}, at ${where || "the top"}: ${issue.message}${hint}; give a profile written by serums profile`,
      {
        file,
        path: where,
      },
    );
  }
  const seed =
    values.seed === undefined ? undefined : parseCount("seed", values.seed as string, 1, 4_294_967_295);
  const derived = deriveProject(parsed.data, {
    ...(values.name ? { name: values.name as string } : {}),
    ...(seed === undefined ? {} : { seed }),
  });
  // What derive writes must be a project the engine reads.
  parseProject(derived.yaml, out ?? "derived.yaml");
  if (out) {
    writeFileSync(out, derived.yaml, { flag: values.force ? "w" : "wx" });
    if (values.json) printJson({ file: out, tables: Object.keys(derived.project.tables) });
    else
      process.stdout.write(
        `Data project written to ${out}; review it, then: serums fabricate run ${out} --out csv:DIR\n`,
      );
  } else if (values.json) printJson(derived.project);
  else process.stdout.write(derived.yaml);
  return 0;
}
