/**
 * The `serums` command: `serums <noun> <verb>`. Exit 0 on success, 1 on failure, 2 on bad usage
 * or input. Errors go to stderr, named by their stable code.
 */
import { SerumsError } from "../errors/index.ts";
import { authenticatorCommand } from "./commands/authenticator-command.ts";
import { demoCommand } from "./commands/demo-command.ts";
import { fabricateCommand } from "./commands/fabricate-command.ts";
import { imagesCommand } from "./commands/images-command.ts";
import { ingestCommand } from "./commands/ingest-command.ts";
import { ledgerCommand } from "./commands/ledger-command.ts";
import { mapCommand } from "./commands/map-command.ts";
import { profileCommand } from "./commands/profile-command.ts";
import { recordCommand } from "./commands/record-command.ts";
import { serveCommand } from "./commands/serve-command.ts";
import { userCommand } from "./commands/user-command.ts";

const USAGE = `Serums — share medical data safely: the smart patient record.

Usage: serums <command> [options]     (each command has --help)

  demo                         load the Edinburgh Cancer Data Gateway sample and show a record
  ingest --mapping M --source S
                               load a source into the smart patient record
  record show ID               a patient's record (--as-of, --effective, --json)
  record list                  the records there are
  record schema                the JSON Schema of a record
  map suggest SOURCE           profile a source and propose a mapping
  profile SOURCE               metadata of a source that shows no rare value (for fabricate derive)
  fabricate init|run|validate|schema
                               rule-guided synthetic data from a data project
  ledger init                  create a small consortium on this machine (keys, identities, peers)
  ledger demo                  rules, access decisions, break-glass and the access log, worked
  ledger history ID            a patient's access history
  ledger receipt TXID          the receipt of an access decision; ledger check-receipt FILE checks it
  ledger verify | rebuild | status | package
                               check and repair the peers; the Fabric chaincode package
  serve [--port N] [--host H]  the HTTP server: FlexPass login, tokens, factors (OpenAPI at /openapi.json)
  user create-admin|enrol|list|disable|enrolment-code|rotate-key
                               accounts of staff, and the token-signing keys
  authenticator enrol CODE | pending | approve [ID] | deny ID | show
                               the Serums Authenticator: approve your logins by signature
  images search|suggest|add|show
                               FlexPass's image library: best-fit images for a secret, site images

Common options: --db PATH|URL (default ./data/serums.db, or DATABASE_URL), --json, -h/--help`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  demo: demoCommand,
  ingest: ingestCommand,
  record: recordCommand,
  map: mapCommand,
  profile: profileCommand,
  ledger: ledgerCommand,
  serve: serveCommand,
  user: userCommand,
  fabricate: fabricateCommand,
  authenticator: authenticatorCommand,
  images: imagesCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(
      `serums: unknown command "${name}"; valid: ${Object.keys(commands).join(", ")}\n\n${USAGE}\n`,
    );
    return 2;
  }
  const json = rest.includes("--json");
  try {
    return await command(rest);
  } catch (error) {
    if (error instanceof SerumsError) {
      if (json)
        process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
      else process.stderr.write(`serums: ${error.message} [${error.code}]\n`);
      return error.isInputError || error.code === "BAD_USAGE" ? 2 : 1;
    }
    process.stderr.write(`serums: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  // A reader that stops early (`| head`) is not a failure.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
