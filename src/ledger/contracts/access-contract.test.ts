import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decide } from "../../access/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { ACCESS_LOG_EVENT } from "./access-contract.ts";
import type { AccessHistory, AccessLogEntry, DecideResult } from "./payloads.ts";
import { signRuleRevocation } from "./signatures.ts";
import type { TestCaller } from "./test-context.ts";
import {
  BARCELONA,
  type Consortium,
  callers,
  consortium,
  EDINBURGH,
  ids,
  patientRule,
  publishSigned,
  rejects,
  request,
  sha256,
  siteRule,
  treatingSitePolicy,
} from "./test-fixtures.ts";

async function ask(c: Consortium, body: unknown, caller: TestCaller = callers.lakeEd): Promise<DecideResult> {
  return JSON.parse(await c.ledger.submit(caller, "access", "decide", [canonicalJson(body)]));
}

async function historyOf(
  c: Consortium,
  patient: string,
  caller: TestCaller = callers.patientA,
): Promise<AccessHistory> {
  return JSON.parse(await c.ledger.evaluate(caller, "access", "accessHistory", [patient]));
}

/** Edinburgh's doctors rule, its treating-site policy, and patient A's oncology rule. */
async function withRules(): Promise<Consortium> {
  const c = await consortium();
  await c.ledger.submit(callers.adminEd, "rules", "publishSiteRule", [canonicalJson(siteRule())]);
  await c.ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]);
  await publishSigned(c, "patientA", patientRule());
  return c;
}

