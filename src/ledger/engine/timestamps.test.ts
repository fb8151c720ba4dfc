import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { canonicalJson } from "../canonical-json.ts";
import { checkCertificate, createSigner, issueCertificate, type Signer } from "./certificate.ts";
import { toBase64, utf8 } from "./encoding.ts";
import { type Envelope, type ProposalResponse, proposalHash } from "./envelope.ts";
import { generateKeyPair, signBytes } from "./keys.ts";
import type { SignedProposal } from "./proposal.ts";
import { openTestNetwork, type TestNetwork } from "./test-support.ts";
import { certificateTimeProblem, clockSkewProblem } from "./timestamps.ts";

const code = (expected: string, pattern?: RegExp) => (e: SerumsError) =>
  e.code === expected && (!pattern || pattern.test(e.message));

const ISSUED = new Date("2030-01-01T00:00:00.000Z");
const EXPIRES = new Date("2030-01-01T01:00:00.000Z");
const MINUTE = 60_000;

describe("timestamps: the pure checks", () => {
  const keys = generateKeyPair();
  const ca = generateKeyPair();
  const cert = issueCertificate(ca.privateKey, {
    serumsId: "user-1",
    site: "edinburgh",
    role: "doctor",
    publicKey: keys.publicKey,
    issuedAt: ISSUED,
    expiresAt: EXPIRES,
  });

  it("a certificate signs up to, not at or after, its expiry; one without expiry always", () => {
    assert.equal(certificateTimeProblem(cert, "2030-01-01T00:59:59.999Z"), null);
    assert.match(
      certificateTimeProblem(cert, EXPIRES.toISOString()) ?? "",
      /expired at 2030-01-01T01:00:00.000Z/,
    );
    assert.match(certificateTimeProblem(cert, "2031-01-01T00:00:00.000Z") ?? "", /user-1 at edinburgh/);
    const { expiresAt: _e, ...forever } = cert;
    assert.equal(certificateTimeProblem(forever, "2099-01-01T00:00:00.000Z"), null);
  });

  it("clock skew: within the bound either way; beyond it named, ahead or behind", () => {
    const now = ISSUED.getTime();
    assert.equal(clockSkewProblem(new Date(now + 5 * MINUTE).toISOString(), now, 5 * MINUTE), null);
    assert.equal(clockSkewProblem(new Date(now - 5 * MINUTE).toISOString(), now, 5 * MINUTE), null);
    assert.match(
      clockSkewProblem(new Date(now + 6 * MINUTE).toISOString(), now, 5 * MINUTE) ?? "",
      /360 s ahead of/,
    );
    assert.match(
      clockSkewProblem(new Date(now - 6 * MINUTE).toISOString(), now, 5 * MINUTE) ?? "",
      /360 s behind/,
    );
    assert.match(clockSkewProblem("yesterday", now, 5 * MINUTE) ?? "", /not an instant/);
  });

  it("a certificate's expiry must be an instant after its issue", () => {
    for (const expiresAt of ["2029-12-31T23:59:59Z", ISSUED.toISOString(), "soon"]) {
      assert.throws(
        () => checkCertificate({ ...cert, expiresAt }),
        (e: SerumsError) => e.code === "BAD_REQUEST" && /certificate\.expiresAt/.test(e.message),
      );
    }
    assert.equal(checkCertificate(cert), cert);
  });
});

describeEachEngine("timestamps on the embedded ledger", (engine) => {
  let t: TestNetwork;
  let now = ISSUED.getTime() + 10 * MINUTE;
  let bob: Signer;
  before(async () => {
    t = await openTestNetwork(engine, { batch: { maxTransactions: 50, maxWaitMs: 5 } }, undefined, {
      clock: () => now,
      maxClockSkewMs: 5 * MINUTE,
    });
    const keys = generateKeyPair();
    const cert = issueCertificate(t.consortium.siteKeys.edinburgh!.caKey, {
      serumsId: "user-bob",
      site: "edinburgh",
      role: "doctor",
      publicKey: keys.publicKey,
      issuedAt: ISSUED,
      expiresAt: EXPIRES,
    });
    bob = createSigner(cert, keys.privateKey);
  });
  after(() => t.dispose());

  const get = (key: string) => t.network.evaluate(t.alice, "kv", "get", [key], { timestamp: new Date(now) });

  /** A response signed with the real peer keys of two sites (what colluding peers could do). */
  function forged(signed: SignedProposal, key: string, value: string): Envelope {
    const response: ProposalResponse = {
      proposalHash: proposalHash(signed.proposal),
      rwset: { reads: [], ranges: [], writes: [{ key, value: toBase64(utf8(value)) }] },
      result: "",
      events: [],
    };
    const text = canonicalJson(response);
    return {
      proposal: signed.proposal,
      signature: signed.signature,
      response: text,
      endorsements: ["edinburgh", "barcelona"].map((site) => ({
        site,
        signature: signBytes(t.consortium.siteKeys[site]!.peerKey, utf8(text)),
      })),
    };
  }

  it("commits what a valid certificate signs at the endorsers' time", async () => {
    const { txId } = await t.network.submit(bob, "kv", "put", ["valid", "yes"], { timestamp: new Date(now) });
    assert.equal((await t.network.peer("barcelona").getTransaction(txId))?.code, "VALID");
    assert.equal(await get("valid"), "yes");
  });

  it("refuses a proposal too far in the future or the past at endorsement, with the reason", async () => {
    for (const [offset, direction] of [
      [6 * MINUTE, /ahead of this endorser's clock/],
      [-6 * MINUTE, /behind this endorser's clock/],
    ] as const) {
      await assert.rejects(
        t.network.submit(t.alice, "kv", "put", ["skewed", "x"], { timestamp: new Date(now + offset) }),
        code("BAD_REQUEST", direction),
      );
    }
    assert.equal(await get("skewed"), "");
  });

  it("refuses an expired certificate at endorsement and at validation; what it signed before stays valid", async () => {
    now = EXPIRES.getTime() + MINUTE;
    await assert.rejects(
      t.network.submit(bob, "kv", "put", ["late", "x"], { timestamp: new Date(now) }),
      code("BAD_SIGNATURE", /expired at 2030-01-01T01:00:00.000Z/),
    );
    // Peers that endorse it anyway (forged responses with real peer keys): every validator refuses it.
    const signed = t.network.proposal(bob, "kv", "put", ["late", "x"], { timestamp: new Date(now) });
    await assert.rejects(t.network.order(forged(signed, "late", "x")), code("BAD_SIGNATURE", /BAD_CREATOR/));
    // Back-dated to before the expiry beyond the skew bound: refused at endorsement. (Within the
    // bound, a back-date is accepted: the bound is how far past its expiry a certificate can reach.)
    await assert.rejects(
      t.network.submit(bob, "kv", "put", ["late", "x"], {
        timestamp: new Date(EXPIRES.getTime() - 10 * MINUTE),
      }),
      code("BAD_REQUEST", /behind this endorser's clock/),
    );
    assert.equal(await get("late"), "");
    // The transaction signed while the certificate was valid replays as valid after its expiry.
    const reports = await t.network.verify();
    assert.deepEqual(
      reports.map((r) => r.ok),
      reports.map(() => true),
      JSON.stringify(reports.find((r) => !r.ok)?.problem),
    );
    assert.equal(await get("valid"), "yes");
  });
});
