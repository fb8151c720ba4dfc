import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { canonicalJson } from "../canonical-json.ts";
import { createBlock } from "./block.ts";
import type { Signer } from "./certificate.ts";
import { toBase64, utf8 } from "./encoding.ts";
import { type Envelope, type ProposalResponse, proposalHash } from "./envelope.ts";
import { signBytes } from "./keys.ts";
import type { SignedProposal } from "./proposal.ts";
import {
  type Approval,
  certificateFingerprint,
  decodeRevocationList,
  encodeRevocationList,
  parseRevocationRequest,
  REVOCATIONS_KEY,
  revocationStatement,
  SYSTEM_CONTRACT,
} from "./revocation.ts";
import type { RWSet } from "./rw-set.ts";
import { openTestNetwork, type TestNetwork, testSigner } from "./test-support.ts";
import { blockTimeProblem, certificateTimeProblem } from "./timestamps.ts";

const code = (expected: string, pattern?: RegExp) => (e: SerumsError) =>
  e.code === expected && (!pattern || pattern.test(e.message));
const MINUTE = 60_000;

describe("revocation and block time: the pure checks", () => {
  it("a revocation request names its bad field", () => {
    const good = { fingerprint: "a".repeat(64), reason: "key lost", approvals: [] };
    assert.equal(parseRevocationRequest(JSON.stringify(good)).fingerprint, "a".repeat(64));
    for (const [bad, pattern] of [
      [{ ...good, fingerprint: "ABC" }, /revocation\.fingerprint/],
      [{ ...good, reason: " " }, /revocation\.reason/],
      [{ ...good, approvals: "all" }, /revocation\.approvals/],
      [{ ...good, approvals: [{ certificate: {}, signature: "x" }] }, /approvals\[0\]\.certificate/],
      [{ ...good, extra: 1 }, /revocation\.extra/],
    ] as const) {
      assert.throws(() => parseRevocationRequest(JSON.stringify(bad)), code("BAD_REQUEST", pattern));
    }
    assert.throws(() => parseRevocationRequest("{"), code("BAD_REQUEST", /not JSON/));
  });

  it("a transaction's timestamp is bounded by its block's time, either way", () => {
    const block = "2030-01-01T00:10:00.000Z";
    assert.equal(blockTimeProblem("2030-01-01T00:05:00.000Z", block, 5 * MINUTE), null);
    assert.equal(blockTimeProblem("2030-01-01T00:15:00.000Z", block, 5 * MINUTE), null);
    assert.match(blockTimeProblem("2030-01-01T00:04:59.000Z", block, 5 * MINUTE) ?? "", /301 s before/);
    assert.match(blockTimeProblem("2030-01-01T00:15:01.000Z", block, 5 * MINUTE) ?? "", /301 s after/);
  });
});

