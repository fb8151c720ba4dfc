import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import {
  listPasskeys,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  relyingPartyFor,
  removePasskey,
  verifyPasskeyAuthentication,
  verifyPasskeyRegistration,
  WEBAUTHN_TIMEOUT_MS,
} from "./passkeys.ts";
import { SoftwareAuthenticator } from "./software-authenticator.ts";
import { addUser, openFactorStore, testClock } from "./test-support.ts";

const keys = randomFactorKeys();
const ORIGIN = "https://serums.example.org";
const rp = relyingPartyFor(ORIGIN);

function code(error: unknown): string {
  assert.ok(error instanceof SerumsError, `expected a SerumsError, got ${String(error)}`);
  return error.code;
}

describeEachEngine("passkeys", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  for (const algorithm of ["ES256", "EdDSA"] as const) {
    it(`registers a ${algorithm} passkey and logs in with it; a replayed assertion fails`, async () => {
      const clock = testClock();
      const opts = { keys, rp, now: clock.now };
      const user = await addUser(t.store);
      const device = new SoftwareAuthenticator(ORIGIN, algorithm);
      const creation = await passkeyRegistrationOptions(t.store, user, "alice", opts);
      assert.equal(creation.rp.id, "serums.example.org");
      const passkey = await verifyPasskeyRegistration(t.store, user, device.register(creation), {
        ...opts,
        label: "laptop",
      });
      assert.equal(passkey.id, device.id);
      assert.deepEqual(
        (await listPasskeys(t.store, user)).map((p) => p.label),
        ["laptop"],
      );

      const request = await passkeyAuthenticationOptions(t.store, user, opts);
      assert.deepEqual(
        request.allowCredentials?.map((c) => c.id),
        [device.id],
      );
      const assertion = device.authenticate(request);
      assert.equal(await verifyPasskeyAuthentication(t.store, user, assertion, opts), true);
      assert.equal(
        await verifyPasskeyAuthentication(t.store, user, assertion, opts),
        false,
        "challenge used once",
      );

      // The next login works, with the counter advanced.
      const again = await passkeyAuthenticationOptions(t.store, user, opts);
      assert.equal(await verifyPasskeyAuthentication(t.store, user, device.authenticate(again), opts), true);
      const stored = await t.store.get<{ counter: number }>(
        "SELECT counter FROM auth_passkey WHERE id = $1",
        [device.id],
      );
      assert.equal(Number(stored!.counter), 2);
    });
  }

  it("refuses a counter that went back (a clone), a wrong origin, another user's passkey and an expired challenge", async () => {
    const clock = testClock();
    const opts = { keys, rp, now: clock.now };
    const alice = await addUser(t.store);
    const bob = await addUser(t.store);
    const device = new SoftwareAuthenticator(ORIGIN);
    await verifyPasskeyRegistration(
      t.store,
      alice,
      device.register(await passkeyRegistrationOptions(t.store, alice, "a", opts)),
      opts,
    );
    assert.equal(
      await verifyPasskeyAuthentication(
        t.store,
        alice,
        device.authenticate(await passkeyAuthenticationOptions(t.store, alice, opts)),
        opts,
      ),
      true,
    );

    device.counter = 0; // the clone's counter is behind
    assert.equal(
      await verifyPasskeyAuthentication(
        t.store,
        alice,
        device.authenticate(await passkeyAuthenticationOptions(t.store, alice, opts)),
        opts,
      ),
      false,
    );
    device.counter = 10;
    const phishing = device.authenticate(await passkeyAuthenticationOptions(t.store, alice, opts), {
      origin: "https://serums.example.org.evil.test",
    });
    assert.equal(await verifyPasskeyAuthentication(t.store, alice, phishing, opts), false);
    const otherRp = device.authenticate(await passkeyAuthenticationOptions(t.store, alice, opts), {
      rpId: "evil.test",
    });
    assert.equal(await verifyPasskeyAuthentication(t.store, alice, otherRp, opts), false);

    // Bob's challenge answered with Alice's passkey: not Bob's credential.
    const bobRequest = await passkeyAuthenticationOptions(t.store, bob, opts);
    assert.equal(
      await verifyPasskeyAuthentication(t.store, bob, device.authenticate(bobRequest), opts),
      false,
    );
    // Alice's passkey on a challenge issued to Bob.
    const bobAgain = await passkeyAuthenticationOptions(t.store, bob, opts);
    assert.equal(
      await verifyPasskeyAuthentication(t.store, alice, device.authenticate(bobAgain), opts),
      false,
    );

    const slow = await passkeyAuthenticationOptions(t.store, alice, opts);
    clock.advance(WEBAUTHN_TIMEOUT_MS);
    assert.equal(await verifyPasskeyAuthentication(t.store, alice, device.authenticate(slow), opts), false);
    // Malformed input is a plain refusal.
    assert.equal(
      await verifyPasskeyAuthentication(
        t.store,
        alice,
        { id: "x" } as unknown as Parameters<typeof verifyPasskeyAuthentication>[2],
        opts,
      ),
      false,
    );
    // Still works with a fresh challenge and a counter ahead.
    assert.equal(
      await verifyPasskeyAuthentication(
        t.store,
        alice,
        device.authenticate(await passkeyAuthenticationOptions(t.store, alice, opts)),
        opts,
      ),
      true,
    );
  });

  it("refuses registration with another user's challenge, a wrong origin, or a credential twice", async () => {
    const clock = testClock();
    const opts = { keys, rp, now: clock.now };
    const alice = await addUser(t.store);
    const bob = await addUser(t.store);
    const device = new SoftwareAuthenticator(ORIGIN);
    const forBob = await passkeyRegistrationOptions(t.store, bob, "b", opts);
    await assert.rejects(
      verifyPasskeyRegistration(t.store, alice, device.register(forBob), opts),
      (e) => code(e) === "BAD_REQUEST",
    );
    const forAlice = await passkeyRegistrationOptions(t.store, alice, "a", opts);
    await assert.rejects(
      verifyPasskeyRegistration(t.store, alice, device.register(forAlice, "https://evil.test"), opts),
      (e) => code(e) === "BAD_REQUEST",
    );
    assert.deepEqual(await listPasskeys(t.store, alice), []);
    await verifyPasskeyRegistration(
      t.store,
      alice,
      device.register(await passkeyRegistrationOptions(t.store, alice, "a", opts)),
      opts,
    );
    const repeat = await passkeyRegistrationOptions(t.store, alice, "a", opts);
    assert.deepEqual(
      repeat.excludeCredentials?.map((c) => c.id),
      [device.id],
    );
    await assert.rejects(
      verifyPasskeyRegistration(t.store, alice, device.register(repeat), opts),
      (e) => code(e) === "CONFLICT",
    );
    await removePasskey(t.store, alice, device.id);
    await assert.rejects(removePasskey(t.store, alice, device.id), (e) => code(e) === "NOT_FOUND");
  });

  it("gives unknown users the same made-up credential every time, and never verifies them", async () => {
    const clock = testClock();
    const opts = { keys, rp, now: clock.now };
    const first = await passkeyAuthenticationOptions(t.store, null, { ...opts, decoySeed: "nobody" });
    const second = await passkeyAuthenticationOptions(t.store, null, { ...opts, decoySeed: "nobody" });
    const other = await passkeyAuthenticationOptions(t.store, null, { ...opts, decoySeed: "someone" });
    assert.equal(first.allowCredentials?.length, 1);
    assert.deepEqual(first.allowCredentials, second.allowCredentials);
    assert.notDeepEqual(first.allowCredentials, other.allowCredentials);
    assert.notEqual(first.challenge, second.challenge);
    const device = new SoftwareAuthenticator(ORIGIN);
    assert.equal(await verifyPasskeyAuthentication(t.store, null, device.authenticate(first), opts), false);
  });
});
