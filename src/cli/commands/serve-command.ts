/**
 * `serums serve [--port N] [--host H]`: the HTTP server (FlexPass login, tokens, factors, images,
 * and the web application at /app/).
 *
 * Without SERUMS_PUBLIC_ORIGIN, the links the server hands out (enrolment codes, the companion
 * page) name where it actually listens — http://localhost:PORT on a loopback address — so the
 * defaults work as they are on one machine; on any other address the origin must be set, and
 * the server says so when it starts.
 */
import { createServer } from "node:net";
import { authMigrations } from "../../auth/auth-migrations.ts";
import { type Config, readConfig, redactLocation } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { recordMigrations } from "../../record/index.ts";
import { buildServer } from "../../server/build-server.ts";
import { openStore } from "../../store/index.ts";
import { parse } from "../args.ts";

export const SERVE_USAGE = `Usage: serums serve [--port N] [--host H] [--db PATH|URL]

Runs the HTTP server: registration, login, tokens, factors, images; the companion page (the
browser authenticator) at /app/authenticator/, OpenAPI at /openapi.json, the JWKS at
/.well-known/jwks.json. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
  --port N   default SERUMS_PORT or 8080 (0: any free port)
  --host H   default SERUMS_HOST or 127.0.0.1
  --db P|U   the store (default ./data/serums.db, or DATABASE_URL)
Configuration:
  SERUMS_PUBLIC_ORIGIN  the address users reach the server at, e.g. https://serums.example.org:
                        enrolment links and QR codes name it, passkeys are bound to it
                        (default: http://localhost:PORT when listening on a loopback address)
  SERUMS_AUTH_KEY_DIR   signing and factor keys (default ./data/auth-keys, created mode 0700)
  SERUMS_SITE           this site's name, shown on the authenticator (default serums)
  SERUMS_JWT_ISSUER, SERUMS_JWT_AUDIENCE, SERUMS_TRUST_PROXY, SERUMS_SMS_OUTBOX

Try it:
  serums serve --port 8080 &
  curl -s -X POST localhost:8080/auth/register/propose -H 'content-type: application/json' \\
    -d '{"secret":"Places we visited in Europe"}'
  curl -s -X POST localhost:8080/auth/register -H 'content-type: application/json' \\
    -d '{"login":"ingrid","secret":"Places we visited in Europe","textKey":"<the proposal, or yours>"}'
  then open the answer's enrolment.link on your phone, or: serums authenticator enrol <link>`;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** A port free on `host` now (the kernel's choice), for `--port 0`. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, host, resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new SerumsError("BAD_CONFIG", `cannot find a free port on ${host}`, { path: "--host" });
  }
  return address.port;
}

/**
 * The public origin: SERUMS_PUBLIC_ORIGIN when set; else http://localhost:PORT on a loopback
 * host; else the configured default, with a warning to print.
 */
export function publicOriginFor(
  config: Config,
  env: NodeJS.ProcessEnv,
  host: string,
  port: number,
): { config: Config; warning?: string } {
  if (env.SERUMS_PUBLIC_ORIGIN) return { config };
  if (LOOPBACK.has(host)) {
    return { config: { ...config, auth: { ...config.auth, publicOrigin: `http://localhost:${port}` } } };
  }
  return {
    config,
    warning: `SERUMS_PUBLIC_ORIGIN is not set: enrolment links will name ${config.auth.publicOrigin}, which users on other machines cannot reach; set it to the address they use`,
  };
}

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
  const configured = readConfig(process.env, values.db === undefined ? {} : { db: values.db });
  const asked = values.port === undefined ? configured.server.port : Number(values.port);
  if (!Number.isInteger(asked) || asked < 0 || asked > 65535) {
    throw new SerumsError(
      "BAD_USAGE",
      `--port ${JSON.stringify(values.port)} must be a whole number from 0 to 65535`,
      {
        path: "--port",
      },
    );
  }
  const host = values.host ?? configured.server.host;
  // The port is chosen before the server is built, so that the links it hands out can name it.
  const port = asked === 0 ? await freePort(host) : asked;
  const { config, warning } = publicOriginFor(configured, process.env, host, port);
  const store = await openStore(config.store, { migrations: [...recordMigrations, ...authMigrations] });
  let address: string;
  let app: Awaited<ReturnType<typeof buildServer>>;
  try {
    app = await buildServer({ store, config });
    address = await app.listen({ port, host });
  } catch (error) {
    await store.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new SerumsError(
        "BAD_CONFIG",
        `port ${port} on ${host} is in use; choose another with --port (0: any free port)`,
        { path: "--port", value: String(port) },
      );
    }
    throw error;
  }
  const origin = config.auth.publicOrigin;
  process.stderr.write(
    [
      `serums: serving ${redactLocation(store.location)} on ${address}`,
      `  public origin   ${origin}${process.env.SERUMS_PUBLIC_ORIGIN ? "" : " (set SERUMS_PUBLIC_ORIGIN to change)"}`,
      `  companion page  ${origin}/app/authenticator/`,
      `  OpenAPI         ${address}/openapi.json`,
      `  register        POST ${address}/auth/register   (serums serve --help shows an example)`,
      ...(warning ? [`serums: warning: ${warning}`] : []),
      "",
    ].join("\n"),
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
