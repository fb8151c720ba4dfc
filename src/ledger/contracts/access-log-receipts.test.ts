/**
 * The request flow end to end on the embedded engine (three sites, majority endorsement, the real
 * contracts): identities registered, site rules published only with a majority of sites, a
 * patient's signed rule, the lake's decision for a doctor, its access-log entry in every peer's
 * Merkle log, a receipt cosigned by the sites that a patient checks offline — and what must fail:
 * a tampered receipt, a peer that rewrote its log, a rule change endorsed by one site.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { decide } from "../../access/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { canonicalJson } from "../canonical-json.ts";
import { assembleEnvelope } from "../engine/envelope.ts";
import { decodePublicKey } from "../engine/keys.ts";
import {
  checkConsistency,
  checkReceipt,
  leafHash,
  MerkleLog,
  makeReceipt,
  openCheckpoint,
  type Receipt,
} from "../merkle/index.ts";
import { ACCESS_LOG_EVENT } from "./access-contract.ts";
import { type EngineLedger, openEngineLedger } from "./engine-ledger.ts";
import type { AccessHistory, DecideResult, SiteRules } from "./payloads.ts";
import { publicKeyToBase64 } from "./signatures.ts";
import {
  type Consortium,
  callers,
  consortium,
  ids,
  newKey,
  patientRule,
  publishSigned,
  rejects,
  request,
  siteRule,
  treatingSitePolicy,
  useLedgerFactory,
} from "./test-fixtures.ts";

const LOG = ACCESS_LOG_EVENT; // the Merkle log is named after the event: "log:access"
const NARROW = "event:chemotherapy_cycle:ab12";
const exclusion = patientRule({ id: "hide-one-cycle", effect: "deny", actor: {}, data: [NARROW] });
const zuyderland = {
  admin: { serumsId: "srm-ad00-0000-0000-0z01", site: "zuyderland", role: "administrator" },
  lake: { serumsId: "srm-1ake-0000-0000-0z01", site: "zuyderland", role: "lake" },
};
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describeEachEngine("access log and receipts on the embedded engine", (engine) => {
  let l: EngineLedger;
  let c: Consortium;
  let witnesses: { name: string; publicKey: ReturnType<typeof decodePublicKey> }[];

  before(async () => {
    l = await openEngineLedger(engine, { reopenable: true });
    useLedgerFactory(async () => l);
    try {
      c = await consortium();
    } finally {
      useLedgerFactory();
    }
    witnesses = l.network.config.sites.map((s) => ({
      name: s.id,
      publicKey: decodePublicKey(s.peerPublicKey),
    }));
  });
  after(() => l.close());

  const ask = async (body: unknown): Promise<DecideResult> =>
    JSON.parse(await l.submit(callers.lakeEd, "access", "decide", [canonicalJson(body)]));

  /** The log as a patient's auditor reads it from a peer's store. */
  async function storedLog(site: string): Promise<{ log: MerkleLog; entries: Uint8Array[] }> {
    const rows = (await l.network.peer(site).store.readLogs()).filter((r) => r.name === LOG);
    const entries = rows.map((r) => Buffer.from(r.payload, "base64"));
    return { log: new MerkleLog(entries.map((e) => leafHash(e))), entries };
  }

  test("identities are registered on every peer, by each site's administrator", async () => {
    for (const [name, kind] of [
      ["admin", "staff"],
      ["lake", "service"],
    ] as const) {
      const who = zuyderland[name];
      await rejects(
        l.submit(callers.adminEd, "identities", "register", [
          canonicalJson({
            serumsId: who.serumsId,
            kind,
            role: who.role,
            site: who.site,
            publicKey: publicKeyToBase64(newKey()),
          }),
        ]),
        "FORBIDDEN",
        /site "zuyderland"/,
      );
      // Zuyderland's first administrator is vouched for by its CA certificate alone.
      await l.submit(zuyderland.admin, "identities", "register", [
        canonicalJson({
          serumsId: who.serumsId,
          kind,
          role: who.role,
          site: who.site,
          publicKey: publicKeyToBase64(newKey()),
        }),
      ]);
    }
    for (const site of l.network.sites) {
      for (const id of [ids.patientA, ids.doctorEd, zuyderland.lake.serumsId]) {
        const got = JSON.parse(
          await l.network.evaluate(l.signer(callers.doctorEd), "identities", "get", [id], {
            site,
            timestamp: l.tick(),
          }),
        );
        assert.equal(got.serumsId, id, `${id} on ${site}`);
      }
    }
  });

  test("site rules need a majority of sites: endorsed by one site, the change is refused and changes nothing", async () => {
    await l.submit(callers.adminEd, "rules", "publishSiteRule", [canonicalJson(siteRule())]);
    await l.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]);
    const height = l.network.peer("edinburgh").height;
    await rejects(
      l.network.submit(
        l.signer(callers.adminEd),
        "rules",
        "publishSiteRule",
        [canonicalJson(siteRule({ version: 2, data: ["*"], purposes: ["research"] }))],
        { endorsers: ["edinburgh"], timestamp: l.tick() },
      ),
      "ENDORSEMENT",
    );
    await l.network.settle(); // the refusal comes from the first peer to mark it; let all commit
    assert.ok(
      l.network.peer("edinburgh").height > height,
      "the transaction was ordered, then marked invalid",
    );
    for (const site of l.network.sites) {
      const rules: SiteRules = JSON.parse(
        await l.network.evaluate(l.signer(callers.doctorEd), "rules", "siteRules", ["edinburgh"], {
          site,
          timestamp: l.tick(),
        }),
      );
      assert.deepEqual(
        rules.rules.map((r) => r.rule),
        [siteRule()],
        `unchanged on ${site}`,
      );
    }
  });

  let decided: DecideResult;

  test("the lake decides for a doctor: allowed, exclusions and deciding rules as src/access says, logged on every peer alike", async () => {
    await publishSigned(c, "patientA", patientRule());
    await publishSigned(c, "patientA", exclusion);
    const body = request({ categories: ["event", NARROW, "person"] });
    decided = await ask(body);
    const { txId, at, ...decision } = decided;
    const expected = decide({ ...body, at }, [siteRule(), exclusion, patientRule()], treatingSitePolicy());
    assert.deepEqual(decision, JSON.parse(canonicalJson(expected)));
    assert.deepEqual(decided.allowed, ["event"]);
    assert.deepEqual(decided.denied, [NARROW, "person"]);
    assert.deepEqual(decided.categories[0]?.except, [NARROW]);
    assert.deepEqual(decided.decidingRules, [
      { id: "doctors-treat", version: 1 },
      { id: "hide-one-cycle", version: 1 },
      { id: "oncology-events", version: 1 },
    ]);

    const places = await Promise.all(l.network.sites.map((s) => l.network.peer(s).logEntries(txId)));
    const [first] = places[0]!;
    assert.equal(first?.name, LOG);
    const entry = JSON.parse(text(first!.entry));
    assert.equal(entry.txId, txId);
    assert.deepEqual(entry.exclusions, [{ category: "event", except: [NARROW] }]);
    for (const [i, site] of l.network.sites.entries()) {
      assert.equal(places[i]!.length, 1, site);
      assert.equal(places[i]![0]!.index, first!.index, `same index on ${site}`);
      assert.deepEqual(places[i]![0]!.entry, first!.entry, `same entry on ${site}`);
    }
    const roots = l.network.sites.map((s) => Buffer.from(l.network.peer(s).logs.root(LOG)).toString("hex"));
    assert.equal(new Set(roots).size, 1, "one root on every peer");
  });

  test("every endorser computes the same decision (the proposal's time, not the clock)", async () => {
    const signed = l.network.proposal(
      l.signer(callers.lakeEd),
      "access",
      "decide",
      [canonicalJson(request())],
      {
        timestamp: l.tick(),
      },
    );
    const responses = await l.network.endorse(signed, l.network.sites);
    assert.equal(responses.length, 3);
    assert.equal(
      new Set(responses.map((r) => r.response)).size,
      1,
      "identical read/write sets, results, events",
    );
    const envelope = assembleEnvelope(signed, responses);
    await l.network.order(envelope);
  });

  test("two decisions for one patient in the same block both commit: no MVCC hot spot on the access log", async () => {
    const signer = l.signer(callers.lakeEd);
    const proposals = [request(), request({ categories: ["person"] })].map((body) =>
      l.network.proposal(signer, "access", "decide", [canonicalJson(body)], { timestamp: l.tick() }),
    );
    const envelopes = await Promise.all(
      proposals.map(async (p) => assembleEnvelope(p, await l.network.endorse(p))),
    );
    const [a, b] = await Promise.all(envelopes.map((e) => l.network.order(e)));
    assert.equal(a!.block, b!.block, "ordered into one block");
    const history: AccessHistory = JSON.parse(
      await l.evaluate(callers.patientA, "access", "accessHistory", [ids.patientA]),
    );
    const txIds = history.entries.map((e) => e.txId);
    assert.ok(txIds.includes(a!.txId) && txIds.includes(b!.txId), "both entries are in the log");
  });

  test("accessHistory (a query on any peer) lists the entries in time order", async () => {
    // A decision dated before the others (09:00 on): within the skew bound of the last block's
    // time (about 09:00:34), since a block's time never goes back and bounds its transactions'.
    l.setTime("2025-03-01T08:58:00.000Z");
    const early = await ask(request());
    const views = await Promise.all(
      l.network.sites.map((site) =>
        l.network.evaluate(l.signer(callers.patientA), "access", "accessHistory", [ids.patientA], {
          site,
          timestamp: l.tick(),
        }),
      ),
    );
    assert.equal(new Set(views).size, 1, "the same history on every peer");
    const history: AccessHistory = JSON.parse(views[0]!);
    const times = history.entries.map((e) => e.at);
    assert.deepEqual(times, [...times].sort());
    assert.equal(history.entries[0]?.txId, early.txId);
    assert.ok(history.entries.length >= 5);
  });

  let earlier: string;

  test("a receipt from the sites' cosigned checkpoint checks offline; tampered, it fails", async () => {
    earlier = l.network.cosignedCheckpoint(LOG);
    const { log } = await storedLog("barcelona");
    const [place] = await l.network.peer("barcelona").logEntries(decided.txId);
    const receipt = makeReceipt(place!.entry, place!.index, log, earlier);
    const checked = checkReceipt(JSON.parse(JSON.stringify(receipt)), witnesses, 2);
    assert.deepEqual(checked.signedBy.sort(), ["barcelona", "edinburgh", "zuyderland"]);
    assert.equal(JSON.parse(text(checked.entry)).txId, decided.txId);
    assert.equal(checked.checkpoint.size, l.network.peer("edinburgh").logs.size(LOG));

    const forged = (change: Partial<Receipt>) => ({ ...receipt, ...change });
    const entry = JSON.parse(text(place!.entry));
    const widened = Buffer.from(canonicalJson({ ...entry, allowed: ["*"] })).toString("base64");
    const fails = (value: unknown, code: string, quorum = 2) =>
      assert.throws(
        () => checkReceipt(value, witnesses, quorum),
        (e: unknown) => e instanceof SerumsError && e.code === code,
      );
    fails(forged({ entry: widened }), "TAMPERED");
    fails(forged({ index: (receipt.index + 1) % checked.checkpoint.size }), "TAMPERED");
    const proof = [...receipt.inclusion];
    proof[0] = Buffer.alloc(32, 7).toString("base64");
    fails(forged({ inclusion: proof }), "TAMPERED");
    const lines = receipt.checkpoint.split("\n");
    const sig = lines.findIndex((line) => line.startsWith("— edinburgh "));
    lines[sig] = `${lines[sig]!.slice(0, -6)}AAAAA=`;
    fails(forged({ checkpoint: lines.join("\n") }), "BAD_SIGNATURE");
    const lonely = l.network.cosignedCheckpoint(LOG, ["edinburgh"]);
    fails(forged({ checkpoint: lonely }), "BAD_SIGNATURE");
    assert.equal(checkReceipt(receipt, witnesses, 3).signedBy.length, 3, "every site cosigned");
  });

  test("a peer whose log was rewritten: its checkpoint is inconsistent with the earlier cosigned one, and verify names it", async () => {
    const before = openCheckpoint(earlier, witnesses, 2).checkpoint;
    await ask(request()); // the log grows past the earlier checkpoint
    const target = l.network.peer("zuyderland");
    const [row] = (await target.store.readLogs()).filter((r) => r.name === LOG && r.index === 0);
    const rewritten = { ...JSON.parse(text(Buffer.from(row!.payload, "base64"))), allowed: [] };
    await target.store.store.run("UPDATE ledger_logs SET entry = $1 WHERE name = $2 AND idx = 0", [
      Buffer.from(canonicalJson(rewritten)).toString("base64"),
      LOG,
    ]);
    await l.network.stopPeer("zuyderland");
    await l.network.startPeer("zuyderland"); // its Merkle log is rebuilt from the rewritten table

    const honest = l.network.peer("edinburgh");
    checkConsistency(before, honest.checkpoint(LOG), honest.logs.consistencyProof(LOG, before.size));

    const own = l.network.cosignedCheckpoint(LOG, ["zuyderland"]);
    const liar = openCheckpoint(own, witnesses, 1).checkpoint;
    assert.equal(liar.size, honest.checkpoint(LOG).size);
    const proof = l.network.peer("zuyderland").logs.consistencyProof(LOG, before.size);
    assert.throws(
      () => checkConsistency(before, liar, proof),
      (e: unknown) => e instanceof SerumsError && e.code === "TAMPERED",
    );
    assert.throws(
      () => openCheckpoint(own, witnesses, 2),
      (e: unknown) => e instanceof SerumsError && e.code === "BAD_SIGNATURE",
      "no quorum for the rewritten log",
    );
    assert.throws(
      () => l.network.cosignedCheckpoint(LOG, ["zuyderland", "edinburgh"]),
      (e: unknown) => e instanceof SerumsError && e.code === "TAMPERED",
      "an honest peer refuses to cosign the rewritten log",
    );

    const reports = await l.network.verify();
    const bad = reports.filter((r) => !r.ok);
    assert.deepEqual(
      bad.map((r) => r.site),
      ["zuyderland"],
    );
    assert.match(bad[0]!.problem!.reason, /log log:access entry 0 differs/);
  });
});
