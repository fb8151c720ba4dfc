/**
 * The embedded engine gives the same results as the in-memory double: one script of calls —
 * identities, site rules published and revoked, patient rules with their signatures and every
 * refusal, decisions (exclusions, defaults, break-glass, refusals), access history, provenance —
 * runs on both with the same keys and the same clock, and every outcome (result JSON or error
 * code and message), every transaction's writes and events, and the final state must be equal,
 * transaction IDs aside (each ledger has its own; they are replaced by their order of appearance).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import { describeEachEngine } from "../../store/test-engines.ts";
import { canonicalJson } from "../canonical-json.ts";
import { type EngineLedger, engineLedgerFactory } from "./engine-ledger.ts";
import { signPatientRule, signRuleRevocation } from "./signatures.ts";
import { memoryLedger, type TestCaller, type TestLedger } from "./test-context.ts";
import {
  type Consortium,
  callers,
  consortium,
  delivery,
  ids,
  newKey,
  newKeys,
  patientRule,
  publishSigned,
  request,
  siteRule,
  treatingSitePolicy,
  useLedgerFactory,
} from "./test-fixtures.ts";

type Step = (c: Consortium, txIds: string[]) => Promise<string>;

const decide =
  (body: unknown, caller: TestCaller = callers.lakeEd) =>
  (c: Consortium) =>
    c.ledger.submit(caller, "access", "decide", [canonicalJson(body)]);

const narrow = "event:chemotherapy_cycle:ab12";

const SCRIPT: [string, Step][] = [
  [
    "site rule",
    (c) => c.ledger.submit(callers.adminEd, "rules", "publishSiteRule", [canonicalJson(siteRule())]),
  ],
  [
    "site policy",
    (c) => c.ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]),
  ],
  [
    "another site's rule, by the wrong administrator",
    (c) => c.ledger.submit(callers.adminBa, "rules", "publishSiteRule", [canonicalJson(siteRule())]),
  ],
  [
    "Barcelona's rule",
    (c) =>
      c.ledger.submit(callers.adminBa, "rules", "publishSiteRule", [
        canonicalJson(siteRule({ author: "barcelona", id: "ba-nurses", actor: { role: "nurse" } })),
      ]),
  ],
  [
    "revoke Barcelona's rule",
    (c) => c.ledger.submit(callers.adminBa, "rules", "revokeSiteRule", ["ba-nurses"]),
  ],
  ["revoke it again", (c) => c.ledger.submit(callers.adminBa, "rules", "revokeSiteRule", ["ba-nurses"])],
  ["patient rule", (c) => publishSigned(c, "patientA", patientRule())],
  [
    "patient rule signed by another patient",
    (c) =>
      c.ledger.submit(callers.patientA, "rules", "publishPatientRule", [
        canonicalJson(patientRule({ id: "x" })),
        signPatientRule(patientRule({ id: "x" }), c.keys.patientB),
      ]),
  ],
  [
    "patient rule tampered after signing",
    (c) =>
      c.ledger.submit(callers.patientA, "rules", "publishPatientRule", [
        canonicalJson(patientRule({ id: "x", data: ["*"] })),
        signPatientRule(patientRule({ id: "x" }), c.keys.patientA),
      ]),
  ],
  [
    "patient rule carried by another patient",
    (c) =>
      c.ledger.submit(callers.patientB, "rules", "publishPatientRule", [
        canonicalJson(patientRule({ id: "x" })),
        signPatientRule(patientRule({ id: "x" }), c.keys.patientA),
      ]),
  ],
  ["patient rule replayed", (c) => publishSigned(c, "patientA", patientRule())],
  [
    "patient rule of a stranger",
    (c) => publishSigned(c, "patientA", patientRule({ patient: "srm-0000-0000-0000-0000" })),
  ],
  [
    "the patient's exclusion",
    (c) =>
      publishSigned(
        c,
        "patientA",
        patientRule({ id: "hide-one-cycle", effect: "deny", actor: {}, data: [narrow] }),
      ),
  ],
  ["decide", decide(request())],
  ["decide with an exclusion", decide(request({ categories: ["event", narrow] }))],
  ["decide for a patient with no rules", decide(request({ patient: ids.patientB }))],
  [
    "break-glass",
    decide(request({ purpose: "emergency", reason: "unconscious in A&E", categories: ["person"] })),
  ],
  ["decide asked by a doctor", decide(request(), callers.doctorEd)],
  ["decide vouching for another site's user", decide(request(), callers.lakeBa)],
  ["decide for an unknown patient", decide(request({ patient: "srm-0000-0000-0000-0000" }))],
  ["decide, malformed", (c) => c.ledger.submit(callers.lakeEd, "access", "decide", ["{"])],
  [
    "revoke the patient rule",
    (c) =>
      c.ledger.submit(callers.patientA, "rules", "revokePatientRule", [
        ids.patientA,
        "oncology-events",
        signRuleRevocation("oncology-events", 1, c.keys.patientA),
      ]),
  ],
  [
    "revocation with a wrong key",
    (c) =>
      c.ledger.submit(callers.patientA, "rules", "revokePatientRule", [
        ids.patientA,
        "hide-one-cycle",
        signRuleRevocation("hide-one-cycle", 1, newKey()),
      ]),
  ],
  ["decide after the revocation", decide(request())],
  ["access history", (c) => c.ledger.evaluate(callers.patientA, "access", "accessHistory", [ids.patientA])],
  [
    "access history, by the home site",
    (c) => c.ledger.evaluate(callers.adminEd, "access", "accessHistory", [ids.patientA]),
  ],
  [
    "access history, by another patient",
    (c) => c.ledger.evaluate(callers.patientB, "access", "accessHistory", [ids.patientA]),
  ],
  ["rule history", (c) => c.ledger.evaluate(callers.patientA, "rules", "ruleHistory", ["oncology-events"])],
  ["site rules", (c) => c.ledger.evaluate(callers.doctorEd, "rules", "siteRules", ["barcelona"])],
  [
    "notarise",
    (c, txIds) =>
      c.ledger.submit(callers.lakeEd, "provenance", "notarise", [canonicalJson(delivery(txIds[0]!))]),
  ],
  [
    "notarise again",
    (c, txIds) =>
      c.ledger.submit(callers.lakeEd, "provenance", "notarise", [canonicalJson(delivery(txIds[0]!))]),
  ],
  ["provenance", (c) => c.ledger.evaluate(callers.patientA, "provenance", "provenance", ["delivery-0001"])],
  ["identity history", (c) => c.ledger.evaluate(callers.doctorEd, "identities", "history", [ids.patientA])],
];

/**
 * The text with each transaction ID of `ledger` replaced by "tx@<its time>": the clock gives both
 * ledgers the same times for the same calls, while the order in which concurrent transactions
 * commit (the fixtures register identities concurrently) may differ on the engine.
 */
