/**
 * The whole login over a real port: register → enrol the authenticator with the CLI app →
 * start → approve with the CLI app (it signs) → finish → JWT → me → refresh → logout. The
 * server's log is captured and must hold no secret, token or login name.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { it } from "node:test";
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
});
