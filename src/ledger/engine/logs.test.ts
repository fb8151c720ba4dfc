import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { describeEachEngine } from "../../store/test-engines.ts";
import { leafHash, openCheckpoint, verifyConsistency, verifyInclusion } from "../merkle/index.ts";
import { decodePublicKey } from "./keys.ts";
import { openTestNetwork, type TestNetwork } from "./test-support.ts";

describeEachEngine("event logs", (engine) => {
  let t: TestNetwork;
  before(async () => {
    t = await openTestNetwork(engine);
  });
  after(() => t.dispose());

  it("appends log: events of valid transactions to a Merkle log on every peer, with proofs", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await t.network.submit(t.alice, "kv", "log", ["access", `entry ${i}`])).txId);
    const roots = t.network.sites.map((s) =>
      Buffer.from(t.network.peer(s).logs.root("log:access")).toString("hex"),
    );
    assert.equal(new Set(roots).size, 1);
    const peer = t.network.peer("barcelona");
    assert.deepEqual(peer.logs.names, ["log:access"]);
    assert.equal(peer.logs.size("log:access"), 5);
    const [entry] = await peer.logEntries(ids[3]!);
    assert.equal(new TextDecoder().decode(entry!.entry), "entry 3");
    assert.equal(entry!.index, 3);
    assert.ok(
      verifyInclusion(leafHash(entry!.entry), 3, entry!.size, entry!.proof, peer.logs.root("log:access")),
    );
    const oldRoot = peer.logs.root("log:access", 2);
    assert.ok(
      verifyConsistency(
        2,
        5,
        oldRoot,
        peer.logs.root("log:access"),
        peer.logs.consistencyProof("log:access", 2),
      ),
    );
  });

  it("lets each site's peer cosign the log's checkpoint as a witness", async () => {
    const checkpoint = t.network.peer("edinburgh").checkpoint("log:access");
    assert.equal(checkpoint.origin, "serums/log:access");
    const note = t.network.cosignedCheckpoint("log:access", ["edinburgh", "zuyderland"]);
    const witnesses = t.consortium.config.sites.map((s) => ({
      name: s.id,
      publicKey: decodePublicKey(s.peerPublicKey),
    }));
    const opened = openCheckpoint(note, witnesses, 2);
    assert.deepEqual(opened.signedBy.sort(), ["edinburgh", "zuyderland"]);
    assert.equal(opened.checkpoint.size, 5);
  });

  it("keeps the logs across a restart, and verify finds an edited log entry", async () => {
    const before = Buffer.from(t.network.peer("zuyderland").logs.root("log:access")).toString("hex");
    const network = await t.reopen();
    assert.equal(Buffer.from(network.peer("zuyderland").logs.root("log:access")).toString("hex"), before);
    const { txId, block } = await network.submit(t.alice, "kv", "log", ["access", "after restart"]);
    assert.equal(network.peer("zuyderland").logs.size("log:access"), 6);
    await network
      .peer("zuyderland")
      .store.store.run("UPDATE ledger_logs SET entry = $1 WHERE tx_id = $2", [
        Buffer.from("forged").toString("base64"),
        txId,
      ]);
    const [report] = await network.verify("zuyderland");
    assert.equal(report!.ok, false);
    assert.equal(report!.problem!.block, block);
    assert.match(report!.problem!.reason, /log log:access entry 5 differs/);
  });
});
