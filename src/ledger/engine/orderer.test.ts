import assert from "node:assert/strict";
import { it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { type Block, blockHash, computeDataHash, verifyOrdererSignature } from "./block.ts";
import { compileConsortium } from "./consortium-config.ts";
import { Orderer, type OrderTicket } from "./orderer.ts";
import { testConsortium } from "./test-support.ts";

function setup(maxTransactions: number, maxWaitMs: number) {
  const local = testConsortium({ batch: { maxTransactions, maxWaitMs } });
  const blocks: Block[] = [];
  const orderer = new Orderer({
    config: local.config,
    privateKey: local.ordererKey,
    deliver: (b) => blocks.push(b),
  });
  orderer.genesis();
  return { local, blocks, orderer };
}

it("chains signed blocks: genesis carries the config; each block links, roots and signs", () => {
  const { local, blocks, orderer } = setup(2, 1000);
  for (const tx of ["a", "b", "c", "d"]) orderer.broadcast(tx);
  const consortium = compileConsortium(local.config);
  assert.deepEqual(
    blocks.map((b) => b.transactions),
    [[], ["a", "b"], ["c", "d"]],
  );
  assert.deepEqual(blocks[0]!.config, local.config);
  for (const [i, block] of blocks.entries()) {
    assert.equal(block.header.number, i);
    assert.equal(block.header.dataHash, computeDataHash(block));
    assert.ok(verifyOrdererSignature(block, consortium.ordererKey));
    if (i > 0) assert.equal(block.header.previousHash, blockHash(blocks[i - 1]!.header));
  }
  orderer.close();
});

it("cuts by time what is queued, and fills in each ticket's block and index", async () => {
  const { blocks, orderer } = setup(100, 20);
  const tickets: OrderTicket[] = [{}, {}, {}];
  for (const [i, ticket] of tickets.entries()) orderer.broadcast(`tx${i}`, ticket);
  assert.equal(blocks.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(blocks.length, 2);
  assert.deepEqual(tickets, [
    { block: 1, index: 0 },
    { block: 1, index: 1 },
    { block: 1, index: 2 },
  ]);
  orderer.close();
  assert.throws(
    () => orderer.broadcast("late"),
    (e: SerumsError) => e.code === "LEDGER",
  );
});
