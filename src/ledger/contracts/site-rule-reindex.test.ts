/**
 * rules.reindexSiteRules: a ledger written before the site-rule index (simulated by a test-only
 * contract that deletes a site's index entries, as such a ledger never had them) decides by
 * default deny until its administrator re-indexes; then its rules are found again. Runs on the
 * in-memory double and, through contracts-on-engine.test.ts, on the embedded engine.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Contract } from "fabric-contract-api";
import type { Rule } from "../../access/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { splitCompositeKey } from "../composite-key.ts";
import type { LedgerContext } from "../contract-context.ts";
import { serumsContracts } from "./index.ts";
import { KEY_TYPES } from "./ledger-keys.ts";
import type { DecideResult, ReindexResult } from "./payloads.ts";
import { publicKeyToBase64 } from "./signatures.ts";
import type { TestLedger } from "./test-context.ts";
import {
  BARCELONA,
  callers,
  EDINBURGH,
  newKey,
  newLedger,
  rejects,
  request,
  siteRule,
  treatingSitePolicy,
} from "./test-fixtures.ts";

/** What an old ledger lacks: removes every index entry of a site (test only; not a Serums contract). */
class DropIndexContract extends Contract {
  constructor() {
    super("test.legacy");
  }

  async dropSiteRuleIndex(ctx: LedgerContext, site: string): Promise<string> {
    let dropped = 0;
    for await (const { key } of ctx.stub.getStateByPartialCompositeKey(KEY_TYPES.siteRuleApplies, [site])) {
      await ctx.stub.deleteState(key);
      dropped++;
    }
    return String(dropped);
  }
}

async function ledgerWithPeople(): Promise<TestLedger> {
  const ledger = await newLedger([...serumsContracts(), new DropIndexContract()]);
  const people = [
    [callers.adminEd, "staff", "administrator", EDINBURGH],
    [callers.adminBa, "staff", "administrator", BARCELONA],
    [callers.lakeEd, "service", "lake", EDINBURGH],
    [callers.patientA, "patient", "patient", EDINBURGH],
  ] as const;
  await Promise.all(
    people.map(([caller, kind, role, site]) =>
      ledger.submit(site === EDINBURGH ? callers.adminEd : callers.adminBa, "identities", "register", [
        canonicalJson({
          serumsId: caller.serumsId,
          kind,
          role,
          site,
          publicKey: publicKeyToBase64(newKey()),
        }),
      ]),
    ),
  );
  return ledger;
}

const decoder = new TextDecoder();

/** The index as stored: each entry's attributes (the place and the rule ID). */
function indexOf(ledger: TestLedger): string[][] {
  return ledger
    .state()
    .filter(({ key }) => splitCompositeKey(key).objectType === KEY_TYPES.siteRuleApplies)
    .map(({ key }) => splitCompositeKey(key).attributes);
}

function indexValues(ledger: TestLedger): unknown[] {
  return ledger
    .state()
    .filter(({ key }) => splitCompositeKey(key).objectType === KEY_TYPES.siteRuleApplies)
    .map(({ value }) => JSON.parse(decoder.decode(value)));
}

async function ask(ledger: TestLedger): Promise<DecideResult> {
  return JSON.parse(await ledger.submit(callers.lakeEd, "access", "decide", [canonicalJson(request())]));
}

const reindex = async (ledger: TestLedger, site = EDINBURGH): Promise<ReindexResult> =>
  JSON.parse(await ledger.submit(callers.adminEd, "rules", "reindexSiteRules", [site]));

const publish = (ledger: TestLedger, rule: Rule) =>
  ledger.submit(callers.adminEd, "rules", "publishSiteRule", [canonicalJson(rule)]);

describe("re-indexing a site's rules (ledgers written before the index)", () => {
  test("rules whose index entries are missing are found again after the re-index; a second run writes nothing", async () => {
    const ledger = await ledgerWithPeople();
    await ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]);
    await publish(ledger, siteRule());
    await publish(ledger, siteRule({ id: "nurses", actor: { role: "nurse" } }));
    await publish(ledger, siteRule({ id: "gone", actor: { role: "clerk" } }));
    await ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["gone"]);
    const before = indexOf(ledger);
    const beforeValues = indexValues(ledger);
    assert.deepEqual(before, [
      [EDINBURGH, "*", "doctor", "*", "doctors-treat"],
      [EDINBURGH, "*", "nurse", "*", "nurses"],
    ]);
    assert.deepEqual((await ask(ledger)).allowed, ["event:chemotherapy_cycle", "person"]);

    // The ledger as it was before the index: the rules are there, the index is not.
    assert.equal(await ledger.submit(callers.adminEd, "test.legacy", "dropSiteRuleIndex", [EDINBURGH]), "2");
    assert.deepEqual(indexOf(ledger), []);
    const blind = await ask(ledger);
    assert.deepEqual(blind.allowed, [], "without its index entry the doctors' rule is not found");

    const result = await reindex(ledger);
    assert.deepEqual(result, { site: EDINBURGH, active: 2, written: 2, removed: 0 });
    assert.deepEqual(indexOf(ledger), before, "the same entries as the rules' own writes made");
    assert.deepEqual(indexValues(ledger), beforeValues);
    const found = await ask(ledger);
    assert.deepEqual(found.allowed, ["event:chemotherapy_cycle", "person"]);
    assert.ok(
      found.decidingRules.some((r) => r.id === "doctors-treat"),
      "decided by the re-indexed rule",
    );

    // Idempotent: nothing to write the second time; a committed re-index changes no state.
    const state = canonicalJson(ledger.state().map(({ key, value }) => [key, decoder.decode(value)]));
    assert.deepEqual(await reindex(ledger), { site: EDINBURGH, active: 2, written: 0, removed: 0 });
    assert.equal(canonicalJson(ledger.state().map(({ key, value }) => [key, decoder.decode(value)])), state);
    const last = ledger.transactions().at(-1)!;
    assert.equal(last.fn, "reindexSiteRules");
    assert.deepEqual(last.writes, []);
  });

  test("an entry no active rule holds is removed; other sites' entries are not touched", async () => {
    const ledger = await ledgerWithPeople();
    await publish(ledger, siteRule());
    await ledger.submit(callers.adminBa, "rules", "publishSiteRule", [
      canonicalJson(siteRule({ id: "ba-doctors", author: BARCELONA })),
    ]);
    await ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["doctors-treat"]);
    assert.deepEqual(indexOf(ledger), [[BARCELONA, "*", "doctor", "*", "ba-doctors"]]);
    // Nothing to do at Edinburgh (its one rule is revoked), and Barcelona's entry stays.
    assert.deepEqual(await reindex(ledger), { site: EDINBURGH, active: 0, written: 0, removed: 0 });
    assert.deepEqual(indexOf(ledger), [[BARCELONA, "*", "doctor", "*", "ba-doctors"]]);
  });

  test("only the site's administrator re-indexes it", async () => {
    const ledger = await ledgerWithPeople();
    await rejects(ledger.submit(callers.adminBa, "rules", "reindexSiteRules", [EDINBURGH]), "FORBIDDEN");
    await rejects(ledger.submit(callers.lakeEd, "rules", "reindexSiteRules", [EDINBURGH]), "FORBIDDEN");
    await rejects(ledger.submit(callers.adminEd, "rules", "reindexSiteRules", ["Not A Site"]), "BAD_REQUEST");
  });
});