describe("access contract: decide", () => {
  test("returns what src/access decides, and writes exactly one log entry and one event", async () => {
    const c = await withRules();
    const before = c.ledger.transactions().length;
    const result = await ask(c, request());
    const { txId, at, ...decision } = result;
    const expected = decide({ ...request(), at }, [siteRule(), patientRule()], treatingSitePolicy());
    assert.deepEqual(decision, JSON.parse(canonicalJson(expected)));
    assert.deepEqual(decision.allowed, ["event:chemotherapy_cycle"]);
    assert.deepEqual(decision.denied, ["person"]);

    const txs = c.ledger.transactions().slice(before);
    assert.equal(txs.length, 1);
    const [tx] = txs;
    assert.equal(tx?.txId, txId);
    assert.equal(tx?.writes.length, 1, "one write: the log entry");
    assert.equal(tx?.events.length, 1, "one event");
    assert.equal(tx?.events[0]?.name, ACCESS_LOG_EVENT);
    assert.deepEqual(
      tx?.events[0]?.payload,
      tx?.writes[0]?.value,
      "the event carries the entry's canonical bytes",
    );
    const entry: AccessLogEntry = JSON.parse(new TextDecoder().decode(tx?.writes[0]?.value));
    assert.deepEqual(entry, {
      txId,
      at,
      requester: request().requester,
      patient: ids.patientA,
      purpose: "treatment",
      asked: ["event:chemotherapy_cycle", "person"],
      allowed: ["event:chemotherapy_cycle"],
      denied: ["person"],
      breakGlass: false,
      exclusions: [],
      decidingRules: [
        { id: "doctors-treat", version: 1 },
        { id: "oncology-events", version: 1 },
      ],
    });
  });

  test("permit with exclusions: the narrower categories a deny removes are returned and logged", async () => {
    const c = await withRules();
    const narrow = "event:chemotherapy_cycle:ab12";
    await publishSigned(
      c,
      "patientA",
      patientRule({ id: "hide-one-cycle", effect: "deny", actor: {}, data: [narrow] }),
    );
    const result = await ask(c, request({ categories: ["event", narrow] }));
    assert.deepEqual(result.allowed, ["event"]);
    assert.deepEqual(result.denied, [narrow]);
    assert.deepEqual(result.categories[0]?.except, [narrow]);
    const entry: AccessLogEntry = JSON.parse(
      new TextDecoder().decode(c.ledger.transactions().at(-1)?.writes[0]?.value),
    );
    assert.deepEqual(entry.exclusions, [{ category: "event", except: [narrow] }]);
  });

  test("a patient with no rules gets their home site's default", async () => {
    const c = await withRules();
    const result = await ask(c, request({ patient: ids.patientB }));
    assert.deepEqual(result.allowed, ["event:chemotherapy_cycle", "person"]);
    assert.deepEqual(result.decidingRules, [
      { id: "doctors-treat", version: 1 },
      { id: "default-treating-site", version: 1 },
    ]);
  });

  test("the decision is made at the transaction's time: a request cannot date itself", async () => {
    const c = await consortium();
    await c.ledger.submit(callers.adminEd, "rules", "publishSiteRule", [
      canonicalJson(siteRule({ period: { from: "2030-01-01T00:00:00Z" } })),
    ]);
    await c.ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]);
    const result = await ask(c, { ...request({ patient: ids.patientB }), at: "2031-01-01T00:00:00Z" });
    assert.deepEqual(result.allowed, []);
    assert.ok(result.at.startsWith("2025-"), result.at);
  });

  test("revoked, then used: a revoked rule no longer permits", async () => {
    const c = await withRules();
    assert.deepEqual((await ask(c, request())).allowed, ["event:chemotherapy_cycle"]);
    await c.ledger.submit(callers.patientA, "rules", "revokePatientRule", [
      ids.patientA,
      "oncology-events",
      signRuleRevocation("oncology-events", 1, c.keys.patientA),
    ]);
    // With no active rule of their own, patient A falls back to the site's default.
    const afterPatientRevoke = await ask(c, request());
    assert.ok(afterPatientRevoke.decidingRules.every((r) => r.id !== "oncology-events"));
    await c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["doctors-treat"]);
    const afterSiteRevoke = await ask(c, request());
    assert.deepEqual(afterSiteRevoke.allowed, []);
    assert.deepEqual(afterSiteRevoke.denied, ["event:chemotherapy_cycle", "person"]);
  });

  test("break-glass: allowed with a reason, flagged, and only the reason's hash is kept", async () => {
    const c = await withRules();
    const reason = "Unconscious in A&E, suspected neutropenic sepsis";
    const result = await ask(c, request({ purpose: "emergency", reason, categories: ["person"] }));
    assert.equal(result.breakGlass, true);
    assert.deepEqual(result.allowed, ["person"]);
    const entry: AccessLogEntry = JSON.parse(
      new TextDecoder().decode(c.ledger.transactions().at(-1)?.writes[0]?.value),
    );
    assert.equal(entry.breakGlass, true);
    assert.equal(entry.reasonSha256, sha256(reason));
    for (const { value } of c.ledger.state()) assert.doesNotMatch(new TextDecoder().decode(value), /sepsis/);

    const history = await historyOf(c, ids.patientA);
    assert.equal(history.breakGlassCount, 1);
    assert.deepEqual(
      history.entries.map((e) => e.breakGlass),
      [true],
    );
  });

  test("break-glass is refused when the patient refused it", async () => {
    const c = await withRules();
    const refusal = patientRule({
      id: "no-emergency",
      effect: "deny",
      actor: {},
      data: ["*"],
      purposes: ["emergency"],
    });
    await publishSigned(c, "patientA", refusal);
    const result = await ask(c, request({ purpose: "emergency", reason: "car accident" }));
    assert.equal(result.breakGlass, false);
    assert.deepEqual(result.allowed, []);
  });

  test("a patient always sees their own record", async () => {
    const c = await consortium();
    const self = {
      requester: { serumsId: ids.patientA, role: "patient", site: EDINBURGH },
      patient: ids.patientA,
    };
    const result = await ask(c, request(self));
    assert.deepEqual(result.allowed, request().categories);
    assert.ok(result.categories.every((d) => d.basis === "self"));
  });

  test("refused: callers that are not a service, a site vouching for another site's user, unknown patients", async () => {
    const c = await withRules();
    const before = c.ledger.transactions().length;
    await rejects(ask(c, request(), callers.doctorEd), "FORBIDDEN", /role "lake"/);
    await rejects(ask(c, request(), callers.adminEd), "FORBIDDEN", /role "lake"/);
    const vouching = await rejects(
      ask(c, request(), callers.lakeBa),
      "FORBIDDEN",
      /requester\.site must be "barcelona"/,
    );
    assert.doesNotMatch(vouching.message, /srm-/);
    await rejects(
      ask(c, request({ patient: "srm-0000-0000-0000-0000" })),
      "NOT_FOUND",
      /requestJson\.patient/,
    );
    await rejects(ask(c, request({ patient: ids.doctorEd })), "NOT_FOUND");
    assert.equal(
      c.ledger.transactions().length,
      before,
      "no entry without a decision, no decision without an entry",
    );
  });

  test("a doctor of another site is decided by that site's rules (none here): default deny, still logged", async () => {
    const c = await withRules();
    const barcelonaDoctor = {
      serumsId: ids.doctorBa,
      role: "doctor",
      site: BARCELONA,
      department: "oncology",
    };
    const result = await ask(c, request({ requester: barcelonaDoctor }), callers.lakeBa);
    assert.deepEqual(result.allowed, []);
    assert.ok(result.categories.every((d) => d.basis === "default-deny"));
    assert.equal((await historyOf(c, ids.patientA)).entries.length, 1);
  });

  test("malformed requests are BAD_REQUEST naming requestJson's field", async () => {
    const c = await withRules();
    const cases: [string, RegExp][] = [
      ["{", /requestJson is not JSON/],
      ["[]", /requestJson is not an object/],
      [
        canonicalJson({ ...request(), patientName: "Jane Doe" }),
        /requestJson has unknown field "patientName"/,
      ],
      [canonicalJson(request({ purpose: "Treatment!" })), /requestJson\.purpose is "Treatment!"/],
      [canonicalJson(request({ categories: [] })), /requestJson\.categories/],
      [canonicalJson(request({ purpose: "emergency" })), /requestJson\.reason/],
      [
        canonicalJson({ ...request(), requester: { ...request().requester, name: "Jane Doe" } }),
        /requestJson\.requester has unknown field "name"/,
      ],
    ];
    for (const [text, message] of cases) {
      const error = await rejects(
        c.ledger.submit(callers.lakeEd, "access", "decide", [text]),
        "BAD_REQUEST",
        message,
      );
      assert.doesNotMatch(error.message, /Jane Doe/);
    }
  });
});

