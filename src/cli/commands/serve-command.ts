/** `serums serve [--port N] [--host H]`: the HTTP server (FlexPass login, tokens, factors, images). */
import { authMigrations } from "../../auth/auth-migrations.ts";
import { readConfig, redactLocation } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { recordMigrations } from "../../record/index.ts";
import { buildServer } from "../../server/build-server.ts";
import { openStore } from "../../store/index.ts";
import { parse } from "../args.ts";

export const SERVE_USAGE = `Usage: serums serve [--port N] [--host H] [--db PATH|URL]

Runs the HTTP server: registration, login, tokens, factors, images; OpenAPI at /openapi.json,
the JWKS at /.well-known/jwks.json. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
  --port N   default SERUMS_PORT or 8080 (0: any free port)
  --host H   default SERUMS_HOST or 127.0.0.1
Configuration: SERUMS_AUTH_KEY_DIR (signing keys, default ./data/auth-keys), SERUMS_JWT_ISSUER,
SERUMS_JWT_AUDIENCE, SERUMS_PUBLIC_ORIGIN, SERUMS_SITE, SERUMS_TRUST_PROXY.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { port: { type: "string" }, host: { type: "string" } },
    SERVE_USAGE,
  );
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0)
    throw new SerumsError("BAD_USAGE", `serve takes no arguments\n\n${SERVE_USAGE}`);
  const config = readConfig(process.env, values.db === undefined ? {} : { db: values.db });
  const port = values.port === undefined ? config.server.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SerumsError(
      "BAD_USAGE",
      `--port ${JSON.stringify(values.port)} must be a whole number from 0 to 65535`,
      {
        path: "--port",
      },
    );
  }
  const host = values.host ?? config.server.host;
  const store = await openStore(config.store, { migrations: [...recordMigrations, ...authMigrations] });
  const app = await buildServer({ store, config });
  const address = await app.listen({ port, host });
  process.stderr.write(
    `serums: serving ${redactLocation(store.location)} on ${address} (OpenAPI at ${address}/openapi.json)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await app.close();
  await store.close();
  return 0;
}
