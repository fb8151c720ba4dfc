/**
 * The packaged chaincode gives the same results as the contracts it was built from: the same
 * calls, run on the contracts' in-memory test ledger once with the TypeScript contracts and once
 * with the CommonJS modules extracted from the package, return the same text, leave the same
 * state and refuse the same calls with the same codes.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { canonicalJson } from "../canonical-json.ts";
import { serumsContracts } from "../contracts/index.ts";
import { publicKeyToBase64 } from "../contracts/signatures.ts";
import { memoryLedger, type TestCaller, type TestLedger } from "../contracts/test-context.ts";
import { buildChaincodePackage } from "./chaincode-package.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");
const HAVE_CONTRACTS = existsSync(path.join(REPO, "src/ledger/contracts/index.ts"));

async function untarGz(bytes: Uint8Array, into: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const parser = new Parser();
  parser.on("entry", (entry: ReadEntry) => {
    const chunks: Buffer[] = [];
    entry.on("data", (c: Buffer) => chunks.push(c));
    entry.on("end", () => files.set(entry.path, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    parser.end(gunzipSync(bytes));
  });
  for (const [name, data] of files) {
    await mkdir(path.dirname(path.join(into, name)), { recursive: true });
    await writeFile(path.join(into, name), data);
  }
  return files;
}

const admin: TestCaller = { serumsId: "srm-ad00-0000-0000-0ed1", site: "edinburgh", role: "administrator" };
const otherAdmin: TestCaller = {
  serumsId: "srm-ad00-0000-0000-0ba1",
  site: "barcelona",
  role: "administrator",
};
const keys = [1, 2, 3].map(() => publicKeyToBase64(generateKeyPairSync("ed25519").privateKey));

/** A few calls, successful and refused; what each returned or how it failed. */
async function scenario(ledger: TestLedger): Promise<unknown[]> {
  ledger.setTime("2025-03-01T09:00:00.000Z");
  const outcomes: unknown[] = [];
  const attempt = async (run: () => Promise<string>) => {
    try {
      outcomes.push({ ok: await run() });
    } catch (error) {
      const e = error as { name?: string; code?: string; message?: string };
      outcomes.push({ failed: e.name, code: e.code, message: e.message });
    }
  };
  const register = (caller: TestCaller, identity: Record<string, string>) =>
    attempt(() => ledger.submit(caller, "identities", "register", [canonicalJson(identity)]));
  await register(admin, {
    serumsId: admin.serumsId,
    kind: "staff",
    role: "administrator",
    site: "edinburgh",
    publicKey: keys[0]!,
  });
  await register(otherAdmin, {
    serumsId: otherAdmin.serumsId,
    kind: "staff",
    role: "administrator",
    site: "barcelona",
    publicKey: keys[1]!,
  });
  await register(admin, {
    serumsId: "srm-n3w0-0000-0000-0001",
    kind: "staff",
    role: "nurse",
    site: "edinburgh",
    publicKey: keys[2]!,
  });
  await register(otherAdmin, {
    serumsId: "srm-n3w0-0000-0000-0002",
    kind: "staff",
    role: "nurse",
    site: "edinburgh",
    publicKey: keys[2]!,
  });
  await register(admin, {
    serumsId: "not an id",
    kind: "staff",
    role: "nurse",
    site: "edinburgh",
    publicKey: keys[2]!,
  });
  await attempt(() => ledger.evaluate(admin, "identities", "get", ["srm-n3w0-0000-0000-0001"]));
  await attempt(() => ledger.evaluate(admin, "identities", "history", ["srm-n3w0-0000-0000-0001"]));
  await attempt(() => ledger.evaluate(admin, "identities", "get", ["srm-0000-0000-0000-0000"]));
  return outcomes;
}

describe("the packaged chaincode and the contracts it was built from", { skip: !HAVE_CONTRACTS }, () => {
  let dir: string;
  before(async () => {
    await mkdir(path.join(REPO, "node_modules/.cache"), { recursive: true });
    dir = await mkdtemp(path.join(REPO, "node_modules/.cache", "serums-parity-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("return the same results, leave the same state and refuse alike", async () => {
    const built = await buildChaincodePackage({
      label: "serums_parity",
      outFile: path.join(dir, "p.tar.gz"),
    });
    const outer = await untarGz(await readFile(built.file), dir);
    await untarGz(outer.get("code.tar.gz")!, dir);
    const require = createRequire(path.join(dir, "src/index.js"));
    const packaged = require(path.join(dir, "src/index.js")).contracts.map((C: new () => object) => new C());

    const original = await memoryLedger(serumsContracts());
    const fromPackage = await memoryLedger(packaged);
    const expected = await scenario(original);
    const actual = await scenario(fromPackage);
    assert.deepEqual(actual, expected);
    assert.ok(
      expected.some((o) => (o as { ok?: string }).ok),
      "some calls succeed",
    );
    assert.ok(
      expected.some((o) => (o as { code?: string }).code === "FORBIDDEN"),
      "some calls are refused",
    );
    assert.deepEqual(fromPackage.state(), original.state());
    assert.deepEqual(
      fromPackage.transactions().map((t) => [t.contract, t.fn, t.txId]),
      original.transactions().map((t) => [t.contract, t.fn, t.txId]),
    );
  });
});
