/**
 * The companion page's protocol module (web/authenticator/protocol.js) run in Node 24, whose
 * WebCrypto has Ed25519 as browsers do: it signs the same bytes as the server's protocol, and it
 * enrols, lists and approves against the real routes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FactorTestServer, factorTestServer } from "../../server/routes/factor-test-server.ts";
import { decisionMessage, enrolMessage, type LoginOrigin, requestMessage } from "./authenticator-protocol.ts";
import { enrolmentLink, parseEnrolmentText } from "./enrolment-link.ts";
import { createPushChallenge, pushChallengeStatus } from "./push-challenges.ts";

interface PageApp {
  server: string;
  authenticatorId: string;
  label: string;
  publicKey: string;
  privateKey: { extractable: boolean };
}
interface PageLogin {
  challengeId: string;
  origin: LoginOrigin;
  expiresAt: number;
}
interface PageProtocol {
  enrolMessage(code: string, publicKey: string): Uint8Array;
  requestMessage(id: string, action: string, nonce: string, timestamp: number): Uint8Array;
  decisionMessage(id: string, number: string, decision: string, origin: LoginOrigin): Uint8Array;
  normalizeCode(text: string): string;
  parseEnrolment(text: string, fallback: string): { code: string; server: string };
  enrol(server: string, code: string, label: string): Promise<PageApp>;
  pendingLogins(app: PageApp): Promise<PageLogin[]>;
  decide(
    app: PageApp,
    login: PageLogin,
    number: string,
    decision: "approve" | "deny",
  ): Promise<{ status: string }>;
}

const PAGE = new URL("../../../web/authenticator/protocol.js", import.meta.url).href;

describe("the companion page's protocol", () => {
  let page: PageProtocol;
  let s: FactorTestServer;
  let server: string;
  before(async () => {
    page = (await import(PAGE)) as PageProtocol;
    s = await factorTestServer({ engine: "sqlite" }, { realTime: true });
    server = await s.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => s.close());

  it("builds the same bytes as the server for every message", () => {
    const origin = {
      address: "203.0.113.7",
      userAgent: 'Mozilla/5.0 "quoted" ünïcode',
      site: "edinburgh",
      time: 1736931600000,
    };
    assert.deepEqual(page.enrolMessage("abcd", "K".repeat(43)), enrolMessage("abcd", "K".repeat(43)));
    assert.deepEqual(page.requestMessage("id", "list", "n", 17), requestMessage("id", "list", "n", 17));
    assert.deepEqual(
      page.decisionMessage("c", "42", "approve", origin),
      decisionMessage("c", "42", "approve", origin),
    );
    assert.notDeepEqual(
      page.decisionMessage("c", "42", "deny", origin),
      decisionMessage("c", "42", "approve", origin),
    );
    assert.equal(page.normalizeCode("ABCD-EFGH IJKL-MNOP"), "abcdefgh1jk1mn0p");
    assert.deepEqual(
      page.parseEnrolment("serums-authenticator://enrol?server=https%3A%2F%2Fs.example&code=ab-cd", "x"),
      {
        code: "ab-cd",
        server: "https://s.example",
      },
    );
  });

  it("reads enrolment links and codes as the server's parser does", () => {
    const code = "7k3m-9qx2-hv4t-8dpa";
    const fallback = "https://here.example";
    for (const text of [
      enrolmentLink("https://serums.example.org", code),
      ` ${enrolmentLink("http://127.0.0.1:8080", code)}\n`,
      `serums-authenticator://enrol?server=${encodeURIComponent("https://a.example")}&code=${code}`,
      code,
    ]) {
      const server = parseEnrolmentText(text);
      assert.deepEqual(
        page.parseEnrolment(text, fallback),
        { code, server: server.server ?? fallback },
        text,
      );
    }
    for (const text of [
      "https://serums.example.org/app/authenticator/",
      "serums-authenticator://enrol?x=1",
    ]) {
      assert.throws(() => parseEnrolmentText(text));
      assert.throws(() => page.parseEnrolment(text, fallback), /no enrolment code/, text);
    }
  });

  it("enrols with WebCrypto Ed25519, lists the user's login and approves it with the number", async () => {
    const user = await s.addUser();
    const { code } = await s.enrolment(user);
    const app = await page.enrol(server, code.toUpperCase(), "browser");
    assert.equal(app.privateKey.extractable, false, "the private key cannot leave the browser");
    const login = await createPushChallenge(
      s.t.store,
      user.serumsId,
      { address: "203.0.113.7", userAgent: "Firefox", site: "edinburgh" },
      { now: s.clock.now },
    );
    const [pending] = await page.pendingLogins(app);
    assert.equal(pending!.challengeId, login.challengeId);
    assert.deepEqual(await page.decide(app, pending!, login.number, "approve"), { status: "approved" });
    assert.equal(await pushChallengeStatus(s.t.store, login.challengeId, { now: s.clock.now }), "approved");
    await assert.rejects(page.decide(app, pending!, login.number, "approve"), /no longer pending/);
  });
});
