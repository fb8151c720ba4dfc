/** chooseVerb and parseVerb: the shared front of every command with sub-commands. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseVerb, parseVerb } from "./args.ts";

const VERBS = { run: { usage: "Usage: x run [--fast]", options: { fast: { type: "boolean" } } } } as const;

test("no verb: usage and exit 2; a help flag: exit 0; an unknown verb names the valid ones", (t) => {
  const printed: string[] = [];
  t.mock.method(process.stdout, "write", (text: string) => printed.push(text) > 0);
  assert.deepEqual(chooseVerb("x", [], VERBS, "Usage: x VERB"), { exit: 2 });
  for (const flag of ["--help", "-h", "help"])
    assert.deepEqual(chooseVerb("x", [flag], VERBS, "Usage: x VERB"), { exit: 0 });
  assert.equal(printed.length, 4);
  assert.ok(printed.every((p) => p === "Usage: x VERB\n"));
  assert.throws(
    () => chooseVerb("x", ["nope", "--fast"], VERBS, "Usage: x VERB"),
    (e: Error & { code?: string }) =>
      e.code === "BAD_USAGE" &&
      /unknown command "x nope"; valid: run/.test(e.message) &&
      /Usage: x VERB/.test(e.message),
  );
  const chosen = chooseVerb("x", ["run", "--fast", "a"], VERBS, "Usage: x VERB");
  assert.ok(!("exit" in chosen));
  assert.equal(chosen.verb, "run");
  assert.deepEqual(chosen.rest, ["--fast", "a"]);
});

test("parseVerb: flags and positionals; undefined after printing the verb's usage for --help; bad flags refused", (t) => {
  const printed: string[] = [];
  t.mock.method(process.stdout, "write", (text: string) => printed.push(text) > 0);
  const parsed = parseVerb(["--fast", "a"], VERBS.run);
  assert.equal(parsed?.values.fast, true);
  assert.deepEqual(parsed?.positionals, ["a"]);
  assert.equal(parseVerb(["--help"], VERBS.run), undefined);
  assert.deepEqual(printed, ["Usage: x run [--fast]\n"]);
  assert.throws(() => parseVerb(["--slow"], VERBS.run), /--slow[\s\S]*Usage: x run/);
});
