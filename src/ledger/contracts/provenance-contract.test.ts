import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canonicalJson } from "../canonical-json.ts";
import type { Delivery, ProvenanceRecord } from "./payloads.ts";
import { PROVENANCE_EVENT } from "./provenance-contract.ts";
import type { TestCaller } from "./test-context.ts";
import {
  type Consortium,
  callers,
  consortium,
  delivery,
  EDINBURGH,
  ids,
  rejects,
  request,
  sha256,
  siteRule,
  treatingSitePolicy,
} from "./test-fixtures.ts";

/** A consortium where Edinburgh's doctor was allowed part of patient A's record; with that decision's txId. */
async function decided(): Promise<{ c: Consortium; accessTxId: string; deniedTxId: string }> {
  const c = await consortium();
  await c.ledger.submit(callers.adminEd, "rules", "publishSiteRule", [canonicalJson(siteRule())]);
  await c.ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]);
  const allowed = JSON.parse(
    await c.ledger.submit(callers.lakeEd, "access", "decide", [canonicalJson(request())]),
  );
  const denied = JSON.parse(
    await c.ledger.submit(callers.lakeEd, "access", "decide", [
      canonicalJson(request({ purpose: "insurance" })),
    ]),
  );
  return { c, accessTxId: allowed.txId, deniedTxId: denied.txId };
}

function notarise(c: Consortium, value: unknown, caller: TestCaller = callers.lakeEd): Promise<string> {
  return c.ledger.submit(caller, "provenance", "notarise", [
    typeof value === "string" ? value : canonicalJson(value),
  ]);
}

describe("provenance contract", () => {
  test("one transaction notarises every step of a delivery as one event", async () => {
    const { c, accessTxId } = await decided();
    const given = delivery(accessTxId);
    const record: ProvenanceRecord = JSON.parse(await notarise(c, given));
    const tx = c.ledger.transactions().at(-1);
    assert.deepEqual(record, { ...given, txId: tx?.txId, at: record.at, site: EDINBURGH, by: ids.lakeEd });
    assert.equal(tx?.writes.length, 1);
    assert.equal(tx?.events.length, 1);
    assert.equal(tx?.events[0]?.name, PROVENANCE_EVENT);
    assert.deepEqual(tx?.events[0]?.payload, tx?.writes[0]?.value);
    for (const caller of [callers.patientA, callers.adminEd, callers.lakeBa]) {
      const read = JSON.parse(
        await c.ledger.evaluate(caller, "provenance", "provenance", [given.deliveryId]),
      );
      assert.deepEqual(read, record);
    }
  });

  test("a delivery is notarised once", async () => {
    const { c, accessTxId } = await decided();
    await notarise(c, delivery(accessTxId));
    const before = c.ledger.transactions().length;
    await rejects(
      notarise(c, delivery(accessTxId)),
      "BAD_REQUEST",
      /deliveryJson\.deliveryId is already notarised/,
    );
    await rejects(notarise(c, delivery(accessTxId), callers.lakeBa), "BAD_REQUEST", /already notarised/);
    assert.equal(c.ledger.transactions().length, before);
  });

  test("a delivery refers to a logged decision that allowed something, for the same patient", async () => {
    const { c, accessTxId, deniedTxId } = await decided();
    await rejects(notarise(c, delivery("f".repeat(64))), "NOT_FOUND", /deliveryJson\.accessTxId/);
    await rejects(notarise(c, delivery(accessTxId, { patient: ids.patientB })), "NOT_FOUND", /accessTxId/);
    await rejects(notarise(c, delivery(deniedTxId)), "BAD_REQUEST", /allowed nothing/);
  });

  test("only a site's service notarises; provenance is read by the patient, their site's administrators and services", async () => {
    const { c, accessTxId } = await decided();
    for (const caller of [callers.doctorEd, callers.adminEd, callers.patientA]) {
      await rejects(notarise(c, delivery(accessTxId), caller), "FORBIDDEN", /role "lake"/);
    }
    await notarise(c, delivery(accessTxId));
    for (const caller of [callers.doctorEd, callers.patientB, callers.adminBa]) {
      await rejects(c.ledger.evaluate(caller, "provenance", "provenance", ["delivery-0001"]), "FORBIDDEN");
    }
    await rejects(
      c.ledger.evaluate(callers.patientA, "provenance", "provenance", ["delivery-0002"]),
      "NOT_FOUND",
    );
    await rejects(
      c.ledger.evaluate(callers.patientA, "provenance", "provenance", ["bad id"]),
      "BAD_REQUEST",
      /deliveryId/,
    );
  });

  test("malformed deliveries are refused naming the field", async () => {
    const { c, accessTxId } = await decided();
    const good = delivery(accessTxId);
    const steps = good.steps;
    const withSteps = (changed: Delivery["steps"]) => ({ ...good, steps: changed });
    const at = (i: number, change: Record<string, unknown>) =>
      withSteps(steps.map((s, j) => (j === i ? ({ ...s, ...change } as Delivery["steps"][number]) : s)));
    const cases: [unknown, RegExp][] = [
      ["not json", /deliveryJson is not JSON/],
      [{ ...good, patientName: "Jane Doe" }, /deliveryJson has unknown field "patientName"/],
      [at(1, { mrn: "CHI 0101010101" }), /deliveryJson\.steps\[1\] has unknown field "mrn"/],
      [at(2, { step: "download" }), /deliveryJson\.steps\[2\]\.step is "download"/],
      [at(3, { sha256: "ABC" }), /deliveryJson\.steps\[3\]\.sha256 is "ABC".*SHA-256/],
      [at(3, { sha256: sha256("x").toUpperCase() }), /steps\[3\]\.sha256/],
      [at(4, { at: "2025-03-01T09:59:00.000Z" }), /deliveryJson\.steps\[4\]\.at .*time order/],
      [at(4, { at: "yesterday" }), /deliveryJson\.steps\[4\]\.at is "yesterday"/],
      [at(1, { source: undefined }), /deliveryJson\.steps\[1\]\.source .*names its source system/],
      [at(1, { source: "chemo care!" }), /deliveryJson\.steps\[1\]\.source is "chemo care!"/],
      [withSteps(steps.slice(1)), /deliveryJson\.steps\[0\]\.step is "fetch".*first step must be request/],
      [
        withSteps(steps.slice(0, -1)),
        /deliveryJson\.steps\[5\]\.step is "encrypt".*last step must be deliver/,
      ],
      [
        withSteps([steps[0]!, steps[0]!, ...steps.slice(1)]),
        /deliveryJson\.steps\[1\]\.step is "request".*only come first/,
      ],
      [withSteps([steps[0]!]), /deliveryJson\.steps/],
      [{ ...good, patient: "Jane Doe" }, /deliveryJson\.patient is "Jane Doe"/],
      [{ ...good, deliveryId: "" }, /deliveryJson\.deliveryId/],
    ];
    for (const [value, message] of cases) {
      const error = await rejects(notarise(c, value), "BAD_REQUEST", message);
      assert.doesNotMatch(error.message, /CHI 0101010101/, "an unknown field's value is never echoed");
    }
  });
});