describe("access contract: accessHistory", () => {
  test("entries in time order, for the patient or their home site's administrators only", async () => {
    const c = await withRules();
    // Out of order, but within the skew bound of one another: on the engine, a transaction's
    // timestamp is bounded by its block's time, which never goes back.
    const times = ["2025-05-01T10:04:00.000Z", "2025-05-01T10:00:00.000Z", "2025-05-01T10:02:00.000Z"];
    const txIds: string[] = [];
    for (const time of times) {
      c.ledger.setTime(time);
      txIds.push((await ask(c, request())).txId);
    }
    const history = await historyOf(c, ids.patientA);
    assert.deepEqual(
      history.entries.map((e) => e.at),
      [...times].sort(),
    );
    assert.deepEqual(
      history.entries.map((e) => e.txId),
      [txIds[1], txIds[2], txIds[0]],
    );
    assert.equal(history.breakGlassCount, 0);
    assert.deepEqual((await historyOf(c, ids.patientA, callers.adminEd)).entries.length, 3);
    assert.deepEqual((await historyOf(c, ids.patientB, callers.patientB)).entries, []);
    for (const caller of [callers.patientB, callers.doctorEd, callers.lakeEd, callers.adminBa]) {
      await rejects(historyOf(c, ids.patientA, caller), "FORBIDDEN", /administrator/);
    }
    await rejects(historyOf(c, "Jane Doe"), "BAD_REQUEST", /patient is "Jane Doe"/);
  });
});
