import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { enrolStaff } from "../auth/accounts/index.ts";
import { CHALLENGE_TTL_MS, enrolmentLink, qrSvg } from "../auth/factors/index.ts";
import { SECRET, TEXT_KEY, TestAuthenticator } from "../auth/login/test-support.ts";
import { readConfig } from "../config/index.ts";
import { describeEachEngine } from "../store/test-engines.ts";
import { DEFAULT_POLL_RATE_LIMIT } from "./build-server.ts";
import { createLoginContext } from "./server-context.ts";
import { type TestServer, testServer } from "./test-server.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field
type Json = Record<string, any>;

describeEachEngine("the accounts and token routes", (engine) => {
  let s: TestServer;
  beforeEach(async () => {
    s = await testServer(engine);
  });
  afterEach(() => s.close());

  const post = (url: string, payload: unknown, token?: string) =>
    s.app.inject({
      method: "POST",
      url,
      payload: payload as Json,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const get = (url: string, token?: string) =>
    s.app.inject({ method: "GET", url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  async function registerAndEnrol(login: string): Promise<{ serumsId: string; phone: TestAuthenticator }> {
    const proposal = await post("/auth/register/propose", { secret: SECRET });
    assert.equal(proposal.statusCode, 200);
    assert.equal(proposal.json().textKey, "PlacesWeVisitedInEuropeWithGrandmotherIngrid");
    const registered = await post("/auth/register", { login, secret: SECRET, textKey: TEXT_KEY });
    assert.equal(registered.statusCode, 201, registered.body);
    const body = registered.json();
    assert.match(body.serumsId, /^srm-/);
    assert.match(body.enrolment.uri, /^serums-authenticator:\/\/enrol\?/);
    // The whole enrolment arrives: the page's link and its QR code too, not only what the
    // response schema once listed (Fastify drops what a response schema does not name).
    assert.equal(body.enrolment.link, enrolmentLink("https://serums.example.org", body.enrolment.code));
    assert.equal(body.enrolment.qrSvg, qrSvg(body.enrolment.link));
    assert.ok(body.enrolment.expiresAt > s.clock.now());
    const phone = new TestAuthenticator();
    await phone.enrol(s.t.store, s, body.enrolment.code);
    return { serumsId: body.serumsId, phone };
  }

  async function logIn(login: string, phone: TestAuthenticator): Promise<Json> {
    const start = await post("/auth/login/start", { login });
    assert.equal(start.statusCode, 200, start.body);
    await phone.approve(s.t.store, s.clock, start.json().challengeId, start.json().number);
    const finish = await post("/auth/login/finish", {
      challengeId: start.json().challengeId,
      key: { kind: "text", value: TEXT_KEY },
    });
    assert.equal(finish.statusCode, 200, finish.body);
    return finish.json();
  }

  it("registers, logs in, says who the token is for, refreshes, logs out", async () => {
    const { serumsId, phone } = await registerAndEnrol("ingrid.m");
    const tokens = await logIn("ingrid.m", phone);
    assert.equal(tokens.tokenType, "Bearer");
    assert.equal(tokens.expiresIn, 600);
    const me = await get("/auth/me", tokens.accessToken);
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().serumsId, serumsId);
    assert.equal(me.json().loginName, "ingrid.m");
    assert.deepEqual(me.json().amr, ["pwd", "swk"]);
    const refreshed = await post("/auth/token/refresh", { refreshToken: tokens.refreshToken });
    assert.equal(refreshed.statusCode, 200);
    const out = await post(
      "/auth/logout",
      { refreshToken: refreshed.json().refreshToken },
      refreshed.json().accessToken,
    );
    assert.equal(out.statusCode, 204);
    const after = await get("/auth/me", refreshed.json().accessToken);
    assert.equal(after.statusCode, 401);
    assert.equal(after.headers["content-type"], "application/problem+json");
    assert.equal(
      (await post("/auth/token/refresh", { refreshToken: refreshed.json().refreshToken })).statusCode,
      401,
    );
  });

  it("lets no cache keep an answer with codes, tokens or account details; the JWKS may be cached", async () => {
    const registered = await post("/auth/register", {
      login: "cache.test",
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(registered.statusCode, 201);
    assert.equal(registered.headers["cache-control"], "no-store", "the enrolment code");
    assert.equal(registered.headers["x-content-type-options"], "nosniff");
    const refused = await post("/auth/login/finish", { challengeId: "x", key: { kind: "text", value: "k" } });
    assert.equal(refused.headers["cache-control"], "no-store", "problems too");
    assert.equal(
      (await post("/auth/register/propose", { secret: SECRET })).headers["cache-control"],
      "no-store",
    );
    assert.equal((await get("/.well-known/jwks.json")).headers["cache-control"], "public, max-age=300");
  });

  it("answers an unknown login name and a wrong key with the same status and body", async () => {
    const { phone } = await registerAndEnrol("ingrid.m");
    const known = await post("/auth/login/start", { login: "ingrid.m" });
    const unknown = await post("/auth/login/start", { login: "no.such.user" });
    assert.equal(known.statusCode, unknown.statusCode);
    assert.deepEqual(Object.keys(known.json()).sort(), Object.keys(unknown.json()).sort());
    await phone.approve(s.t.store, s.clock, known.json().challengeId, known.json().number);
    const wrong = await post("/auth/login/finish", {
      challengeId: known.json().challengeId,
      key: { kind: "text", value: "NotTheKey-123" },
    });
    const none = await post("/auth/login/finish", {
      challengeId: unknown.json().challengeId,
      key: { kind: "text", value: "NotTheKey-123" },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.statusCode, none.statusCode);
    assert.equal(wrong.body, none.body);
    assert.equal(wrong.headers["content-type"], none.headers["content-type"]);
  });

  it("locks a login name after brute force: 429 with Retry-After, the same for an unknown name", async () => {
    await registerAndEnrol("ingrid.m");
    for (const login of ["ingrid.m", "no.such.user"]) {
      for (let i = 1; i <= 10; i++) {
        const start = await post("/auth/login/start", { login });
        assert.equal(start.statusCode, 200, `${login} attempt ${i}: ${start.body}`);
        const finish = await post("/auth/login/finish", {
          challengeId: start.json().challengeId,
          key: { kind: "text", value: `Guess-${i}-x` },
        });
        assert.equal(finish.statusCode, 401);
        s.clock.advance(10 * 60_000);
      }
      s.clock.advance(-10 * 60_000);
      const locked = await post("/auth/login/start", { login });
      assert.equal(locked.statusCode, 429, login);
      assert.equal(locked.headers["retry-after"], String(15 * 60));
      assert.equal(locked.json().code, "RATE_LIMITED");
      s.clock.advance(10 * 60_000);
    }
  });

  it("refuses malformed requests with a 400 problem naming the field", async () => {
    const cases: [string, unknown, string][] = [
      ["/auth/login/start", {}, "/body/login"],
      ["/auth/login/start", { login: 42 }, "/body/login"],
      ["/auth/login/start", { login: "a", admin: true }, "/body/admin"],
      ["/auth/login/finish", { challengeId: "x" }, "/body/key"],
      ["/auth/login/finish", { challengeId: "x", key: { kind: "fingerprint" } }, "/body/key/kind"],
      ["/auth/login/finish", { challengeId: "x", key: { kind: "text" } }, "/body/key/value"],
      [
        "/auth/login/finish",
        { challengeId: "x", key: { kind: "text", value: "k" }, factor: { kind: "totp" } },
        "/body/factor/code",
      ],
      ["/auth/register", { login: "x", secret: "s" }, "/body/textKey"],
      ["/auth/token/refresh", { refreshToken: "" }, "/body/refreshToken"],
    ];
    for (const [url, payload, field] of cases) {
      const response = await post(url, payload);
      assert.equal(response.statusCode, 400, `${url} ${JSON.stringify(payload)}: ${response.body}`);
      assert.equal(response.headers["content-type"], "application/problem+json");
      const body = response.json();
      assert.equal(body.status, 400);
      assert.ok(
        body.errors.some((e: Json) => e.field === field),
        `${url} ${JSON.stringify(payload)} names ${field}: ${response.body}`,
      );
    }
    const notJson = await s.app.inject({
      method: "POST",
      url: "/auth/login/start",
      payload: "{",
      headers: { "content-type": "application/json" },
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.headers["content-type"], "application/problem+json");
    const badLogin = await post("/auth/register", { login: "<script>", secret: SECRET, textKey: TEXT_KEY });
    assert.equal(badLogin.statusCode, 400);
    assert.equal(badLogin.json().errors[0].field, "login");
    const weak = await post("/auth/register", { login: "weak.user", secret: "my dog", textKey: "MyDog123" });
    assert.equal(weak.statusCode, 400, weak.body);
    assert.equal(
      (await s.t.store.all("SELECT * FROM auth_user WHERE login_name = 'weak.user'")).length,
      0,
      "no partial state",
    );
  });

  it("refuses forged, expired and foreign tokens at a protected route", async () => {
    const { phone } = await registerAndEnrol("ingrid.m");
    const tokens = await logIn("ingrid.m", phone);
    const [h, p, sig] = tokens.accessToken.split(".");
    const forged = `${h}.${p}.${sig.slice(0, -4)}AAAA`;
    for (const token of [forged, "garbage", `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`]) {
      const r = await get("/auth/me", token);
      assert.equal(r.statusCode, 401, token);
      assert.equal(r.headers["www-authenticate"], 'Bearer realm="serums"');
    }
    assert.equal((await get("/auth/me")).statusCode, 401);
    s.clock.advance(11 * 60_000);
    const expired = await get("/auth/me", tokens.accessToken);
    assert.equal(expired.statusCode, 401);
    assert.match(expired.json().detail, /expired/);
  });

  it("lets an administrator enrol staff of their own site only, who activate and log in with their claims", async () => {
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
    const activated = await post("/auth/activate", {
      login: "admin.ed",
      activationCode: admin.activationCode,
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(activated.statusCode, 200, activated.body);
    const reused = await post("/auth/activate", {
      login: "admin.ed",
      activationCode: admin.activationCode,
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(reused.statusCode, 401, "an activation code is single use");
    const { enrolment } = activated.json();
    assert.deepEqual(Object.keys(enrolment).sort(), ["code", "expiresAt", "link", "qrSvg", "uri"]);
    assert.equal(enrolment.qrSvg, qrSvg(enrolment.link));
    const adminPhone = new TestAuthenticator();
    await adminPhone.enrol(s.t.store, s, enrolment.code);
    const adminTokens = await logIn("admin.ed", adminPhone);

    const elsewhere = await post(
      "/auth/staff",
      { login: "dr.x", role: "specialist", site: "barcelona", department: "oncology", country: "ES" },
      adminTokens.accessToken,
    );
    assert.equal(elsewhere.statusCode, 403, elsewhere.body);
    const enrolled = await post(
      "/auth/staff",
      { login: "dr.who", role: "specialist", department: "oncology" },
      adminTokens.accessToken,
    );
    assert.equal(enrolled.statusCode, 201, enrolled.body);
    assert.deepEqual(
      [enrolled.json().account.site, enrolled.json().account.country, enrolled.json().account.department],
      ["edinburgh", "GB", "oncology"],
    );
    const listed = await get("/auth/staff", adminTokens.accessToken);
    assert.deepEqual(
      listed
        .json()
        .accounts.map((a: Json) => a.loginName)
        .sort(),
      ["admin.ed", "dr.who"],
    );

    const doctorKeys = await post("/auth/activate", {
      login: "dr.who",
      activationCode: enrolled.json().activationCode,
      secret: SECRET,
      textKey: TEXT_KEY,
    });
    assert.equal(doctorKeys.statusCode, 200, doctorKeys.body);
    const doctorPhone = new TestAuthenticator();
    await doctorPhone.enrol(s.t.store, s, doctorKeys.json().enrolment.code);
    const doctor = await logIn("dr.who", doctorPhone);
    const me = (await get("/auth/me", doctor.accessToken)).json();
    assert.deepEqual(
      [me.role, me.site, me.department, me.country],
      ["specialist", "edinburgh", "oncology", "GB"],
    );
    const notAdmin = await post(
      "/auth/staff",
      { login: "dr.y", role: "nurse", department: "ward" },
      doctor.accessToken,
    );
    assert.equal(notAdmin.statusCode, 403);
  });

  it("publishes the JWKS and the OpenAPI document with every route's schema", async () => {
    const jwks = await get("/.well-known/jwks.json");
    assert.equal(jwks.statusCode, 200);
    assert.equal(jwks.json().keys.length, 1);
    assert.equal(jwks.json().keys[0].kid, s.ring.active().kid);
    assert.equal(jwks.json().keys[0].d, undefined);
    const openapi = (await get("/openapi.json")).json();
    for (const path of [
      "/auth/register",
      "/auth/login/start",
      "/auth/login/finish",
      "/auth/token/refresh",
      "/auth/logout",
      "/auth/me",
      "/auth/staff",
      "/.well-known/jwks.json",
    ]) {
      assert.ok(openapi.paths[path], `${path} is in the OpenAPI document`);
    }
    assert.ok(
      openapi.paths["/auth/login/finish"].post.requestBody.content["application/json"].schema.properties.key,
    );
  });
});

describeEachEngine("per-address rate limits", (engine) => {
  it("limits registration per address, so its 409 for a taken name cannot be used to sweep names", async () => {
    const s = await testServer(engine, { rateLimit: { capacity: 3, refillPerSecond: 0.1 } });
    try {
      const register = (login: string, remoteAddress = "203.0.113.50") =>
        s.app.inject({
          method: "POST",
          url: "/auth/register",
          remoteAddress,
          payload: { login, secret: SECRET, textKey: TEXT_KEY },
        });
      assert.equal((await register("taken.name")).statusCode, 201);
      const probes: number[] = [];
      for (const name of ["taken.name", "other.name", "third.name", "fourth.name"]) {
        probes.push((await register(name)).statusCode);
      }
      assert.deepEqual(probes, [409, 201, 429, 429], "the fourth request of the burst is refused");
      const refused = await register("fifth.name");
      assert.equal(refused.headers["retry-after"], "10");
      assert.equal(refused.json().code, "RATE_LIMITED");
      // The proposal shares the address's bucket; another address has its own.
      assert.equal(
        (
          await s.app.inject({
            method: "POST",
            url: "/auth/register/propose",
            remoteAddress: "203.0.113.50",
            payload: { secret: SECRET },
          })
        ).statusCode,
        429,
      );
      assert.equal((await register("sixth.name", "203.0.113.51")).statusCode, 201);
    } finally {
      await s.close();
    }
  });

  it("gives the login page's status poll a bucket of its own: a whole wait polled every 2 s spends none of the login's", async () => {
    // The login's bucket: three requests, and practically no refill during the test.
    const s = await testServer(engine, { rateLimit: { capacity: 3, refillPerSecond: 0.001 } });
    try {
      const registered = await s.app.inject({
        method: "POST",
        url: "/auth/register",
        payload: { login: "patient.poller", secret: SECRET, textKey: TEXT_KEY },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const start = await s.app.inject({
        method: "POST",
        url: "/auth/login/start",
        payload: { login: "patient.poller" },
      });
      assert.equal(start.statusCode, 200, start.body);
      const poll = () => s.app.inject({ method: "GET", url: `/factors/login/${start.json().challengeId}` });
      const statuses = new Set<string>();
      for (let waited = 0; waited < CHALLENGE_TTL_MS; waited += 2000) {
        const polled = await poll();
        assert.equal(polled.statusCode, 200, `after ${waited / 1000} s: ${polled.body}`);
        statuses.add(polled.json().status);
        s.clock.advance(2000);
      }
      assert.deepEqual([...statuses], ["pending"]);
      // The login's own bucket still has its last token.
      const again = await s.app.inject({
        method: "POST",
        url: "/auth/login/start",
        payload: { login: "patient.poller" },
      });
      assert.equal(again.statusCode, 200, again.body);

      // The poll's bucket has a limit too: a loop as fast as it can is held back.
      const burst: number[] = [];
      for (let i = 0; i < DEFAULT_POLL_RATE_LIMIT.capacity + 1; i++) burst.push((await poll()).statusCode);
      assert.deepEqual(new Set(burst.slice(0, -1)), new Set([200]));
      const refused = await poll();
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers["content-type"], "application/problem+json");
      assert.equal(refused.headers["retry-after"], "1");
    } finally {
      await s.close();
    }
  });

  it("answers 429 with Retry-After once an address's bucket is empty", async () => {
    const s = await testServer(engine, { rateLimit: { capacity: 3, refillPerSecond: 0.5 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (await s.app.inject({ method: "POST", url: "/auth/login/start", payload: { login: `user${i}` } }))
            .statusCode,
        );
      }
      assert.deepEqual(codes, [200, 200, 200, 429]);
      const refused = await s.app.inject({
        method: "POST",
        url: "/auth/login/start",
        payload: { login: "x" },
      });
      assert.equal(refused.headers["retry-after"], "2");
      s.clock.advance(2000);
      assert.equal(
        (await s.app.inject({ method: "POST", url: "/auth/login/start", payload: { login: "usr" } }))
          .statusCode,
        200,
      );
      // Malformed bodies spend tokens too (the limit is taken before parsing).
      assert.equal(
        (await s.app.inject({ method: "POST", url: "/auth/login/start", payload: {} })).statusCode,
        429,
      );
    } finally {
      await s.close();
    }
  });
});
