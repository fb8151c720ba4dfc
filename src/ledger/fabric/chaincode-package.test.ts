import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { SerumsError } from "../../errors/index.ts";
import { buildChaincodePackage, CHAINCODE_ERROR_PREFIX } from "./chaincode-package.ts";
import { decodeChaincodeError } from "./gateway-errors.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");

interface TarEntry {
  mode: number;
  type: string;
  mtime: number;
  uid: number | undefined;
  data: Buffer;
}

/** The entries of a gzipped tar, in archive order. */
async function readTarGz(bytes: Uint8Array): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const parser = new Parser();
  parser.on("entry", (entry: ReadEntry) => {
    const chunks: Buffer[] = [];
    entry.on("data", (c: Buffer) => chunks.push(c));
    entry.on("end", () =>
      entries.set(entry.path, {
        mode: entry.mode ?? -1,
        type: entry.type,
        mtime: entry.mtime?.getTime() ?? -1,
        uid: entry.uid,
        data: Buffer.concat(chunks),
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    parser.end(gunzipSync(bytes));
  });
  return entries;
}

const FIXTURE_CONTRACTS = {
  "ledger/contracts/index.ts": `import { AccessLogContract } from "./access-log-contract.ts";
import { RulesContract } from "./rules-contract.ts";

export function serumsContracts() {
  return [new RulesContract(), new AccessLogContract()];
}
`,
  "ledger/contracts/rules-contract.ts": `import { Contract } from "fabric-contract-api";
import { z } from "zod";
import { SerumsError } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { createCompositeKey } from "../composite-key.ts";
import type { LedgerContext } from "../contract-context.ts";

const Rule = z.object({ id: z.string(), effect: z.enum(["permit", "deny"]) });

export class RulesContract extends Contract {
  constructor() {
    super("rules");
  }

  async putRule(ctx: LedgerContext, ...args: string[]): Promise<string> {
    const rule = Rule.parse(JSON.parse(args[0] ?? "null"));
    const key = createCompositeKey("rule", [rule.id]);
    await ctx.stub.putState(key, new TextEncoder().encode(canonicalJson(rule)));
    return canonicalJson({ key: key.length, rule });
  }

  async refuse(_ctx: LedgerContext, ...args: string[]): Promise<string> {
    throw new SerumsError("FORBIDDEN", \`\${args[0]} may not do that\`);
  }
}
`,
  "ledger/contracts/access-log-contract.ts": `import { Contract } from "fabric-contract-api";
import type { LedgerContext } from "../contract-context.ts";

export class AccessLogContract extends Contract {
  constructor() {
    super("access-log");
  }

  async count(ctx: LedgerContext): Promise<string> {
    return String(ctx.stub.getTxID().length);
  }
}
`,
};

/** A repository-like tree (package.json, lock file, src/) under node_modules, so packages resolve. */
async function makeFixture(files: Record<string, string>): Promise<string> {
  const base = path.join(REPO, "node_modules", ".cache");
  await mkdir(base, { recursive: true });
  const root = await mkdtemp(path.join(base, "serums-chaincode-test-"));
  await cp(path.join(REPO, "src/errors"), path.join(root, "src/errors"), { recursive: true });
  for (const name of ["canonical-json.ts", "composite-key.ts", "contract-context.ts"]) {
    await cp(path.join(REPO, "src/ledger", name), path.join(root, "src/ledger", name));
  }
  await writeFile(path.join(root, "package.json"), JSON.stringify({ name: "fixture", version: "9.8.7" }));
  await cp(path.join(REPO, "package-lock.json"), path.join(root, "package-lock.json"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, "src", name)), { recursive: true });
    await writeFile(path.join(root, "src", name), text);
  }
  return root;
}

