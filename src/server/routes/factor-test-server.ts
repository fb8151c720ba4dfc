/**
 * For the factor and authenticator routes' tests and the authenticator CLI's: a Fastify app with
 * the server's problem handling and only these two plugins, on a test store, with bearer tokens
 * "test:<serumsId>" standing in for access tokens (the token module is tested on its own), no
 * rate limit unless given, random factor keys and an SMS outbox in a temporary folder. With
 * `servePage`, it also serves the companion page (web/authenticator/) at /app/authenticator/, as
 * the full server does, for the browser test.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import {
  type LoginFactorOptions,
  outboxSmsSender,
  randomFactorKeys,
  relyingPartyFor,
} from "../../auth/factors/index.ts";
import { openFactorStore } from "../../auth/factors/test-support.ts";
import type { AccessClaims } from "../../auth/tokens/access-claims.ts";
import { readConfig } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import type { EngineUnderTest, TestStore } from "../../store/test-engines.ts";
import { problemErrorHandler, problemSchema } from "../problem.ts";
import type { ServerServices } from "../server-services.ts";
import { authenticatorRoutes } from "./authenticator-routes.ts";
import { factorRoutes } from "./factor-routes.ts";

export interface FactorTestServer {
  app: FastifyInstance;
  t: TestStore;
  dir: string;
  outbox: string;
  clock: { now: () => number; advance(ms: number): void };
  close(): Promise<void>;
}

export interface FactorTestServerOptions {
  /** The clock's first reading; default a fixed day in 2025 (the clock stands still until moved). */
  start?: number;
  /** The clock follows Date.now() (plus what `advance` adds): for real clients, which sign times. */
  realTime?: boolean;
  /** Serve web/authenticator/ at /app/authenticator/. */
  servePage?: boolean;
  /** The per-address rate limit (default none): throw SerumsError("RATE_LIMITED") to refuse. */
  rateLimit?: (request: FastifyRequest) => void;
}

const PAGE_DIR = fileURLToPath(new URL("../../../web/authenticator/", import.meta.url));
const PAGE_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The companion page's files, read once; tests and other files of the folder are not served. */
function companionPageRoutes(app: FastifyInstance): void {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(PAGE_DIR)) {
    const type = PAGE_TYPES[path.extname(name)];
    if (type && !name.includes(".test."))
      files.set(name, { type, body: readFileSync(path.join(PAGE_DIR, name)) });
  }
  app.get("/app/authenticator", (_request, reply) => reply.redirect("/app/authenticator/", 308));
  app.get("/app/authenticator/*", (request, reply) => {
    const name = (request.params as { "*": string })["*"] || "index.html";
    const file = files.get(name);
    if (!file) throw new SerumsError("NOT_FOUND", `no file ${name} in the companion page`);
    return reply.type(file.type).header("cache-control", "no-store").send(file.body);
  });
}

/** `options`: a number is the clock's first reading (see FactorTestServerOptions.start). */
export async function factorTestServer(
  engine: EngineUnderTest,
  options: number | FactorTestServerOptions = {},
): Promise<FactorTestServer> {
  const { start, realTime, servePage, rateLimit } =
    typeof options === "number" ? { start: options } : options;
  const t = await openFactorStore(engine);
  const dir = mkdtempSync(path.join(tmpdir(), "serums-factor-routes-"));
  const outbox = path.join(dir, "sms-outbox.jsonl");
  let time = start ?? Date.UTC(2025, 0, 15, 9, 0, 0);
  let offset = 0;
  const clock = {
    now: realTime ? () => Date.now() + offset : () => time,
    advance(ms: number) {
      time += ms;
      offset += ms;
    },
  };
  const config = readConfig({ SERUMS_AUTH_KEY_DIR: dir, SERUMS_PUBLIC_ORIGIN: "https://serums.example.org" });
  const factors: LoginFactorOptions = {
    now: clock.now,
    keys: randomFactorKeys(),
    sender: outboxSmsSender(outbox, clock.now),
    rp: relyingPartyFor(config.auth.publicOrigin),
  };
  // The same validation as buildServer's: extra properties and wrong types are refused, not fixed.
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  app.addSchema(problemSchema);
  app.setErrorHandler(problemErrorHandler);
  const services: ServerServices = {
    store: t.store,
    now: clock.now,
    config,
    async authenticate(request) {
      const match = /^Bearer test:(srm-[0-9a-z-]+)$/.exec(request.headers.authorization ?? "");
      if (!match)
        throw new SerumsError(
          "UNAUTHENTICATED",
          "an Authorization: Bearer <access token> header is required",
        );
      return {
        serumsId: match[1]!,
        role: "patient",
        site: null,
        department: null,
        country: null,
        amr: ["pwd", "swk"],
        jti: "t",
        iat: 0,
        exp: 0,
        kid: "k",
        sessionId: "s",
      } satisfies AccessClaims;
    },
    async requireRole(request) {
      return services.authenticate(request);
    },
    addressHash: () => "0".repeat(64),
    factors,
    rateLimit(request) {
      rateLimit?.(request);
    },
    // Not used by the factor and authenticator routes.
    keyPolicy: undefined as never,
    login: undefined as never,
  };
  await app.register(async (scope) => factorRoutes(scope, services));
  await app.register(async (scope) => authenticatorRoutes(scope, services));
  if (servePage) companionPageRoutes(app);
  await app.ready();
  return {
    app,
    t,
    dir,
    outbox,
    clock,
    async close() {
      await app.close();
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
