import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PostgresStore } from "../store/index.ts";

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "main.ts");
const ROOT = path.resolve(path.dirname(MAIN), "../..");
const BIN = path.join(ROOT, "bin", "serums");
const ENV = { DATABASE_URL: "", SERUMS_DB: "", SERUMS_LEDGER_DIR: "" };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs several `serums` calls in one child process (one start-up instead of one per call), each
 * through main() with its output captured. The child must then exit by itself: a store left open
 * would keep it alive past the timeout.
 */
function serumsCalls(calls: string[][], env: Record<string, string> = {}): Run[] {
  const script = `
    const { main } = await import(${JSON.stringify(pathToFileURL(MAIN).href)});
    const results = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    for (const args of JSON.parse(process.env.SERUMS_TEST_CALLS)) {
      const run = { code: 0, stdout: "", stderr: "" };
      process.stdout.write = (chunk) => { run.stdout += chunk; return true; };
      process.stderr.write = (chunk) => { run.stderr += chunk; return true; };
      try { run.code = await main(args); } finally { process.stdout.write = out; process.stderr.write = err; }
      results.push(run);
    }
    out(JSON.stringify(results));`;
  const result = spawnSync(process.execPath, ["--no-warnings", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...ENV, ...env, SERUMS_TEST_CALLS: JSON.stringify(calls) },
  });
  assert.equal(
    result.status,
    0,
    `the child ended with ${result.status} ${result.signal ?? ""}: ${result.stderr}`,
  );
  return JSON.parse(result.stdout) as Run[];
}

function serums(args: string[], env: Record<string, string> = {}): Run {
  return serumsCalls([args], env)[0]!;
}

function modeOf(file: string): number {
  return statSync(file).mode & 0o777;
}