describe("buildChaincodePackage", () => {
  let root: string;

  before(async () => {
    root = await makeFixture(FIXTURE_CONTRACTS);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("lays the package out as peer lifecycle chaincode package --lang node does", async () => {
    const built = await buildChaincodePackage({
      label: "serums_1.0",
      outFile: path.join(root, "out/serums.tar.gz"),
      root,
    });
    const bytes = await readFile(built.file);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    assert.equal(built.sha256, sha256);
    assert.equal(built.packageId, `serums_1.0:${sha256}`);

    const outer = await readTarGz(bytes);
    assert.deepEqual([...outer.keys()], ["metadata.json", "code.tar.gz"]);
    assert.deepEqual(JSON.parse(outer.get("metadata.json")!.data.toString()), {
      path: "",
      type: "node",
      label: "serums_1.0",
    });
    const code = await readTarGz(outer.get("code.tar.gz")!.data);
    assert.deepEqual(
      [...code.keys()],
      [
        "src/errors/index.js",
        "src/errors/serums-error.js",
        "src/index.js",
        "src/ledger/canonical-json.js",
        "src/ledger/composite-key.js",
        "src/ledger/contracts/access-log-contract.js",
        "src/ledger/contracts/index.js",
        "src/ledger/contracts/rules-contract.js",
        "src/package.json",
      ],
    );
    assert.deepEqual(
      built.files,
      [...code.keys()].map((p) => p.slice(4)),
    );
    for (const [name, entry] of [...outer, ...code]) {
      // Fabric accepts regular files only, with no mode bits beyond 0100666.
      assert.equal(entry.type, "File", name);
      assert.equal(entry.mode & ~0o100666, 0, `${name} mode ${entry.mode.toString(8)}`);
      assert.equal(entry.mtime, 0, name);
    }
    const manifest = JSON.parse(code.get("src/package.json")!.data.toString());
    const lockFile = JSON.parse(await readFile(path.join(REPO, "package-lock.json"), "utf8"));
    const lockedVersion = (name: string) => lockFile.packages[`node_modules/${name}`].version;
    assert.equal(manifest.version, "9.8.7");
    assert.equal(manifest.main, "index.js");
    assert.deepEqual(manifest.scripts, { start: "fabric-chaincode-node start" });
    assert.deepEqual(manifest.dependencies, {
      "fabric-contract-api": lockedVersion("fabric-contract-api"),
      "fabric-shim": lockedVersion("fabric-contract-api"),
      zod: lockedVersion("zod"),
    });
    assert.match(manifest.dependencies["fabric-shim"], /^2\.5\./);
    // contract-context.ts is imported for its types only: nothing of it runs, so it is left out.
    assert.ok(!code.has("src/ledger/contract-context.js"));
  });

  it("is deterministic: the same sources give the same bytes and package ID", async () => {
    const a = await buildChaincodePackage({
      label: "serums_1.0",
      outFile: path.join(root, "a.tar.gz"),
      root,
    });
    const b = await buildChaincodePackage({
      label: "serums_1.0",
      outFile: path.join(root, "b.tar.gz"),
      root,
    });
    assert.deepEqual(await readFile(a.file), await readFile(b.file));
    assert.equal(a.packageId, b.packageId);
    const c = await buildChaincodePackage({
      label: "serums_1.1",
      outFile: path.join(root, "c.tar.gz"),
      root,
    });
    assert.notEqual(c.sha256, a.sha256, "the label is inside the package");
  });

  it("emits CommonJS that loads and runs on Node: contracts, functions and coded errors", async () => {
    const built = await buildChaincodePackage({
      label: "serums_1.0",
      outFile: path.join(root, "run.tar.gz"),
      root,
    });
    const outer = await readTarGz(await readFile(built.file));
    const code = await readTarGz(outer.get("code.tar.gz")!.data);
    const dir = path.join(root, "extracted");
    for (const [name, entry] of code) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), entry.data);
    }
    const require = createRequire(path.join(dir, "src/index.js"));
    const { Contract } = require("fabric-contract-api");
    const chaincode = require(path.join(dir, "src/index.js"));
    assert.equal(chaincode.contracts.length, 2);
    const instances = chaincode.contracts.map((C: new () => InstanceType<typeof Contract>) => new C());
    assert.deepEqual(
      instances.map((c: { getName(): string }) => c.getName()),
      ["rules", "access-log"],
    );
    assert.deepEqual(
      chaincode.contracts.map((C: { name: string }) => C.name),
      ["RulesContract", "AccessLogContract"],
    );
    const own = (c: object) =>
      Object.getOwnPropertyNames(Object.getPrototypeOf(c)).filter(
        (n) => n !== "constructor" && !Object.getOwnPropertyNames(Contract.prototype).includes(n),
      );
    assert.deepEqual(own(instances[0]), ["putRule", "refuse"]);
    assert.deepEqual(own(instances[1]), ["count"]);
    for (const c of instances) assert.ok(Contract._isContract(c));

    const writes: Array<[string, string]> = [];
    const ctx = {
      stub: {
        getTxID: () => "tx-123",
        putState: async (key: string, value: Uint8Array) => {
          writes.push([key, new TextDecoder().decode(value)]);
        },
      },
    };
    const rules = instances[0];
    const result = await rules.aroundTransaction(ctx, "putRule", ['{"effect":"permit","id":"r1"}']);
    assert.equal(result, '{"key":9,"rule":{"effect":"permit","id":"r1"}}');
    assert.deepEqual(writes, [["\u0000rule\u0000r1\u0000", '{"effect":"permit","id":"r1"}']]);
    assert.equal(await instances[1].aroundTransaction(ctx, "count", []), "6");

    // A SerumsError thrown by a contract reaches the client as a message that keeps its code.
    await assert.rejects(rules.aroundTransaction(ctx, "refuse", ["mallory"]), (e: Error) => {
      assert.equal(e.message, `${CHAINCODE_ERROR_PREFIX}FORBIDDEN: mallory may not do that`);
      const decoded = decodeChaincodeError(`chaincode response 500, ${e.message}`);
      assert.deepEqual(decoded, { code: "FORBIDDEN", message: "mallory may not do that" });
      return true;
    });
    // zod's errors are not SerumsErrors: they pass through unchanged.
    await assert.rejects(rules.aroundTransaction(ctx, "putRule", ['{"id":1}']), (e: Error) => {
      assert.ok(!e.message.startsWith(CHAINCODE_ERROR_PREFIX));
      return true;
    });
  });

  it("refuses a reached module that imports what chaincode may not use, naming the file and the import", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        {
          "ledger/contracts/index.ts": `import { DatabaseSync } from "node:sqlite";\nexport const x = DatabaseSync;\n`,
        },
        /src\/ledger\/contracts\/index\.ts imports "node:sqlite", which chaincode may not use/,
      ],
      [
        {
          "ledger/contracts/index.ts": `export { helper } from "./helper.ts";\n`,
          "ledger/contracts/helper.ts": `import pg from "pg";\nexport const helper = pg;\n`,
        },
        /src\/ledger\/contracts\/helper\.ts imports "pg", which chaincode may not use/,
      ],
      [
        {
          "ledger/contracts/index.ts": `import { engine } from "../engine/engine.ts";\nexport const x = engine;\n`,
          "ledger/engine/engine.ts": `export const engine = 1;\n`,
        },
        /src\/ledger\/contracts\/index\.ts imports "\.\.\/engine\/engine\.ts" \(src\/ledger\/engine\/engine\.ts\), which chaincode may not contain/,
      ],
      [
        {
          "ledger/contracts/index.ts": `import { b } from "./b.ts";\nexport const a = 1;\nexport const c = b;\n`,
          "ledger/contracts/b.ts": `import { a } from "./index.ts";\nexport const b = a;\n`,
        },
        /cycle: src\/ledger\/contracts\/index\.ts → src\/ledger\/contracts\/b\.ts → src\/ledger\/contracts\/index\.ts/,
      ],
      [
        {
          "ledger/contracts/index.ts": `import { nothing } from "../canonical-json.ts";\nexport const x = nothing;\n`,
        },
        /imports nothing from "\.\.\/canonical-json\.ts", which does not export it/,
      ],
    ];
    for (const [files, message] of cases) {
      const fixture = await makeFixture(files);
      try {
        await assert.rejects(
          buildChaincodePackage({ label: "bad", outFile: path.join(fixture, "bad.tar.gz"), root: fixture }),
          (e: unknown) => {
            assert.ok(e instanceof SerumsError);
            assert.equal(e.code, "LEDGER");
            assert.match(e.message, message);
            return true;
          },
        );
        assert.ok(!existsSync(path.join(fixture, "bad.tar.gz")), "nothing is written");
      } finally {
        await rm(fixture, { recursive: true, force: true });
      }
    }
  });

  it("refuses a label Fabric would refuse", async () => {
    await assert.rejects(
      buildChaincodePackage({ label: "-serums", outFile: path.join(root, "x.tar.gz"), root }),
      (e: unknown) =>
        e instanceof SerumsError && e.code === "BAD_USAGE" && /"-serums" is not valid/.test(e.message),
    );
  });

  it("warns of APIs that Node 18, the chaincode runtime, lacks", async () => {
    const fixture = await makeFixture({
      "ledger/contracts/index.ts": `export function serumsContracts() {\n  return [3, 1, 2].toSorted();\n}\n`,
    });
    try {
      const built = await buildChaincodePackage({
        label: "w",
        outFile: path.join(fixture, "w.tar.gz"),
        root: fixture,
      });
      assert.deepEqual(built.warnings, [
        "src/ledger/contracts/index.ts uses Array.prototype.toSorted (Node 20), which Node 18 lacks",
      ]);
    } finally {
      await rm(fixture, { recursive: true, force: true });
    }
  });

  it("packages the repository's own contracts", {
    skip: !existsSync(path.join(REPO, "src/ledger/contracts/index.ts")),
  }, async () => {
    const out = path.join(REPO, "node_modules/.cache", `serums-own-${process.pid}.tar.gz`);
    try {
      const built = await buildChaincodePackage({ label: "serums_1", outFile: out });
      assert.ok(built.files.includes("ledger/contracts/index.js"));
    } finally {
      await rm(out, { force: true });
    }
  });
});
