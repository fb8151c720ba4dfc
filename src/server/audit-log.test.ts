/**
 * What the server writes down: with the production log options (pino, redaction, the request
 * serializer) captured, every authentication flow is run — registration (right, taken, weak),
 * staff enrolment and activation, login (right, wrong key, unknown name), refresh, a stolen
 * refresh token used twice, logout, a key change with a wrong and a right proof, factor
 * enrolment with a phone number, malformed and unauthenticated requests — and neither the log
 * nor the authentication event table may hold any secret, key, code, token, login name, phone
 * number, address or user agent. Every step must have left its authentication event.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { afterEach, beforeEach, it } from "node:test";
import { enrolStaff } from "../auth/accounts/index.ts";
import { SECRET, TEXT_KEY, TestAuthenticator } from "../auth/login/test-support.ts";
import { readConfig } from "../config/index.ts";
import { describeEachEngine } from "../store/test-engines.ts";
import { LOG_OPTIONS } from "./build-server.ts";
import { createLoginContext } from "./server-context.ts";
import { type TestServer, testServer } from "./test-server.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field
type Json = Record<string, any>;

const ADDRESS = "198.51.100.23";
const USER_AGENT = "Mozilla/5.0 (PrivateAgent 7.7)";
const PHONE = "+447700900123";
const IMAGES = ["openmoji-1F3D6", "openmoji-1F334", "openmoji-1F41A", "openmoji-1F30A", "openmoji-1F305"];

/**
 * Whether `text` holds `secret`. A short all-digit secret (a one-time code) counts only where it
 * stands alone, not inside a longer number such as a response time in milliseconds
 * ("responseTime":1.1658972), where six given digits turn up by chance.
 */
function holds(text: string, secret: string): boolean {
  if (!/^\d{1,10}$/.test(secret)) return text.includes(secret);
  return new RegExp(`(?<![0-9.])${secret}(?![0-9.])`).test(text);
}

