/** Flag parsing for every command: `node:util` parseArgs, with errors that say what is valid. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { SerumsError } from "../errors/index.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export const COMMON_OPTIONS = {
  db: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies Options;

export function parse<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new SerumsError("BAD_USAGE", `${(error as Error).message}\n\n${usage}`);
  }
}

/** An instant from a flag: ISO-8601 date or date-time; a date alone means its UTC midnight. */
export function parseInstant(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const valid = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text);
  const instant = valid
    ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)
    : Number.NaN;
  if (Number.isNaN(instant)) {
    throw new SerumsError(
      "BAD_USAGE",
      `--${flag} ${JSON.stringify(value)} is not an instant; use ISO-8601 such as 2015-06-01 or 2015-06-01T12:00:00Z`,
      { path: `--${flag}`, value },
    );
  }
  return instant;
}

export function parseCount(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new SerumsError(
      "BAD_USAGE",
      `--${flag} ${JSON.stringify(value)} must be a whole number from 0 to ${max}`,
      {
        path: `--${flag}`,
        value,
      },
    );
  }
  return n;
}

export function requireFlag(flag: string, value: string | undefined, usage: string): string {
  if (value === undefined || value.trim() === "") {
    throw new SerumsError("BAD_USAGE", `--${flag} is required\n\n${usage}`, { path: `--${flag}` });
  }
  return value;
}

/**
 * The verb of a command with sub-commands (`serums ledger init …`): its entry in `verbs` and the
 * arguments after it; or, with no verb or a help flag, the command's usage printed and the exit
 * status (2 without a verb, 0 when help was asked for). An unknown verb is BAD_USAGE naming the
 * valid ones.
 */
export function chooseVerb<T>(
  command: string,
  argv: string[],
  verbs: Record<string, T>,
  usage: string,
): { verb: string; entry: T; rest: string[] } | { exit: number } {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
    process.stdout.write(`${usage}\n`);
    return { exit: verb === undefined ? 2 : 0 };
  }
  const entry = verbs[verb];
  if (entry === undefined) {
    throw new SerumsError(
      "BAD_USAGE",
      `unknown command "${command} ${verb}"; valid: ${Object.keys(verbs).join(", ")}\n\n${usage}`,
    );
  }
  return { verb, entry, rest };
}

/** A verb's flags and positionals; undefined once its usage is printed for --help. */
export function parseVerb(rest: string[], spec: { usage: string; options: Options }) {
  const parsed = parse(rest, spec.options, spec.usage);
  if (parsed.values.help) {
    process.stdout.write(`${spec.usage}\n`);
    return undefined;
  }
  return parsed;
}
