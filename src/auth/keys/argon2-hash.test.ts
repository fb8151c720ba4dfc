import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { encodePhc, hashSecret, nodeArgon2id, OWASP_MINIMUM, parsePhc, verifySecret } from "./argon2-hash.ts";
import { countingArgon2 } from "./key-test-fixtures.ts";

describe("argon2id PHC hashing", () => {
  it("writes argon2id v19 PHC strings that carry their parameters and a random salt", async () => {
    const a = await hashSecret("PlacesThatWeVisitedInEurope");
    const b = await hashSecret("PlacesThatWeVisitedInEurope");
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(a, b, "each hash has its own salt");
    const parsed = parsePhc(a)!;
    assert.deepEqual(parsed.params, OWASP_MINIMUM);
    assert.equal(parsed.salt.length, 16);
    assert.equal(encodePhc(parsed), a);
    assert.ok(!a.includes("Places"));
  });

  it("verifies the right secret and refuses a wrong one", async () => {
    const phc = await hashSecret("correct horse battery staple");
    assert.equal((await verifySecret(phc, "correct horse battery staple")).ok, true);
    assert.equal((await verifySecret(phc, "correct horse battery stapl")).ok, false);
    assert.equal((await verifySecret(phc, "Correct horse battery staple")).ok, false);
  });

  it("uses stronger site parameters, and verifies with the parameters each hash carries", async () => {
    const strong = { memory: 32768, passes: 3, parallelism: 1 };
    const phc = await hashSecret("s3cret-words", { argon2Params: strong });
    assert.match(phc, /\$m=32768,t=3,p=1\$/);
    const counting = countingArgon2();
    const result = await verifySecret(phc, "s3cret-words", { argon2: counting.argon2 });
    assert.equal(result.ok, true);
    assert.deepEqual(counting.calls, [{ memory: 32768, passes: 3 }]);
    assert.equal(result.needsRehash, false, "stronger than the current parameters: kept");
  });

  it("refuses to make a hash below OWASP's minimum", async () => {
    await assert.rejects(
      hashSecret("x", { argon2Params: { memory: 8192, passes: 2, parallelism: 1 } }),
      (e: SerumsError) => e.code === "BAD_CONFIG" && /19456/.test(e.message),
    );
    await assert.rejects(
      hashSecret("x", { argon2Params: { memory: 19456, passes: 1, parallelism: 1 } }),
      (e: SerumsError) => e.code === "BAD_CONFIG",
    );
  });

  it("asks for a rehash when a right secret was stored with weaker parameters (a legacy hash)", async () => {
    // A hash made below today's minimum, as an older release or an import might have left.
    const salt = Buffer.alloc(16, 7);
    const tag = await nodeArgon2id({
      message: Buffer.from("legacy-secret"),
      nonce: salt,
      memory: 4096,
      passes: 1,
      parallelism: 1,
      tagLength: 32,
    });
    const legacy = encodePhc({ params: { memory: 4096, passes: 1, parallelism: 1 }, salt, tag });
    const right = await verifySecret(legacy, "legacy-secret");
    assert.deepEqual(right, { ok: true, needsRehash: true, refused: false });
    const wrong = await verifySecret(legacy, "legacy-secreT");
    assert.deepEqual(wrong, { ok: false, needsRehash: false, refused: false });
    const current = await hashSecret("x");
    assert.equal(
      (await verifySecret(current, "x", { argon2Params: { memory: 47104, passes: 2, parallelism: 1 } }))
        .needsRehash,
      true,
    );
  });

  it("does one argon2id computation for an unknown user (a dummy) and answers false", async () => {
    const counting = countingArgon2();
    const result = await verifySecret(undefined, "anything", { argon2: counting.argon2 });
    assert.equal(result.ok, false);
    assert.deepEqual(counting.calls, [{ memory: OWASP_MINIMUM.memory, passes: OWASP_MINIMUM.passes }]);
  });

  it("refuses stored strings that are not argon2id PHC, still doing the work", async () => {
    const counting = countingArgon2();
    for (const bad of [
      "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
      "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
      "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
      "plaintext",
      "",
    ]) {
      const result = await verifySecret(bad, "plaintext", { argon2: counting.argon2 });
      assert.deepEqual(result, { ok: false, needsRehash: false, refused: true }, bad);
    }
    assert.equal(counting.calls.length, 5);
  });
});
