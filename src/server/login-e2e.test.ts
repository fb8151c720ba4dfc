/**
 * The whole login over a real port: register → enrol the authenticator with the CLI app →
 * start → approve with the CLI app (it signs) → finish → JWT → me → refresh → logout. The
 * server's log is captured and must hold no secret, token or login name. Then each other way in:
 * the recognition key (picked from the grid the start answer shows), the gesture key (drawn on
 * the background it shows, a little off), and TOTP instead of the push approval.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { it } from "node:test";
import { totpCode } from "../auth/factors/index.ts";
import { SECRET, TEXT_KEY } from "../auth/login/test-support.ts";
import { verifyAccessToken } from "../auth/tokens/index.ts";
import { authenticatorCommand } from "../cli/commands/authenticator-command.ts";
import { describeEachEngine } from "../store/test-engines.ts";
import { LOG_OPTIONS } from "./build-server.ts";
import { testServer } from "./test-server.ts";

async function quietly<T>(work: () => Promise<T>): Promise<{ result: T; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await work(), out };
  } finally {
    process.stdout.write = write;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field
type Json = Record<string, any>;

/** A JSON client of the server at `address`, over fetch. */
function client(address: string) {
  return async (route: string, body?: unknown, token?: string, method?: string) => {
    const response = await fetch(new URL(route, address), {
      method: method ?? (body === undefined ? "GET" : "POST"),
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
}

const IMAGES = ["openmoji-1F3D6", "openmoji-1F334", "openmoji-1F41A", "openmoji-1F30A", "openmoji-1F305"];
const BACKGROUND = "openmoji-1F3F0";
const GESTURES = [
  { kind: "tap", x: 313.37, y: 217.71 },
  { kind: "line", x: 101.13, y: 897.53, x2: 641.29, y2: 479.11 },
  { kind: "circle", x: 503.77, y: 611.19, radius: 123.41 },
];

describeEachEngine("login end to end over HTTP", (engine) => {
  it("register → enrol (CLI app) → start → approve (CLI app) → finish → JWT → refresh → logout", async () => {
    let log = "";
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const s = await testServer(engine, { realClock: true, logger: { ...LOG_OPTIONS, stream } });
    const dir = mkdtempSync(path.join(tmpdir(), "serums-e2e-"));
    try {
      const address = await s.app.listen({ port: 0, host: "127.0.0.1" });
      const call = async (route: string, body?: unknown, token?: string) => {
        const response = await fetch(new URL(route, address), {
          method: body === undefined ? "GET" : "POST",
          headers: {
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      };

      const registered = await call("/auth/register", {
        login: "ingrid.e2e",
        secret: SECRET,
        textKey: TEXT_KEY,
      });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const file = path.join(dir, "authenticator.json");
      const enrol = await quietly(() =>
        authenticatorCommand([
          "enrol",
          registered.body.enrolment.code,
          "--server",
          address,
          "--file",
          file,
          "--label",
          "e2e",
          "--json",
        ]),
      );
      assert.equal(enrol.result, 0, enrol.out);

      const start = await call("/auth/login/start", { login: "ingrid.e2e" });
      assert.equal(start.status, 200);
      const approve = await quietly(() =>
        authenticatorCommand([
          "approve",
          start.body.challengeId,
          "--number",
          start.body.number,
          "--file",
          file,
          "--json",
        ]),
      );
      assert.equal(approve.result, 0, approve.out);

      const finish = await call("/auth/login/finish", {
        challengeId: start.body.challengeId,
        key: { kind: "text", value: TEXT_KEY },
      });
      assert.equal(finish.status, 200, JSON.stringify(finish.body));
      const jwks = await call("/.well-known/jwks.json");
      assert.equal(jwks.body.keys[0].kid, s.ring.active().kid);
      const claims = await verifyAccessToken(s.ring, finish.body.accessToken, {
        issuer: "urn:serums:edinburgh",
        audience: "urn:serums",
      });
      assert.equal(claims.serumsId, registered.body.serumsId);
      assert.deepEqual(claims.amr, ["pwd", "swk"]);

      // The same challenge cannot be finished twice.
      const replay = await call("/auth/login/finish", {
        challengeId: start.body.challengeId,
        key: { kind: "text", value: TEXT_KEY },
      });
      assert.equal(replay.status, 401);

      const me = await call("/auth/me", undefined, finish.body.accessToken);
      assert.equal(me.body.serumsId, registered.body.serumsId);
      const refreshed = await call("/auth/token/refresh", { refreshToken: finish.body.refreshToken });
      assert.equal(refreshed.status, 200);
      const out = await call(
        "/auth/logout",
        { refreshToken: refreshed.body.refreshToken },
        refreshed.body.accessToken,
      );
      assert.equal(out.status, 204);
      assert.equal((await call("/auth/me", undefined, refreshed.body.accessToken)).status, 401);
      assert.equal(
        (await call("/auth/token/refresh", { refreshToken: refreshed.body.refreshToken })).status,
        401,
      );

      assert.ok(log.includes('"route":"/auth/login/finish"'), "requests are logged by route");
      for (const secret of [
        SECRET,
        TEXT_KEY,
        finish.body.accessToken,
        finish.body.refreshToken,
        "ingrid.e2e",
        registered.body.enrolment.code,
      ]) {
        assert.ok(!log.includes(secret), `the log holds no ${secret.slice(0, 12)}…`);
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("logs in with the recognition key, the gesture key and TOTP instead of push, each as a page would", async () => {
    const s = await testServer(engine, { realClock: true });
    const dir = mkdtempSync(path.join(tmpdir(), "serums-e2e-"));
    try {
      const address = await s.app.listen({ port: 0, host: "127.0.0.1" });
      const call = client(address);
      const file = path.join(dir, "authenticator.json");
      const registered = await call("/auth/register", {
        login: "rosa.e2e",
        secret: SECRET,
        textKey: TEXT_KEY,
        graphical: { kind: "recognition", images: IMAGES },
      });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const enrol = await quietly(() =>
        authenticatorCommand(["enrol", registered.body.enrolment.link, "--server", address, "--file", file]),
      );
      assert.equal(enrol.result, 0, enrol.out);

      /** Start, approve on the authenticator (CLI app), finish with what `answer` makes of the start. */
      const logIn = async (answer: (start: Json) => Json, factor?: Json) => {
        const start = await call("/auth/login/start", { login: "rosa.e2e" });
        assert.equal(start.status, 200, JSON.stringify(start.body));
        if (!factor) {
          const approve = await quietly(() =>
            authenticatorCommand([
              "approve",
              start.body.challengeId,
              "--number",
              start.body.number,
              "--file",
              file,
            ]),
          );
          assert.equal(approve.result, 0, approve.out);
        }
        return call("/auth/login/finish", {
          challengeId: start.body.challengeId,
          key: answer(start.body),
          ...(factor ? { factor } : {}),
        });
      };

      // Recognition: the start shows the user's fixed grid; the user picks their images in it.
      let shownGrid: string[] = [];
      const byImages = await logIn((start) => {
        assert.equal(start.graphical.kind, "recognition");
        assert.equal(start.graphical.k, IMAGES.length);
        shownGrid = start.graphical.grid;
        assert.deepEqual(shownGrid, registered.body.grid, "the grid is fixed: the one shown at registration");
        return { kind: "recognition", picked: shownGrid.filter((id) => IMAGES.includes(id)) };
      });
      assert.equal(byImages.status, 200, JSON.stringify(byImages.body));
      assert.deepEqual(byImages.body.amr, ["gfx", "swk"]);
      const decoys = await logIn(() => ({
        kind: "recognition",
        picked: shownGrid.filter((id) => !IMAGES.includes(id)).slice(0, IMAGES.length),
      }));
      assert.equal(decoys.status, 401, "the grid's decoys are not the key, even with an approved push");

      // Gestures: set with the text key as proof, then drawn on the background the start shows.
      const set = await call(
        "/auth/keys/graphical",
        {
          kind: "gesture",
          background: BACKGROUND,
          gestures: GESTURES,
          current: { kind: "text", value: TEXT_KEY },
        },
        byImages.body.accessToken,
        "PUT",
      );
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const byGestures = await logIn((start) => {
        assert.deepEqual(start.graphical, { kind: "gesture", background: BACKGROUND });
        // Drawn again by hand: a few units off everywhere, within the tolerance.
        return {
          kind: "gesture",
          points: GESTURES.map((g) =>
            Object.fromEntries(Object.entries(g).map(([k, v]) => [k, typeof v === "number" ? v + 4 : v])),
          ),
        };
      });
      assert.equal(byGestures.status, 200, JSON.stringify(byGestures.body));
      assert.deepEqual(byGestures.body.amr, ["gfx", "swk"]);

      // TOTP instead of push: enrolled with a key as proof, then no approval at all at login.
      const proof = { current: { kind: "recognition", picked: [] as string[] } };
      const refused = await call("/factors/totp", proof, byGestures.body.accessToken);
      assert.equal(refused.status, 400, "a recognition proof needs picks");
      const totp = await call(
        "/factors/totp",
        { current: { kind: "text", value: TEXT_KEY } },
        byGestures.body.accessToken,
      );
      assert.equal(totp.status, 201, JSON.stringify(totp.body));
      const confirmed = await call(
        "/factors/totp/confirm",
        { code: totpCode(totp.body.secret, Date.now()) },
        byGestures.body.accessToken,
      );
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      // The next step's code (the confirmation spent this one; a window of one step either side).
      const code = totpCode(totp.body.secret, Date.now() + 30_000);
      const byTotp = await logIn(() => ({ kind: "text", value: TEXT_KEY }), { kind: "totp", code });
      assert.equal(byTotp.status, 200, JSON.stringify(byTotp.body));
      assert.deepEqual(byTotp.body.amr, ["pwd", "otp"]);
      const withGestureAndTotp = await logIn(() => ({ kind: "gesture", points: GESTURES }), {
        kind: "totp",
        code,
      });
      assert.equal(withGestureAndTotp.status, 401, "a TOTP code is used once");
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
