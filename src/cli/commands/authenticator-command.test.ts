import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  createPushChallenge,
  listAuthenticators,
  pushChallengeStatus,
  qrTerminal,
} from "../../auth/factors/index.ts";
import { TEXT_KEY } from "../../auth/login/test-support.ts";
import { type FactorTestServer, factorTestServer } from "../../server/routes/factor-test-server.ts";

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../main.ts");
/**
 * Runs `serums` in a child (asynchronously: the server answering it lives in this process), with
 * `input` as its stdin (a pipe, not a terminal; closed at once when there is none).
 */
function serums(
  args: string[],
  env: Record<string, string>,
  input = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("serums authenticator", () => {
  let s: FactorTestServer;
  let server: string;
  let env: Record<string, string>;
  let file: string;
  before(async () => {
    s = await factorTestServer({ engine: "sqlite" }, Date.now());
    server = await s.app.listen({ host: "127.0.0.1", port: 0 });
    file = path.join(s.dir, "cli", "authenticator.json");
    env = { SERUMS_AUTHENTICATOR_FILE: file };
  });
  after(() => s.close());

  it("enrols with a code, lists a pending login, approves it with the number, and never prints the private key", async () => {
    const user = await s.addUser();
    const { uri } = await s.enrolment(user);
    // The link names the server configured (https://serums.example.org); this test's is local.
    const enrol = await serums(
      ["authenticator", "enrol", uri, "--server", server, "--label", "cli test"],
      env,
    );
    assert.equal(enrol.code, 0, enrol.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const keyFile = JSON.parse(readFileSync(file, "utf8")) as { privateKey: string; publicKey: string };

    const show = await serums(["authenticator", "show", "--json"], env);
    assert.equal(show.code, 0, show.stderr);
    assert.equal(JSON.parse(show.stdout).publicKey, keyFile.publicKey);
    assert.ok(!show.stdout.includes(keyFile.privateKey) && !enrol.stdout.includes(keyFile.privateKey));

    assert.match((await serums(["authenticator", "pending"], env)).stdout, /No login is waiting/);
    const login = await createPushChallenge(
      s.t.store,
      user.serumsId,
      { address: "203.0.113.7", userAgent: "Firefox/140", site: "edinburgh" },
      { now: s.clock.now },
    );
    const pending = await serums(["authenticator", "pending"], env);
    assert.match(
      pending.stdout,
      new RegExp(`${login.challengeId}\\s+at edinburgh from 203\\.0\\.113\\.7, Firefox/140`),
    );
    assert.ok(!pending.stdout.includes(` ${login.number} `));

    const noNumber = await serums(["authenticator", "approve"], env);
    assert.equal(noNumber.code, 2, "stdin is not a terminal: --number is required");
    const approve = await serums(["authenticator", "approve", "--number", login.number, "--json"], env);
    assert.equal(approve.code, 0, approve.stderr);
    assert.deepEqual(JSON.parse(approve.stdout), { challengeId: login.challengeId, status: "approved" });
    assert.equal(await pushChallengeStatus(s.t.store, login.challengeId, { now: s.clock.now }), "approved");

    const other = await createPushChallenge(
      s.t.store,
      user.serumsId,
      { address: "198.51.100.1", userAgent: "curl", site: "edinburgh" },
      { now: s.clock.now },
    );
    const deny = await serums(["authenticator", "deny", other.challengeId], env);
    assert.equal(deny.code, 0, deny.stderr);
    assert.equal(await pushChallengeStatus(s.t.store, other.challengeId, { now: s.clock.now }), "denied");
    const late = await serums(["authenticator", "approve", other.challengeId, "--number", other.number], env);
    assert.equal(late.code, 2, "a denied login is no longer pending");
  });

  it("refuses a key file others can read, a used code, and bad usage", async () => {
    chmodSync(file, 0o644);
    const open = await serums(["authenticator", "pending"], env);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /chmod 600/);
    chmodSync(file, 0o600);
    const again = await serums(["authenticator", "enrol", "abcd-efgh-jkmn-pqrs", "--server", server], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists already/);
    const used = await serums(
      ["authenticator", "enrol", "abcd-efgh-jkmn-pqrs", "--server", server, "--force", "--file", `${file}.2`],
      env,
    );
    assert.equal(used.code, 1, "refused by the server: a failure, not bad usage");
    assert.match(used.stderr, /UNAUTHENTICATED/);
    assert.equal((await serums(["authenticator", "--help"], env)).code, 0);
  });

  it("prints an enrolment code with its link and terminal QR code, and enrols from that link", async () => {
    const user = await s.addUser();
    const noToken = await serums(["authenticator", "enrolment-code", "--server", server], env, TEXT_KEY);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /SERUMS_ACCESS_TOKEN/);
    const withToken = { ...env, SERUMS_ACCESS_TOKEN: `test:${user.serumsId}` };

    // The token alone is not enough: the text key, from stdin here (a terminal would be asked).
    const noKey = await serums(["authenticator", "enrolment-code", "--server", server], withToken);
    assert.equal(noKey.code, 2, noKey.stderr);
    assert.match(noKey.stderr, /no text key/);
    const wrongKey = await serums(
      ["authenticator", "enrolment-code", "--server", server],
      withToken,
      "NotTheOwnersKey-4711!\n",
    );
    assert.equal(wrongKey.code, 2, `a wrong key is wrong input: ${wrongKey.stderr}`);
    assert.match(wrongKey.stderr, /403.*current was not accepted/);
    assert.ok(!wrongKey.stderr.includes("NotTheOwnersKey"), "the key is never echoed");
    assert.deepEqual(await listAuthenticators(s.t.store, user.serumsId), [], "no code was issued");

    const shown = await serums(
      ["authenticator", "enrolment-code", "--server", server],
      withToken,
      `${TEXT_KEY}\n`,
    );
    assert.equal(shown.code, 0, shown.stderr);
    const link = /Or open: +(\S+)/.exec(shown.stdout)?.[1];
    const code = /Or type: +(\S+)/.exec(shown.stdout)?.[1];
    assert.ok(link && code, shown.stdout);
    assert.equal(link, `https://serums.example.org/app/authenticator/#enrol=${code}`);
    assert.ok(shown.stdout.includes(`\n${qrTerminal(link)}\n`), "the terminal QR code is the link's");

    // The link names the configured origin; this test's server is local, hence --server.
    const enrol = await serums(
      ["authenticator", "enrol", link, "--server", server, "--file", `${file}.phone`, "--label", "phone"],
      env,
    );
    assert.equal(enrol.code, 0, enrol.stderr);
    assert.deepEqual(
      (await listAuthenticators(s.t.store, user.serumsId)).map((a) => a.label),
      ["phone"],
    );
  });
});
