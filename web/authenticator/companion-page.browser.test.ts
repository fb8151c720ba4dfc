/**
 * The companion page in a real browser: Debian's Chromium (/usr/bin/chromium) driven by
 * playwright-core, against the whole server (buildServer, as `serums serve` runs it) on a real
 * listen, which serves web/ at /app/ under its Content-Security-Policy. Each test registers a
 * patient over HTTP, whose answer carries the first enrolment code (no token needed yet). The page
 * enrols from the link the server gives (the code in the `#enrol=` fragment), sees a login
 * appear, approves it with the number typed, and a wrong number denies; it scans a QR code where
 * the browser has BarcodeDetector (here a stand-in detector and camera, since Chromium on Linux
 * has neither), and parses the server's QR SVG. Nothing the page does may break its policy.
 *
 * Without Chromium: skipped with the reason, or — when CI is set — failed, since CI installs it.
 */
import assert from "node:assert/strict";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import {
  COMPANION_PAGE_PATH,
  consumeApproval,
  createPushChallenge,
  listAuthenticators,
  pushChallengeStatus,
} from "../../src/auth/factors/index.ts";
import { SECRET, TEXT_KEY } from "../../src/auth/login/test-support.ts";
import { type TestServer, testServer } from "../../src/server/test-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// What runs in the page is plain JavaScript in strings: this project's type check has no DOM.

/** Parses an SVG document with the browser's XML parser; lists its elements and any active attribute. */
const INSPECT_SVG = `(svg) => {
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
  const all = [...doc.querySelectorAll("*")];
  return {
    error: doc.getElementsByTagName("parsererror").length,
    root: doc.documentElement.localName,
    namespace: doc.documentElement.namespaceURI,
    elements: all.map((e) => e.localName),
    handlers: all.flatMap((e) => [...e.attributes].map((a) => a.name).filter((n) => n.startsWith("on") || n.includes("href"))),
  };
}`;

/**
 * Chromium on Linux has no BarcodeDetector and this machine no camera: a stand-in for both (a
 * canvas stream as the camera; a detector that needs a live video, sees nothing, then a foreign
 * QR code, then \`link\`).
 */
const FAKE_SCANNER = `(link) => {
  window.__detects = 0;
  window.BarcodeDetector = class {
    static async getSupportedFormats() { return ["qr_code"]; }
    constructor(options) { window.__detectorOptions = options; }
    async detect(source) {
      if (!(source instanceof HTMLVideoElement) || !source.srcObject) throw new Error("no camera frame");
      window.__detects += 1;
      if (window.__detects === 1) return [];
      if (window.__detects === 2) return [{ rawValue: "https://example.com/menu", format: "qr_code" }];
      return [{ rawValue: link, format: "qr_code" }];
    }
  };
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    window.__constraints = constraints;
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 64;
    canvas.getContext("2d").fillRect(0, 0, 64, 64);
    window.__stream = canvas.captureStream(5);
    return window.__stream;
  };
}`;

/** After a scan: is the camera off, and what did the page ask for and say? */
const SCAN_STATE = `({
  tracksEnded: window.__stream.getTracks().every((t) => t.readyState === "ended"),
  cameraHidden: document.getElementById("camera").hidden,
  formats: window.__detectorOptions.formats,
  facing: window.__constraints.video.facingMode,
  focused: document.activeElement?.id,
  message: document.getElementById("message").textContent,
})`;

const ORIGIN = { address: "203.0.113.7", userAgent: "Firefox/140 on Linux", site: "edinburgh" };

