import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import {
  enrolMessage,
  generateAuthenticatorKeys,
  requestMessage,
  signEd25519,
} from "./authenticator-protocol.ts";
import {
  createEnrolmentCode,
  ENROLMENT_TTL_MS,
  enrolAuthenticator,
  issueAuthenticatorNonce,
  listAuthenticators,
  revokeAuthenticator,
  verifyAuthenticatorRequest,
} from "./authenticators.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import { normalizeCode } from "./factor-support.ts";
import { addUser, openFactorStore, testClock } from "./test-support.ts";

const keys = randomFactorKeys();

function code(error: unknown): string {
  assert.ok(error instanceof SerumsError, `expected a SerumsError, got ${String(error)}`);
  return error.code;
}

function enrolRequest(shownCode: string, pair = generateAuthenticatorKeys(), label = "phone") {
  return {
    code: shownCode,
    publicKey: pair.publicKey,
    label,
    signature: signEd25519(pair.privateKey, enrolMessage(normalizeCode(shownCode), pair.publicKey)),
  };
}

describeEachEngine("authenticators", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  it("enrols a key with a one-time code, shown as text and as a URI, and refuses the code twice", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const enrolment = await createEnrolmentCode(t.store, user, "https://serums.example", {
      keys,
      now: clock.now,
    });
    assert.match(enrolment.code, /^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
    const uri = new URL(enrolment.uri);
    assert.equal(uri.protocol, "serums-authenticator:");
    assert.equal(uri.searchParams.get("code"), enrolment.code);
    assert.equal(uri.searchParams.get("server"), "https://serums.example");
    assert.equal(enrolment.expiresAt, clock.now() + ENROLMENT_TTL_MS);

    const enrolled = await enrolAuthenticator(t.store, enrolRequest(enrolment.code.toUpperCase()), {
      keys,
      now: clock.now,
    });
    assert.equal(enrolled.serumsId, user);
    assert.deepEqual(
      (await listAuthenticators(t.store, user)).map((a) => a.id),
      [enrolled.id],
    );
    // The code stored is a keyed hash, not the code.
    const stored = await t.store.all<{ code_mac: string }>(
      "SELECT code_mac FROM auth_authenticator_enrolment",
    );
    assert.ok(stored.every((row) => !row.code_mac.includes(normalizeCode(enrolment.code))));

    await assert.rejects(
      enrolAuthenticator(t.store, enrolRequest(enrolment.code), { keys, now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
    );
  });

  it("refuses an expired code, a signature by another key, a reused key and a voided code", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const first = await createEnrolmentCode(t.store, user, "https://s", { keys, now: clock.now });
    const second = await createEnrolmentCode(t.store, user, "https://s", { keys, now: clock.now });
    await assert.rejects(
      enrolAuthenticator(t.store, enrolRequest(first.code), { keys, now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
      "a newer code voids the older one",
    );
    const pair = generateAuthenticatorKeys();
    const other = generateAuthenticatorKeys();
    const forged = {
      ...enrolRequest(second.code, pair),
      signature: enrolRequest(second.code, other).signature,
    };
    await assert.rejects(
      enrolAuthenticator(t.store, forged, { keys, now: clock.now }),
      (e) => code(e) === "BAD_SIGNATURE",
    );
    clock.advance(ENROLMENT_TTL_MS);
    await assert.rejects(
      enrolAuthenticator(t.store, enrolRequest(second.code, pair), { keys, now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
      "expired",
    );
    const third = await createEnrolmentCode(t.store, user, "https://s", { keys, now: clock.now });
    await enrolAuthenticator(t.store, enrolRequest(third.code, pair), { keys, now: clock.now });
    const fourth = await createEnrolmentCode(t.store, user, "https://s", { keys, now: clock.now });
    await assert.rejects(
      enrolAuthenticator(t.store, enrolRequest(fourth.code, pair), { keys, now: clock.now }),
      (e) => code(e) === "CONFLICT",
    );
    await assert.rejects(
      enrolAuthenticator(t.store, enrolRequest("not-a-code"), { keys, now: clock.now }),
      (e) => code(e) === "BAD_REQUEST",
    );
  });

  it("accepts a signed request once per nonce, within the clock skew, and not after revocation", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const pair = generateAuthenticatorKeys();
    const enrolment = await createEnrolmentCode(t.store, user, "https://s", { keys, now: clock.now });
    const authenticator = await enrolAuthenticator(t.store, enrolRequest(enrolment.code, pair), {
      keys,
      now: clock.now,
    });
    const signed = (nonce: string, timestamp = clock.now(), privateKey = pair.privateKey) => ({
      authenticatorId: authenticator.id,
      action: "list",
      nonce,
      timestamp,
      signature: signEd25519(privateKey, requestMessage(authenticator.id, "list", nonce, timestamp)),
    });
    const { nonce } = await issueAuthenticatorNonce(t.store, authenticator.id, { now: clock.now });
    const request = signed(nonce);
    assert.equal((await verifyAuthenticatorRequest(t.store, request, { now: clock.now })).serumsId, user);
    await assert.rejects(
      verifyAuthenticatorRequest(t.store, request, { now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
      "replay",
    );

    const n2 = (await issueAuthenticatorNonce(t.store, authenticator.id, { now: clock.now })).nonce;
    await assert.rejects(
      verifyAuthenticatorRequest(t.store, signed(n2, clock.now(), generateAuthenticatorKeys().privateKey), {
        now: clock.now,
      }),
      (e) => code(e) === "UNAUTHENTICATED",
      "wrong key",
    );
    await assert.rejects(
      verifyAuthenticatorRequest(t.store, signed(n2, clock.now() - 3 * 60_000), { now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
      "stale timestamp",
    );
    await assert.rejects(
      verifyAuthenticatorRequest(t.store, { ...signed(n2), action: "approve" }, { now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
      "signature for another action",
    );
    // The failed attempts did not use the nonce up; an expired nonce is refused.
    clock.advance(61_000);
    await assert.rejects(
      verifyAuthenticatorRequest(t.store, signed(n2), { now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
      "expired nonce",
    );

    await revokeAuthenticator(t.store, user, authenticator.id);
    await assert.rejects(
      issueAuthenticatorNonce(t.store, authenticator.id, { now: clock.now }),
      (e) => code(e) === "UNAUTHENTICATED",
    );
    await assert.rejects(
      revokeAuthenticator(t.store, user, authenticator.id),
      (e) => code(e) === "NOT_FOUND",
    );
  });
});
