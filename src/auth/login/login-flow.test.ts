import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { setAccountStatus } from "../accounts/accounts.ts";
import { registerPatient } from "../accounts/index.ts";
import { prepareLoginFactor, totpCode } from "../factors/index.ts";
import { verifyAccessToken } from "../tokens/index.ts";
import { listAuthEvents } from "./auth-events.ts";
import { finishLogin, startLogin } from "./login-flow.ts";
import { authenticateToken, logout, refreshTokens } from "./sessions.ts";
import { type AuthTestbed, authTestbed, SECRET, TEXT_KEY, TestAuthenticator } from "./test-support.ts";
import { LOCKOUT_MS } from "./throttle.ts";

const client = { address: "203.0.113.7", userAgent: "test-browser/1.0", addressHash: "a".repeat(64) };

describeEachEngine("the login flow", (engine) => {
  let bed: AuthTestbed;
  let phone: TestAuthenticator;
  let serumsId: string;

  beforeEach(async () => {
    bed = await authTestbed(engine);
    const registered = await registerPatient(
      bed.context,
      { login: "Ingrid.M", secret: SECRET, textKey: TEXT_KEY },
      client,
    );
    serumsId = registered.serumsId;
    phone = new TestAuthenticator();
    await phone.enrol(bed.t.store, bed.context, registered.enrolment.code);
  });
  afterEach(() => bed.dispose());

  async function approvedChallenge(login = "ingrid.m") {
    const start = await startLogin(bed.context, login, client);
    assert.ok(start.ok);
    await phone.approve(bed.t.store, bed.context, start.challengeId, start.number);
    return start.challengeId;
  }

  it("logs in with the text key and the approved push, and the token says who and how", async () => {
    const challengeId = await approvedChallenge(" INGRID.M ");
    const result = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.serumsId, serumsId);
    assert.deepEqual(result.amr, ["pwd", "swk"]);
    const claims = await verifyAccessToken(bed.context.ring, result.accessToken, bed.context);
    assert.equal(claims.serumsId, serumsId);
    assert.equal(claims.role, "patient");
    assert.equal(claims.site, null);
    const events = await listAuthEvents(bed.t.store, { serumsId });
    assert.deepEqual(events.map((e) => `${e.kind}:${e.outcome}`).sort(), [
      "login_finish:success",
      "login_start:success",
      "register:success",
    ]);
  });

  it("uses a challenge once: a replayed finish, even with the right key, fails", async () => {
    const challengeId = await approvedChallenge();
    const first = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.ok(first.ok);
    const replay = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.deepEqual(replay, { ok: false, reason: "bad_credentials" });
  });

  it("refuses an approval that has expired before the finish, and an unapproved push", async () => {
    const challengeId = await approvedChallenge();
    bed.clock.advance(5 * 60_000);
    const late = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.deepEqual(late, { ok: false, reason: "bad_credentials" });
    const start = await startLogin(bed.context, "ingrid.m", client);
    assert.ok(start.ok);
    const unapproved = await finishLogin(
      bed.context,
      { challengeId: start.challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.deepEqual(unapproved, { ok: false, reason: "bad_credentials" });
  });

  it("refuses the wrong key even with an approved push, and a disabled account", async () => {
    const challengeId = await approvedChallenge();
    const wrong = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: `${TEXT_KEY}x` } },
      client,
    );
    assert.deepEqual(wrong, { ok: false, reason: "bad_credentials" });
    await setAccountStatus(bed.t.store, serumsId, "disabled");
    const start = await startLogin(bed.context, "ingrid.m", client);
    assert.ok(start.ok, "a disabled account gets a decoy challenge like an unknown name");
    const finish = await finishLogin(
      bed.context,
      { challengeId: start.challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.deepEqual(finish, { ok: false, reason: "bad_credentials" });
  });

  it("answers an unknown name exactly as a known one: same fields, same failure, no name in the log", async () => {
    const known = await startLogin(bed.context, "ingrid.m", client);
    const unknown = await startLogin(bed.context, "nobody.here", client);
    assert.ok(known.ok && unknown.ok);
    assert.deepEqual(Object.keys(known).sort(), Object.keys(unknown).sort());
    assert.ok(["recognition", "gesture"].includes(known.graphical.kind));
    assert.ok(["recognition", "gesture"].includes(unknown.graphical.kind));
    assert.match(unknown.number, /^\d{2}$/);
    // The decoy is stable for the name, as a real grid is.
    const again = await startLogin(bed.context, "nobody.here", client);
    assert.ok(again.ok);
    assert.deepEqual(again.graphical, unknown.graphical);
    const a = await finishLogin(
      bed.context,
      { challengeId: known.challengeId, key: { kind: "text", value: "WrongKey123!" } },
      client,
    );
    const b = await finishLogin(
      bed.context,
      { challengeId: unknown.challengeId, key: { kind: "text", value: "WrongKey123!" } },
      client,
    );
    assert.deepEqual(a, b);
    const rows = await bed.t.store.all<Record<string, unknown>>("SELECT * FROM auth_event");
    const dump = JSON.stringify(rows);
    assert.doesNotMatch(dump, /nobody|ingrid|WrongKey/i);
    assert.ok(rows.some((r) => r.kind === "login_finish" && r.serums_id === null && r.outcome === "failure"));
  });

  it("gives an unknown name the same made-up passkey at every start, shaped as a real user's", async () => {
    const allowed = async (login: string) => {
      const start = await startLogin(bed.context, login, client);
      assert.ok(start.ok);
      const prepared = await prepareLoginFactor(
        bed.t.store,
        start.challengeId,
        "passkey",
        bed.context.factors,
      );
      assert.equal(prepared.kind, "passkey");
      return prepared.kind === "passkey" ? prepared.options : assert.fail("passkey options expected");
    };
    const first = await allowed("nobody.here");
    const again = await allowed(" NOBODY.here ");
    assert.deepEqual(
      again.allowCredentials,
      first.allowCredentials,
      "the same name (as the login normalises it) names the same credential: asking twice reveals nothing",
    );
    assert.notDeepEqual(first.challenge, again.challenge, "each start has its own WebAuthn challenge");
    const other = await allowed("someone.else");
    assert.notDeepEqual(other.allowCredentials, first.allowCredentials, "another name, another credential");
    const real = await allowed("ingrid.m");
    const realAgain = await allowed("ingrid.m");
    assert.deepEqual(realAgain.allowCredentials, real.allowCredentials);
    assert.deepEqual(Object.keys(first).sort(), Object.keys(real).sort());
    assert.deepEqual(
      first.allowCredentials?.map((c) => Object.keys(c).sort()),
      real.allowCredentials?.map((c) => Object.keys(c).sort()),
    );
    assert.equal(first.allowCredentials?.[0]?.id.length, real.allowCredentials?.[0]?.id.length);
  });

  it("slows guessing from the third failure, then locks the name for 15 minutes — known or unknown alike", async () => {
    for (const name of ["ingrid.m", "nobody.here"]) {
      let lockedAt = 0;
      for (let failure = 1; failure <= 10; failure++) {
        const start = await startLogin(bed.context, name, client);
        assert.ok(start.ok, `${name}: start ${failure} is allowed`);
        const result = await finishLogin(
          bed.context,
          { challengeId: start.challengeId, key: { kind: "text", value: `guess-${failure}-Zq!` } },
          client,
        );
        assert.deepEqual(result, { ok: false, reason: "bad_credentials" });
        if (failure >= 3 && failure < 10) {
          const early = await startLogin(bed.context, name, client);
          assert.equal(early.ok, false, `${name}: after failure ${failure} the next attempt must wait`);
          assert.ok(!early.ok && "retryAfterMs" in early && early.retryAfterMs === 1000 * 2 ** (failure - 3));
          bed.clock.advance(1000 * 2 ** (failure - 3));
        }
        lockedAt = bed.clock.now();
      }
      const locked = await startLogin(bed.context, name, client);
      assert.ok(!locked.ok && "retryAfterMs" in locked);
      assert.equal(locked.retryAfterMs, LOCKOUT_MS);
      bed.clock.advance(LOCKOUT_MS - 1000);
      assert.equal((await startLogin(bed.context, name, client)).ok, false);
      bed.clock.advance(1000);
      assert.ok(lockedAt > 0);
    }
    // The lockout has passed: the right key logs in, and clears the count.
    const challengeId = await approvedChallenge();
    const ok = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.ok(ok.ok);
    assert.equal(
      (await bed.t.store.all("SELECT * FROM auth_login_throttle")).length,
      1,
      "the success cleared the known name's count",
    );
    const kinds = (await listAuthEvents(bed.t.store, { limit: 500 })).map((e) => e.reason);
    assert.ok(kinds.includes("locked_now") && kinds.includes("locked") && kinds.includes("throttled"));
  });

  it("takes TOTP instead of push (no approval needed), once per code", async () => {
    const { beginTotpEnrolment, confirmTotpEnrolment } = await import("../factors/index.ts");
    const enrolment = await beginTotpEnrolment(bed.t.store, serumsId, bed.context.factors);
    await confirmTotpEnrolment(
      bed.t.store,
      serumsId,
      totpCode(enrolment.secret, bed.clock.now()),
      bed.context.factors,
    );
    bed.clock.advance(30_000);
    const code = totpCode(enrolment.secret, bed.clock.now());
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
    assert.ok(result.ok);
    assert.deepEqual(result.amr, ["pwd", "otp"]);
    const again = await startLogin(bed.context, "ingrid.m", client);
    assert.ok(again.ok);
    const replay = await finishLogin(
      bed.context,
      {
        challengeId: again.challengeId,
        key: { kind: "text", value: TEXT_KEY },
        factor: { kind: "totp", code },
      },
      client,
    );
    assert.deepEqual(replay, { ok: false, reason: "bad_credentials" });
  });

  it("rotates refresh tokens; a stolen one used twice kills the thief's and the user's tokens; logout ends a session", async () => {
    const challengeId = await approvedChallenge();
    const login = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.ok(login.ok);
    const stolen = login.refreshToken;
    const user = await refreshTokens(bed.context, stolen, client);
    assert.notEqual(user.refreshToken, stolen);
    await authenticateToken(bed.context, user.accessToken);
    // The thief replays the stolen (already used) token: refused, and the family dies.
    await assert.rejects(
      refreshTokens(bed.context, stolen, client),
      (e: SerumsError) => e.code === "UNAUTHENTICATED",
    );
    await assert.rejects(
      refreshTokens(bed.context, user.refreshToken, client),
      (e: SerumsError) => e.code === "UNAUTHENTICATED",
    );
    await assert.rejects(authenticateToken(bed.context, user.accessToken), /session has ended/);
    await assert.rejects(authenticateToken(bed.context, login.accessToken), /session has ended/);
    const reuse = (await listAuthEvents(bed.t.store, { serumsId })).filter((e) => e.reason === "reused");
    assert.equal(reuse.length, 1);

    const second = await approvedChallenge();
    const session = await finishLogin(
      bed.context,
      { challengeId: second, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.ok(session.ok);
    const claims = await authenticateToken(bed.context, session.accessToken);
    await logout(bed.context, claims, session.refreshToken, client);
    await assert.rejects(authenticateToken(bed.context, session.accessToken), /session has ended/);
    await assert.rejects(
      refreshTokens(bed.context, session.refreshToken, client),
      (e: SerumsError) => e.code === "UNAUTHENTICATED",
    );
  });

  it("refuses an expired refresh token and a malformed one", async () => {
    const challengeId = await approvedChallenge();
    const login = await finishLogin(
      bed.context,
      { challengeId, key: { kind: "text", value: TEXT_KEY } },
      client,
    );
    assert.ok(login.ok);
    await assert.rejects(
      refreshTokens(bed.context, "srt_short", client),
      (e: SerumsError) => e.code === "UNAUTHENTICATED",
    );
    bed.clock.advance(25 * 3600_000);
    await assert.rejects(
      refreshTokens(bed.context, login.refreshToken, client),
      (e: SerumsError) => e.code === "UNAUTHENTICATED",
    );
  });
});