function chromiumPresent(): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const present = chromiumPresent();
const skip =
  !present && !process.env.CI
    ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium); with CI set this test fails instead`
    : false;

describe("the companion page in Chromium", { skip, timeout: 180_000 }, () => {
  let s: TestServer;
  let base: string;
  let profile: string;
  let context: BrowserContext;
  const pageErrors: string[] = [];
  const policyViolations: string[] = [];

  before(async () => {
    if (!present) {
      throw new Error(
        `${CHROMIUM} is missing, and CI is set: the companion page's browser test needs Debian's Chromium (apt-get install chromium)`,
      );
    }
    s = await testServer({ engine: "sqlite" }, { realClock: true });
    base = await s.app.listen({ host: "127.0.0.1", port: 0 });
    profile = mkdtempSync(path.join(tmpdir(), "serums-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
    });
    context.setDefaultTimeout(30_000);
  });

  after(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(url: string, init?: (page: Page) => Promise<unknown>): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (/Content.Security.Policy/i.test(message.text())) policyViolations.push(message.text());
    });
    await init?.(page);
    await page.goto(url);
    return page;
  }

  let patients = 0;
  /** A patient registered over HTTP: their Serums ID and the enrolment the registration answers. */
  async function registerPatient() {
    patients += 1;
    const answer = await fetch(new URL("/auth/register", base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ login: `browser.patient.${patients}`, secret: SECRET, textKey: TEXT_KEY }),
    });
    assert.equal(answer.status, 201, await answer.clone().text());
    return (await answer.json()) as {
      serumsId: string;
      enrolment: { code: string; link: string; qrSvg: string };
    };
  }

  it("serves an enrolment QR code that a browser parses as inert SVG", async () => {
    const { qrSvg } = (await registerPatient()).enrolment;
    const page = await open(`${base}${COMPANION_PAGE_PATH}`);
    const parsed = await page.evaluate(`(${INSPECT_SVG})(${JSON.stringify(qrSvg)})`);
    assert.deepEqual(parsed, {
      error: 0,
      root: "svg",
      namespace: "http://www.w3.org/2000/svg",
      elements: ["svg", "rect", "path"],
      handlers: [],
    });
    await page.close();
  });

  it("scans the enrolment QR code with the camera where the browser has BarcodeDetector", async () => {
    const { code } = (await registerPatient()).enrolment;
    const scanned = `${base}${COMPANION_PAGE_PATH}#enrol=${code}`;
    const page = await open(`${base}${COMPANION_PAGE_PATH}`, (p) =>
      p.addInitScript({ content: `(${FAKE_SCANNER})(${JSON.stringify(scanned)})` }),
    );
    await page.locator("#scan").waitFor({ state: "visible" });
    await page.click("#scan");
    await page.locator("#message", { hasText: "Code read" }).waitFor();
    assert.equal(await page.inputValue("#code"), scanned);
    const state = await page.evaluate(SCAN_STATE);
    assert.deepEqual(state, {
      tracksEnded: true,
      cameraHidden: true,
      formats: ["qr_code"],
      facing: "environment",
      focused: "enrol-submit",
      message: "Code read. Check the name, then press Enrol.",
    });
    assert.deepEqual(policyViolations, [], "the camera and the scanner work under the page's policy");
    await page.close();
  });

  it("enrols from the server's link, shows a login, approves it with the number, and a wrong number denies", async () => {
    const { serumsId: user, enrolment } = await registerPatient();
    const { code, link } = enrolment;
    // The link names the configured public origin; the page here is served by the local listen.
    const page = await open(`${base}${COMPANION_PAGE_PATH}${new URL(link).hash}`, (p) =>
      p.addInitScript({ content: "delete window.BarcodeDetector;" }),
    );
    assert.equal(await page.inputValue("#code"), code, "the fragment fills the code in");
    assert.equal(
      await page.isVisible("#scan-area"),
      false,
      "no scanner without BarcodeDetector: paste or type",
    );
    await page.fill("#label", "Chromium test");
    await page.click("#enrol-submit");
    await page.locator("#message", { hasText: 'Enrolled as "Chromium test"' }).waitFor();
    await page.locator("#list", { hasText: "No login is waiting" }).waitFor();
    assert.deepEqual(
      (await listAuthenticators(s.t.store, user)).map((a) => [a.label, a.status]),
      [["Chromium test", "active"]],
    );
    assert.ok(!new URL(page.url()).hash.includes(code), "the code is taken out of the address bar");

    const login = await createPushChallenge(s.t.store, user, ORIGIN, { now: s.clock.now });
    await page.click("#refresh");
    const card = page.locator("#list .login");
    await card.waitFor();
    assert.equal(await card.count(), 1);
    assert.equal(await card.locator(".site").textContent(), "edinburgh");
    assert.equal(await card.locator(".address").textContent(), ORIGIN.address);
    assert.equal(await card.locator(".agent").textContent(), ORIGIN.userAgent);
    await card.locator(".number").fill(login.number);
    await card.locator(".approve").click();
    await page.locator("#message", { hasText: "Approved" }).waitFor();
    assert.equal(await pushChallengeStatus(s.t.store, login.challengeId, { now: s.clock.now }), "approved");
    assert.equal((await consumeApproval(s.t.store, login.challengeId, { now: s.clock.now }))?.serumsId, user);
    assert.equal(
      await consumeApproval(s.t.store, login.challengeId, { now: s.clock.now }),
      undefined,
      "an approval is used once",
    );
    await page.locator("#list", { hasText: "No login is waiting" }).waitFor();

    const other = await createPushChallenge(s.t.store, user, ORIGIN, { now: s.clock.now });
    const wrong = String(((Number(other.number) - 10 + 1) % 90) + 10);
    await page.click("#refresh");
    await card.waitFor();
    await card.locator(".number").fill(wrong);
    await card.locator(".approve").click();
    await page.locator("#message", { hasText: "not the number on the login page" }).waitFor();
    assert.equal(await pushChallengeStatus(s.t.store, other.challengeId, { now: s.clock.now }), "denied");
    assert.equal(await consumeApproval(s.t.store, other.challengeId, { now: s.clock.now }), undefined);
    await page.close();
    assert.deepEqual(pageErrors, [], "no script error in the page");
    assert.deepEqual(policyViolations, [], "nothing the page does breaks its Content-Security-Policy");
  });
});