describeEachEngine("logs and the authentication event log", (engine) => {
  let s: TestServer;
  let log = "";
  beforeEach(async () => {
    log = "";
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    s = await testServer(engine, { logger: { ...LOG_OPTIONS, level: "trace", stream } });
  });
  afterEach(() => s.close());

  const call = (method: "GET" | "POST" | "PUT", url: string, payload?: unknown, token?: string) =>
    s.app.inject({
      method,
      url,
      remoteAddress: ADDRESS,
      headers: { "user-agent": USER_AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });

  it("holds no secret, token, code, name, number or address; every step is an event", async () => {
    const secrets: string[] = [SECRET, TEXT_KEY, "ingrid.m", "nobody.there", "admin.ed", PHONE, ADDRESS];
    secrets.push(USER_AGENT, "PrivateAgent", "Guess-Wrong-1!");
    const proposal = await call("POST", "/auth/register/propose", { secret: SECRET });
    secrets.push(proposal.json().textKey);
    const registered = await call("POST", "/auth/register", {
      login: "ingrid.m",
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const serumsId: string = registered.json().serumsId;
    secrets.push(serumsId, registered.json().enrolment.code, registered.json().enrolment.uri);
    const taken = await call("POST", "/auth/register", {
      login: "Ingrid.M",
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(taken.statusCode, 409);
    const weak = await call("POST", "/auth/register", {
      login: "weak.one",
      secret: "my dog",
      textKey: "MyDog123",
    });
    assert.equal(weak.statusCode, 400);
    const phone = new TestAuthenticator();
    await phone.enrol(s.t.store, s, registered.json().enrolment.code);

    const logIn = async (login: string, value: string) => {
      const start = await call("POST", "/auth/login/start", { login });
      assert.equal(start.statusCode, 200, start.body);
      secrets.push(start.json().challengeId);
      await phone.approve(s.t.store, s.clock, start.json().challengeId, start.json().number).catch(() => {});
      return call("POST", "/auth/login/finish", {
        challengeId: start.json().challengeId,
        key: { kind: "text", value },
      });
    };
    assert.equal((await logIn("ingrid.m", "Guess-Wrong-1!")).statusCode, 401);
    assert.equal((await logIn("nobody.there", TEXT_KEY)).statusCode, 401);
    const tokens = (await logIn("ingrid.m", TEXT_KEY)).json();
    secrets.push(tokens.accessToken, tokens.refreshToken, tokens.accessToken.split(".")[2]);
    assert.equal((await call("GET", "/auth/me", undefined, tokens.accessToken)).statusCode, 200);

    // A stolen refresh token used twice: the family dies, the access tokens with it.
    const refreshed = await call("POST", "/auth/token/refresh", { refreshToken: tokens.refreshToken });
    assert.equal(refreshed.statusCode, 200);
    secrets.push(refreshed.json().accessToken, refreshed.json().refreshToken);
    const replay = await call("POST", "/auth/token/refresh", { refreshToken: tokens.refreshToken });
    assert.equal(replay.statusCode, 401);
    assert.equal((await call("GET", "/auth/me", undefined, refreshed.json().accessToken)).statusCode, 401);
    assert.equal(
      (await call("POST", "/auth/token/refresh", { refreshToken: refreshed.json().refreshToken })).statusCode,
      401,
    );

    const session = (await logIn("ingrid.m", TEXT_KEY)).json();
    secrets.push(session.accessToken, session.refreshToken);
    const wrongProof = await call(
      "PUT",
      "/auth/keys/graphical",
      { kind: "recognition", images: IMAGES, current: { kind: "text", value: "Guess-Wrong-1!" } },
      session.accessToken,
    );
    assert.equal(wrongProof.statusCode, 403);
    const changed = await call(
      "PUT",
      "/auth/keys/graphical",
      { kind: "recognition", images: IMAGES, current: { kind: "text", value: TEXT_KEY } },
      session.accessToken,
    );
    assert.equal(changed.statusCode, 200, changed.body);
    // Factor changes carry a key as proof: it must stay out of the log like every other body.
    const proof = { current: { kind: "text", value: TEXT_KEY } };
    const sms = await call("POST", "/factors/sms", { phone: PHONE, ...proof }, session.accessToken);
    assert.equal(sms.statusCode, 202, sms.body);
    for (const message of s.sms.sent) secrets.push(message.body.match(/\d{6,}/)?.[0] ?? message.body);
    const totp = await call("POST", "/factors/totp", proof, session.accessToken);
    assert.equal(totp.statusCode, 201, totp.body);
    secrets.push(totp.json().secret);
    const codes = await call("POST", "/factors/recovery-codes", proof, session.accessToken);
    assert.equal(codes.statusCode, 201, codes.body);
    secrets.push(...codes.json().codes);

    // Staff: created at the command line, activated with the one-time code.
    const context = await createLoginContext({
      store: s.t.store,
      config: readConfig({ SERUMS_PUBLIC_ORIGIN: "https://serums.example.org" }),
      now: s.clock.now,
      ring: s.ring,
      factorKeys: s.factors.keys,
      smsSender: s.sms,
    });
    const admin = await enrolStaff(context, "cli", {
      login: "admin.ed",
      role: "administrator",
      site: "edinburgh",
      department: "it",
      country: "GB",
    });
    secrets.push(admin.activationCode, admin.account.serumsId);
    const badActivation = await call("POST", "/auth/activate", {
      login: "admin.ed",
      activationCode: "AAAA-BBBB-CCCC-DDDD-EEEE",
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(badActivation.statusCode, 401);
    const activated = await call("POST", "/auth/activate", {
      login: "admin.ed",
      activationCode: admin.activationCode,
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(activated.statusCode, 200, activated.body);
    secrets.push(activated.json().enrolment.code);

    // Malformed, unauthenticated and unknown requests, with secrets where they do not belong.
    assert.equal(
      (await call("POST", "/auth/login/start", { login: "ingrid.m", key: TEXT_KEY })).statusCode,
      400,
    );
    assert.equal((await call("GET", "/auth/me", undefined, `${tokens.accessToken}x`)).statusCode, 401);
    assert.equal((await call("GET", `/auth/nothing?key=${TEXT_KEY}&login=ingrid.m`)).statusCode, 404);
    assert.equal((await call("POST", "/auth/logout", {}, session.accessToken)).statusCode, 204);

    // The log is not empty: every request was logged, by route.
    const lines = log
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    const routes = new Set(lines.map((l) => l.req?.route).filter(Boolean));
    for (const route of [
      "/auth/register",
      "/auth/login/finish",
      "/auth/token/refresh",
      "/auth/keys/graphical",
      "/factors/recovery-codes",
    ]) {
      assert.ok(routes.has(route), `${route} is logged`);
    }
    assert.ok(lines.some((l) => l.msg === "request refused" && l.code === "UNAUTHENTICATED"));
    for (const secret of secrets) {
      assert.ok(!holds(log, secret), `the log holds ${JSON.stringify(secret.slice(0, 24))}…`);
    }

    const events = await s.t.store.all<Json>("SELECT * FROM auth_event ORDER BY at, id");
    const dump = JSON.stringify(events);
    for (const secret of secrets.filter((x) => x !== serumsId && x !== admin.account.serumsId)) {
      assert.ok(!holds(dump, secret), `the event log holds ${JSON.stringify(secret.slice(0, 24))}…`);
    }
    const seen = new Set(events.map((e) => `${e.kind}:${e.outcome}:${e.reason ?? ""}`));
    for (const expected of [
      "register:success:",
      "register:failure:conflict",
      "register:failure:bad_request",
      "login_start:success:",
      "login_finish:failure:bad_credentials",
      "login_finish:success:",
      "refresh:success:",
      "refresh:failure:reused",
      "refresh:failure:revoked",
      "reauthenticate:failure:bad_credentials",
      "reauthenticate:success:",
      "factor_change:success:recovery_codes",
      "create_admin:success:",
      "activate:failure:bad_activation",
      "activate:success:",
      "logout:success:",
    ]) {
      assert.ok(seen.has(expected), `an event ${expected} (have: ${[...seen].join(", ")})`);
    }
    for (const e of events) {
      assert.ok(e.serums_id === null || [serumsId, admin.account.serumsId].includes(e.serums_id));
      assert.ok(e.address_hash === null || /^[0-9a-f]{64}$/.test(e.address_hash), "addresses are hashed");
    }
  });
});
