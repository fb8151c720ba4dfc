import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import { normalizeCode } from "./factor-support.ts";
import {
  generateRecoveryCodes,
  RECOVERY_CODE_COUNT,
  remainingRecoveryCodes,
  useRecoveryCode,
} from "./recovery-codes.ts";
import { addUser, openFactorStore } from "./test-support.ts";

const keys = randomFactorKeys();

describeEachEngine("recovery codes", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  it("gives ten distinct codes, stored hashed, each usable once, typed loosely", async () => {
    const user = await addUser(t.store);
    const codes = await generateRecoveryCodes(t.store, user, { keys });
    assert.equal(codes.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(codes).size, RECOVERY_CODE_COUNT);
    for (const code of codes) assert.match(code, /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    const stored = JSON.stringify(await t.store.all("SELECT * FROM auth_recovery_code"));
    for (const code of codes) assert.ok(!stored.includes(normalizeCode(code)), "no code in clear at rest");

    assert.equal(
      await useRecoveryCode(t.store, user, ` ${codes[3]!.toUpperCase().replace("-", " ")} `, { keys }),
      true,
    );
    assert.equal(await useRecoveryCode(t.store, user, codes[3]!, { keys }), false, "used once");
    assert.equal(await remainingRecoveryCodes(t.store, user), RECOVERY_CODE_COUNT - 1);
    assert.equal(await useRecoveryCode(t.store, user, codes[4]!, { keys }), true);
    assert.equal(await remainingRecoveryCodes(t.store, user), RECOVERY_CODE_COUNT - 2);
  });

  it("refuses another user's code, a made-up code, malformed input, and unknown users", async () => {
    const alice = await addUser(t.store);
    const bob = await addUser(t.store);
    const aliceCodes = await generateRecoveryCodes(t.store, alice, { keys });
    await generateRecoveryCodes(t.store, bob, { keys });
    assert.equal(await useRecoveryCode(t.store, bob, aliceCodes[0]!, { keys }), false);
    assert.equal(await useRecoveryCode(t.store, alice, "00000-00000", { keys }), false);
    assert.equal(await useRecoveryCode(t.store, alice, "", { keys }), false);
    assert.equal(await useRecoveryCode(t.store, alice, `${aliceCodes[0]}x`, { keys }), false);
    assert.equal(await useRecoveryCode(t.store, null, aliceCodes[0]!, { keys }), false);
    assert.equal(await useRecoveryCode(t.store, alice, aliceCodes[0]!, { keys: randomFactorKeys() }), false);
    assert.equal(await remainingRecoveryCodes(t.store, alice), RECOVERY_CODE_COUNT);
  });

  it("voids the old set when regenerated, and lets only one of concurrent uses succeed", async () => {
    const user = await addUser(t.store);
    const old = await generateRecoveryCodes(t.store, user, { keys });
    const fresh = await generateRecoveryCodes(t.store, user, { keys });
    for (const code of old) assert.equal(await useRecoveryCode(t.store, user, code, { keys }), false);
    assert.equal(await remainingRecoveryCodes(t.store, user), RECOVERY_CODE_COUNT);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => useRecoveryCode(t.store, user, fresh[0]!, { keys })),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });
});
