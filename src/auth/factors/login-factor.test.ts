import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import { completeLoginFactor, MAX_FACTOR_ATTEMPTS, prepareLoginFactor } from "./login-factor.ts";
import { passkeyRegistrationOptions, relyingPartyFor, verifyPasskeyRegistration } from "./passkeys.ts";
import { createPushChallenge, pushChallengeStatus } from "./push-challenges.ts";
import { generateRecoveryCodes } from "./recovery-codes.ts";
import { confirmSmsEnrolment, startSmsEnrolment } from "./sms-codes.ts";
import { memorySmsSender } from "./sms-sender.ts";
import { SoftwareAuthenticator } from "./software-authenticator.ts";
import { addUser, openFactorStore, testClock } from "./test-support.ts";
import { beginTotpEnrolment, confirmTotpEnrolment, totpCode } from "./totp.ts";

const keys = randomFactorKeys();
const ORIGIN = { address: "203.0.113.7", userAgent: "test", site: "edinburgh" };
const rp = relyingPartyFor("https://serums.example.org");

function lastCode(sender: ReturnType<typeof memorySmsSender>): string {
  return /\b(\d{6})\b/.exec(sender.sent.at(-1)!.body)![1]!;
}

describeEachEngine("login second factor", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  it("completes a login with TOTP, SMS, a recovery code or a passkey, each using the challenge up", async () => {
    const clock = testClock();
    const sender = memorySmsSender();
    const opts = { keys, rp, sender, now: clock.now };
    const user = await addUser(t.store);
    const { secret } = await beginTotpEnrolment(t.store, user, { ...opts, issuer: "S", label: "u" });
    await confirmTotpEnrolment(t.store, user, totpCode(secret, clock.now()), opts);
    await startSmsEnrolment(t.store, user, "+447700900123", opts);
    await confirmSmsEnrolment(t.store, user, lastCode(sender), opts);
    const [recovery] = await generateRecoveryCodes(t.store, user, opts);
    const device = new SoftwareAuthenticator("https://serums.example.org");
    await verifyPasskeyRegistration(
      t.store,
      user,
      device.register(await passkeyRegistrationOptions(t.store, user, "u", opts)),
      opts,
    );

    clock.advance(30_000);
    const totpLogin = await createPushChallenge(t.store, user, ORIGIN, opts);
    const totp = { kind: "totp" as const, code: totpCode(secret, clock.now()) };
    assert.deepEqual(await completeLoginFactor(t.store, totpLogin.challengeId, totp, opts), {
      serumsId: user,
      method: "totp",
    });
    assert.equal(await pushChallengeStatus(t.store, totpLogin.challengeId, opts), "used");
    clock.advance(30_000);
    const fresh = { kind: "totp" as const, code: totpCode(secret, clock.now()) };
    assert.equal(
      await completeLoginFactor(t.store, totpLogin.challengeId, fresh, opts),
      undefined,
      "challenge used",
    );

    const smsLogin = await createPushChallenge(t.store, user, ORIGIN, opts);
    const prepared = await prepareLoginFactor(t.store, smsLogin.challengeId, "sms", opts);
    assert.equal(prepared.kind, "sms");
    const sms = { kind: "sms" as const, code: lastCode(sender) };
    assert.equal((await completeLoginFactor(t.store, smsLogin.challengeId, sms, opts))?.method, "sms");

    const recoveryLogin = await createPushChallenge(t.store, user, ORIGIN, opts);
    const rec = { kind: "recovery" as const, code: recovery! };
    assert.equal(
      (await completeLoginFactor(t.store, recoveryLogin.challengeId, rec, opts))?.method,
      "recovery",
    );

    const passkeyLogin = await createPushChallenge(t.store, user, ORIGIN, opts);
    const request = await prepareLoginFactor(t.store, passkeyLogin.challengeId, "passkey", opts);
    assert.equal(request.kind, "passkey");
    if (request.kind !== "passkey") return;
    const assertion = { kind: "passkey" as const, response: device.authenticate(request.options) };
    assert.equal(
      (await completeLoginFactor(t.store, passkeyLogin.challengeId, assertion, opts))?.serumsId,
      user,
    );
    // Push on an unapproved challenge is refused.
    const pushLogin = await createPushChallenge(t.store, user, ORIGIN, opts);
    assert.equal(
      await completeLoginFactor(t.store, pushLogin.challengeId, { kind: "push" }, opts),
      undefined,
    );
  });

  it("allows five wrong attempts per challenge, then refuses even the right code", async () => {
    const clock = testClock();
    const opts = { keys, rp, sender: memorySmsSender(), now: clock.now };
    const user = await addUser(t.store);
    const codes = await generateRecoveryCodes(t.store, user, opts);
    const login = await createPushChallenge(t.store, user, ORIGIN, opts);
    for (let i = 0; i < MAX_FACTOR_ATTEMPTS; i++) {
      assert.equal(
        await completeLoginFactor(
          t.store,
          login.challengeId,
          { kind: "recovery", code: "00000-00000" },
          opts,
        ),
        undefined,
      );
    }
    assert.equal(
      await completeLoginFactor(t.store, login.challengeId, { kind: "recovery", code: codes[0]! }, opts),
      undefined,
    );
    // The code was not spent on the refused attempt.
    const next = await createPushChallenge(t.store, user, ORIGIN, opts);
    assert.equal(
      (await completeLoginFactor(t.store, next.challengeId, { kind: "recovery", code: codes[0]! }, opts))
        ?.serumsId,
      user,
    );
  });

  it("answers decoy challenges in the same shape and never completes them", async () => {
    const clock = testClock();
    const sender = memorySmsSender();
    const opts = { keys, rp, sender, now: clock.now };
    const user = await addUser(t.store);
    const codes = await generateRecoveryCodes(t.store, user, opts);
    const decoy = await createPushChallenge(t.store, null, ORIGIN, { ...opts, decoyTag: "tag-of-name" });
    const decoy2 = await createPushChallenge(t.store, null, ORIGIN, { ...opts, decoyTag: "tag-of-name" });
    const real = await createPushChallenge(t.store, user, ORIGIN, opts);
    const a = await prepareLoginFactor(t.store, decoy.challengeId, "passkey", opts);
    const b = await prepareLoginFactor(t.store, decoy2.challengeId, "passkey", opts);
    const c = await prepareLoginFactor(t.store, real.challengeId, "passkey", opts);
    if (a.kind !== "passkey" || b.kind !== "passkey" || c.kind !== "passkey")
      assert.fail("passkey options expected");
    assert.deepEqual(
      a.options.allowCredentials,
      b.options.allowCredentials,
      "same name, same made-up credential",
    );
    assert.deepEqual(Object.keys(a.options).sort(), Object.keys(c.options).sort());
    assert.equal(a.options.allowCredentials?.length, c.options.allowCredentials?.length);
    assert.deepEqual(
      Object.keys(await prepareLoginFactor(t.store, decoy.challengeId, "sms", opts)),
      Object.keys(await prepareLoginFactor(t.store, real.challengeId, "sms", opts)),
    );
    assert.equal(sender.sent.length, 0, "the user has no phone: nothing sent either way");
    assert.equal(
      await completeLoginFactor(t.store, decoy.challengeId, { kind: "recovery", code: codes[0]! }, opts),
      undefined,
    );
  });
});
