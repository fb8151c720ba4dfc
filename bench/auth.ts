/**
 * FlexPass: how fast access tokens verify, and how long a login takes.
 *
 * - JWT verifications/s (bar ≥ 20,000): `verifyAccessToken` on distinct EdDSA tokens — jose's
 *   verification with the algorithm, issuer, audience, type, expiry and kid pinned, and the
 *   claims parsed — against one bare Ed25519 signature verification with node:crypto over the
 *   same signing inputs. The baseline is the cryptographic floor of the same work: the ratio is
 *   what the JWT handling costs on top of the signature itself (an HMAC baseline would compare
 *   against a different algorithm, not against our overhead). A second figure verifies one token
 *   again and again: what the memory of verified tokens (verified-tokens.ts) makes of a client's
 *   repeated requests — reported apart, never as the first figure.
 * - Login latency p50/p99 for each key kind (text, recognition, gesture) with push, and for each
 *   other factor (TOTP, recovery code) with the text key, through the real flow: start (push
 *   challenge, graphical challenge) → the software authenticator approves by signature → finish
 *   (attempt used up, key verified, factor consumed, session and tokens issued, events written).
 *   The baseline is one argon2id verification alone with the site's parameters, measured in the
 *   same run: 1/ratio is the share of a login spent in argon2id (one verification per login).
 */

import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { registerPatient } from "../src/auth/accounts/index.ts";
import { authMigrations } from "../src/auth/auth-migrations.ts";
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  generateRecoveryCodes,
  memorySmsSender,
  randomFactorKeys,
  relyingPartyFor,
  type SecondFactor,
  totpCode,
} from "../src/auth/factors/index.ts";
import {
  DEFAULT_KEY_POLICY,
  enrolGestureKey,
  enrolRecognitionKey,
  hashSecret,
  verifySecret,
} from "../src/auth/keys/index.ts";
import { finishLogin, type LoginContext, type LoginKey, startLogin } from "../src/auth/login/index.ts";
import { SECRET, TEXT_KEY, TestAuthenticator } from "../src/auth/login/test-support.ts";
import { KeyRing, signAccessToken, verifyAccessToken } from "../src/auth/tokens/index.ts";
import {
  type BenchEngine,
  type BenchOptions,
  describeEngine,
  type Metric,
  metric,
  progress,
  withBenchStore,
} from "./harness.ts";

const BENCH = "auth";
const IMAGES = ["openmoji-1F3D6", "openmoji-1F334", "openmoji-1F41A", "openmoji-1F30A", "openmoji-1F305"];
const GESTURES = [
  { kind: "tap", x: 313.37, y: 217.71 },
  { kind: "line", x: 101.13, y: 897.53, x2: 641.29, y2: 479.11 },
  { kind: "circle", x: 503.77, y: 611.19, radius: 123.41 },
];
const client = { address: "198.51.100.1", userAgent: "bench", addressHash: "b".repeat(64) };

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function jwtMetrics(quick: boolean): Promise<Metric[]> {
  const now = Date.now();
  const ring = await KeyRing.inMemory({ now: () => now });
  const settings = { issuer: "urn:serums:bench", audience: "urn:serums", now: () => now };
  const subject = {
    serumsId: "srm-7k3m-9qx2-hv4t-8dpa",
    role: "specialist" as const,
    site: "edinburgh",
    department: "oncology",
    country: "GB",
  };
  const publicKey = createPublicKey({
    key: ring.jwks(now).keys[0]! as import("node:crypto").JsonWebKey,
    format: "jwk",
  });
  // Distinct tokens (each jti is new), so every verification is a full one: nothing remembered.
  const n = quick ? 2000 : 20_000;
  const tokens: string[] = [];
  for (let i = 0; i < n + 500; i++) {
    tokens.push((await signAccessToken(ring, subject, ["pwd", "swk"], `bench-${i}`, settings)).token);
  }
  const parts = tokens.map((token) => {
    const [h, p, s] = token.split(".") as [string, string, string];
    return { input: Buffer.from(`${h}.${p}`), signature: Buffer.from(s, "base64url") };
  });
  for (let i = n; i < n + 500; i++) await verifyAccessToken(ring, tokens[i]!, settings); // warm-up
  for (let i = n; i < n + 500; i++) cryptoVerify(null, parts[i]!.input, publicKey, parts[i]!.signature);
  // Interleaved halves, so a burst of load on this shared machine hits both sides alike.
  let jwtMs = 0;
  let rawMs = 0;
  const half = n / 2;
  for (const [from, to] of [
    [0, half],
    [half, n],
  ] as const) {
    let t0 = performance.now();
    for (let i = from; i < to; i++) await verifyAccessToken(ring, tokens[i]!, settings);
    jwtMs += performance.now() - t0;
    t0 = performance.now();
    for (let i = from; i < to; i++) {
      if (!cryptoVerify(null, parts[i]!.input, publicKey, parts[i]!.signature))
        throw new Error("bad signature");
    }
    rawMs += performance.now() - t0;
  }
  const jwtPerSecond = n / (jwtMs / 1000);
  const rawPerSecond = n / (rawMs / 1000);
  // The same token again and again: what a client's requests within its token's ten minutes cost.
  const repeated = tokens[0]!;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await verifyAccessToken(ring, repeated, settings);
  const repeatPerSecond = n / ((performance.now() - t0) / 1000);
  progress(
    `JWT verifications: ${Math.round(jwtPerSecond)}/s new tokens, ${Math.round(repeatPerSecond)}/s a token seen before (bare Ed25519 ${Math.round(rawPerSecond)}/s)`,
  );
  return [
    metric(
      BENCH,
      "JWT verifications/s, new tokens (vs bare Ed25519 verify)",
      jwtPerSecond,
      rawPerSecond,
      "ops/s",
    ),
    metric(
      BENCH,
      "JWT verifications/s, a token seen before (vs bare Ed25519 verify)",
      repeatPerSecond,
      rawPerSecond,
      "ops/s",
    ),
  ];
}

