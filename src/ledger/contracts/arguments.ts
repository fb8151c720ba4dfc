/**
 * The contracts' boundary: every transaction argument arrives as a string (as on Fabric), is
 * parsed here, and a bad one becomes a SerumsError with code BAD_REQUEST naming the argument,
 * the field path and the offending value. Values of unknown fields are never echoed (an
 * unexpected field is exactly where a name or a hospital number would hide); only their names.
 */
import type { z } from "zod";
import { SerumsError, showValue } from "../../errors/index.ts";

/** `argument` as a string, or BAD_REQUEST. */
export function stringArgument(value: unknown, argument: string): string {
  if (typeof value !== "string") {
    throw new SerumsError("BAD_REQUEST", `${argument} is ${showValue(value)}; expected a string`, {
      path: argument,
    });
  }
  return value;
}

/** The JSON text of `argument`, parsed, or BAD_REQUEST naming the argument. */
export function parseJsonText(text: unknown, argument: string): unknown {
  const source = stringArgument(text, argument);
  try {
    return JSON.parse(source);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SerumsError("BAD_REQUEST", `${argument} is not JSON (${detail}); expected a JSON object`, {
      path: argument,
    });
  }
}

/** "identityJson.steps[2].sha256" from an argument and a zod issue path. */
export function fieldPath(argument: string, path: readonly PropertyKey[]): string {
  let text = argument;
  for (const part of path) text += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return text;
}

/** A zod failure as BAD_REQUEST: the first issue, located, with its value (or the unknown field's name). */
export function zodFailure(argument: string, error: z.ZodError): SerumsError {
  const issue = error.issues[0];
  if (!issue) return new SerumsError("BAD_REQUEST", `${argument} is not valid`, { path: argument });
  const path = fieldPath(argument, issue.path);
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.map((k) => JSON.stringify(k)).join(", ");
    return new SerumsError(
      "BAD_REQUEST",
      `${path} has unknown field ${names}; only the documented fields may be written to the ledger`,
      { path, value: issue.keys },
    );
  }
  const input = "input" in issue ? issue.input : undefined;
  const shown =
    input !== null && typeof input === "object"
      ? Array.isArray(input)
        ? "an array"
        : "an object"
      : showValue(input);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : "";
  return new SerumsError("BAD_REQUEST", `${path} is ${shown}: ${issue.message}${more}`, {
    path,
    value: input,
  });
}

/** `value` checked against `schema`, or BAD_REQUEST naming `argument`. */
export function checkValue<T>(schema: z.ZodType<T>, value: unknown, argument: string): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw zodFailure(argument, result.error);
  return result.data;
}

/** The JSON text of `argument`, parsed and checked against `schema`. */
export function parseArgument<T>(schema: z.ZodType<T>, text: unknown, argument: string): T {
  return checkValue(schema, parseJsonText(text, argument), argument);
}

/** `text` with a leading `root` (followed by ".", "[" or " ") renamed to `argument`. */
function rerooted(text: string, root: string | undefined, argument: string): string {
  if (root === undefined || !text.startsWith(root)) return text;
  const next = text.charAt(root.length);
  return next === "" || next === "." || next === "[" || next === " "
    ? argument + text.slice(root.length)
    : text;
}

/**
 * Runs one of src/access's parsers on `argument`'s value. Their errors become BAD_REQUEST errors
 * that name the argument: the parser's own root name (`root`, e.g. "request") is renamed to it,
 * or the argument is put in front.
 */
export function withParser<T>(argument: string, parse: () => T, root?: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SerumsError) {
      const renamed = rerooted(error.message, root, argument);
      const message = renamed.startsWith(argument) ? renamed : `${argument}: ${renamed}`;
      const path = rerooted(error.where.path ?? argument, root, argument);
      throw new SerumsError("BAD_REQUEST", message, { ...error.where, path }, { cause: error });
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new SerumsError("BAD_REQUEST", `${argument}: ${detail}`, { path: argument }, { cause: error });
  }
}
