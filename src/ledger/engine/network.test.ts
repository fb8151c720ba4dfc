import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { openTestNetwork, type TestNetwork, testSigner } from "./test-support.ts";

describeEachEngine("embedded network", (engine) => {
  let t: TestNetwork;
  before(async () => {
    t = await openTestNetwork(engine);
  });
  after(() => t.dispose());

  it("commits a transaction on every peer of three sites", async () => {
    const { txId, result, block } = await t.network.submit(t.alice, "kv", "put", ["colour", "blue"]);
    assert.equal(result, "blue");
    assert.match(txId, /^[0-9a-f]{64}$/);
    assert.ok(block >= 1);
    for (const site of t.network.sites) {
      assert.equal(new TextDecoder().decode(await t.network.peer(site).getState("colour")), "blue");
      const tx = await t.network.peer(site).getTransaction(txId);
      assert.deepEqual({ ...tx }, { txId, block, tx: tx!.tx, code: "VALID" });
    }
    assert.equal(await t.network.evaluate(t.alice, "kv", "get", ["colour"]), "blue");
  });

  it("gives the contract the caller's identity and the proposal's time", async () => {
    const when = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const who = JSON.parse(await t.network.evaluate(t.alice, "kv", "whoami", [], { timestamp: when }));
    assert.equal(who.id, t.alice.certificate.serumsId);
    assert.equal(who.msp, "edinburgh");
    assert.equal(who.role, "doctor");
    assert.equal(who.department, "oncology");
    assert.equal(who.country, "GB");
    assert.equal(who.channel, "serums");
    assert.equal(who.time, when.toISOString());
  });

  it("keeps world state and per-key history over several blocks", async () => {
    const ids: string[] = [];
    for (const value of ["1", "2", "3"])
      ids.push((await t.network.submit(t.alice, "kv", "put", ["h", value])).txId);
    ids.push((await t.network.submit(t.alice, "kv", "del", ["h"])).txId);
    ids.push((await t.network.submit(t.alice, "kv", "put", ["h", "4"])).txId);
    for (const site of t.network.sites) {
      const history = await t.network.peer(site).getHistory("h");
      assert.deepEqual(
        history.map((h) => [h.txId, new TextDecoder().decode(h.value), h.isDelete]),
        [
          [ids[4], "4", false],
          [ids[3], "", true],
          [ids[2], "3", false],
          [ids[1], "2", false],
          [ids[0], "1", false],
        ],
      );
    }
    const viaContract = JSON.parse(await t.network.evaluate(t.alice, "kv", "history", ["h"]));
    assert.equal(viaContract.length, 5);
    assert.equal(await t.network.evaluate(t.alice, "kv", "get", ["h"]), "4");
  });

  it("refuses to evaluate a function that writes, and hides functions starting with _", async () => {
    await assert.rejects(
      t.network.evaluate(t.alice, "kv", "put", ["x", "y"]),
      (e: SerumsError) => e.code === "BAD_REQUEST" && /submit it/.test(e.message),
    );
    await assert.rejects(
      t.network.evaluate(t.alice, "kv", "_hidden", []),
      (e: SerumsError) => e.code === "NOT_FOUND",
    );
    await assert.rejects(
      t.network.evaluate(t.alice, "nope", "get", ["x"]),
      (e: SerumsError) => e.code === "NOT_FOUND",
    );
  });

  it("surfaces a contract's error with its code and changes nothing", async () => {
    const before = t.network.peer("edinburgh").height;
    await assert.rejects(
      t.network.submit(t.alice, "kv", "refuse", ["forbidden-key"]),
      (e: SerumsError) => e.code === "FORBIDDEN" && e.message === "refused to write forbidden-key",
    );
    await assert.rejects(
      t.network.submit(t.alice, "kv", "crash", []),
      (e: SerumsError) => e.code === "LEDGER" && /kv\.crash failed: contract crashed/.test(e.message),
    );
    assert.equal(t.network.peer("edinburgh").height, before);
    assert.equal(await t.network.evaluate(t.alice, "kv", "get", ["forbidden-key"]), "");
  });

  it("lists composite keys (with U+0000 separators) through the contract, in attribute order", async () => {
    for (const [attrs, v] of [
      [["p1", "b"], "1"],
      [["p1", "a"], "2"],
      [["p2", "a"], "3"],
      [["p1", "\u{1f600}"], "4"],
      [["p1", "\uffff"], "5"],
    ] as const) {
      await t.network.submit(t.alice, "kv", "putComposite", ["rule", JSON.stringify(attrs), v]);
    }
    const listed = JSON.parse(await t.network.evaluate(t.alice, "kv", "listComposite", ["rule", '["p1"]']));
    assert.deepEqual(listed, [
      ["p1", "a"],
      ["p1", "b"],
      ["p1", "\uffff"],
      ["p1", "\u{1f600}"],
    ]);
  });

  it("a signer from another site is accepted and seen under its own MSP", async () => {
    const bob = testSigner(t.consortium, "zuyderland", "nurse");
    await t.network.submit(bob, "kv", "put", ["bob", "here"]);
    const who = JSON.parse(await t.network.evaluate(bob, "kv", "whoami", []));
    assert.equal(who.msp, "zuyderland");
    assert.equal(who.role, "nurse");
  });
});

describeEachEngine("block cutting by count", (engine) => {
  let t: TestNetwork;
  before(async () => {
    // A minute's wait: if the block were not cut on the tenth transaction, the submissions would
    // outlive the test's timeout and fail it, without the test reading the clock.
    t = await openTestNetwork(engine, { batch: { maxTransactions: 10, maxWaitMs: 60_000 } });
  });
  after(() => t.dispose());

  it("cuts a block as soon as maxTransactions are queued", { timeout: 30_000 }, async () => {
    const submitted = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.network.submit(t.alice, "kv", "put", [`bulk/${i}`, String(i)])),
    );
    assert.equal(new Set(submitted.map((s) => s.block)).size, 1);
    assert.equal(await t.network.evaluate(t.alice, "kv", "get", ["bulk/7"]), "7");
  });
});

describeEachEngine("block cutting by time", (engine) => {
  let t: TestNetwork;
  before(async () => {
    t = await openTestNetwork(engine, { batch: { maxTransactions: 10, maxWaitMs: 400 } });
  });
  after(() => t.dispose());

  it("cuts a smaller block when maxWaitMs have passed since the first queued", async () => {
    const started = Date.now();
    const submitted = await Promise.all(
      Array.from({ length: 3 }, (_, i) => t.network.submit(t.alice, "kv", "put", [`small/${i}`, String(i)])),
    );
    assert.equal(new Set(submitted.map((s) => s.block)).size, 1);
    assert.ok(Date.now() - started >= 390, "the block was cut before maxWaitMs");
  });
});
