import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, it } from "node:test";
import { normalizeCode } from "../../auth/factors/factor-support.ts";
import {
  createPushChallenge,
  decisionMessage,
  enrolMessage,
  generateAuthenticatorKeys,
  listAuthenticators,
  MAX_PENDING_PUSH,
  qrSvg,
  requestMessage,
  signEd25519,
  totpCode,
} from "../../auth/factors/index.ts";
import { listAuthEvents } from "../../auth/login/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { type FactorTestServer, type FactorTestUser, factorTestServer } from "./factor-test-server.ts";

describeEachEngine("factor and authenticator routes", (engine) => {
  let s: FactorTestServer;
  beforeEach(async () => {
    s = await factorTestServer(engine);
  });
  afterEach(() => s.close());

  const as = (user: FactorTestUser) => user.headers;

  it("enrols an authenticator, lists a login's challenge by signed request, approves it with the number", async () => {
    const user = await s.addUser();
    const enrolment = await s.app.inject({
      method: "POST",
      url: "/factors/authenticators/enrolment",
      headers: as(user),
      payload: { current: user.current },
    });
    assert.equal(enrolment.statusCode, 201);
    const {
      code,
      uri,
      link,
      qrSvg: svg,
    } = enrolment.json() as {
      code: string;
      uri: string;
      link: string;
      qrSvg: string;
    };
    assert.equal(new URL(uri).searchParams.get("server"), "https://serums.example.org");
    assert.equal(link, `https://serums.example.org/app/authenticator/#enrol=${code}`);
    assert.equal(
      svg,
      qrSvg(link),
      "the QR code is the link's (its modules are checked in enrolment-link.test.ts)",
    );
    assert.ok(svg.startsWith("<svg ") && !/<script|on[a-z]+=/i.test(svg));

    const pair = generateAuthenticatorKeys();
    const enrol = await s.app.inject({
      method: "POST",
      url: "/authenticator/enrol",
      payload: {
        code,
        publicKey: pair.publicKey,
        label: "phone",
        signature: signEd25519(pair.privateKey, enrolMessage(normalizeCode(code), pair.publicKey)),
      },
    });
    assert.equal(enrol.statusCode, 201, enrol.body);
    const { authenticatorId } = enrol.json() as { authenticatorId: string };

    const login = await createPushChallenge(
      s.t.store,
      user.serumsId,
      { address: "203.0.113.7", userAgent: "Firefox", site: "edinburgh" },
      { now: s.clock.now },
    );
    const signedList = async () => {
      const nonce = (
        await s.app.inject({ method: "POST", url: "/authenticator/nonce", payload: { authenticatorId } })
      ).json() as { nonce: string };
      const timestamp = s.clock.now();
      return {
        authenticatorId,
        nonce: nonce.nonce,
        timestamp,
        signature: signEd25519(
          pair.privateKey,
          requestMessage(authenticatorId, "list", nonce.nonce, timestamp),
        ),
      };
    };
    const listBody = await signedList();
    const listed = await s.app.inject({
      method: "POST",
      url: "/authenticator/challenges",
      payload: listBody,
    });
    assert.equal(listed.statusCode, 200, listed.body);
    const [pending] = (listed.json() as { challenges: { challengeId: string; origin: never }[] }).challenges;
    assert.equal(pending!.challengeId, login.challengeId);
    const replay = await s.app.inject({
      method: "POST",
      url: "/authenticator/challenges",
      payload: listBody,
    });
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.headers["content-type"], "application/problem+json");

    const decide = await s.app.inject({
      method: "POST",
      url: `/authenticator/challenges/${login.challengeId}/decision`,
      payload: {
        authenticatorId,
        number: login.number,
        decision: "approve",
        signature: signEd25519(
          pair.privateKey,
          decisionMessage(login.challengeId, login.number, "approve", pending!.origin),
        ),
      },
    });
    assert.deepEqual(decide.json(), { status: "approved" });
    const status = await s.app.inject({ method: "GET", url: `/factors/login/${login.challengeId}` });
    assert.deepEqual(status.json(), { status: "approved" });

    const summary = (await s.app.inject({ method: "GET", url: "/factors", headers: as(user) })).json() as {
      authenticators: { id: string; publicKey?: string }[];
    };
    assert.deepEqual(
      summary.authenticators.map((a) => a.id),
      [authenticatorId],
    );
    assert.equal(summary.authenticators[0]!.publicKey, undefined);
  });

  it("manages TOTP, SMS and recovery codes for the token's holder only", async () => {
    const user = await s.addUser();
    const proof = { current: user.current };
    assert.equal((await s.app.inject({ method: "GET", url: "/factors" })).statusCode, 401);

    const totp = (
      await s.app.inject({ method: "POST", url: "/factors/totp", headers: as(user), payload: proof })
    ).json() as {
      secret: string;
      uri: string;
    };
    assert.ok(totp.uri.startsWith("otpauth://totp/"));
    const wrong = await s.app.inject({
      method: "POST",
      url: "/factors/totp/confirm",
      headers: as(user),
      payload: { code: "000000" },
    });
    assert.equal(wrong.statusCode, 400);
    const right = await s.app.inject({
      method: "POST",
      url: "/factors/totp/confirm",
      headers: as(user),
      payload: { code: totpCode(totp.secret, s.clock.now()) },
    });
    assert.deepEqual(right.json(), { confirmed: true });

    const sms = await s.app.inject({
      method: "POST",
      url: "/factors/sms",
      headers: as(user),
      payload: { phone: "+447700900123", ...proof },
    });
    assert.equal(sms.statusCode, 202);
    const line = JSON.parse(readFileSync(s.outbox, "utf8").trim().split("\n").at(-1)!) as {
      to: string;
      body: string;
    };
    assert.equal(line.to, "+447700900123");
    const smsCode = /\d{6}/.exec(line.body)![0];
    const confirmSms = await s.app.inject({
      method: "POST",
      url: "/factors/sms/confirm",
      headers: as(user),
      payload: { code: smsCode },
    });
    assert.deepEqual(confirmSms.json(), { confirmed: true });
    const badPhone = await s.app.inject({
      method: "POST",
      url: "/factors/sms",
      headers: as(user),
      payload: { phone: "07700 900123", ...proof },
    });
    assert.equal(badPhone.statusCode, 400);

    const codes = (
      await s.app.inject({
        method: "POST",
        url: "/factors/recovery-codes",
        headers: as(user),
        payload: proof,
      })
    ).json() as {
      codes: string[];
    };
    assert.equal(codes.codes.length, 10);
    const summary = (await s.app.inject({ method: "GET", url: "/factors", headers: as(user) })).json();
    assert.deepEqual(
      { totp: summary.totp, sms: summary.sms, left: summary.recoveryCodesLeft },
      { totp: true, sms: "…23", left: 10 },
    );
    assert.ok(!JSON.stringify(summary).includes(totp.secret));
    const removeTotp = () =>
      s.app.inject({ method: "DELETE", url: "/factors/totp", headers: as(user), payload: proof });
    assert.equal((await removeTotp()).statusCode, 204);
    assert.equal((await removeTotp()).statusCode, 404);
  });

  it("needs one of the holder's keys again, not only the token, to add or remove any factor", async () => {
    const user = await s.addUser();
    const stolen = user.headers;
    const { code } = await s.enrolment(user);
    const pair = generateAuthenticatorKeys();
    const enrolled = await s.app.inject({
      method: "POST",
      url: "/authenticator/enrol",
      payload: {
        code,
        publicKey: pair.publicKey,
        label: "owner's phone",
        signature: signEd25519(pair.privateKey, enrolMessage(normalizeCode(code), pair.publicKey)),
      },
    });
    const { authenticatorId } = enrolled.json() as { authenticatorId: string };
    const summary = async () =>
      (await s.app.inject({ method: "GET", url: "/factors", headers: as(user) })).json() as Record<
        string,
        unknown
      >;
    const before = await summary();
    const changes: { method: "POST" | "DELETE"; url: string; body: Record<string, unknown> }[] = [
      { method: "POST", url: "/factors/authenticators/enrolment", body: {} },
      { method: "DELETE", url: `/factors/authenticators/${authenticatorId}`, body: {} },
      { method: "POST", url: "/factors/totp", body: {} },
      { method: "DELETE", url: "/factors/totp", body: {} },
      { method: "POST", url: "/factors/passkeys", body: { response: { id: "AAAA", type: "public-key" } } },
      { method: "DELETE", url: "/factors/passkeys/AAAA", body: {} },
      { method: "POST", url: "/factors/sms", body: { phone: "+447700900123" } },
      { method: "DELETE", url: "/factors/sms", body: {} },
      { method: "POST", url: "/factors/recovery-codes", body: {} },
    ];
    for (const change of changes) {
      const what = `${change.method} ${change.url}`;
      const alone = await s.app.inject({ ...change, headers: stolen, payload: change.body });
      assert.equal(alone.statusCode, 400, `${what} with the token alone: ${alone.body}`);
      assert.ok(JSON.stringify(alone.json()).includes("/body/current"), `${what} names current`);
      const guessed = await s.app.inject({
        ...change,
        headers: stolen,
        payload: { ...change.body, current: { kind: "text", value: "NotTheOwnersKey-4711!" } },
      });
      assert.equal(guessed.statusCode, 403, `${what} with a wrong key: ${guessed.body}`);
      assert.equal(guessed.headers["content-type"], "application/problem+json");
      // Past the growing delay, so the next wrong key is judged, not throttled (9 < the lockout's 10).
      s.clock.advance(5 * 60_000 + 1000);
    }
    const bare = await s.app.inject({ method: "POST", url: "/factors/recovery-codes", headers: stolen });
    assert.equal(bare.statusCode, 400);
    assert.match(bare.json().detail, /one of your keys as current/);
    const noToken = await s.app.inject({ method: "POST", url: "/factors/recovery-codes" });
    assert.equal(noToken.statusCode, 401, "no token is still a 401, body or not");
    assert.deepEqual(await summary(), before, "nothing was added or removed");
    assert.ok(!existsSync(s.outbox), "no SMS was sent to the thief's phone");

    const revoked = await s.app.inject({
      method: "DELETE",
      url: `/factors/authenticators/${authenticatorId}`,
      headers: stolen,
      payload: { current: user.current },
    });
    assert.equal(revoked.statusCode, 204, revoked.body);
    assert.equal((await listAuthenticators(s.t.store, user.serumsId))[0]!.status, "revoked");
    const events = await listAuthEvents(s.t.store, { serumsId: user.serumsId });
    assert.deepEqual(
      events
        .filter((e) => e.kind === "reauthenticate")
        .map((e) => e.outcome)
        .sort(),
      [...changes.map(() => "failure"), "success", "success"],
      "every proof is an event: the enrolment's, the wrong ones, the revocation's",
    );
    assert.deepEqual(
      events.filter((e) => e.kind === "factor_change").map((e) => e.reason),
      ["authenticator", "authenticator"],
      "the enrolment code and the revocation, with no secret",
    );
    // An id the holder has not (or no longer has): 404, and no factor change recorded.
    for (const url of [
      `/factors/authenticators/${authenticatorId}`,
      "/factors/authenticators/nope",
      "/factors/passkeys/nope",
    ]) {
      const missing = await s.app.inject({
        method: "DELETE",
        url,
        headers: stolen,
        payload: { current: user.current },
      });
      assert.equal(missing.statusCode, 404, `${url}: ${missing.body}`);
    }
    const after = await listAuthEvents(s.t.store, { serumsId: user.serumsId });
    assert.equal(after.filter((e) => e.kind === "factor_change").length, 2);
  });

  it("refuses malformed requests with problems naming the field", async () => {
    const user = await s.addUser();
    const extra = await s.app.inject({
      method: "POST",
      url: "/factors/totp/confirm",
      headers: as(user),
      payload: { code: "123456", sneaky: true },
    });
    assert.equal(extra.statusCode, 400);
    assert.equal(extra.headers["content-type"], "application/problem+json");
    assert.ok(JSON.stringify(extra.json()).includes("/body/sneaky"));
    const badKey = await s.app.inject({
      method: "POST",
      url: "/authenticator/enrol",
      payload: { code: "abcd-efgh-jkmn-pqrs", publicKey: "short", label: "x", signature: "A".repeat(86) },
    });
    assert.equal(badKey.statusCode, 400);
    const badId = await s.app.inject({ method: "GET", url: "/factors/login/not-an-id" });
    assert.equal(badId.statusCode, 400);
    const unknown = await s.app.inject({ method: "GET", url: `/factors/login/${"A".repeat(22)}` });
    assert.equal(unknown.statusCode, 404);
    const unknownNonce = await s.app.inject({
      method: "POST",
      url: "/authenticator/nonce",
      payload: { authenticatorId: "A".repeat(22) },
    });
    assert.equal(unknownNonce.statusCode, 401);
  });

  it("rate-limits the login status poll per address, unknown challenges included", async () => {
    const seen: string[] = [];
    const limited = await factorTestServer(engine, {
      rateLimit(request) {
        seen.push(request.url);
        if (seen.length > 3) throw new SerumsError("RATE_LIMITED", "too many requests from this address");
      },
    });
    try {
      const user = await limited.addUser();
      const login = await createPushChallenge(
        limited.t.store,
        user.serumsId,
        { address: "203.0.113.7", userAgent: "Firefox", site: "edinburgh" },
        { now: limited.clock.now },
      );
      const poll = (id: string) => limited.app.inject({ method: "GET", url: `/factors/login/${id}` });
      assert.deepEqual((await poll(login.challengeId)).json(), { status: "pending" });
      assert.equal((await poll("B".repeat(22))).statusCode, 404);
      assert.equal((await poll(login.challengeId)).statusCode, 200);
      const refused = await poll("C".repeat(22));
      assert.equal(refused.statusCode, 429, "a guess beyond the limit is refused before the store is asked");
      assert.equal(refused.headers["content-type"], "application/problem+json");
      assert.equal((await poll(login.challengeId)).statusCode, 429);
      assert.equal(seen.length, 5, "every poll takes from the bucket");
    } finally {
      await limited.close();
    }
  });

  it(`keeps a push-bombed user's authenticator to ${MAX_PENDING_PUSH} waiting logins, each poll answering alike`, async () => {
    const user = await s.addUser();
    const starts = [];
    for (let i = 0; i < MAX_PENDING_PUSH + 2; i++) {
      starts.push(
        await createPushChallenge(
          s.t.store,
          user.serumsId,
          { address: "198.51.100.66", userAgent: "bomber", site: "edinburgh" },
          { now: s.clock.now },
        ),
      );
    }
    const decoy = await createPushChallenge(
      s.t.store,
      null,
      { address: "198.51.100.66", userAgent: "bomber", site: "edinburgh" },
      { now: s.clock.now, decoyTag: "t" },
    );
    for (const c of [...starts, decoy]) {
      const polled = await s.app.inject({ method: "GET", url: `/factors/login/${c.challengeId}` });
      assert.deepEqual(polled.json(), { status: "pending" }, "held back, shown and decoy look the same");
    }
    const pair = generateAuthenticatorKeys();
    const enrolment = await s.enrolment(user);
    const enrolled = await s.app.inject({
      method: "POST",
      url: "/authenticator/enrol",
      payload: {
        code: enrolment.code,
        publicKey: pair.publicKey,
        label: "phone",
        signature: signEd25519(pair.privateKey, enrolMessage(normalizeCode(enrolment.code), pair.publicKey)),
      },
    });
    const { authenticatorId } = enrolled.json() as { authenticatorId: string };
    const { nonce } = (
      await s.app.inject({ method: "POST", url: "/authenticator/nonce", payload: { authenticatorId } })
    ).json() as { nonce: string };
    const timestamp = s.clock.now();
    const listed = await s.app.inject({
      method: "POST",
      url: "/authenticator/challenges",
      payload: {
        authenticatorId,
        nonce,
        timestamp,
        signature: signEd25519(pair.privateKey, requestMessage(authenticatorId, "list", nonce, timestamp)),
      },
    });
    const ids = (listed.json() as { challenges: { challengeId: string }[] }).challenges.map(
      (c) => c.challengeId,
    );
    assert.deepEqual(
      ids.sort(),
      starts
        .slice(0, MAX_PENDING_PUSH)
        .map((c) => c.challengeId)
        .sort(),
    );
  });
});
