import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { canonicalJson } from "../canonical-json.ts";
import { createBlock } from "./block.ts";
import { createSigner, issueCertificate } from "./certificate.ts";
import { toBase64, utf8 } from "./encoding.ts";
import { assembleEnvelope, type Envelope, type ProposalResponse, proposalHash } from "./envelope.ts";
import { generateKeyPair, signBytes } from "./keys.ts";
import type { SignedProposal } from "./proposal.ts";
import { openTestNetwork, type TestNetwork } from "./test-support.ts";

const code = (expected: string, pattern?: RegExp) => (e: SerumsError) =>
  e.code === expected && (!pattern || pattern.test(e.message));

describeEachEngine("attacks on the embedded ledger", (engine) => {
  let t: TestNetwork;
  before(async () => {
    t = await openTestNetwork(engine, { batch: { maxTransactions: 50, maxWaitMs: 5 } });
  });
  after(() => t.dispose());

  const get = (key: string) => t.network.evaluate(t.alice, "kv", "get", [key]);

  async function endorsed(
    fn: string,
    args: string[],
    sites?: string[],
  ): Promise<{ signed: SignedProposal; envelope: Envelope }> {
    const signed = t.network.proposal(t.alice, "kv", fn, args);
    const envelope = assembleEnvelope(signed, await t.network.endorse(signed, sites));
    return { signed, envelope };
  }

  /** A response signed with the real peer keys of `sites` (what a colluding set of peers could do). */
  function forged(signed: SignedProposal, writes: Record<string, string>, sites: string[]): Envelope {
    const response: ProposalResponse = {
      proposalHash: proposalHash(signed.proposal),
      rwset: {
        reads: [],
        ranges: [],
        writes: Object.entries(writes).map(([key, value]) => ({ key, value: toBase64(utf8(value)) })),
      },
      result: "",
      events: [],
    };
    const text = canonicalJson(response);
    return {
      proposal: signed.proposal,
      signature: signed.signature,
      response: text,
      endorsements: sites.map((site) => ({
        site,
        signature: signBytes(t.consortium.siteKeys[site]!.peerKey, utf8(text)),
      })),
    };
  }

  async function lastCode(txId: string): Promise<string | undefined> {
    return (await t.network.peer("barcelona").getTransaction(txId))?.code;
  }

  it("refuses a proposal with a missing or wrong client signature, at endorsement and at validation", async () => {
    const signed = t.network.proposal(t.alice, "kv", "put", ["sig", "forged"]);
    await assert.rejects(t.network.endorse({ ...signed, signature: "" }), code("BAD_SIGNATURE", /signature/));
    const { envelope } = await endorsed("put", ["sig", "forged"]);
    const mallory = generateKeyPair();
    const wrong = { ...envelope, signature: signBytes(mallory.privateKey, utf8(envelope.proposal)) };
    await assert.rejects(t.network.order(wrong), code("BAD_SIGNATURE", /marked BAD_SIGNATURE/));
    await assert.rejects(t.network.order({ ...envelope, signature: "" }), code("BAD_SIGNATURE"));
    assert.equal(await get("sig"), "");
  });

  it("refuses a certificate signed by another site's CA", async () => {
    const keys = generateKeyPair();
    const cert = issueCertificate(t.consortium.siteKeys.barcelona!.caKey, {
      serumsId: "impostor",
      site: "edinburgh",
      role: "admin",
      publicKey: keys.publicKey,
    });
    const impostor = createSigner(cert, keys.privateKey);
    await assert.rejects(
      t.network.submit(impostor, "kv", "put", ["ca", "x"]),
      code("BAD_SIGNATURE", /not signed by the CA of site edinburgh/),
    );
    const signed = t.network.proposal(impostor, "kv", "put", ["ca", "x"]);
    await assert.rejects(
      t.network.order(forged(signed, { ca: "x" }, ["edinburgh", "barcelona"])),
      code("BAD_SIGNATURE", /BAD_CREATOR/),
    );
    assert.equal(await get("ca"), "");
  });

  it("refuses endorsements from a non-member, forged endorsements, and too few", async () => {
    const { envelope } = await endorsed("put", ["endorse", "x"]);
    const mallory = generateKeyPair();
    const outsider = { site: "mallory", signature: signBytes(mallory.privateKey, utf8(envelope.response)) };
    await assert.rejects(
      t.network.order({ ...envelope, endorsements: [envelope.endorsements[0]!, outsider] }),
      code("ENDORSEMENT", /not a member/),
    );
    const posing = { site: "zuyderland", signature: outsider.signature };
    await assert.rejects(
      t.network.order({ ...envelope, endorsements: [envelope.endorsements[0]!, posing] }),
      code("ENDORSEMENT", /zuyderland is not its peer's signature/),
    );
    await assert.rejects(
      t.network.order({ ...envelope, endorsements: [envelope.endorsements[0]!, envelope.endorsements[0]!] }),
      code("ENDORSEMENT", /endorsed twice/),
    );
    const { envelope: single } = await endorsed("put", ["endorse", "x"], ["edinburgh"]);
    await assert.rejects(t.network.order(single), code("ENDORSEMENT", /1 endorsement; the policy needs 2/));
    assert.equal(await get("endorse"), "");
  });

  it("refuses endorsements that disagree, at the client and at validation", async () => {
    await assert.rejects(t.network.submit(t.alice, "kv", "random", ["rnd"]), code("ENDORSEMENT", /disagree/));
    const signed = t.network.proposal(t.alice, "kv", "random", ["rnd"]);
    const [a, b] = await t.network.endorse(signed);
    // Take barcelona's signature over its own response and pair it with edinburgh's response.
    const mixed: Envelope = {
      proposal: signed.proposal,
      signature: signed.signature,
      response: a!.response,
      endorsements: [
        { site: a!.site, signature: a!.signature },
        { site: b!.site, signature: b!.signature },
      ],
    };
    await assert.rejects(
      t.network.order(mixed),
      code("ENDORSEMENT", /not its peer's signature of this response/),
    );
    assert.equal(await get("rnd"), "");
  });

  it("refuses a replayed transaction ID, in a later block and within one block", async () => {
    const { signed, envelope } = await endorsed("increment", ["replay"]);
    const { txId } = await t.network.order(envelope);
    await assert.rejects(
      t.network.order(envelope),
      code("CONFLICT", /DUPLICATE_TXID.*already on the ledger/),
    );
    await assert.rejects(t.network.endorse(signed), code("CONFLICT", /already on the ledger/));
    assert.equal(await lastCode(txId), "VALID");
    assert.equal(await get("replay"), "1");

    const { envelope: twice } = await endorsed("increment", ["replay2"]);
    const results = await Promise.allSettled([t.network.order(twice), t.network.order(twice)]);
    assert.equal(results[0].status, "fulfilled");
    assert.equal(results[1].status, "rejected");
    assert.match(
      String((results[1] as PromiseRejectedResult).reason.message),
      /DUPLICATE_TXID.*earlier in block/,
    );
    assert.equal(await get("replay2"), "1");
  });

  it("marks the second of two conflicting transactions in one block invalid and does not apply it", async () => {
    await t.network.submit(t.alice, "kv", "put", ["counter", "10"]);
    const first = await endorsed("increment", ["counter"]);
    const second = await endorsed("increment", ["counter"]);
    const [ok, conflict] = await Promise.allSettled([
      t.network.order(first.envelope),
      t.network.order(second.envelope),
    ]);
    assert.equal(ok.status, "fulfilled");
    assert.equal(conflict.status, "rejected");
    const error = (conflict as PromiseRejectedResult).reason as SerumsError;
    assert.equal(error.code, "CONFLICT");
    assert.match(error.message, /MVCC_READ_CONFLICT/);
    const okResult = (ok as PromiseFulfilledResult<{ block: number }>).value;
    assert.match(error.message, new RegExp(`in block ${okResult.block}:`));
    for (const site of t.network.sites) {
      assert.equal(new TextDecoder().decode(await t.network.peer(site).getState("counter")), "11");
    }
  });

  it("marks a range read invalid when a key was inserted into the range since (a phantom)", async () => {
    await t.network.submit(t.alice, "kv", "put", ["range/a", "1"]);
    const counting = await endorsed("countRange", ["range/", "range/~", "range-count"]);
    await t.network.submit(t.alice, "kv", "put", ["range/b", "2"]);
    await assert.rejects(t.network.order(counting.envelope), code("CONFLICT", /PHANTOM_READ_CONFLICT/));
    assert.equal(await get("range-count"), "");
    const again = await t.network.submit(t.alice, "kv", "countRange", ["range/", "range/~", "range-count"]);
    assert.equal(again.result, "2");
  });

  it("refuses a block with a wrong previousHash, dataHash or orderer signature, leaving the peer unchanged", async () => {
    await t.network.submit(t.alice, "kv", "put", ["block", "before"]);
    await t.network.settle();
    const peer = t.network.peer("zuyderland");
    const { envelope } = await endorsed("put", ["block", "after"]);
    const tx = canonicalJson(envelope);
    const height = peer.height;
    const lastHash = peer.lastHash;
    const ordererKey = t.consortium.ordererKey;
    const wrongLink = createBlock(height, "ab".repeat(32), { transactions: [tx] }, ordererKey);
    const good = createBlock(height, lastHash, { transactions: [tx] }, ordererKey);
    const wrongData = { ...good, transactions: [tx, tx] };
    const wrongSigner = createBlock(height, lastHash, { transactions: [tx] }, generateKeyPair().privateKey);
    const wrongNumber = createBlock(height + 7, lastHash, { transactions: [tx] }, ordererKey);
    await assert.rejects(peer.deliver(wrongLink), code("TAMPERED", /previousHash/));
    await assert.rejects(peer.deliver(wrongData), code("TAMPERED", /dataHash/));
    await assert.rejects(peer.deliver(wrongSigner), code("TAMPERED", /orderer's signature/));
    await assert.rejects(peer.deliver(wrongNumber), code("TAMPERED", /number/));
    assert.equal(peer.height, height);
    assert.equal(peer.lastHash, lastHash);
    assert.equal(new TextDecoder().decode(await peer.getState("block")), "before");
    const [report] = await t.network.verify("zuyderland");
    assert.equal(report!.ok, true, JSON.stringify(report));
  });
});