function normaliser(ledger: TestLedger): (text: string) => string {
  const labels = new Map<string, string>();
  for (const tx of ledger.transactions()) {
    for (const { value } of tx.writes) {
      const written = JSON.parse(new TextDecoder().decode(value)) as { txId?: string; at?: string };
      if (written.txId === tx.txId && written.at) labels.set(tx.txId, `tx@${written.at}`);
    }
  }
  return (text) => text.replace(/[0-9a-f]{64}/g, (id) => labels.get(id) ?? id);
}

interface Run {
  outcomes: { step: string; ok?: string; error?: string }[];
  transactions: string[];
  state: string[];
}

async function run(c: Consortium): Promise<Run> {
  const decided: string[] = [];
  const outcomes: Run["outcomes"] = [];
  for (const [step, call] of SCRIPT) {
    try {
      const result = await call(c, decided);
      if (step.startsWith("decide")) decided.push(JSON.parse(result).txId);
      outcomes.push({ step, ok: result });
    } catch (error) {
      assert.ok(error instanceof SerumsError, `${step}: ${String(error)}`);
      outcomes.push({ step, error: `${error.code}: ${error.message}` });
    }
  }
  const norm = normaliser(c.ledger);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    outcomes: outcomes.map((o) => ({
      step: o.step,
      ...(o.ok === undefined ? {} : { ok: norm(o.ok) }),
      ...(o.error === undefined ? {} : { error: norm(o.error) }),
    })),
    transactions: c.ledger
      .transactions()
      .map((t) =>
        canonicalJson({
          txId: norm(t.txId),
          contract: t.contract,
          fn: t.fn,
          writes: t.writes.map((w) => [norm(w.key), norm(text(w.value))]).sort(),
          events: t.events.map((e) => [e.name, norm(text(e.payload))]),
        }),
      )
      .sort(),
    state: c.ledger
      .state()
      .map((kv) => `${JSON.stringify(norm(kv.key))}=${norm(text(kv.value))}`)
      .sort(),
  };
}

describeEachEngine("the engine gives the in-memory double's results", (engine) => {
  const ledgers = engineLedgerFactory(engine);
  after(() => ledgers.closeAll());

  test("the same script, the same keys and clock: equal outcomes, writes, events and state", async () => {
    const keys = newKeys();
    useLedgerFactory(memoryLedger);
    const onMemory = await run(await consortium(keys));
    useLedgerFactory(ledgers.factory);
    let onEngine: Run;
    let ledger: TestLedger;
    try {
      const c = await consortium(keys);
      ledger = c.ledger;
      onEngine = await run(c);
    } finally {
      useLedgerFactory();
    }
    assert.ok((ledger as EngineLedger).network.sites.length === 3);
    for (const [i, expected] of onMemory.outcomes.entries()) {
      assert.deepEqual(onEngine.outcomes[i], expected, `step ${expected.step}`);
    }
    // The script does reach every path: some calls are refused, decisions allow and deny.
    assert.ok(onMemory.outcomes.filter((o) => o.error).length >= 10);
    assert.match(
      onMemory.outcomes.find((o) => o.step === "decide with an exclusion")!.ok!,
      /"except":\["event:chemotherapy_cycle:ab12"\]/,
    );
    assert.deepEqual(onEngine.transactions, onMemory.transactions);
    assert.deepEqual(onEngine.state, onMemory.state);
  });
});
