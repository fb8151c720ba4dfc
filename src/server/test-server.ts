/**
 * For the server's tests: the whole app (accounts, tokens, and the KEYS/FACTORS plugins) on a
 * test store, with memory signing keys, random factor keys, a memory SMS sender and a clock the
 * test moves — or the real clock, for a client that talks over a real port.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { authMigrations } from "../auth/auth-migrations.ts";
import {
  type LoginFactorOptions,
  memorySmsSender,
  randomFactorKeys,
  relyingPartyFor,
} from "../auth/factors/index.ts";
import { type Argon2Function, DEFAULT_KEY_POLICY } from "../auth/keys/index.ts";
import type { RateLimitOptions } from "../auth/login/index.ts";
import { type AccessClaims, KeyRing } from "../auth/tokens/index.ts";
import { readConfig } from "../config/index.ts";
import { SerumsError } from "../errors/index.ts";
import { type EngineUnderTest, openTestStore, type TestStore } from "../store/test-engines.ts";
import { buildServer } from "./build-server.ts";

export interface TestServer {
  app: FastifyInstance;
  t: TestStore;
  ring: KeyRing;
  clock: { now: () => number; advance(ms: number): void };
  sms: ReturnType<typeof memorySmsSender>;
  /** What a TestAuthenticator needs to enrol and approve directly on the store. */
  factors: LoginFactorOptions;
  close(): Promise<void>;
}

export async function testServer(
  engine: EngineUnderTest,
  options: {
    realClock?: boolean;
    rateLimit?: RateLimitOptions;
    /** The login status poll's limit (default the server's own, DEFAULT_POLL_RATE_LIMIT). */
    pollRateLimit?: RateLimitOptions;
    /** Serve web/ at /app/ (default true, as `serums serve` does). */
    webApp?: boolean;
    logger?: boolean | Record<string, unknown>;
    /** The argon2id function the keys use (tests count calls with it). */
    argon2?: Argon2Function;
  } = {},
): Promise<TestServer> {
  const t = await openTestStore(engine, authMigrations);
  const dir = mkdtempSync(path.join(tmpdir(), "serums-server-"));
  let time = Date.UTC(2025, 0, 15, 9, 0, 0);
  const clock = options.realClock
    ? {
        now: Date.now,
        advance: () => {
          throw new Error("the real clock does not move on request");
        },
      }
    : {
        now: () => time,
        advance: (ms: number) => {
          time += ms;
        },
      };
  const env = {
    SERUMS_AUTH_KEY_DIR: dir,
    SERUMS_PUBLIC_ORIGIN: "https://serums.example.org",
    SERUMS_JWT_ISSUER: "urn:serums:edinburgh",
    SERUMS_SITE: "edinburgh",
    SERUMS_SMS_OUTBOX: path.join(dir, "outbox.jsonl"),
  };
  const ring = await KeyRing.inMemory({ now: clock.now });
  const sms = memorySmsSender();
  const factorKeys = randomFactorKeys();
  const app = await buildServer({
    store: t.store,
    config: readConfig(env),
    env,
    now: clock.now,
    ring,
    factorKeys,
    smsSender: sms,
    keyPolicy: { ...DEFAULT_KEY_POLICY, ...(options.argon2 ? { argon2: options.argon2 } : {}) },
    logger: options.logger ?? false,
    rateLimit: options.rateLimit ?? { capacity: 1000, refillPerSecond: 100 },
    ...(options.pollRateLimit ? { pollRateLimit: options.pollRateLimit } : {}),
    ...(options.webApp === undefined ? {} : { webApp: options.webApp }),
  });
  return {
    app,
    t,
    ring,
    clock,
    sms,
    factors: { now: clock.now, keys: factorKeys, sender: sms, rp: relyingPartyFor(env.SERUMS_PUBLIC_ORIGIN) },
    async close() {
      await app.close();
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For route tests that stand in for the real token check: `Bearer test:<Serums ID>` is a patient
 * with that Serums ID; anything else is refused as the real check would refuse it.
 */
export function testBearerClaims(authorization: string | undefined): AccessClaims {
  const match = /^Bearer test:(srm-[0-9a-z-]+)$/.exec(authorization ?? "");
  if (!match)
    throw new SerumsError("UNAUTHENTICATED", "an Authorization: Bearer <access token> header is required");
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
  };
}
