import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Contract } from "fabric-contract-api";
import { canonicalJson } from "../canonical-json.ts";
import { createCompositeKey } from "../composite-key.ts";
import type { LedgerContext } from "../contract-context.ts";
import { serumsContracts } from "./index.ts";
import { KEY_TYPES } from "./ledger-keys.ts";
import { decodeBase64, publicKeyFromBase64, publicKeyToBase64 } from "./signatures.ts";
import { memoryLedger } from "./test-context.ts";
import { callers, newKey, rejects, siteRule } from "./test-fixtures.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array) => new TextDecoder().decode(value);

/** A contract that does what the Serums contracts never do, to check the double and the readers. */
class ProbeContract extends Contract {
  constructor() {
    super("probe");
  }
  async put(ctx: LedgerContext, key: string, value: string): Promise<string> {
    await ctx.stub.putState(key, bytes(value));
    return text(await ctx.stub.getState(key));
  }
  async remove(ctx: LedgerContext, key: string): Promise<string> {
    await ctx.stub.deleteState(key);
    return "";
  }
  async range(ctx: LedgerContext, start: string, end: string): Promise<string> {
    const keys: string[] = [];
    for await (const { key } of ctx.stub.getStateByRange(start, end)) keys.push(key);
    return JSON.stringify(keys);
  }
  async history(ctx: LedgerContext, key: string): Promise<string> {
    const versions: string[] = [];
    for await (const m of ctx.stub.getHistoryForKey(key))
      versions.push(m.isDelete ? "(deleted)" : text(m.value));
    return JSON.stringify(versions);
  }
  async fail(ctx: LedgerContext, key: string): Promise<string> {
    await ctx.stub.putState(key, bytes("never"));
    throw new Error("the transaction fails after writing");
  }
}

describe("test double (test-context.ts)", () => {
  test("reads see committed state only; a failed transaction commits nothing", async () => {
    const ledger = await memoryLedger([new ProbeContract()]);
    assert.equal(
      await ledger.submit(callers.adminEd, "probe", "put", ["k", "v1"]),
      "",
      "no read of its own write",
    );
    assert.equal(await ledger.submit(callers.adminEd, "probe", "put", ["k", "v2"]), "v1");
    await assert.rejects(ledger.submit(callers.adminEd, "probe", "fail", ["k"]), /fails after writing/);
    await ledger.evaluate(callers.adminEd, "probe", "put", ["k", "dropped"]);
    assert.deepEqual(
      ledger.state().map((kv) => text(kv.value)),
      ["v2"],
    );
    assert.equal(
      await ledger.evaluate(callers.adminEd, "probe", "history", ["k"]),
      '["v2","v1"]',
      "newest first",
    );
  });

  test("range reads are in UTF-8 byte order, end exclusive", async () => {
    const ledger = await memoryLedger([new ProbeContract()]);
    for (const key of ["b", "a", "\u{1F600}", "\uFF21", "ab"])
      await ledger.submit(callers.adminEd, "probe", "put", [key, "x"]);
    assert.deepEqual(JSON.parse(await ledger.evaluate(callers.adminEd, "probe", "range", ["a", ""])), [
      "a",
      "ab",
      "b",
      "\uFF21",
      "\u{1F600}",
    ]);
    assert.deepEqual(JSON.parse(await ledger.evaluate(callers.adminEd, "probe", "range", ["a", "b"])), [
      "a",
      "ab",
    ]);
  });

  test("only a class's own non-underscore methods are callable", async () => {
    const ledger = await memoryLedger([new ProbeContract()]);
    await rejects(ledger.submit(callers.adminEd, "probe", "getName", []), "NOT_FOUND");
    await rejects(ledger.submit(callers.adminEd, "probe", "constructor", []), "NOT_FOUND");
    await rejects(ledger.submit(callers.adminEd, "nothing", "put", []), "NOT_FOUND");
  });

  test("a deleted rule key is reported as tampering by ruleHistory", async () => {
    const ledger = await memoryLedger([...serumsContracts(), new ProbeContract()]);
    await ledger.submit(callers.adminEd, "rules", "publishSiteRule", [canonicalJson(siteRule())]);
    const key = createCompositeKey(KEY_TYPES.siteRule, ["edinburgh", "doctors-treat"]);
    await ledger.submit(callers.adminEd, "probe", "remove", [key]);
    await rejects(
      ledger.evaluate(callers.adminEd, "rules", "ruleHistory", ["doctors-treat"]),
      "TAMPERED",
      /never delete/,
    );
  });
});

describe("signatures", () => {
  test("raw Ed25519 public keys round-trip through base64; strict base64 only", () => {
    const key = newKey();
    const b64 = publicKeyToBase64(key);
    assert.equal(decodeBase64(b64)?.length, 32);
    assert.equal(publicKeyToBase64(publicKeyFromBase64(b64)!), b64);
    assert.equal(publicKeyFromBase64(`${b64.slice(0, -1)}`), undefined);
    assert.equal(publicKeyFromBase64(` ${b64}`), undefined);
    assert.equal(decodeBase64("YQ"), undefined, "unpadded");
    assert.equal(decodeBase64("YR=="), undefined, "non-canonical trailing bits");
  });
});
