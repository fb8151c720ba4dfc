import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { type TestServer, testServer } from "./test-server.ts";
import { WEB_CONTENT_SECURITY_POLICY } from "./web-app.ts";

const PACKAGE_JSON = readFileSync(new URL("../../package.json", import.meta.url), "utf8");

describe("the web application at /app/", () => {
  let s: TestServer;
  before(async () => {
    s = await testServer({ engine: "sqlite" });
  });
  after(() => s.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    s.app.inject({ method: "GET", url, headers });

  it("serves the companion page from buildServer with its types and a strict policy", async () => {
    const page = await get("/app/authenticator/");
    assert.equal(page.statusCode, 200, page.body);
    assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
    assert.match(page.body, /<title>Serums Authenticator<\/title>/);
    const policy = String(page.headers["content-security-policy"]);
    assert.equal(policy, WEB_CONTENT_SECURITY_POLICY);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
    ]) {
      assert.ok(policy.split("; ").includes(directive), directive);
    }
    assert.ok(!/unsafe-inline|unsafe-eval|\*/.test(policy), "nothing inline, no eval, no wildcard");
    assert.equal(page.headers["x-content-type-options"], "nosniff");
    assert.equal(page.headers["x-frame-options"], "DENY");
    // Nothing in the page itself that such a policy would block: no inline script, style or handler.
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(page.body), "every script has a src");
    assert.ok(!/<style|\sstyle=|\son[a-z]+=/i.test(page.body), "no inline style or handler");

    const types: Record<string, string> = {
      "app.js": "text/javascript; charset=utf-8",
      "protocol.js": "text/javascript; charset=utf-8",
      "style.css": "text/css; charset=utf-8",
      "index.html": "text/html; charset=utf-8",
    };
    for (const [name, type] of Object.entries(types)) {
      const file = await get(`/app/authenticator/${name}`);
      assert.equal(file.statusCode, 200, name);
      assert.equal(file.headers["content-type"], type, name);
      assert.equal(file.headers["content-security-policy"], WEB_CONTENT_SECURITY_POLICY, name);
      assert.equal(
        file.body,
        readFileSync(new URL(`../../web/authenticator/${name}`, import.meta.url), "utf8"),
      );
    }
    const moved = await get("/app/authenticator");
    assert.equal(moved.statusCode, 308, "a folder without its slash: relative links need it");
    assert.equal(moved.headers.location, "/app/authenticator/");
  });

  it("answers a repeated request with 304 when the file has not changed", async () => {
    const first = await get("/app/authenticator/app.js");
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/);
    assert.equal(first.headers["cache-control"], "no-cache");
    const again = await get("/app/authenticator/app.js", { "if-none-match": etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");
    assert.equal((await get("/app/authenticator/app.js", { "if-none-match": '"other"' })).statusCode, 200);
  });

  it("lists no folder and serves no test, dot file or file outside web/, however the path is spelled", async () => {
    // Over a real socket, byte for byte: an HTTP client library would tidy `..` away first.
    const address = new URL(await s.app.listen({ host: "127.0.0.1", port: 0 }));
    const raw = (url: string) =>
      new Promise<{ statusCode: number; headers: Record<string, string>; body: string }>(
        (resolve, reject) => {
          const socket = connect(Number(address.port), address.hostname);
          let text = "";
          socket.on("data", (chunk) => {
            text += chunk.toString("latin1");
          });
          socket.on("error", reject);
          socket.on("end", () => {
            const [head = "", body = ""] = text.split("\r\n\r\n");
            const [status = "", ...lines] = head.split("\r\n");
            const headers = Object.fromEntries(
              lines.map((l) => [
                l.slice(0, l.indexOf(":")).toLowerCase(),
                l.slice(l.indexOf(":") + 1).trim(),
              ]),
            );
            resolve({ statusCode: Number(status.split(" ")[1]), headers, body });
          });
          socket.write(`GET ${url} HTTP/1.1\r\nHost: ${address.host}\r\nConnection: close\r\n\r\n`);
        },
      );
    for (const url of [
      "/app/",
      "/app",
      "/app/authenticator/companion-page.browser.test.ts",
      "/app/authenticator/missing.js",
      "/app/../package.json",
      "/app/authenticator/../../package.json",
      "/app/%2e%2e/package.json",
      "/app/%2E%2E/%2E%2E/package.json",
      "/app/authenticator/..%2f..%2fpackage.json",
      "/app/authenticator/%2e%2e%2f%2e%2e%2fpackage.json",
      "/app/..%5c..%5cpackage.json",
      "/app/authenticator/..\\..\\package.json",
      "/app/authenticator//app.js",
      "/app/authenticator/%2e/app.js",
      "/app/authenticator/./app.js",
      "/app/authenticator/app.js%00.html",
      "/app/%252e%252e/package.json",
      "/app/../src/server/build-server.ts",
      "/app/authenticator/%E0%A4%A",
    ]) {
      const answer = await raw(url);
      const expected = url.includes("%E0") ? 400 : 404;
      assert.equal(answer.statusCode, expected, `${url}: ${answer.statusCode} ${answer.body.slice(0, 80)}`);
      assert.equal(answer.headers["content-type"], "application/problem+json", url);
      assert.ok(!answer.body.includes('"name": "serums"') && answer.body.length < 1000, url);
      assert.ok(!answer.body.includes(PACKAGE_JSON.slice(0, 40)), url);
      for (const name of ["app.js", "protocol.js", "index.html", "style.css"]) {
        if (!url.includes(name)) assert.ok(!answer.body.includes(name), `${url}: no listing`);
      }
    }
  });

  it("can be left out", async () => {
    const bare = await testServer({ engine: "sqlite" }, { webApp: false });
    try {
      assert.equal((await bare.app.inject({ method: "GET", url: "/app/authenticator/" })).statusCode, 404);
    } finally {
      await bare.close();
    }
  });
});