async function argon2Milliseconds(runs: number): Promise<number> {
  const hash = await hashSecret("CorrectHorseBatteryStaple!", { ...DEFAULT_KEY_POLICY });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await verifySecret(hash, "CorrectHorseBatteryStaple!", { ...DEFAULT_KEY_POLICY });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return percentile(times, 50);
}

interface Case {
  name: string;
  key: LoginKey;
  factor?: () => SecondFactor;
  setUp?: (context: LoginContext, serumsId: string) => Promise<void>;
  /** Before each login, untimed: e.g. a fresh set of single-use recovery codes when they run out. */
  beforeEach?: (context: LoginContext, serumsId: string) => Promise<void>;
}

async function loginMetrics(engine: BenchEngine, quick: boolean): Promise<Metric[]> {
  const runs = quick ? 3 : 25;
  return withBenchStore(engine, authMigrations, async (store) => {
    let time = Date.now();
    const now = () => time;
    const sms = memorySmsSender();
    const context: LoginContext = {
      store,
      now,
      ring: await KeyRing.inMemory({ now }),
      issuer: "urn:serums:bench",
      audience: "urn:serums",
      site: "bench",
      publicOrigin: "https://serums.example.org",
      factors: {
        now,
        keys: randomFactorKeys(),
        sender: sms,
        rp: relyingPartyFor("https://serums.example.org"),
      },
      keyPolicy: { ...DEFAULT_KEY_POLICY },
    };
    let totpSecret = "";
    let recovery: string[] = [];
    const cases: Case[] = [
      { name: "text key + push", key: { kind: "text", value: TEXT_KEY } },
      {
        name: "recognition key + push",
        key: { kind: "recognition", picked: IMAGES },
        setUp: async (c, id) =>
          void (await enrolRecognitionKey(c.store, id, IMAGES, { ...c.keyPolicy, now })),
      },
      {
        name: "gesture key + push",
        key: { kind: "gesture", points: GESTURES },
        setUp: async (c, id) =>
          void (await enrolGestureKey(c.store, id, "openmoji-1F3F0", GESTURES, { ...c.keyPolicy, now })),
      },
      {
        name: "text key + totp",
        key: { kind: "text", value: TEXT_KEY },
        factor: () => ({ kind: "totp", code: totpCode(totpSecret, now()) }),
        setUp: async (c, id) => {
          const enrolment = await beginTotpEnrolment(c.store, id, c.factors);
          totpSecret = enrolment.secret;
          await confirmTotpEnrolment(c.store, id, totpCode(totpSecret, now()), c.factors);
        },
      },
      {
        name: "text key + recovery code",
        key: { kind: "text", value: TEXT_KEY },
        factor: () => ({ kind: "recovery", code: recovery.pop()! }),
        setUp: async (c, id) => {
          recovery = [...(await generateRecoveryCodes(c.store, id, c.factors))];
        },
        beforeEach: async (c, id) => {
          if (recovery.length === 0) recovery = [...(await generateRecoveryCodes(c.store, id, c.factors))];
        },
      },
    ];
    const argon2 = await argon2Milliseconds(quick ? 3 : 15);
    progress(`${describeEngine(engine)}: argon2id verify alone ${argon2.toFixed(1)} ms`);
    const metrics: Metric[] = [];
    let n = 0;
    for (const c of cases) {
      const login = `bench.user.${n++}`;
      const registered = await registerPatient(context, { login, secret: SECRET, textKey: TEXT_KEY }, client);
      const phone = new TestAuthenticator();
      await phone.enrol(store, context, registered.enrolment.code);
      await c.setUp?.(context, registered.serumsId);
      const times: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        time += 31_000; // a fresh TOTP step for every login
        await c.beforeEach?.(context, registered.serumsId);
        const t0 = performance.now();
        const start = await startLogin(context, login, client);
        if (!start.ok) throw new Error(`${c.name}: start refused`);
        if (!c.factor) await phone.approve(store, context, start.challengeId, start.number);
        const finish = await finishLogin(
          context,
          { challengeId: start.challengeId, key: c.key, ...(c.factor ? { factor: c.factor() } : {}) },
          client,
        );
        if (!finish.ok) throw new Error(`${c.name}: login failed`);
        if (i > 0) times.push(performance.now() - t0); // the first warms caches (image library)
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50);
      const p99 = percentile(times, 99);
      progress(
        `${describeEngine(engine)}: ${c.name}: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, argon2id ${Math.round((100 * argon2) / p50)}% of p50`,
      );
      metrics.push(
        metric(BENCH, `login p50, ${c.name} [${engine.engine}] (vs one argon2id verify)`, p50, argon2, "ms"),
      );
      metrics.push(
        metric(BENCH, `login p99, ${c.name} [${engine.engine}] (vs one argon2id verify)`, p99, argon2, "ms"),
      );
    }
    return metrics;
  });
}

export async function authBench(options: BenchOptions): Promise<Metric[]> {
  const metrics = await jwtMetrics(options.quick);
  for (const engine of options.engines) metrics.push(...(await loginMetrics(engine, options.quick)));
  return metrics;
}
