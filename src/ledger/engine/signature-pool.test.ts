import assert from "node:assert/strict";
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { after, describe, it } from "node:test";
import { INLINE_BELOW, SignaturePool, type VerifyJob } from "./signature-pool.ts";

const alice = generateKeyPairSync("ed25519");
const bob = generateKeyPairSync("ed25519");
const raw = (key: typeof alice.publicKey) =>
  Buffer.from(key.export({ format: "jwk" }).x!, "base64url") as Uint8Array;

/** Valid jobs and three kinds of forgery, with what node:crypto says of each. */
function jobs(n: number): { job: VerifyJob; expected: boolean }[] {
  const out: { job: VerifyJob; expected: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const message = Buffer.from(`message ${i} ${"x".repeat(i * 7)}`);
    const signature = sign(null, message, alice.privateKey);
    const variant = i % 4;
    const job: VerifyJob =
      variant === 0
        ? { publicKey: raw(alice.publicKey), message, signature }
        : variant === 1
          ? {
              publicKey: raw(alice.publicKey),
              message: Buffer.concat([message, Buffer.from("!")]),
              signature,
            }
          : variant === 2
            ? {
                publicKey: raw(alice.publicKey),
                message,
                signature: Buffer.from(signature.map((b, k) => (k === 5 ? b ^ 1 : b))),
              }
            : { publicKey: raw(bob.publicKey), message, signature };
    const expected = verify(
      null,
      job.message,
      variant === 3 ? bob.publicKey : alice.publicKey,
      job.signature,
    );
    out.push({ job, expected });
  }
  return out;
}

for (const size of [2, 0]) {
  describe(`signature pool with ${size} worker threads`, () => {
    const pool = new SignaturePool(size);
    after(() => pool.close());

    it("answers a batch of verifications as node:crypto does, forgeries refused", async () => {
      const cases = jobs(INLINE_BELOW * 5);
      const answers = await Promise.all(cases.map((c) => pool.verify(c.job)));
      assert.deepEqual(
        answers,
        cases.map((c) => c.expected),
      );
      assert.equal(answers.filter(Boolean).length, cases.length / 4);
    });

    it("answers a few verifications too (done in the calling thread)", async () => {
      const cases = jobs(3);
      assert.deepEqual(await Promise.all(cases.map((c) => pool.verify(c.job))), [true, false, false]);
    });

    it("refuses keys and signatures of the wrong length without verifying", async () => {
      const message = Buffer.from("m");
      const signature = sign(null, message, alice.privateKey);
      assert.equal(
        await pool.verify({ publicKey: raw(alice.publicKey).subarray(1), message, signature }),
        false,
      );
      assert.equal(
        await pool.verify({ publicKey: raw(alice.publicKey), message, signature: signature.subarray(0, 63) }),
        false,
      );
    });

    it("signs a batch with several keys exactly as node:crypto does (Ed25519 is deterministic)", async () => {
      const messages = Array.from({ length: INLINE_BELOW * 3 }, (_, i) => Buffer.from(`to sign ${i}`));
      const keys = messages.map((_, i) => (i % 3 === 0 ? bob.privateKey : alice.privateKey));
      const signatures = await Promise.all(messages.map((m, i) => pool.sign(keys[i]!, m)));
      signatures.forEach((s, i) => {
        assert.deepEqual(s, sign(null, messages[i]!, keys[i]!));
      });
    });

    it("still works after close (workers are started again on demand)", async () => {
      await pool.close();
      const cases = jobs(INLINE_BELOW * 2);
      assert.deepEqual(
        await Promise.all(cases.map((c) => pool.verify(c.job))),
        cases.map((c) => c.expected),
      );
    });
  });
}
