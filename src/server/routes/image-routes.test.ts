import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { DEFAULT_KEY_POLICY, verifyRecognitionKey } from "../../auth/keys/index.ts";
import { addUser, openKeyStore, tinyPng } from "../../auth/keys/key-test-fixtures.ts";
import { readConfig } from "../../config/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { problemErrorHandler, problemSchema } from "../problem.ts";
import type { ServerServices } from "../server-services.ts";
import { testBearerClaims } from "../test-server.ts";
import { IMAGE_CSP, imageRoutes } from "./image-routes.ts";

/** The image routes alone, with a test token "test:<serumsId>" (the real server verifies JWTs). */
async function imageServer(t: TestStore): Promise<FastifyInstance> {
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
    now: () => Date.UTC(2025, 0, 15),
    config: readConfig({}),
    async authenticate(request) {
      return testBearerClaims(request.headers.authorization);
    },
    requireRole: (request) => services.authenticate(request),
    addressHash: () => "0".repeat(64),
    rateLimit() {},
    keyPolicy: { ...DEFAULT_KEY_POLICY },
    factors: undefined as never,
    login: undefined as never,
  };
  await app.register(async (scope) => imageRoutes(scope, services));
  await app.ready();
  return app;
}

const as = (serumsId: string) => ({ authorization: `Bearer test:${serumsId}` });
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="2" height="2"/></svg>';

describeEachEngine("image routes", (engine) => {
  let t: TestStore;
  let app: FastifyInstance;
  let user: string;
  before(async () => {
    t = await openKeyStore(engine);
    app = await imageServer(t);
    user = await addUser(t.store);
  });
  after(async () => {
    await app.close();
    await t.dispose();
  });

  it("searches the library by words", async () => {
    const cats = await app.inject({
      method: "POST",
      url: "/images/search",
      payload: { query: "cats", limit: 3 },
    });
    assert.equal(cats.statusCode, 200);
    assert.equal(cats.json().images.length, 3);
    assert.ok(cats.json().images.every((i: { matched: string[] }) => i.matched.includes("cat")));
    const res = await app.inject({ method: "POST", url: "/images/search", payload: { query: "castle" } });
    const { images } = res.json();
    assert.deepEqual(images.map((i: { title: string }) => i.title).sort(), ["Japanese castle", "castle"]);
    assert.equal(images[0].url, `/images/${images[0].id}`);
    assert.equal(images[0].licence, "CC BY-SA 4.0");
    assert.match(images[0].attribution, /OpenMoji/);
    assert.deepEqual(images[0].matched, ["castle"]);
  });

  it("suggests images for a secret, per word too, naming words with no image", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/images/suggest",
      payload: { secret: "Places that we visited in Europe" },
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(body.terms, ["place", "europe"]);
    assert.deepEqual(body.unmatched, ["visit"]);
    assert.equal(body.images[0].title, "globe showing Europe-Africa");
    assert.deepEqual(
      body.byTerm.map((b: { term: string }) => b.term),
      ["place", "europe"],
    );
  });

  it("serves an SVG with a CSP that forbids scripts, and its licence", async () => {
    const res = await app.inject({ method: "GET", url: "/images/openmoji-1F3F0" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "image/svg+xml");
    assert.equal(res.headers["content-security-policy"], IMAGE_CSP);
    assert.match(IMAGE_CSP, /default-src 'none'/);
    assert.match(IMAGE_CSP, /sandbox/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.match(String(res.headers.link), /by-sa\/4\.0/);
    assert.match(res.body, /^<svg/);
    const info = await app.inject({ method: "GET", url: "/images/openmoji-1F3F0/info" });
    assert.equal(info.json().title, "castle");
  });

  it("answers 404 for unknown images and 400 for malformed IDs", async () => {
    const missing = await app.inject({ method: "GET", url: "/images/openmoji-FFFFF" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers["content-type"], "application/problem+json");
    const malformed = await app.inject({ method: "GET", url: "/images/..%2F..%2Fpackage.json" });
    assert.equal(malformed.statusCode, 400);
  });

  it("uploads an image privately, refuses bad ones and anonymous uploads", async () => {
    const payload = {
      contentType: "image/png",
      data: Buffer.from(tinyPng("route")).toString("base64"),
      tags: ["garden"],
    };
    const anonymous = await app.inject({ method: "POST", url: "/images", payload });
    assert.equal(anonymous.statusCode, 401);
    const res = await app.inject({ method: "POST", url: "/images", headers: as(user), payload });
    assert.equal(res.statusCode, 201);
    const { image, added } = res.json();
    assert.equal(added, true);
    assert.equal(image.source, "upload");
    const fetched = await app.inject({ method: "GET", url: image.url });
    assert.equal(fetched.statusCode, 200);
    assert.equal(fetched.headers["content-type"], "image/png");
    assert.equal(fetched.headers["cache-control"], "private, max-age=3600");
    assert.deepEqual(new Uint8Array(fetched.rawPayload), tinyPng("route"));
    const mine = await app.inject({
      method: "POST",
      url: "/images/search",
      headers: as(user),
      payload: { query: "garden" },
    });
    assert.ok(mine.json().images.some((i: { id: string }) => i.id === image.id));
    const theirs = await app.inject({ method: "POST", url: "/images/search", payload: { query: "garden" } });
    assert.ok(!theirs.json().images.some((i: { id: string }) => i.id === image.id));

    const script = {
      contentType: "image/svg+xml",
      data: Buffer.from(SVG.replace("<rect", "<script>x()</script><rect")).toString("base64"),
      tags: ["x"],
    };
    const evil = await app.inject({ method: "POST", url: "/images", headers: as(user), payload: script });
    assert.equal(evil.statusCode, 400);
    assert.match(evil.json().detail, /<script>/);
    const lying = await app.inject({
      method: "POST",
      url: "/images",
      headers: as(user),
      payload: { ...payload, contentType: "image/svg+xml" },
    });
    assert.equal(lying.statusCode, 400);
    const extra = await app.inject({
      method: "POST",
      url: "/images",
      headers: as(user),
      payload: { ...payload, owner: "x" },
    });
    assert.equal(extra.statusCode, 400);
    const gif = await app.inject({
      method: "POST",
      url: "/images",
      headers: as(user),
      payload: { ...payload, contentType: "image/gif" },
    });
    assert.equal(gif.statusCode, 400);
  });

  it("never sets a graphical key with a token alone (the change needs a key: see key-change.test.ts)", async () => {
    const images = ["openmoji-1F3D6", "openmoji-1F334", "openmoji-1F41A", "openmoji-1F30A", "openmoji-1F305"];
    const anonymous = await app.inject({
      method: "PUT",
      url: "/auth/keys/graphical",
      payload: { kind: "recognition", images, current: { kind: "text", value: "AnyKey-123!" } },
    });
    assert.equal(anonymous.statusCode, 401);
    const tokenOnly = await app.inject({
      method: "PUT",
      url: "/auth/keys/graphical",
      headers: as(user),
      payload: { kind: "recognition", images },
    });
    assert.equal(tokenOnly.statusCode, 400, tokenOnly.body);
    assert.ok(tokenOnly.json().errors.some((e: { field: string }) => e.field === "/body/current"));
    assert.equal(await verifyRecognitionKey(t.store, user, images), false, "no key was set");
  });
});
