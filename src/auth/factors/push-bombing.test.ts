/**
 * Push bombing: at most MAX_PENDING_PUSH challenges of a user wait on the authenticator at once;
 * those beyond are held back — not listed, not approvable — with an answer that looks like any
 * other (a decoy's included), while the user can still log in on them with another factor.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import {
  decisionMessage,
  enrolMessage,
  generateAuthenticatorKeys,
  type PushDecision,
  signEd25519,
} from "./authenticator-protocol.ts";
import { type Authenticator, createEnrolmentCode, enrolAuthenticator } from "./authenticators.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import { normalizeCode } from "./factor-support.ts";
import { completeLoginFactor } from "./login-factor.ts";
import { relyingPartyFor } from "./passkeys.ts";
import {
  CHALLENGE_TTL_MS,
  consumeApproval,
  createPushChallenge,
  decidePushChallenge,
  MAX_PENDING_PUSH,
  type PushChallenge,
  pendingPushChallenges,
  pushChallengeStatus,
} from "./push-challenges.ts";
import { memorySmsSender } from "./sms-sender.ts";
import { addUser, openFactorStore, testClock } from "./test-support.ts";
import { beginTotpEnrolment, confirmTotpEnrolment, totpCode } from "./totp.ts";

const keys = randomFactorKeys();
const ORIGIN = { address: "198.51.100.66", userAgent: "bomber/1.0", site: "edinburgh" };

interface Device {
  authenticator: Authenticator;
  privateKey: string;
}

async function enrolDevice(db: Executor, serumsId: string, now: () => number): Promise<Device> {
  const pair = generateAuthenticatorKeys();
  const c = normalizeCode((await createEnrolmentCode(db, serumsId, "https://s", { keys, now })).code);
  const authenticator = await enrolAuthenticator(
    db,
    {
      code: c,
      publicKey: pair.publicKey,
      label: "phone",
      signature: signEd25519(pair.privateKey, enrolMessage(c, pair.publicKey)),
    },
    { keys, now },
  );
  return { authenticator, privateKey: pair.privateKey };
}

function decide(
  device: Device,
  challenge: PushChallenge,
  time: number,
  choice: PushDecision,
  number = challenge.number,
) {
  const origin = { ...ORIGIN, time };
  return {
    challengeId: challenge.challengeId,
    authenticatorId: device.authenticator.id,
    number,
    decision: choice,
    signature: signEd25519(device.privateKey, decisionMessage(challenge.challengeId, number, choice, origin)),
  };
}

function shape(challenge: PushChallenge, now: number) {
  return {
    keys: Object.keys(challenge).sort(),
    idLength: challenge.challengeId.length,
    number: /^[1-9][0-9]$/.test(challenge.number),
    ttl: challenge.expiresAt - now,
  };
}

describeEachEngine("push bombing", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  it(`shows at most ${MAX_PENDING_PUSH} waiting challenges; the rest are held back and look the same as a decoy`, async () => {
    const clock = testClock();
    const now = clock.now;
    const victim = await addUser(t.store);
    const bystander = await addUser(t.store);
    const device = await enrolDevice(t.store, victim, now);
    const bystanderDevice = await enrolDevice(t.store, bystander, now);

    const shown: PushChallenge[] = [];
    for (let i = 0; i < MAX_PENDING_PUSH; i++)
      shown.push(await createPushChallenge(t.store, victim, ORIGIN, { now }));
    const held = [
      await createPushChallenge(t.store, victim, ORIGIN, { now }),
      await createPushChallenge(t.store, victim, ORIGIN, { now }),
    ];
    const decoy = await createPushChallenge(t.store, null, ORIGIN, { now, decoyTag: "tag" });

    // The answer tells no one that the cap was reached, nor whether the user exists.
    for (const c of [...held, decoy]) assert.deepEqual(shape(c, now()), shape(shown[0]!, now()));
    for (const c of [...shown, ...held, decoy]) {
      assert.equal(await pushChallengeStatus(t.store, c.challengeId, { now }), "pending");
    }
    const listed = await pendingPushChallenges(t.store, device.authenticator, { now });
    assert.deepEqual(
      listed.map((c) => c.challengeId).sort(),
      shown.map((c) => c.challengeId).sort(),
      "only the first ones reach the authenticator",
    );

    // A held-back challenge cannot be approved, even by the user's own authenticator.
    await assert.rejects(
      decidePushChallenge(t.store, decide(device, held[0]!, now(), "approve"), { now }),
      (e) => e instanceof SerumsError && e.code === "FORBIDDEN" && /held back/.test(e.message),
    );
    assert.equal(await pushChallengeStatus(t.store, held[0]!.challengeId, { now }), "pending");
    assert.equal(await consumeApproval(t.store, held[0]!.challengeId, { now }), undefined);

    // The cap is per user: another user's login still reaches their authenticator.
    const other = await createPushChallenge(t.store, bystander, ORIGIN, { now });
    assert.deepEqual(
      (await pendingPushChallenges(t.store, bystanderDevice.authenticator, { now })).map(
        (c) => c.challengeId,
      ),
      [other.challengeId],
    );

    // Deciding one frees a slot: the next login is shown again (the held ones stay held).
    await decidePushChallenge(t.store, decide(device, shown[0]!, now(), "deny"), { now });
    const next = await createPushChallenge(t.store, victim, ORIGIN, { now });
    const after = (await pendingPushChallenges(t.store, device.authenticator, { now })).map(
      (c) => c.challengeId,
    );
    assert.ok(after.includes(next.challengeId), "a freed slot takes the next login");
    assert.ok(!after.includes(held[0]!.challengeId) && !after.includes(held[1]!.challengeId));
    assert.equal(after.length, MAX_PENDING_PUSH);
    const overflow = await createPushChallenge(t.store, victim, ORIGIN, { now });
    assert.ok(
      !(await pendingPushChallenges(t.store, device.authenticator, { now })).some(
        (c) => c.challengeId === overflow.challengeId,
      ),
      "full again: held back",
    );

    // When the waiting ones expire, new logins are shown again, and approvable.
    clock.advance(CHALLENGE_TTL_MS);
    const fresh = await createPushChallenge(t.store, victim, ORIGIN, { now });
    assert.deepEqual(
      (await pendingPushChallenges(t.store, device.authenticator, { now })).map((c) => c.challengeId),
      [fresh.challengeId],
    );
    assert.deepEqual(await decidePushChallenge(t.store, decide(device, fresh, now(), "approve"), { now }), {
      status: "approved",
    });
    assert.equal((await consumeApproval(t.store, fresh.challengeId, { now }))?.serumsId, victim);
  });

  it("lets the user log in on a held-back challenge with another factor (TOTP), once", async () => {
    const clock = testClock();
    const now = clock.now;
    const opts = { keys, now, rp: relyingPartyFor("https://serums.example.org"), sender: memorySmsSender() };
    const user = await addUser(t.store);
    await enrolDevice(t.store, user, now);
    const { secret } = await beginTotpEnrolment(t.store, user, { ...opts, issuer: "S", label: "u" });
    assert.ok(await confirmTotpEnrolment(t.store, user, totpCode(secret, now()), opts));
    clock.advance(30_000);
    for (let i = 0; i < MAX_PENDING_PUSH; i++) await createPushChallenge(t.store, user, ORIGIN, { now });
    const held = await createPushChallenge(t.store, user, ORIGIN, { now });

    assert.equal(await completeLoginFactor(t.store, held.challengeId, { kind: "push" }, opts), undefined);
    const done = await completeLoginFactor(
      t.store,
      held.challengeId,
      { kind: "totp", code: totpCode(secret, now()) },
      opts,
    );
    assert.deepEqual(done, { serumsId: user, method: "totp" });
    assert.equal(await pushChallengeStatus(t.store, held.challengeId, { now }), "used");
  });
});