describeEachEngine("certificate revocation and block time on the embedded ledger", (engine) => {
  let t: TestNetwork;
  let now = Date.parse("2030-06-01T12:00:00.000Z");
  let bob: Signer;
  const admins: Record<string, Signer> = {};
  before(async () => {
    t = await openTestNetwork(engine, { batch: { maxTransactions: 50, maxWaitMs: 5 } }, undefined, {
      clock: () => now,
    });
    bob = testSigner(t.consortium, "barcelona", "doctor");
    for (const site of t.network.sites) admins[site] = testSigner(t.consortium, site, "administrator");
  });
  after(() => t.dispose());

  const at = () => ({ timestamp: new Date(now) });
  const get = (key: string) => t.network.evaluate(t.alice, "kv", "get", [key], at());

  function approve(admin: Signer, fingerprint: string, reason: string): Approval {
    return {
      certificate: admin.certificate,
      signature: signBytes(
        admin.privateKey,
        revocationStatement(t.network.config.channel, fingerprint, reason),
      ),
    };
  }

  function revoke(creator: Signer, fingerprint: string, reason: string, approvals: Approval[]) {
    const request = JSON.stringify({ fingerprint, reason, approvals });
    return t.network.submit(creator, SYSTEM_CONTRACT, "revokeCertificate", [request], at());
  }

  /** A response signed with the real peer keys of two sites (what colluding peers could do). */
  function forged(signed: SignedProposal, rwset: RWSet): Envelope {
    const response: ProposalResponse = {
      proposalHash: proposalHash(signed.proposal),
      rwset,
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
  const write = (key: string, value: string): RWSet => ({
    reads: [],
    ranges: [],
    writes: [{ key, value: toBase64(utf8(value)) }],
  });

  it("a certificate signs nothing dated before its issue", async () => {
    assert.match(
      certificateTimeProblem(
        bob.certificate,
        new Date(Date.parse(bob.certificate.issuedAt) - 1).toISOString(),
      ) ?? "",
      /was issued at/,
    );
    assert.equal(certificateTimeProblem(bob.certificate, bob.certificate.issuedAt), null);
  });

  it("before revocation, the certificate's transactions commit", async () => {
    await t.network.submit(bob, "kv", "put", ["before", "kept"], at());
    assert.equal(await get("before"), "kept");
  });

  it("one site cannot revoke alone, nor count twice, nor with a bad or misused approval", async () => {
    const fp = certificateFingerprint(bob.certificate);
    const reason = "key compromised";
    const second = testSigner(t.consortium, "edinburgh", "administrator");
    const ed = approve(admins.edinburgh!, fp, reason);
    await assert.rejects(
      revoke(admins.edinburgh!, fp, reason, [ed]),
      code("FORBIDDEN", /needs the approval of administrators of 2 of the 3 sites; it has 1 \(edinburgh\)/),
    );
    await assert.rejects(
      revoke(admins.edinburgh!, fp, reason, [ed, approve(second, fp, reason)]),
      code("FORBIDDEN", /site edinburgh approved twice/),
    );
    // An approval signed for another reason (or another certificate) does not count.
    await assert.rejects(
      revoke(admins.edinburgh!, fp, reason, [ed, approve(admins.barcelona!, fp, "other reason")]),
      code("FORBIDDEN", /approvals\[1\].*not this administrator's/),
    );
    // A doctor's approval is no administrator's; a doctor cannot submit one either.
    const doctor = testSigner(t.consortium, "zuyderland", "doctor");
    await assert.rejects(
      revoke(admins.edinburgh!, fp, reason, [ed, approve(doctor, fp, reason)]),
      code("FORBIDDEN", /role "doctor" is not "administrator"/),
    );
    await assert.rejects(
      revoke(t.alice, fp, reason, [ed, approve(admins.barcelona!, fp, reason)]),
      code("FORBIDDEN", /for administrators/),
    );
    // Endorsers forged by two colluding peers: every validator checks the approvals again.
    const signed = t.network.proposal(
      admins.edinburgh!,
      SYSTEM_CONTRACT,
      "revokeCertificate",
      [JSON.stringify({ fingerprint: fp, reason, approvals: [ed] })],
      at(),
    );
    const list = encodeRevocationList(
      new Map([[fp, { fingerprint: fp, reason, txId: "x", revokedAt: "y", approvedBy: ["edinburgh"] }]]),
    );
    const rwset = {
      reads: [{ key: REVOCATIONS_KEY, version: null }],
      ranges: [],
      writes: [{ key: REVOCATIONS_KEY, value: list }],
    };
    await assert.rejects(
      t.network.order(forged(signed, rwset)),
      code("FORBIDDEN", /BAD_CONFIG_UPDATE.*needs the approval/),
    );
    assert.equal(await get("before"), "kept");
    await t.network.submit(bob, "kv", "put", ["still", "yes"], at());
  });

  it("no contract writes a system key: refused at endorsement and at validation", async () => {
    await assert.rejects(
      t.network.submit(t.alice, "kv", "put", [REVOCATIONS_KEY, "[]"], at()),
      code("FORBIDDEN", /system key/),
    );
    const signed = t.network.proposal(t.alice, "kv", "put", [REVOCATIONS_KEY, "[]"], at());
    await assert.rejects(
      t.network.order(forged(signed, write(REVOCATIONS_KEY, "[]"))),
      code("FORBIDDEN", /BAD_CONFIG_UPDATE.*wrote a system key/),
    );
  });

  let revokedAtBlock = 0;
  it("administrators of a majority revoke; the certificate is refused at endorsement and validation", async () => {
    const fp = certificateFingerprint(bob.certificate);
    const reason = "key compromised";
    // Endorsed now, ordered after the revocation: marked invalid at validation.
    const early = t.network.proposal(bob, "kv", "put", ["late", "x"], at());
    const earlyEnvelope = forged(early, write("late", "x"));
    const result = await revoke(admins.zuyderland!, fp, reason, [
      approve(admins.edinburgh!, fp, reason),
      approve(admins.barcelona!, fp, reason),
    ]);
    revokedAtBlock = result.block;
    const revocation = JSON.parse(result.result);
    assert.deepEqual(revocation.approvedBy, ["barcelona", "edinburgh"]);
    assert.equal(revocation.fingerprint, fp);
    for (const site of t.network.sites) {
      const list = decodeRevocationList(
        toBase64((await t.network.peer(site).getState(REVOCATIONS_KEY)) ?? new Uint8Array()),
      );
      assert.equal(list.get(fp)?.reason, reason, site);
    }
    await assert.rejects(
      t.network.submit(bob, "kv", "put", ["late", "x"], at()),
      code("BAD_SIGNATURE", /revoked by transaction/),
    );
    await assert.rejects(t.network.order(earlyEnvelope), code("BAD_SIGNATURE", /BAD_CREATOR.*revoked/));
    assert.equal(await get("late"), "");
    // Final: revoking again (the only way to change the entry) is refused; there is no un-revoke.
    await assert.rejects(
      revoke(admins.zuyderland!, fp, "again", [
        approve(admins.edinburgh!, fp, "again"),
        approve(admins.barcelona!, fp, "again"),
      ]),
      code("CONFLICT", /already revoked/),
    );
    const undo = t.network.proposal(
      admins.edinburgh!,
      SYSTEM_CONTRACT,
      "revokeCertificate",
      [JSON.stringify({ fingerprint: "b".repeat(64), reason: "x", approvals: [] })],
      at(),
    );
    const empty = {
      reads: [{ key: REVOCATIONS_KEY, version: [revokedAtBlock, 0] as [number, number] }],
      ranges: [],
      writes: [{ key: REVOCATIONS_KEY, value: encodeRevocationList(new Map()) }],
    };
    await assert.rejects(t.network.order(forged(undo, empty)), code("FORBIDDEN", /BAD_CONFIG_UPDATE/));
  });

  it("history before the revocation verifies; a restarted and a rebuilt peer know the list", async () => {
    const reports = await t.network.verify();
    assert.deepEqual(
      reports.map((r) => r.ok),
      reports.map(() => true),
      JSON.stringify(reports.find((r) => !r.ok)?.problem),
    );
    assert.equal(await get("before"), "kept");
    assert.equal(await get("still"), "yes");
    await t.network.stopPeer("zuyderland");
    await t.network.submit(t.alice, "kv", "put", ["while-stopped", "1"], at());
    assert.ok((await t.network.startPeer("zuyderland")) >= 1);
    await t.network.rebuildPeer("barcelona", "edinburgh");
    for (const site of ["zuyderland", "barcelona"]) {
      await assert.rejects(
        t.network.peer(site).endorse(t.network.proposal(bob, "kv", "put", ["late", "y"], at())),
        code("BAD_SIGNATURE", /revoked/),
      );
    }
    assert.ok((await t.network.verify()).every((r) => r.ok));
  });

  it("a transaction back-dated beyond the bound of its block's time is invalid, even endorsed", async () => {
    const signed = t.network.proposal(t.alice, "kv", "put", ["backdated", "x"], {
      timestamp: new Date(now - 6 * MINUTE),
    });
    await assert.rejects(
      t.network.order(forged(signed, write("backdated", "x"))),
      code("BAD_REQUEST", /BAD_TIMESTAMP.*360 s before its block's time/),
    );
    assert.equal(await get("backdated"), "");
  });

  it("a block whose time goes backwards is refused; the orderer never stamps one", async () => {
    const peer = t.network.peer("edinburgh");
    const { height, lastHash, lastTime } = peer;
    const earlier = new Date(Date.parse(lastTime) - 1).toISOString();
    const back = createBlock(height, lastHash, { transactions: [], time: earlier }, t.consortium.ordererKey);
    await assert.rejects(peer.deliver(back), code("TAMPERED", /time .* is before block/));
    assert.equal(peer.height, height);
    // The orderer's clock steps back: the next block keeps the last block's time.
    now -= 3 * MINUTE;
    await t.network.submit(t.alice, "kv", "put", ["after-step-back", "1"], at());
    assert.equal(peer.lastTime, lastTime);
    assert.ok((await t.network.verify()).every((r) => r.ok));
  });
});

describe("block shape: the time", () => {
  it("a block without a time, or with one not in toISOString's form, is malformed", async () => {
    const { checkBlockShape } = await import("./block.ts");
    const { generateKeyPair } = await import("./keys.ts");
    const block = createBlock(1, "ab".repeat(32), { transactions: [] }, generateKeyPair().privateKey);
    assert.equal(checkBlockShape(structuredClone(block)).header.time, block.header.time);
    for (const time of [undefined, "2030-01-01", "2030-01-01T00:00:00Z", "2030-13-01T00:00:00.000Z"]) {
      const bad = structuredClone(block) as { header: { time?: string } };
      bad.header.time = time;
      assert.throws(() => checkBlockShape(bad), code("TAMPERED", /header time/));
    }
  });
});
