import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { verifyRecognitionKey } from "../auth/keys/index.ts";
import { listAuthEvents } from "../auth/login/index.ts";
import { SECRET, TEXT_KEY, TestAuthenticator } from "../auth/login/test-support.ts";
import { describeEachEngine } from "../store/test-engines.ts";
import { type TestServer, testServer } from "./test-server.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field
type Json = Record<string, any>;

const IMAGES = ["openmoji-1F3D6", "openmoji-1F334", "openmoji-1F41A", "openmoji-1F30A", "openmoji-1F305"];
const GESTURES = [
  { kind: "tap", x: 313.37, y: 217.71 },
  { kind: "line", x: 101.13, y: 897.53, x2: 641.29, y2: 479.11 },
  { kind: "circle", x: 503.77, y: 611.19, radius: 123.41 },
];

describeEachEngine("changing a key needs a key, not only a token", (engine) => {
  let s: TestServer;
  let serumsId: string;
  let phone: TestAuthenticator;
  let token: string;
  beforeEach(async () => {
    s = await testServer(engine);
    const registered = await s.app.inject({
      method: "POST",
      url: "/auth/register",
      payload: { login: "ingrid.m", secret: SECRET, textKey: TEXT_KEY },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    serumsId = registered.json().serumsId;
    phone = new TestAuthenticator();
    await phone.enrol(s.t.store, s, registered.json().enrolment.code);
    token = (await logIn({ kind: "text", value: TEXT_KEY })).accessToken;
  });
  afterEach(() => s.close());

  async function logIn(key: Json): Promise<Json> {
    const start = await s.app.inject({
      method: "POST",
      url: "/auth/login/start",
      payload: { login: "ingrid.m" },
    });
    assert.equal(start.statusCode, 200, start.body);
    await phone.approve(s.t.store, s.clock, start.json().challengeId, start.json().number);
    const finish = await s.app.inject({
      method: "POST",
      url: "/auth/login/finish",
      payload: { challengeId: start.json().challengeId, key },
    });
    assert.equal(finish.statusCode, 200, finish.body);
    return finish.json();
  }

  const put = (payload: Json, bearer = token) =>
    s.app.inject({
      method: "PUT",
      url: "/auth/keys/graphical",
      payload,
      headers: { authorization: `Bearer ${bearer}` },
    });

  it("refuses a token alone and a wrong key; takes the text key, then the graphical key, as proof", async () => {
    const alone = await put({ kind: "recognition", images: IMAGES });
    assert.equal(alone.statusCode, 400, alone.body);
    assert.ok(
      alone.json().errors.some((e: Json) => e.field === "/body/current"),
      alone.body,
    );
    const wrong = await put({
      kind: "recognition",
      images: IMAGES,
      current: { kind: "text", value: "NotMyKey-123!" },
    });
    assert.equal(wrong.statusCode, 403, wrong.body);
    assert.equal(wrong.headers["content-type"], "application/problem+json");
    assert.equal(await verifyRecognitionKey(s.t.store, serumsId, IMAGES), false, "nothing was set");

    const set = await put({
      kind: "recognition",
      images: IMAGES,
      current: { kind: "text", value: TEXT_KEY },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().endedSessions, 0);
    assert.equal(await verifyRecognitionKey(s.t.store, serumsId, IMAGES), true);
    // The new graphical key logs in, and is itself proof enough for the next change.
    const viaImages = await logIn({ kind: "recognition", picked: IMAGES });
    assert.deepEqual(viaImages.amr, ["gfx", "swk"]);
    const changed = await put({
      kind: "gesture",
      background: "openmoji-1F3F0",
      gestures: GESTURES,
      current: { kind: "recognition", picked: IMAGES },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().endedSessions, 1, "the session of the login with the images");
    assert.equal(
      await verifyRecognitionKey(s.t.store, serumsId, IMAGES),
      false,
      "the gesture key replaced it",
    );

    const events = (await listAuthEvents(s.t.store, { serumsId })).filter((e) => e.kind === "reauthenticate");
    assert.deepEqual(events.map((e) => `${e.outcome}:${e.reason}`).sort(), [
      "failure:bad_credentials",
      "success:null",
      "success:null",
    ]);
  });

  it("throttles wrong proofs with the login's counter: a stolen token is no oracle for the key", async () => {
    const attempt = (n: number) =>
      put({ kind: "recognition", images: IMAGES, current: { kind: "text", value: `Guess-${n}-Zq!` } });
    for (let n = 1; n <= 3; n++) assert.equal((await attempt(n)).statusCode, 403, `guess ${n}`);
    const fourth = await attempt(4);
    assert.equal(fourth.statusCode, 429, fourth.body);
    assert.equal(fourth.headers["retry-after"], "1");
    // The same counter slows the login name itself.
    const start = await s.app.inject({
      method: "POST",
      url: "/auth/login/start",
      payload: { login: "ingrid.m" },
    });
    assert.equal(start.statusCode, 429);
    // The right key, once the wait is over, clears the count.
    s.clock.advance(1000);
    const right = await put({
      kind: "recognition",
      images: IMAGES,
      current: { kind: "text", value: TEXT_KEY },
    });
    assert.equal(right.statusCode, 200, right.body);
    assert.equal((await s.t.store.all("SELECT * FROM auth_login_throttle")).length, 0);
  });

  it("replaces the text key with proof, and ends every other session of the holder", async () => {
    const other = await logIn({ kind: "text", value: TEXT_KEY });
    const NEW_KEY = "OurCampsiteAboveLakeBled-1998!";
    const change = (payload: Json) =>
      s.app.inject({
        method: "PUT",
        url: "/auth/keys/text",
        payload,
        headers: { authorization: `Bearer ${token}` },
      });
    const alone = await change({ secret: "Our campsite above Lake Bled", textKey: NEW_KEY });
    assert.equal(alone.statusCode, 400);
    const wrong = await change({
      secret: "Our campsite above Lake Bled",
      textKey: NEW_KEY,
      current: { kind: "text", value: NEW_KEY },
    });
    assert.equal(wrong.statusCode, 403);
    const weak = await change({
      secret: "my dog",
      textKey: "MyDog123",
      current: { kind: "text", value: TEXT_KEY },
    });
    assert.equal(weak.statusCode, 400, weak.body);
    const changed = await change({
      secret: "Our campsite above Lake Bled",
      textKey: NEW_KEY,
      current: { kind: "text", value: TEXT_KEY },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().endedSessions, 1);
    assert.equal(typeof changed.json().strength.score, "number");
    const me = (bearer: string) =>
      s.app.inject({ method: "GET", url: "/auth/me", headers: { authorization: `Bearer ${bearer}` } });
    assert.equal((await me(token)).statusCode, 200, "the session that changed the key goes on");
    assert.equal((await me(other.accessToken)).statusCode, 401, "the other session has ended");
    const refresh = await s.app.inject({
      method: "POST",
      url: "/auth/token/refresh",
      payload: { refreshToken: other.refreshToken },
    });
    assert.equal(refresh.statusCode, 401);
    // The old key no longer logs in; the new one does.
    const start = await s.app.inject({
      method: "POST",
      url: "/auth/login/start",
      payload: { login: "ingrid.m" },
    });
    await phone.approve(s.t.store, s.clock, start.json().challengeId, start.json().number);
    const old = await s.app.inject({
      method: "POST",
      url: "/auth/login/finish",
      payload: { challengeId: start.json().challengeId, key: { kind: "text", value: TEXT_KEY } },
    });
    assert.equal(old.statusCode, 401);
    s.clock.advance(1000);
    await logIn({ kind: "text", value: NEW_KEY });
    const changes = (await listAuthEvents(s.t.store, { serumsId })).filter((e) => e.kind === "key_change");
    assert.deepEqual(
      changes.map((e) => e.reason),
      ["text"],
    );
  });

  it("refuses a disabled account's token even with the right key", async () => {
    await s.t.store.run("UPDATE auth_user SET status = 'disabled' WHERE serums_id = $1", [serumsId]);
    const r = await put({ kind: "recognition", images: IMAGES, current: { kind: "text", value: TEXT_KEY } });
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(await verifyRecognitionKey(s.t.store, serumsId, IMAGES), false);
  });
});