describe("serums ledger", () => {
  let tmp: string;
  let dir: string;
  let receiptFile: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "serums-ledger-cli-"));
    dir = path.join(tmp, "ledger");
    receiptFile = path.join(tmp, "receipt.json");
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("init creates the consortium with 0600 keys and its identities, and refuses a second init", () => {
    const first = spawnSync(BIN, ["ledger", "init", "--dir", dir, "--json"], {
      cwd: tmp,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, ...ENV },
    });
    assert.equal(first.status, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.deepEqual(
      report.sites.map((s: { id: string; country: string }) => `${s.id}:${s.country}`),
      ["edinburgh:GB", "barcelona:ES", "zuyderland:NL"],
    );
    assert.ok(report.height >= 2, "the genesis block and the registrations");
    const keys = ["orderer.key"];
    for (const site of ["edinburgh", "barcelona", "zuyderland"]) {
      keys.push(`sites/${site}/ca.key`, `sites/${site}/peer.key`);
      keys.push(`users/${site}/administrator.key`, `users/${site}/lake.key`);
      assert.ok(existsSync(path.join(dir, "peers", `${site}.db`)), `${site}'s peer store`);
      assert.match(report.sites.find((s: { id: string }) => s.id === site).administrator, /^srm-/);
    }
    for (const key of keys) assert.equal(modeOf(path.join(dir, key)), 0o600, key);
    const config = readFileSync(path.join(dir, "consortium.json"), "utf8");
    assert.doesNotMatch(config, /PRIVATE/);
    assert.equal(JSON.parse(config).sites.length, 3);

    const again = serums(["ledger", "init", "--dir", dir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /a consortium already exists at .*ledger.*--force/);
    assert.equal(readFileSync(path.join(dir, "consortium.json"), "utf8"), config, "left as it was");
  });

  it("demo decides, logs and prints; a receipt checks offline, and fails when edited or under other keys", () => {
    const [demo, text, history] = serumsCalls([
      ["ledger", "demo", "--dir", dir, "--json"],
      ["ledger", "demo", "--dir", dir],
      ["ledger", "status", "--dir", dir, "--json"],
    ]);
    assert.equal(demo!.code, 0, demo!.stderr);
    const report = JSON.parse(demo!.stdout);
    const [treatment, research, byDefault, emergency] = report.decisions.map(
      (d: { decision: unknown }) => d.decision,
    );
    assert.deepEqual(treatment.allowed, ["person", "event"]);
    assert.deepEqual(treatment.categories[1].except, ["event:genetic_test"]);
    assert.deepEqual(research.allowed, []);
    assert.deepEqual(research.decidingRules, [{ id: "no-research", version: 1 }]);
    assert.deepEqual(byDefault.allowed, ["event"]);
    assert.equal(emergency.breakGlass, true);
    assert.deepEqual(emergency.denied, ["event:genetic_test"], "the patient refused break-glass for it");
    assert.equal(report.history.entries.length, 3);
    assert.equal(report.history.breakGlassCount, 1);
    assert.equal(text!.code, 0, text!.stderr);
    assert.match(text!.stdout, /patient A, research: asks event → DENIED/);
    assert.match(text!.stdout, /ALLOWED BY BREAK-GLASS \(in part\)/);
    assert.match(text!.stdout, /\[already in force\]/, "the second run reuses the site's rules");
    const status = JSON.parse(history!.stdout);
    assert.equal(new Set(status.peers.map((p: { lastBlockHash: string }) => p.lastBlockHash)).size, 1);
    assert.equal(status.peers[0].accessLog.size, 8);

    const patient = report.patients.A as string;
    const [receipt, checked, listed] = serumsCalls([
      ["ledger", "receipt", emergency.txId, "--dir", dir, "--out", receiptFile],
      ["ledger", "check-receipt", receiptFile, "--dir", dir],
      ["ledger", "history", patient, "--dir", dir, "--json"],
    ]);
    assert.equal(receipt!.code, 0, receipt!.stderr);
    assert.equal(checked!.code, 0, checked!.stderr);
    assert.match(checked!.stdout, /verified: signed by edinburgh, barcelona, zuyderland/);
    assert.match(checked!.stdout, new RegExp(`tx\\s+${emergency.txId}`));
    assert.match(checked!.stdout, /purpose\s+emergency/);
    assert.match(checked!.stdout, /breakGlass YES/);
    assert.match(checked!.stdout, new RegExp(`patient\\s+${patient}`));
    assert.deepEqual(
      JSON.parse(listed!.stdout).entries.map((e: { txId: string }) => e.txId),
      [treatment.txId, research.txId, emergency.txId],
    );

    // One byte of the entry changed; a config of another consortium; not a receipt at all.
    const text2 = readFileSync(receiptFile, "utf8");
    const at = text2.indexOf('"entry": "') + 30;
    const edited = path.join(tmp, "edited.json");
    writeFileSync(edited, `${text2.slice(0, at)}${text2[at] === "A" ? "B" : "A"}${text2.slice(at + 1)}`);
    const malformed = path.join(tmp, "malformed.json");
    writeFileSync(malformed, '{"version":1,"entry":"AAAA"}');
    const other = path.join(tmp, "other");
    const [tampered, , foreign, bad, quorum] = serumsCalls([
      ["ledger", "check-receipt", edited, "--dir", dir],
      ["ledger", "init", "--dir", other, "--sites", "a:GB,b:ES,c:NL"],
      ["ledger", "check-receipt", receiptFile, "--consortium", path.join(other, "consortium.json")],
      ["ledger", "check-receipt", malformed, "--dir", dir],
      ["ledger", "check-receipt", receiptFile, "--dir", dir, "--quorum", "4"],
    ]);
    assert.equal(tampered!.code, 1);
    assert.match(
      tampered!.stderr,
      /edited\.json does not verify: the entry is not in the log .*\[TAMPERED\]/,
    );
    assert.equal(foreign!.code, 1);
    assert.match(foreign!.stderr, /signed by 0 of the 2 witnesses required .*known: a, b, c.*\[TAMPERED\]/);
    assert.equal(bad!.code, 2);
    assert.match(bad!.stderr, /malformed\.json: receipt\.index/);
    assert.equal(quorum!.code, 2);
    assert.match(quorum!.stderr, /--quorum 4 must be a whole number from 1 to 3/);
  });

  it("revoke: a majority of sites' administrators revoke the demo doctor's certificate; the doctor is refused, verify passes", async () => {
    const [demo, listed, badDays] = serumsCalls([
      ["ledger", "demo", "--dir", dir, "--json"],
      ["ledger", "certificates", "--dir", dir, "--json"],
      ["ledger", "init", "--dir", path.join(tmp, "other"), "--cert-days", "0"],
    ]);
    assert.equal(demo!.code, 0, demo!.stderr);
    const doctor = JSON.parse(demo!.stdout).doctor;
    assert.equal(modeOf(path.join(dir, doctor.file.replace(/\.cert\.json$/, ".key"))), 0o600);
    assert.equal(badDays!.code, 2);
    assert.match(badDays!.stderr, /--cert-days "0" must be a whole number of days/);
    const before = JSON.parse(listed!.stdout);
    const row = before.certificates.find(
      (c: { fingerprint: string }) => c.fingerprint === doctor.fingerprint,
    );
    assert.ok(row, "the demo's doctor is listed");
    assert.equal(row.role, "doctor");
    assert.equal(row.revoked, undefined);
    const admin = before.certificates.find((c: { name: string }) => c.name === "administrator");
    assert.equal(
      Date.parse(admin.expiresAt) - Date.parse(admin.issuedAt),
      365 * 86_400_000,
      "init's default: a year",
    );
    assert.equal(Date.parse(row.expiresAt) - Date.parse(row.issuedAt), 365 * 86_400_000);

    const { withLedger } = await import("./commands/ledger-context.ts");
    const { readSigner } = await import("../ledger/index.ts");
    const site = doctor.file.split("/")[1] as string;
    const name = path.basename(doctor.file, ".cert.json");
    const decideAsDoctor = () =>
      withLedger({ dir }, async (session) => {
        const signer = readSigner(dir, site, name);
        const request = {
          requester: { serumsId: doctor.serumsId, role: "doctor", site, department: "oncology" },
          patient: JSON.parse(demo!.stdout).patients.A,
          categories: ["person"],
          purpose: "treatment",
        };
        await session.network.submit(signer, "access", "decide", [JSON.stringify(request)]);
      });
    // Before: the certificate is good; the contract refuses a doctor asking directly (not a service).
    await assert.rejects(decideAsDoctor(), (e: Error & { code?: string }) => {
      assert.equal(e.code, "FORBIDDEN", e.message);
      assert.doesNotMatch(e.message, /revoked/);
      return true;
    });

    const [revoked, again, unknown, badPrint, after, verify] = serumsCalls([
      [
        "ledger",
        "revoke",
        "--dir",
        dir,
        "--cert",
        doctor.fingerprint,
        "--reason",
        "left the hospital",
        "--json",
      ],
      ["ledger", "revoke", "--dir", dir, "--cert", doctor.fingerprint, "--reason", "again"],
      ["ledger", "revoke", "--dir", dir, "--cert", "0".repeat(64), "--reason", "lost"],
      ["ledger", "revoke", "--dir", dir, "--cert", "ABC", "--reason", "lost"],
      ["ledger", "certificates", "--dir", dir, "--json"],
      ["ledger", "verify", "--dir", dir],
    ]);
    assert.equal(revoked!.code, 0, revoked!.stderr);
    const report = JSON.parse(revoked!.stdout);
    assert.match(report.txId, /^[0-9a-f]{64}$/);
    assert.deepEqual(report.revoked.approvedBy.length, 2, "a majority of the 3 sites");
    assert.deepEqual(
      report.revocations.map((r: { fingerprint: string }) => r.fingerprint),
      [doctor.fingerprint],
    );
    assert.equal(again!.code, 2);
    assert.match(again!.stderr, new RegExp(`already revoked \\(transaction ${report.txId}`));
    assert.equal(unknown!.code, 2);
    assert.match(unknown!.stderr, /is no certificate of the consortium/);
    assert.equal(badPrint!.code, 2);
    assert.match(badPrint!.stderr, /--cert "ABC" is not a certificate fingerprint/);
    const now = JSON.parse(after!.stdout);
    const revokedRow = now.certificates.find(
      (c: { fingerprint: string }) => c.fingerprint === doctor.fingerprint,
    );
    assert.equal(revokedRow.revoked.txId, report.txId);
    assert.equal(revokedRow.revoked.reason, "left the hospital");
    assert.equal(
      now.certificates.filter((c: { revoked?: unknown }) => c.revoked).length,
      1,
      "no other certificate revoked",
    );

    // After: every peer refuses the certificate, naming the revocation.
    await assert.rejects(decideAsDoctor(), (e: Error & { code?: string }) => {
      assert.equal(e.code, "BAD_SIGNATURE", e.message);
      assert.match(e.message, new RegExp(`revoked by transaction ${report.txId}.*left the hospital`));
      return true;
    });
    assert.equal(verify!.code, 0, verify!.stdout + verify!.stderr);
    assert.match(verify!.stdout, /All 3 peers verify/);
  });

  it("verify names a peer whose world state was edited in its store; rebuild restores it", () => {
    const db = new DatabaseSync(path.join(dir, "peers", "zuyderland.db"));
    // The newest break-glass entry of the access log (later rows may be other keys, such as the
    // revocation list the revoke test wrote).
    const row = (
      db.prepare("SELECT key, value, block FROM ledger_world_state ORDER BY block DESC, tx DESC").all() as {
        key: string;
        value: string;
        block: number;
      }[]
    ).find((r) => Buffer.from(r.value, "base64").toString().includes('"breakGlass":true'))!;
    const forged = Buffer.from(
      Buffer.from(row.value, "base64").toString().replace('"breakGlass":true', '"breakGlass":false'),
    );
    db.prepare("UPDATE ledger_world_state SET value = ? WHERE key = ?").run(
      forged.toString("base64"),
      row.key,
    );
    db.close();

    const [bad, badJson, rebuilt, good] = serumsCalls([
      ["ledger", "verify", "--dir", dir],
      ["ledger", "verify", "--dir", dir, "--site", "zuyderland", "--json"],
      ["ledger", "rebuild", "--dir", dir, "--site", "zuyderland", "--from", "edinburgh"],
      ["ledger", "verify", "--dir", dir],
    ]);
    assert.equal(bad!.code, 1);
    assert.match(bad!.stdout, /edinburgh\s+OK\s+height \d+/);
    assert.match(
      bad!.stdout,
      new RegExp(
        `zuyderland\\s+TAMPERED\\s+first bad: block ${row.block}, transaction \\d+: world state holds a value`,
      ),
    );
    assert.equal(badJson!.code, 1);
    assert.equal(JSON.parse(badJson!.stdout)[0].problem.block, Number(row.block));
    assert.equal(rebuilt!.code, 0, rebuilt!.stderr);
    assert.match(rebuilt!.stdout, /Rebuilt the peer of zuyderland from edinburgh: \d+ blocks fetched/);
    assert.match(rebuilt!.stdout, /verify: OK/);
    assert.equal(good!.code, 0, good!.stdout);
    assert.match(good!.stdout, /All 3 peers verify/);
  });

  it("package writes the Fabric chaincode package", () => {
    const out = path.join(tmp, "cc", "serums.tar.gz");
    const run = serums(["ledger", "package", "--out", out, "--label", "serums_test", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const built = JSON.parse(run.stdout);
    assert.match(built.packageId, /^serums_test:[0-9a-f]{64}$/);
    assert.deepEqual([...readFileSync(out).subarray(0, 2)], [0x1f, 0x8b], "gzip");
  });

  it("has --help for every verb, and exits 2 on bad usage naming the flag", () => {
    const verbs = [
      "init",
      "demo",
      "history",
      "receipt",
      "check-receipt",
      "verify",
      "rebuild",
      "status",
      "package",
    ];
    const none = path.join(tmp, "none");
    const runs = serumsCalls([
      ["ledger", "--help"],
      ["ledger"],
      ...verbs.map((verb) => ["ledger", verb, "--help"]),
      ["ledger", "verify", "--dir", dir, "--bogus"],
      ["ledger", "init", "--dir", none, "--sites", "Edinburgh:GB"],
      ["ledger", "rebuild", "--dir", dir, "--site", "zuyderland"],
      ["ledger", "rebuild", "--dir", dir, "--site", "zuyderland", "--from", "atlantis"],
      ["ledger", "status", "--dir", none],
      ["ledger", "history", "not-an-id", "--dir", dir],
      ["ledger", "package", "--label", "no spaces"],
      ["ledger", "frobnicate"],
      ["ledger", "init", "--dir", none, "--db", "ledger.db"],
    ]);
    const [help, bare, ...rest] = runs;
    assert.equal(help!.code, 0);
    assert.match(help!.stdout, /check-receipt FILE/);
    assert.equal(bare!.code, 2);
    verbs.forEach((verb, i) => {
      assert.equal(rest[i]!.code, 0, verb);
      assert.match(rest[i]!.stdout, new RegExp(`^Usage: serums ledger ${verb}`), verb);
    });
    const expected: [number, RegExp][] = [
      [2, /Unknown option '--bogus'/],
      [2, /--sites item "Edinburgh:GB" is not SITE:CC/],
      [2, /--from is required/],
      [2, /--from "atlantis" is not a site of the consortium; valid: edinburgh, barcelona, zuyderland/],
      [2, /no consortium at .*none; run serums ledger init \[NOT_FOUND\]/],
      [2, /PATIENT "not-an-id" is not a Serums ID/],
      [2, /--label "no spaces" is not a Fabric chaincode label/],
      [2, /unknown command "ledger frobnicate"; valid: init, demo/],
      [2, /--db "ledger\.db" is not a postgres:\/\/ URL/],
    ];
    expected.forEach(([code, message], i) => {
      const run = rest[verbs.length + i]!;
      assert.equal(run.code, code, `${message}: ${run.stderr}`);
      assert.match(run.stderr, message);
    });
    assert.equal(existsSync(none), false, "bad usage left nothing behind");
  });
});

const PG_URL = process.env.SERUMS_TEST_PG_URL;

describe("serums ledger on PostgreSQL", { skip: PG_URL ? false : "SERUMS_TEST_PG_URL is not set" }, () => {
  const tag = randomBytes(3).toString("hex");
  const sites = [`ed-${tag}`, `ba-${tag}`, `zu-${tag}`];
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "serums-ledger-pg-"));
  });
  after(async () => {
    rmSync(tmp, { recursive: true, force: true });
    const admin = new PostgresStore(PG_URL!);
    for (const site of sites)
      await admin.exec(`DROP SCHEMA IF EXISTS ledger_${site.replace(/-/g, "_")} CASCADE`);
    await admin.close();
  });

  it("keeps each peer in its own schema; verify finds an edit there and rebuild repairs it", async () => {
    const dir = path.join(tmp, "ledger");
    const env = { DATABASE_URL: PG_URL! };
    const [init, demo, status] = serumsCalls(
      [
        [
          "ledger",
          "init",
          "--dir",
          dir,
          "--sites",
          sites.map((s, i) => `${s}:${["GB", "ES", "NL"][i]}`).join(","),
        ],
        ["ledger", "demo", "--dir", dir, "--json"],
        ["ledger", "status", "--dir", dir, "--json"],
      ],
      env,
    );
    assert.equal(init!.code, 0, init!.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(dir, "peers.json"), "utf8")).engine, "postgres");
    assert.equal(demo!.code, 0, demo!.stderr);
    assert.match(JSON.parse(status!.stdout).peers[2].store, new RegExp(`schema ledger_zu_${tag}`));
    assert.equal(
      serums(["ledger", "status", "--dir", dir]).code,
      2,
      "without the URL the peers are not found",
    );

    const schema = `ledger_zu_${tag}`;
    const store = new PostgresStore(PG_URL!, { schema });
    const row = await store.get<{ block: string }>(
      "UPDATE ledger_world_state SET value = $1 WHERE key = (SELECT key FROM ledger_world_state ORDER BY block DESC LIMIT 1) RETURNING block",
      [Buffer.from("{}").toString("base64")],
    );
    await store.close();
    const [bad, rebuilt, good] = serumsCalls(
      [
        ["ledger", "verify", "--dir", dir],
        ["ledger", "rebuild", "--dir", dir, "--site", sites[2]!, "--from", sites[0]!],
        ["ledger", "verify", "--dir", dir],
      ],
      env,
    );
    assert.equal(bad!.code, 1);
    assert.match(bad!.stdout, new RegExp(`${sites[2]}\\s+TAMPERED\\s+first bad: block ${row!.block},`));
    assert.equal(rebuilt!.code, 0, rebuilt!.stderr);
    assert.equal(good!.code, 0, good!.stdout);
  });
});
