import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { keyToHex } from "./encoding.ts";
import type { EmbeddedNetwork } from "./network.ts";
import { openTestNetwork, type TestNetwork } from "./test-support.ts";

async function snapshot(network: EmbeddedNetwork, site: string) {
  const store = network.peer(site).store;
  return {
    height: network.peer(site).height,
    lastHash: network.peer(site).lastHash,
    state: await store.readAllState(),
    history: await store.readAllHistory(),
    txs: await store.readAllTransactions(),
  };
}

describeEachEngine("catch-up, restart, verify and rebuild", (engine) => {
  let t: TestNetwork;
  before(async () => {
    t = await openTestNetwork(engine);
  });
  after(() => t.dispose());

  const sql = (site: string, text: string, params: string[] = []) =>
    t.network.peer(site).store.store.run(text, params);

  it("a stopped peer catches up from the others when it restarts and then equals them", async () => {
    await t.network.submit(t.alice, "kv", "put", ["k1", "v1"]);
    await t.network.stopPeer("zuyderland");
    assert.deepEqual(t.network.runningSites, ["edinburgh", "barcelona"]);
    for (let i = 0; i < 5; i++) await t.network.submit(t.alice, "kv", "increment", ["while-away"]);
    await t.network.submit(t.alice, "kv", "del", ["k1"]);
    const pulled = await t.network.startPeer("zuyderland");
    assert.equal(pulled, 6);
    assert.deepEqual(await snapshot(t.network, "zuyderland"), await snapshot(t.network, "edinburgh"));
    await t.network.submit(t.alice, "kv", "put", ["after", "restart"], {
      endorsers: ["zuyderland", "barcelona"],
    });
    assert.deepEqual(await snapshot(t.network, "zuyderland"), await snapshot(t.network, "barcelona"));
    for (const report of await t.network.verify()) assert.equal(report.ok, true, JSON.stringify(report));
  });

  it("restarts the whole network from its stores with its state", async () => {
    const before = await snapshot(t.network, "barcelona");
    const network = await t.reopen();
    assert.deepEqual(await snapshot(network, "barcelona"), before);
    assert.equal(await network.evaluate(t.alice, "kv", "get", ["while-away"]), "5");
    const { block } = await network.submit(t.alice, "kv", "increment", ["while-away"]);
    assert.equal(block, before.height);
    assert.equal(await network.evaluate(t.alice, "kv", "get", ["while-away"]), "6");
  });

  it("verify names the block and transaction of a world-state row edited in the store; rebuild restores it", async () => {
    const { block, txId } = await t.network.submit(t.alice, "kv", "put", ["balance", "100"]);
    await t.network.submit(t.alice, "kv", "put", ["other", "x"]);
    await sql("zuyderland", "UPDATE ledger_world_state SET value = $1 WHERE key = $2", [
      Buffer.from("1000000").toString("base64"),
      keyToHex("balance"),
    ]);
    const reports = await t.network.verify();
    const bad = reports.find((r) => r.site === "zuyderland")!;
    assert.equal(bad.ok, false);
    assert.equal(bad.problem!.block, block);
    assert.equal(bad.problem!.tx, (await t.network.peer("edinburgh").getTransaction(txId))!.tx);
    assert.match(bad.problem!.reason, /world state holds a value/);
    for (const r of reports.filter((r) => r.site !== "zuyderland")) assert.equal(r.ok, true);

    assert.ok((await t.network.rebuildPeer("zuyderland", "edinburgh")) > block);
    const [after] = await t.network.verify("zuyderland");
    assert.equal(after!.ok, true, JSON.stringify(after));
    assert.deepEqual(await snapshot(t.network, "zuyderland"), await snapshot(t.network, "edinburgh"));
    assert.equal(await t.network.evaluate(t.alice, "kv", "get", ["balance"], { site: "zuyderland" }), "100");
  });

  it("verify finds an edited block body (dataHash) and names the transaction; catch-up from it is refused", async () => {
    const { block } = await t.network.submit(t.alice, "kv", "put", ["paint", "blue"]);
    await t.network.submit(t.alice, "kv", "put", ["paint2", "green"]);
    const blue = Buffer.from("blue").toString("base64");
    const pink = Buffer.from("pink").toString("base64");
    const { changes } = await sql(
      "barcelona",
      "UPDATE ledger_blocks SET body = replace(body, $1, $2) WHERE number = $3",
      [blue, pink, String(block)],
    );
    assert.equal(changes, 1);
    const [report] = await t.network.verify("barcelona");
    assert.equal(report!.ok, false);
    assert.equal(report!.problem!.block, block);
    assert.equal(report!.problem!.tx, 0);
    assert.match(report!.problem!.reason, /dataHash/);
    await assert.rejects(
      t.network.rebuildPeer("zuyderland", "barcelona"),
      (e: SerumsError) =>
        e.code === "TAMPERED" && new RegExp(`block ${block} refused: dataHash`).test(e.message),
    );
    assert.equal((await t.network.rebuildPeer("barcelona", "edinburgh")) > block, true);
    assert.equal((await t.network.rebuildPeer("zuyderland", "edinburgh")) > block, true);
    for (const r of await t.network.verify()) assert.equal(r.ok, true, JSON.stringify(r));
  });

  it("verify finds edited history rows, validation codes and transaction index entries", async () => {
    const { block } = await t.network.submit(t.alice, "kv", "put", ["hist", "a"]);
    await t.network.submit(t.alice, "kv", "put", ["hist", "b"]);
    await sql("edinburgh", "UPDATE ledger_key_history SET value = $1 WHERE key = $2 AND block = $3", [
      Buffer.from("z").toString("base64"),
      keyToHex("hist"),
      String(block),
    ]);
    let [report] = await t.network.verify("edinburgh");
    assert.equal(report!.problem!.block, block);
    assert.match(report!.problem!.reason, /key history differs/);
    await t.network.rebuildPeer("edinburgh", "barcelona");

    await sql("edinburgh", "UPDATE ledger_blocks SET codes = $1 WHERE number = $2", [
      '["MVCC_READ_CONFLICT"]',
      String(block),
    ]);
    [report] = await t.network.verify("edinburgh");
    assert.deepEqual([report!.problem!.block, report!.problem!.tx], [block, 0]);
    assert.match(
      report!.problem!.reason,
      /stored validation code is MVCC_READ_CONFLICT, but replay gives VALID/,
    );
    await t.network.rebuildPeer("edinburgh", "barcelona");

    await sql("edinburgh", "DELETE FROM ledger_tx_index WHERE block = $1", [String(block)]);
    [report] = await t.network.verify("edinburgh");
    assert.equal(report!.problem!.block, block);
    assert.match(report!.problem!.reason, /transaction index lacks/);
    await t.network.rebuildPeer("edinburgh", "barcelona");
    for (const r of await t.network.verify()) assert.equal(r.ok, true, JSON.stringify(r));
  });

  it("verifies a stopped peer from its store", async () => {
    await t.network.stopPeer("barcelona");
    const [report] = await t.network.verify("barcelona");
    assert.equal(report!.ok, true);
    assert.ok(report!.height > 5);
    await t.network.startPeer("barcelona");
  });
});
