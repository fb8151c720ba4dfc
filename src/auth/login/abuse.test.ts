import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { describeEachEngine } from "../../store/test-engines.ts";
import { registerPatient } from "../accounts/index.ts";
import { beginTotpEnrolment, confirmTotpEnrolment, totpCode } from "../factors/index.ts";
import { type Argon2Function, nodeArgon2id } from "../keys/index.ts";
import { listAuthEvents } from "./auth-events.ts";
import { finishLogin, type LoginKey, startLogin } from "./login-flow.ts";
import { type AuthTestbed, authTestbed, SECRET, TEXT_KEY, TestAuthenticator } from "./test-support.ts";
import { checkThrottle, clearFailures, LOCKOUT_FAILURES, LOCKOUT_MS, reserveAttempt } from "./throttle.ts";

const client = { address: "203.0.113.9", userAgent: "abuse/1.0", addressHash: "c".repeat(64) };

describeEachEngine("login abuse", (engine) => {
  let bed: AuthTestbed;
  let serumsId: string;
  let phone: TestAuthenticator;
  let argon2Calls = 0;
  const counting: Argon2Function = (input) => {
    argon2Calls++;
    return nodeArgon2id(input);
  };
  beforeEach(async () => {
    bed = await authTestbed(engine);
    bed.context.keyPolicy = { ...bed.context.keyPolicy, argon2: counting };
    const registered = await registerPatient(
      bed.context,
      { login: "ingrid.m", secret: SECRET, textKey: TEXT_KEY },
      client,
    );
    serumsId = registered.serumsId;
    phone = new TestAuthenticator();
    await phone.enrol(bed.t.store, bed.context, registered.enrolment.code);
    argon2Calls = 0;
  });
  afterEach(() => bed.dispose());

  it("lets parallel finishes on one name through the throttle one at a time: 3 guesses, not 12", async () => {
    for (const name of ["ingrid.m", "nobody.here"]) {
      argon2Calls = 0;
      const starts = [];
      for (let i = 0; i < 12; i++) {
        const start = await startLogin(bed.context, name, client);
        assert.ok(start.ok);
        starts.push(start.challengeId);
      }
      const results = await Promise.all(
        starts.map((challengeId, i) =>
          finishLogin(bed.context, { challengeId, key: { kind: "text", value: `Guess-${i}-Zq!` } }, client),
        ),
      );
      const verified = results.filter((r) => !r.ok && r.reason === "bad_credentials").length;
      const throttled = results.filter((r) => !r.ok && r.reason === "throttled").length;
      assert.deepEqual([verified, throttled], [3, 9], `${name}: ${JSON.stringify(results)}`);
      assert.equal(argon2Calls, 3, `${name}: only the attempts let through cost an argon2id verification`);
    }
  });

  it("reserves attempts atomically: the tenth in a row locks the name, a success clears it", async () => {
    const subject = "s".repeat(64);
    const t0 = bed.clock.now();
    let at = t0;
    for (let n = 1; n < LOCKOUT_FAILURES; n++) {
      const r = await reserveAttempt(bed.t.store, subject, at);
      assert.ok(r.ok, `attempt ${n}`);
      assert.equal(r.failures, n);
      assert.equal(r.lockedUntil, null);
      if (n >= 3) {
        const early = await reserveAttempt(bed.t.store, subject, at);
        assert.ok(!early.ok && !early.locked, `attempt ${n} + 1 must wait`);
      }
      at += 5 * 60_000;
    }
    const tenth = await reserveAttempt(bed.t.store, subject, at);
    assert.ok(tenth.ok && tenth.lockedUntil === at + LOCKOUT_MS);
    const locked = await reserveAttempt(bed.t.store, subject, at + LOCKOUT_MS - 1);
    assert.deepEqual(locked, { ok: false, retryAfterMs: 1, locked: true });
    assert.ok((await reserveAttempt(bed.t.store, subject, at + LOCKOUT_MS)).ok);
    await clearFailures(bed.t.store, subject);
    assert.deepEqual(await checkThrottle(bed.t.store, subject, at + LOCKOUT_MS), { ok: true });
  });

  it("does the same work and answers the same for an unknown name as for a wrong key, at start and finish", async () => {
    const keys: LoginKey[] = [
      { kind: "text", value: "WrongKey-123!" },
      { kind: "recognition", picked: ["openmoji-1F3D6", "openmoji-1F334"] },
      { kind: "gesture", points: [{ kind: "tap", x: 1, y: 2 }] },
    ];
    for (const key of keys) {
      const work: Record<string, number[]> = {};
      const answers: Record<string, unknown> = {};
      for (const name of ["ingrid.m", "nobody.here"]) {
        argon2Calls = 0;
        const start = await startLogin(bed.context, name, client);
        const atStart = argon2Calls;
        assert.ok(start.ok);
        await phone.approve(bed.t.store, bed.context, start.challengeId, start.number).catch(() => {});
        argon2Calls = 0;
        answers[name] = await finishLogin(bed.context, { challengeId: start.challengeId, key }, client);
        work[name] = [atStart, argon2Calls];
        bed.clock.advance(60_000);
      }
      assert.deepEqual(work["ingrid.m"], [0, 1], `${key.kind}: one argon2id verification, at finish only`);
      assert.deepEqual(work["nobody.here"], work["ingrid.m"], `${key.kind}: the same work`);
      assert.deepEqual(answers["nobody.here"], answers["ingrid.m"], `${key.kind}: the same answer`);
    }
    // A challenge that never existed costs the same verification too.
    argon2Calls = 0;
    const made = await finishLogin(
      bed.context,
      { challengeId: "00000000-0000-4000-8000-000000000000", key: keys[0]! },
      client,
    );
    assert.deepEqual(made, { ok: false, reason: "bad_credentials" });
    assert.equal(argon2Calls, 1);
  });

  it("refuses a TOTP code from an earlier window and a code of another user's secret", async () => {
    const enrolment = await beginTotpEnrolment(bed.t.store, serumsId, bed.context.factors);
    await confirmTotpEnrolment(
      bed.t.store,
      serumsId,
      totpCode(enrolment.secret, bed.clock.now()),
      bed.context.factors,
    );
    const old = totpCode(enrolment.secret, bed.clock.now() + 30_000);
    bed.clock.advance(30_000 * 4); // four steps later: outside any tolerance window
    for (const code of [old, totpCode("JBSWY3DPEHPK3PXP", bed.clock.now())]) {
      const start = await startLogin(bed.context, "ingrid.m", client);
      assert.ok(start.ok);
      const result = await finishLogin(
        bed.context,
        {
          challengeId: start.challengeId,
          key: { kind: "text", value: TEXT_KEY },
          factor: { kind: "totp", code },
        },
        client,
      );
      assert.deepEqual(result, { ok: false, reason: "bad_credentials" });
      bed.clock.advance(60_000);
    }
    const fresh = await startLogin(bed.context, "ingrid.m", client);
    assert.ok(fresh.ok);
    const good = await finishLogin(
      bed.context,
      {
        challengeId: fresh.challengeId,
        key: { kind: "text", value: TEXT_KEY },
        factor: { kind: "totp", code: totpCode(enrolment.secret, bed.clock.now()) },
      },
      client,
    );
    assert.ok(good.ok, "the current code still works: the refusals were about the codes");
  });

  it("refuses a push approved too late: the challenge expired before the authenticator answered", async () => {
    const start = await startLogin(bed.context, "ingrid.m", client);
    assert.ok(start.ok);
    bed.clock.advance(start.expiresAt - bed.clock.now() + 1);
    await assert.rejects(phone.approve(bed.t.store, bed.context, start.challengeId, start.number));
    const result = await finishLogin(
      bed.context,
      { challengeId: start.challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.deepEqual(result, { ok: false, reason: "bad_credentials" });
    const events = await listAuthEvents(bed.t.store, { serumsId });
    assert.ok(events.some((e) => e.kind === "login_finish" && e.outcome === "failure"));
  });
});
