import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { Secret, URI } from "otpauth";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import { addUser, openFactorStore, testClock } from "./test-support.ts";
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  hasTotp,
  matchTotpStep,
  removeTotp,
  TOTP_PENDING_TTL_MS,
  totpCode,
  verifyTotp,
} from "./totp.ts";

const keys = randomFactorKeys();

describe("TOTP codes", () => {
  it("match RFC 6238's SHA-1 test vectors (Appendix B)", () => {
    const secret = Secret.fromLatin1("12345678901234567890").base32;
    const vectors: [number, string][] = [
      [59, "94287082"],
      [1111111109, "07081804"],
      [1111111111, "14050471"],
      [1234567890, "89005924"],
      [2000000000, "69279037"],
      [20000000000, "65353130"],
    ];
    for (const [seconds, code] of vectors) {
      assert.equal(totpCode(secret, seconds * 1000, 8), code, `T = ${seconds}`);
      assert.equal(
        matchTotpStep(Secret.fromBase32(secret), code, seconds * 1000, 8),
        Math.floor(seconds / 30),
      );
    }
    // 6 digits are the last six of the same value.
    assert.equal(totpCode(secret, 59_000), "287082");
  });

  it("accept exactly one step either side", () => {
    const secret = new Secret({ size: 20 });
    const at = 1_700_000_010_000; // 10 s into a step
    const code = (offsetSteps: number) => totpCode(secret.base32, at + offsetSteps * 30_000);
    const step = Math.floor(at / 30_000);
    assert.equal(matchTotpStep(secret, code(0), at), step);
    assert.equal(matchTotpStep(secret, code(-1), at), step - 1);
    assert.equal(matchTotpStep(secret, code(1), at), step + 1);
    assert.equal(matchTotpStep(secret, code(-2), at), null);
    assert.equal(matchTotpStep(secret, code(2), at), null);
    // The edges: the last millisecond of the step before the previous one is out.
    const startOfStep = step * 30_000;
    assert.equal(matchTotpStep(secret, totpCode(secret.base32, startOfStep - 30_001), at), null);
    assert.equal(matchTotpStep(secret, totpCode(secret.base32, startOfStep - 30_000), at), step - 1);
    assert.equal(matchTotpStep(secret, "12345", at), null, "too short");
    assert.equal(matchTotpStep(secret, "12345a", at), null, "not digits");
  });
});

describeEachEngine("TOTP enrolment and login", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  it("enrols through an otpauth URI confirmed by a first code, then refuses a replayed code", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const enrolment = await beginTotpEnrolment(t.store, user, {
      keys,
      now: clock.now,
      issuer: "Serums edinburgh",
      label: "alice",
    });
    const parsed = URI.parse(enrolment.uri);
    assert.ok(enrolment.uri.startsWith("otpauth://totp/"));
    assert.equal(parsed.secret.base32, enrolment.secret);
    assert.equal(parsed.digits, 6);
    assert.equal((parsed as { period?: number }).period, 30);
    assert.equal(parsed.algorithm, "SHA1");
    // Sealed at rest: the secret is not in the row.
    const row = await t.store.get<Record<string, unknown>>("SELECT * FROM auth_totp WHERE serums_id = $1", [
      user,
    ]);
    assert.ok(!JSON.stringify(row).includes(enrolment.secret));

    assert.equal(
      await verifyTotp(t.store, user, totpCode(enrolment.secret, clock.now()), { keys, now: clock.now }),
      false,
    );
    assert.equal(await confirmTotpEnrolment(t.store, user, "000000", { keys, now: clock.now }), false);
    const first = totpCode(enrolment.secret, clock.now());
    assert.equal(await confirmTotpEnrolment(t.store, user, first, { keys, now: clock.now }), true);
    assert.equal(await hasTotp(t.store, user), true);
    // The confirming code was used: not again for login.
    assert.equal(await verifyTotp(t.store, user, first, { keys, now: clock.now }), false);

    clock.advance(30_000);
    const next = totpCode(enrolment.secret, clock.now());
    assert.equal(await verifyTotp(t.store, user, next, { keys, now: clock.now }), true);
    assert.equal(await verifyTotp(t.store, user, next, { keys, now: clock.now }), false, "same code twice");
    clock.advance(30_000);
    // An older code still inside the window is refused once a later step was accepted.
    assert.equal(await verifyTotp(t.store, user, next, { keys, now: clock.now }), false);
    assert.equal(
      await verifyTotp(t.store, user, totpCode(enrolment.secret, clock.now()), { keys, now: clock.now }),
      true,
    );
  });

  it("refuses two concurrent uses of one code", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const { secret } = await beginTotpEnrolment(t.store, user, {
      keys,
      now: clock.now,
      issuer: "S",
      label: "u",
    });
    await confirmTotpEnrolment(t.store, user, totpCode(secret, clock.now()), { keys, now: clock.now });
    clock.advance(30_000);
    const code = totpCode(secret, clock.now());
    const results = await Promise.all(
      Array.from({ length: 4 }, () => verifyTotp(t.store, user, code, { keys, now: clock.now })),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });

  it("expires an unconfirmed enrolment, keeps the old secret until a new one is confirmed, and removes", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    const old = await beginTotpEnrolment(t.store, user, { keys, now: clock.now, issuer: "S", label: "u" });
    clock.advance(TOTP_PENDING_TTL_MS);
    assert.equal(
      await confirmTotpEnrolment(t.store, user, totpCode(old.secret, clock.now()), { keys, now: clock.now }),
      false,
    );
    const first = await beginTotpEnrolment(t.store, user, { keys, now: clock.now, issuer: "S", label: "u" });
    assert.equal(
      await confirmTotpEnrolment(t.store, user, totpCode(first.secret, clock.now()), {
        keys,
        now: clock.now,
      }),
      true,
    );
    clock.advance(30_000);
    const second = await beginTotpEnrolment(t.store, user, { keys, now: clock.now, issuer: "S", label: "u" });
    assert.equal(
      await verifyTotp(t.store, user, totpCode(first.secret, clock.now()), { keys, now: clock.now }),
      true,
      "the confirmed secret is in force while a new one is pending",
    );
    clock.advance(30_000);
    assert.equal(
      await confirmTotpEnrolment(t.store, user, totpCode(second.secret, clock.now()), {
        keys,
        now: clock.now,
      }),
      true,
    );
    clock.advance(30_000);
    assert.equal(
      await verifyTotp(t.store, user, totpCode(first.secret, clock.now()), { keys, now: clock.now }),
      false,
    );
    assert.equal(await removeTotp(t.store, user), true);
    assert.equal(
      await verifyTotp(t.store, user, totpCode(second.secret, clock.now()), { keys, now: clock.now }),
      false,
    );
  });

  it("answers false for users without TOTP, unknown users, and a secret sealed under another key", async () => {
    const clock = testClock();
    const user = await addUser(t.store);
    assert.equal(await verifyTotp(t.store, user, "123456", { keys, now: clock.now }), false);
    assert.equal(await verifyTotp(t.store, null, "123456", { keys, now: clock.now }), false);
    const { secret } = await beginTotpEnrolment(t.store, user, {
      keys,
      now: clock.now,
      issuer: "S",
      label: "u",
    });
    await assert.rejects(
      confirmTotpEnrolment(t.store, user, totpCode(secret, clock.now()), {
        keys: randomFactorKeys(),
        now: clock.now,
      }),
      /TAMPERED|does not open/,
    );
  });
});
