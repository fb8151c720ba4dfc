import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import {
  decisionMessage,
  enrolMessage,
  generateAuthenticatorKeys,
  type LoginOrigin,
  type PushDecision,
  signEd25519,
} from "./authenticator-protocol.ts";
import { type Authenticator, createEnrolmentCode, enrolAuthenticator } from "./authenticators.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import { normalizeCode } from "./factor-support.ts";
import {
  APPROVAL_TTL_MS,
  CHALLENGE_TTL_MS,
  consumeApproval,
  createPushChallenge,
  decidePushChallenge,
  pendingPushChallenges,
  pushChallengeStatus,
} from "./push-challenges.ts";
import { addUser, openFactorStore, testClock } from "./test-support.ts";

const keys = randomFactorKeys();
const ORIGIN = { address: "203.0.113.7", userAgent: "Firefox/140 on Linux", site: "edinburgh" };

function code(error: unknown): string {
  assert.ok(error instanceof SerumsError, `expected a SerumsError, got ${String(error)}`);
  return error.code;
}

interface Device {
  authenticator: Authenticator;
  privateKey: string;
}

async function enrolDevice(db: Executor, serumsId: string, now: () => number): Promise<Device> {
  const pair = generateAuthenticatorKeys();
  const enrolment = await createEnrolmentCode(db, serumsId, "https://s", { keys, now });
  const c = normalizeCode(enrolment.code);
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

function decision(
  device: Device,
  challengeId: string,
  origin: LoginOrigin,
  number: string,
  choice: PushDecision,
) {
  return {
    challengeId,
    authenticatorId: device.authenticator.id,
    number,
    decision: choice,
    signature: signEd25519(device.privateKey, decisionMessage(challengeId, number, choice, origin)),
  };
}

describeEachEngine("push challenges", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  it("shows the origin to the authenticator, takes a signed approval with the number, and is consumed once", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const device = await enrolDevice(t.store, user, clock.now);
    const challenge = await createPushChallenge(t.store, user, ORIGIN, { now: clock.now });
    assert.match(challenge.number, /^[1-9][0-9]$/);
    assert.equal(challenge.expiresAt, clock.now() + CHALLENGE_TTL_MS);

    const [pending, ...rest] = await pendingPushChallenges(t.store, device.authenticator, { now: clock.now });
    assert.equal(rest.length, 0);
    assert.equal(pending!.challengeId, challenge.challengeId);
    assert.deepEqual(pending!.origin, { ...ORIGIN, time: clock.now() });
    assert.ok(
      !JSON.stringify(pending).includes(`"${challenge.number}"`),
      "the number is not sent to the authenticator",
    );

    clock.advance(10_000);
    const result = await decidePushChallenge(
      t.store,
      decision(device, challenge.challengeId, pending!.origin, challenge.number, "approve"),
      { now: clock.now },
    );
    assert.deepEqual(result, { status: "approved" });
    assert.equal(await pushChallengeStatus(t.store, challenge.challengeId, { now: clock.now }), "approved");
    assert.deepEqual(await pendingPushChallenges(t.store, device.authenticator, { now: clock.now }), []);

    const consumed = await consumeApproval(t.store, challenge.challengeId, { now: clock.now });
    assert.deepEqual(consumed, { serumsId: user, authenticatorId: device.authenticator.id });
    assert.equal(
      await consumeApproval(t.store, challenge.challengeId, { now: clock.now }),
      undefined,
      "replay",
    );
    assert.equal(await pushChallengeStatus(t.store, challenge.challengeId, { now: clock.now }), "used");
    // Deciding again after use is refused.
    await assert.rejects(
      decidePushChallenge(
        t.store,
        decision(device, challenge.challengeId, pending!.origin, challenge.number, "approve"),
        {
          now: clock.now,
        },
      ),
      (e) => code(e) === "CONFLICT",
    );
  });

  it("lets only one of two concurrent consumers have an approval", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const device = await enrolDevice(t.store, user, clock.now);
    const challenge = await createPushChallenge(t.store, user, ORIGIN, { now: clock.now });
    const origin = { ...ORIGIN, time: clock.now() };
    await decidePushChallenge(
      t.store,
      decision(device, challenge.challengeId, origin, challenge.number, "approve"),
      {
        now: clock.now,
      },
    );
    const results = await Promise.all(
      Array.from({ length: 4 }, () => consumeApproval(t.store, challenge.challengeId, { now: clock.now })),
    );
    assert.equal(results.filter((r) => r !== undefined).length, 1);
  });

  it("refuses to decide after expiry, and an approval expires unconsumed", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const device = await enrolDevice(t.store, user, clock.now);
    const late = await createPushChallenge(t.store, user, ORIGIN, { now: clock.now });
    const origin = { ...ORIGIN, time: clock.now() };
    clock.advance(CHALLENGE_TTL_MS);
    assert.equal(await pushChallengeStatus(t.store, late.challengeId, { now: clock.now }), "expired");
    await assert.rejects(
      decidePushChallenge(t.store, decision(device, late.challengeId, origin, late.number, "approve"), {
        now: clock.now,
      }),
      (e) => code(e) === "CONFLICT",
    );
    assert.equal(await consumeApproval(t.store, late.challengeId, { now: clock.now }), undefined);

    const slow = await createPushChallenge(t.store, user, ORIGIN, { now: clock.now });
    await decidePushChallenge(
      t.store,
      decision(device, slow.challengeId, { ...ORIGIN, time: clock.now() }, slow.number, "approve"),
      { now: clock.now },
    );
    clock.advance(APPROVAL_TTL_MS);
    assert.equal(await consumeApproval(t.store, slow.challengeId, { now: clock.now }), undefined);
    assert.equal(await pushChallengeStatus(t.store, slow.challengeId, { now: clock.now }), "expired");
  });

  it("denies for good on a wrong number or the user's no; a denial cannot be approved later", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const device = await enrolDevice(t.store, user, clock.now);
    const origin = { ...ORIGIN, time: clock.now() };
    const wrong = await createPushChallenge(t.store, user, ORIGIN, { now: clock.now });
    const other = String(((Number(wrong.number) - 10 + 1) % 90) + 10);
    assert.deepEqual(
      await decidePushChallenge(t.store, decision(device, wrong.challengeId, origin, other, "approve"), {
        now: clock.now,
      }),
      { status: "denied", reason: "wrong_number" },
    );
    await assert.rejects(
      decidePushChallenge(t.store, decision(device, wrong.challengeId, origin, wrong.number, "approve"), {
        now: clock.now,
      }),
      (e) => code(e) === "CONFLICT",
    );
    assert.equal(await consumeApproval(t.store, wrong.challengeId, { now: clock.now }), undefined);

    const no = await createPushChallenge(t.store, user, ORIGIN, { now: clock.now });
    assert.deepEqual(
      await decidePushChallenge(t.store, decision(device, no.challengeId, origin, "", "deny"), {
        now: clock.now,
      }),
      { status: "denied", reason: "denied_by_user" },
    );
    assert.equal(await pushChallengeStatus(t.store, no.challengeId, { now: clock.now }), "denied");
    await assert.rejects(
      decidePushChallenge(t.store, decision(device, no.challengeId, origin, no.number, "approve"), {
        now: clock.now,
      }),
      (e) => code(e) === "CONFLICT",
    );
    assert.equal(await consumeApproval(t.store, no.challengeId, { now: clock.now }), undefined);
  });

  it("refuses a signature by another key, over another origin, and someone else's challenge — changing nothing", async () => {
    const clock = testClock();
    const alice = await addUser(t.store);
    const mallory = await addUser(t.store);
    const aliceDevice = await enrolDevice(t.store, alice, clock.now);
    const malloryDevice = await enrolDevice(t.store, mallory, clock.now);
    const challenge = await createPushChallenge(t.store, alice, ORIGIN, { now: clock.now });
    const origin = { ...ORIGIN, time: clock.now() };

    const forged = {
      ...decision(aliceDevice, challenge.challengeId, origin, challenge.number, "approve"),
      signature: decision(malloryDevice, challenge.challengeId, origin, challenge.number, "approve")
        .signature,
    };
    await assert.rejects(
      decidePushChallenge(t.store, forged, { now: clock.now }),
      (e) => code(e) === "BAD_SIGNATURE",
    );
    const elsewhere = decision(
      aliceDevice,
      challenge.challengeId,
      { ...origin, address: "198.51.100.9" },
      challenge.number,
      "approve",
    );
    await assert.rejects(
      decidePushChallenge(t.store, elsewhere, { now: clock.now }),
      (e) => code(e) === "BAD_SIGNATURE",
    );
    await assert.rejects(
      decidePushChallenge(
        t.store,
        decision(malloryDevice, challenge.challengeId, origin, challenge.number, "approve"),
        {
          now: clock.now,
        },
      ),
      (e) => code(e) === "FORBIDDEN",
    );
    assert.deepEqual(
      await pendingPushChallenges(t.store, malloryDevice.authenticator, { now: clock.now }),
      [],
    );
    assert.equal(await pushChallengeStatus(t.store, challenge.challengeId, { now: clock.now }), "pending");
    // Alice can still approve.
    await decidePushChallenge(
      t.store,
      decision(aliceDevice, challenge.challengeId, origin, challenge.number, "approve"),
      {
        now: clock.now,
      },
    );
    assert.equal(
      (await consumeApproval(t.store, challenge.challengeId, { now: clock.now }))?.serumsId,
      alice,
    );
  });

  it("gives unknown users a decoy that looks the same and no authenticator can approve", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const device = await enrolDevice(t.store, user, clock.now);
    const decoy = await createPushChallenge(t.store, null, ORIGIN, { now: clock.now });
    const real = await createPushChallenge(t.store, user, ORIGIN, { now: clock.now });
    assert.deepEqual(Object.keys(decoy).sort(), Object.keys(real).sort());
    assert.equal(decoy.challengeId.length, real.challengeId.length);
    assert.equal(await pushChallengeStatus(t.store, decoy.challengeId, { now: clock.now }), "pending");
    const listed = await pendingPushChallenges(t.store, device.authenticator, { now: clock.now });
    assert.deepEqual(
      listed.map((c) => c.challengeId),
      [real.challengeId],
    );
    await assert.rejects(
      decidePushChallenge(
        t.store,
        decision(device, decoy.challengeId, { ...ORIGIN, time: clock.now() }, decoy.number, "approve"),
        { now: clock.now },
      ),
      (e) => code(e) === "FORBIDDEN",
    );
    assert.equal(await consumeApproval(t.store, decoy.challengeId, { now: clock.now }), undefined);
  });
});
