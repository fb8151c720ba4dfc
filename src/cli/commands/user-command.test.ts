/**
 * `serums user enrolment-code`: the way back in for someone who cannot log in to ask for an
 * enrolment code themselves (their registration's code expired unused, or their only
 * authenticator is lost). Run for real in a child process on a scratch store.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { authMigrations } from "../../auth/auth-migrations.ts";
import { listAuthenticators } from "../../auth/factors/index.ts";
import { listAuthEvents } from "../../auth/login/index.ts";
import { TestAuthenticator } from "../../auth/login/test-support.ts";
import { readConfig } from "../../config/index.ts";
import { recordMigrations } from "../../record/index.ts";
import { createLoginContext } from "../../server/server-context.ts";
import { openStore } from "../../store/index.ts";

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../main.ts");

it("issues a new enrolment code for an active account, which enrols an authenticator once", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-user-"));
  const db = path.join(dir, "serums.db");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERUMS_AUTH_KEY_DIR: path.join(dir, "keys"),
    SERUMS_PUBLIC_ORIGIN: "https://serums.example.org",
  };
  delete env.DATABASE_URL;
  const serums = (...args: string[]) => {
    const run = spawnSync(process.execPath, [MAIN, ...args, "--db", db], { env, encoding: "utf8" });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  try {
    const admin = serums(
      "user",
      "create-admin",
      "--login",
      "admin.ed",
      "--site",
      "edinburgh",
      "--department",
      "it",
      "--country",
      "GB",
      "--json",
    );
    assert.equal(admin.code, 0, admin.stderr);
    const serumsId = JSON.parse(admin.stdout).account.serumsId as string;

    const issued = serums("user", "enrolment-code", serumsId, "--json");
    assert.equal(issued.code, 0, issued.stderr);
    const enrolment = JSON.parse(issued.stdout) as { code: string; link: string };
    assert.equal(enrolment.link, `https://serums.example.org/app/authenticator/#enrol=${enrolment.code}`);
    const text = serums("user", "enrolment-code", serumsId, "--no-qr");
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Or type: \S+/);

    const unknown = serums("user", "enrolment-code", "srm-aaaa-bbbb-cccc-dddd");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no active account srm-aaaa-bbbb-cccc-dddd/);
    assert.equal(serums("user", "enrolment-code").code, 2, "the Serums ID is required");

    const store = await openStore(
      { sqlitePath: db },
      { migrations: [...recordMigrations, ...authMigrations] },
    );
    try {
      const context = await createLoginContext({ store, config: readConfig(env), env });
      const phone = new TestAuthenticator();
      const latest = /Or type: (\S+)/.exec(text.stdout)![1]!;
      await assert.rejects(
        new TestAuthenticator().enrol(store, context, enrolment.code),
        "a newer code replaced the first",
      );
      await phone.enrol(store, context, latest);
      assert.deepEqual(
        (await listAuthenticators(store, serumsId)).map((a) => a.status),
        ["active"],
      );
      await assert.rejects(new TestAuthenticator().enrol(store, context, latest), "a code enrols once");
      const events = await listAuthEvents(store, { serumsId });
      assert.equal(events.filter((e) => e.reason === "operator_enrolment_code").length, 2);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
