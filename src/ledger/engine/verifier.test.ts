import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalBytes } from "../canonical-json.ts";
import { certificateBody } from "./certificate.ts";
import { compileConsortium } from "./consortium-config.ts";
import { assembleEnvelope, encodeEnvelope, type ProposalResponse } from "./envelope.ts";
import { encodePublicKey, generateKeyPair, signBytes } from "./keys.ts";
import { createProposal } from "./proposal.ts";
import { SignaturePool } from "./signature-pool.ts";
import { testConsortium, testSigner } from "./test-support.ts";
import { checkTransaction } from "./validate-transaction.ts";
import { Verifier } from "./verifier.ts";

const key = generateKeyPair();
const keyText = encodePublicKey(key.publicKey);
const utf8 = (text: string) => new TextEncoder().encode(text);
const pool = new SignaturePool(2);

describe("the verifier", () => {
  it("prefetch verifies on the pool and then answers as a direct check would, forgeries refused", async () => {
    const messages = Array.from({ length: 40 }, (_, i) => `message ${i}`);
    const signatures = messages.map((m) => signBytes(key.privateKey, utf8(m)));
    const checks = messages.flatMap((m, i) => [
      { keyText, bytes: m, signature: signatures[i] },
      { keyText, bytes: `${m}!`, signature: signatures[i] },
      { keyText, bytes: utf8(m), signature: signatures[(i + 1) % messages.length] },
    ]);
    const verifier = new Verifier({ pool });
    await verifier.prefetch(checks);
    const fresh = new Verifier({ pool: null });
    for (const [i, check] of checks.entries()) {
      const expected = i % 3 === 0;
      assert.equal(verifier.signature(check.keyText, check.bytes, check.signature), expected, `check ${i}`);
      assert.equal(fresh.signature(check.keyText, check.bytes, check.signature), expected, `check ${i}`);
    }
  });

  it("remembers a valid signature by the exact bytes: the same signature over other bytes is refused", () => {
    const verifier = new Verifier({ pool: null });
    const signature = signBytes(key.privateKey, utf8("pay 10"));
    assert.equal(verifier.signature(keyText, "pay 10", signature), true);
    assert.equal(verifier.signature(keyText, "pay 1000", signature), false);
    assert.equal(verifier.signature(keyText, utf8("pay 10"), signature), true, "text is its UTF-8 bytes");
    const other = encodePublicKey(generateKeyPair().publicKey);
    assert.equal(verifier.signature(other, "pay 10", signature), false);
    assert.equal(verifier.signature(keyText, "pay 10", `${signature.slice(0, -4)}AAA=`), false);
    assert.equal(verifier.signature(keyText, "pay 10", 42), false);
  });

  it("checks a certificate against its site's CA, once; a changed field is checked afresh and refused", async () => {
    const local = testConsortium();
    const consortium = compileConsortium(local.config);
    const signer = testSigner(local);
    const verifier = new Verifier({ pool });
    const check = verifier.certificateCheck(signer.certificate, consortium)!;
    assert.deepEqual(check.bytes, canonicalBytes(certificateBody(signer.certificate)));
    await verifier.prefetch([check]);
    assert.equal(verifier.certificate(signer.certificate, consortium), null);
    assert.equal(verifier.certificateCheck(signer.certificate, consortium), undefined, "already checked");
    const promoted = { ...signer.certificate, role: "administrator" };
    assert.notEqual(verifier.certificateCheck(promoted, consortium), undefined);
    assert.match(verifier.certificate(promoted, consortium)!, /not signed by the CA of site edinburgh/);
    assert.match(
      verifier.certificate({ ...signer.certificate, site: "atlantis" }, consortium)!,
      /not a member of the consortium/,
    );
  });

  it("remembers a transaction's check by its exact text and consortium only", () => {
    const local = testConsortium();
    const consortium = compileConsortium(local.config);
    const signer = testSigner(local);
    const signed = createProposal(signer, local.config.channel, "kv", "put", ["k", "v"]);
    const response: ProposalResponse = {
      proposalHash: "0".repeat(64),
      rwset: { reads: [], ranges: [], writes: [] },
      result: "v",
      events: [],
    };
    const text = encodeEnvelope(
      assembleEnvelope(signed, [{ site: "edinburgh", response: JSON.stringify(response), signature: "" }]),
    );
    const verifier = new Verifier({ pool: null });
    const check = checkTransaction(text, consortium, verifier);
    assert.equal(check.code, "BAD_RESPONSE");
    verifier.rememberTransaction(text, consortium, check);
    assert.equal(verifier.transaction(text, consortium), check);
    assert.equal(verifier.transaction(`${text} `, consortium), undefined);
    assert.equal(
      verifier.transaction(text, compileConsortium(local.config)),
      undefined,
      "another consortium",
    );
  });
});
