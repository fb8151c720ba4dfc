import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import { LedgerService } from "./ledger-service.ts";
import { signPatientRule, signRuleRevocation } from "./signatures.ts";
import {
  callers,
  consortium,
  delivery,
  EDINBURGH,
  ids,
  patientRule,
  rejects,
  request,
  siteRule,
  treatingSitePolicy,
} from "./test-fixtures.ts";

describe("LedgerService", () => {
  test("a typed round trip through every contract", async () => {
    const c = await consortium();
    const admin = new LedgerService(c.ledger.client(callers.adminEd));
    const lake = new LedgerService(c.ledger.client(callers.lakeEd));
    const patient = new LedgerService(c.ledger.client(callers.patientA));

    assert.equal((await admin.identity(ids.patientA)).site, EDINBURGH);
    assert.equal((await admin.identityHistory(ids.patientA)).versions.length, 1);
    assert.equal((await admin.publishSiteRule(siteRule())).rule.version, 1);
    assert.equal((await admin.setSitePolicy(treatingSitePolicy())).version, 1);
    assert.equal((await admin.sitePolicy(EDINBURGH)).policy.patientDefaults[0]?.id, "default-treating-site");
    const rule = patientRule();
    const published = await patient.publishPatientRule(rule, signPatientRule(rule, c.keys.patientA));
    assert.deepEqual(published.rule, rule);
    assert.deepEqual(
      (await patient.listRules(ids.patientA)).rules.map((r) => r.rule.id),
      [rule.id],
    );
    assert.deepEqual(
      (await admin.siteRules(EDINBURGH)).rules.map((r) => r.rule.id),
      ["doctors-treat"],
    );

    const decision = await lake.decide(request());
    assert.deepEqual(decision.allowed, ["event:chemotherapy_cycle"]);
    const record = await lake.notarise(delivery(decision.txId));
    assert.equal(record.accessTxId, decision.txId);
    assert.deepEqual(await patient.provenance(record.deliveryId), record);
    const history = await patient.accessHistory(ids.patientA);
    assert.deepEqual(
      history.entries.map((e) => e.txId),
      [decision.txId],
    );

    const revoked = await patient.revokePatientRule(
      ids.patientA,
      rule.id,
      signRuleRevocation(rule.id, 1, c.keys.patientA),
    );
    assert.equal(revoked.rule.status, "revoked");
    assert.deepEqual(
      (await patient.ruleHistory(rule.id)).versions.map((v) => v.rule.version),
      [1, 2],
    );
    assert.deepEqual((await admin.ruleHistory("doctors-treat", EDINBURGH)).versions.length, 1);
    assert.equal((await admin.revokeSiteRule("doctors-treat")).rule.version, 2);
  });

  test("contract errors pass through with their codes", async () => {
    const c = await consortium();
    const doctor = new LedgerService(c.ledger.client(callers.doctorEd));
    await rejects(doctor.publishSiteRule(siteRule()), "FORBIDDEN");
    await rejects(doctor.identity("srm-0000-0000-0000-0000"), "NOT_FOUND");
  });

  test("an answer that is not what the contract returns is a LEDGER error", async () => {
    const answers = [
      "not json",
      '{"serumsId":"srm-7k3m-9qx2-hv4t-8dpa"}',
      JSON.stringify({ rule: { id: "x" } }),
    ];
    for (const answer of answers) {
      const service = new LedgerService({ submit: async () => answer, evaluate: async () => answer });
      for (const call of [() => service.identity(ids.patientA), () => service.publishSiteRule(siteRule())]) {
        const error = await rejects(call(), "LEDGER");
        assert.ok(error instanceof SerumsError);
      }
    }
  });
});
