/**
 * For the factor and authenticator routes' tests and the authenticator CLI's: a Fastify app with
 * the server's problem handling and only these two plugins, on a test store with every FlexPass
 * table, with bearer tokens "test:<serumsId>" standing in for access tokens (the token module is
 * tested on its own), a real login context (so the key proof that factor changes ask is checked
 * for real: `addUser` gives each user the text key TEXT_KEY), no rate limit unless given, random
 * factor keys and an SMS outbox in a temporary folder. (The full server, with web/ at /app/, is
 * src/server/test-server.ts.)
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { authMigrations } from "../../auth/auth-migrations.ts";
import {
  type LoginFactorOptions,
  outboxSmsSender,
  randomFactorKeys,
  relyingPartyFor,
} from "../../auth/factors/index.ts";
import { addUser as addAccount } from "../../auth/factors/test-support.ts";
import { DEFAULT_KEY_POLICY, enrolTextKey } from "../../auth/keys/index.ts";
import type { LoginContext, LoginKey } from "../../auth/login/index.ts";
import { SECRET, TEXT_KEY } from "../../auth/login/test-support.ts";
import { KeyRing } from "../../auth/tokens/index.ts";
import { readConfig } from "../../config/index.ts";
import { type EngineUnderTest, openTestStore, type TestStore } from "../../store/test-engines.ts";
import { problemErrorHandler, problemSchema } from "../problem.ts";
import type { ServerServices } from "../server-services.ts";
import { testBearerClaims } from "../test-server.ts";
import { authenticatorRoutes } from "./authenticator-routes.ts";
import { factorRoutes } from "./factor-routes.ts";

/** A user of the test server: their Serums ID, login name and a key to prove as `current`. */
export interface FactorTestUser {
  serumsId: string;
  login: string;
  /** The text key TEXT_KEY, as the factor changes take it. */
  current: LoginKey;
  /** The headers of their stand-in access token. */
  headers: { authorization: string };
}

export interface FactorTestServer {
  app: FastifyInstance;
  t: TestStore;
  dir: string;
  outbox: string;
  clock: { now: () => number; advance(ms: number): void };
  /** The login context the key proofs are checked with. */
  login: LoginContext;
  /** A patient with the text key TEXT_KEY (one argon2id hash). */
  addUser(login?: string): Promise<FactorTestUser>;
  /** `POST /factors/authenticators/enrolment` for `user`, with their key as proof: the answer's body. */
  enrolment(user: FactorTestUser): Promise<{ code: string; uri: string; link: string; qrSvg: string }>;
  close(): Promise<void>;
}

export interface FactorTestServerOptions {
  /** The clock's first reading; default a fixed day in 2025 (the clock stands still until moved). */
  start?: number;
  /** The clock follows Date.now() (plus what `advance` adds): for real clients, which sign times. */
  realTime?: boolean;
  /** The per-address rate limit (default none): throw SerumsError("RATE_LIMITED") to refuse. */
  rateLimit?: (request: FastifyRequest) => void;
}

/** `options`: a number is the clock's first reading (see FactorTestServerOptions.start). */
export async function factorTestServer(
  engine: EngineUnderTest,
  options: number | FactorTestServerOptions = {},
): Promise<FactorTestServer> {
  const { start, realTime, rateLimit } = typeof options === "number" ? { start: options } : options;
  const t = await openTestStore(engine, authMigrations);
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
  const login: LoginContext = {
    store: t.store,
    now: clock.now,
    ring: await KeyRing.inMemory({ now: clock.now }),
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    site: "edinburgh",
    publicOrigin: config.auth.publicOrigin,
    factors,
    keyPolicy: { ...DEFAULT_KEY_POLICY },
  };
  // The same validation as buildServer's: extra properties and wrong types are refused, not fixed.
  const app = Fastify({
    logger: false,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, discriminator: true },
    },
  });
  app.addSchema(problemSchema);
  app.setErrorHandler(problemErrorHandler);
  const services: ServerServices = {
    store: t.store,
    now: clock.now,
    config,
    async authenticate(request) {
      return testBearerClaims(request.headers.authorization);
    },
    async requireRole(request) {
      return services.authenticate(request);
    },
    addressHash: () => "0".repeat(64),
    factors,
    rateLimit(request) {
      rateLimit?.(request);
    },
    keyPolicy: login.keyPolicy,
    login,
  };
  await app.register(async (scope) => factorRoutes(scope, services));
  await app.register(async (scope) => authenticatorRoutes(scope, services));
  await app.ready();
  return {
    app,
    t,
    dir,
    outbox,
    clock,
    login,
    async addUser(name) {
      const serumsId = await addAccount(t.store, name);
      await enrolTextKey(t.store, serumsId, TEXT_KEY, { ...login.keyPolicy, now: clock.now, secret: SECRET });
      const row = await t.store.get<{ login_name: string }>(
        "SELECT login_name FROM auth_user WHERE serums_id = $1",
        [serumsId],
      );
      return {
        serumsId,
        login: row!.login_name,
        current: { kind: "text", value: TEXT_KEY },
        headers: { authorization: `Bearer test:${serumsId}` },
      };
    },
    async enrolment(user) {
      const answer = await app.inject({
        method: "POST",
        url: "/factors/authenticators/enrolment",
        headers: user.headers,
        payload: { current: user.current },
      });
      if (answer.statusCode !== 201) throw new Error(`enrolment: ${answer.statusCode} ${answer.body}`);
      return answer.json();
    },
    async close() {
      await app.close();
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
