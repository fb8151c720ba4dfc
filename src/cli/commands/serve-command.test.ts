/**
 * `serums serve` for real, in a child process on a free port in a scratch folder: it says where
 * it listens, registers a patient whose enrolment link names that very address (no
 * SERUMS_PUBLIC_ORIGIN needed on one machine), serves the companion page, and stops cleanly.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { SECRET, TEXT_KEY } from "../../auth/login/test-support.ts";
import { readConfig } from "../../config/index.ts";
import { publicOriginFor } from "./serve-command.ts";

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../main.ts");

it("serves on a free port, and the links it hands out name where it listens", {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-serve-"));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    "DATABASE_URL",
    "SERUMS_DB",
    "SERUMS_PUBLIC_ORIGIN",
    "SERUMS_AUTH_KEY_DIR",
    "SERUMS_PORT",
  ])
    delete env[name];
  const child = spawn(process.execPath, [MAIN, "serve", "--port", "0"], { cwd: dir, env });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    const address = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        const found = /serving \S+ on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (found && stderr.includes("companion page")) resolve(found[1]!);
      });
      child.on("close", () => reject(new Error(`serve ended early: ${stderr}`)));
    });
    const port = new URL(address).port;
    assert.match(stderr, new RegExp(`companion page +http://localhost:${port}/app/authenticator/`));
    assert.ok(!stderr.includes("warning"), stderr);

    const registered = await fetch(`${address}/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ login: "ingrid", secret: SECRET, textKey: TEXT_KEY }),
    });
    assert.equal(registered.status, 201, await registered.clone().text());
    const { enrolment } = (await registered.json()) as { enrolment: { link: string; uri: string } };
    assert.ok(
      enrolment.link.startsWith(`http://localhost:${port}/app/authenticator/#enrol=`),
      enrolment.link,
    );
    assert.equal(new URL(enrolment.uri).searchParams.get("server"), `http://localhost:${port}`);

    const page = await fetch(new URL("/app/authenticator/", enrolment.link));
    assert.equal(page.status, 200);
    assert.match(String(page.headers.get("content-security-policy")), /script-src 'self'/);
    const root = (await (await fetch(address)).json()) as { authenticator: string };
    assert.equal(root.authenticator, "/app/authenticator/");
  } finally {
    child.kill("SIGTERM");
    const code = await exited;
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, `serve stops cleanly on SIGTERM: ${stderr}`);
  }
});

it("takes SERUMS_PUBLIC_ORIGIN as it is, and warns when listening beyond loopback without it", () => {
  const config = readConfig({});
  assert.equal(
    publicOriginFor(config, {}, "127.0.0.1", 9090).config.auth.publicOrigin,
    "http://localhost:9090",
  );
  const set = { SERUMS_PUBLIC_ORIGIN: "https://serums.example.org" };
  const given = publicOriginFor(readConfig(set), set, "0.0.0.0", 9090);
  assert.equal(given.config.auth.publicOrigin, "https://serums.example.org");
  assert.equal(given.warning, undefined);
  const open = publicOriginFor(config, {}, "0.0.0.0", 9090);
  assert.match(open.warning ?? "", /SERUMS_PUBLIC_ORIGIN is not set/);
});
