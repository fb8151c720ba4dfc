/**
 * `serums fabricate <verb>`: rule-guided synthetic data. A simple table of verbs; each verb's
 * work (and its --help) is in fabricate-<verb>.ts.
 */
import { chooseVerb } from "../args.ts";
import { fabricateDerive } from "./fabricate-derive.ts";
import { fabricateInit } from "./fabricate-init.ts";
import { fabricateReport } from "./fabricate-report.ts";
import { fabricateRun } from "./fabricate-run.ts";
import { fabricateSchema } from "./fabricate-schema.ts";
import { fabricateValidate } from "./fabricate-validate.ts";

export const FABRICATE_USAGE = `Usage: serums fabricate <verb> [options]     (each verb has --help)

  init --from DB [--out project.yaml]   a starting data project from an existing database
  run PROJECT --out SPEC [--seed N] [--rows N]
                                        fabricate rows that obey the project's rules
  validate PROJECT                      check a project and its rules without fabricating
  schema                                the JSON Schema of a data project
  derive PROFILE [--out project.yaml]   a data project that reproduces a profile (serums profile)
  report --real R --synthetic S         quality and privacy of synthetic data against real data`;

const VERBS: Record<string, (argv: string[]) => Promise<number>> = {
  init: fabricateInit,
  derive: fabricateDerive,
  report: fabricateReport,
  run: fabricateRun,
  validate: fabricateValidate,
  schema: fabricateSchema,
};

export async function fabricateCommand(argv: string[]): Promise<number> {
  const chosen = chooseVerb("fabricate", argv, VERBS, FABRICATE_USAGE);
  if ("exit" in chosen) return chosen.exit;
  return chosen.entry(chosen.rest);
}
