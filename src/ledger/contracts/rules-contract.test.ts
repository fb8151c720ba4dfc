import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import type { Rule } from "../../access/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import type { PatientRules, RuleHistory, SiteRules, StoredRule } from "./payloads.ts";
import { publicKeyToBase64, signPatientRule, signRuleRevocation } from "./signatures.ts";
import type { TestCaller } from "./test-context.ts";
import {
  BARCELONA,
  type Consortium,
  callers,
  consortium,
  ids,
  newKey,
  patientRule,
  publishSigned,
  rejects,
  siteRule,
} from "./test-fixtures.ts";

function publishSite(c: Consortium, rule: Rule, caller: TestCaller = callers.adminEd): Promise<string> {
  return c.ledger.submit(caller, "rules", "publishSiteRule", [canonicalJson(rule)]);
}

function revokeSigned(
  c: Consortium,
  ruleId: string,
  version: number,
  key = c.keys.patientA,
  caller: TestCaller = callers.patientA,
) {
  return c.ledger.submit(caller, "rules", "revokePatientRule", [
    ids.patientA,
    ruleId,
    signRuleRevocation(ruleId, version, key),
  ]);
}

async function history(
  c: Consortium,
  ruleId: string,
  author?: string,
  caller: TestCaller = callers.patientA,
): Promise<RuleHistory> {
  return JSON.parse(
    await c.ledger.evaluate(caller, "rules", "ruleHistory", author ? [ruleId, author] : [ruleId]),
  );
}

describe("rules contract: site rules", () => {
  test("an administrator of the author site publishes; versions go up by one, never lower, never skipping", async () => {
    const c = await consortium();
    const v1: StoredRule = JSON.parse(await publishSite(c, siteRule()));
    assert.deepEqual(v1.rule, siteRule());
    assert.equal(v1.by, ids.adminEd);
    assert.equal(v1.txId, c.ledger.transactions().at(-1)?.txId);
    await publishSite(c, siteRule({ version: 2, data: ["event"] }));
    await rejects(
      publishSite(c, siteRule({ version: 2 })),
      "BAD_REQUEST",
      /ruleJson\.version is 2; expected 3/,
    );
    await rejects(publishSite(c, siteRule({ version: 1 })), "BAD_REQUEST", /expected 3/);
    await rejects(publishSite(c, siteRule({ version: 5 })), "BAD_REQUEST", /expected 3/);
    await rejects(
      publishSite(c, siteRule({ id: "new-rule", version: 2 })),
      "BAD_REQUEST",
      /expected 1 \(rule "new-rule" is new\)/,
    );
  });

  test("refused: another site's administrator, a non-administrator, a patient rule, a revoked status", async () => {
    const c = await consortium();
    await rejects(
      publishSite(c, siteRule(), callers.adminBa),
      "FORBIDDEN",
      /role "administrator" of site "edinburgh"/,
    );
    await rejects(publishSite(c, siteRule(), callers.doctorEd), "FORBIDDEN", /administrator/);
    await rejects(publishSite(c, siteRule(), callers.lakeEd), "FORBIDDEN");
    await rejects(publishSite(c, patientRule()), "BAD_REQUEST", /ruleJson\.kind is "patient"/);
    await rejects(
      publishSite(c, siteRule({ status: "revoked" })),
      "BAD_REQUEST",
      /ruleJson\.status .*revokeSiteRule/,
    );
    assert.equal(c.ledger.transactions().filter((t) => t.contract === "rules").length, 0);
  });

  test("IDs are unique per author: two sites may use the same ID; ruleHistory tells them apart", async () => {
    const c = await consortium();
    await publishSite(c, siteRule());
    await publishSite(c, siteRule({ author: BARCELONA, version: 1 }), callers.adminBa);
    const both = await history(c, "doctors-treat", undefined, callers.doctorEd);
    assert.deepEqual(both.versions.map((v) => [v.rule.author, v.rule.version]).sort(), [
      ["barcelona", 1],
      ["edinburgh", 1],
    ]);
    const one = await history(c, "doctors-treat", BARCELONA, callers.doctorEd);
    assert.deepEqual(
      one.versions.map((v) => v.rule.author),
      [BARCELONA],
    );
    const listed: SiteRules = JSON.parse(
      await c.ledger.evaluate(callers.doctorEd, "rules", "siteRules", [BARCELONA]),
    );
    assert.deepEqual(
      listed.rules.map((r) => r.rule.id),
      ["doctors-treat"],
    );
  });

  test("revocation is a new version; nothing is deleted; the history is complete", async () => {
    const c = await consortium();
    await publishSite(c, siteRule());
    await publishSite(c, siteRule({ version: 2, purposes: ["treatment"] }));
    const revoked: StoredRule = JSON.parse(
      await c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["doctors-treat"]),
    );
    assert.deepEqual(revoked.rule, siteRule({ version: 3, purposes: ["treatment"], status: "revoked" }));
    await rejects(
      c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["doctors-treat"]),
      "BAD_REQUEST",
      /already revoked/,
    );
    await publishSite(c, siteRule({ version: 4 }));
    const all = await history(c, "doctors-treat");
    const ruleTxs = c.ledger
      .transactions()
      .filter((t) => t.contract === "rules")
      .map((t) => t.txId);
    assert.deepEqual(
      all.versions.map((v) => [v.rule.version, v.rule.status, v.txId]),
      [
        [1, "active", ruleTxs[0]],
        [2, "active", ruleTxs[1]],
        [3, "revoked", ruleTxs[2]],
        [4, "active", ruleTxs[3]],
      ],
    );
    assert.ok(
      c.ledger.transactions().every((t) => t.writes.length > 0),
      "every transaction writes, none deletes",
    );
  });

  test("revokeSiteRule: the caller's site's administrator, an existing rule", async () => {
    const c = await consortium();
    await publishSite(c, siteRule());
    await rejects(
      c.ledger.submit(callers.doctorEd, "rules", "revokeSiteRule", ["doctors-treat"]),
      "FORBIDDEN",
    );
    await rejects(
      c.ledger.submit(callers.adminBa, "rules", "revokeSiteRule", ["doctors-treat"]),
      "NOT_FOUND",
      /"barcelona"/,
    );
    await rejects(c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["no-such-rule"]), "NOT_FOUND");
    await rejects(
      c.ledger.submit(callers.adminEd, "rules", "revokeSiteRule", ["bad id!"]),
      "BAD_REQUEST",
      /ruleId is "bad id!"/,
    );
  });
});

describe("rules contract: patient rules", () => {
  test("the patient, or a service of their home site, publishes with the patient's signature", async () => {
    const c = await consortium();
    const stored: StoredRule = JSON.parse(await publishSigned(c, "patientA", patientRule()));
    assert.deepEqual(stored.rule, patientRule());
    assert.equal(stored.signature, signPatientRule(patientRule(), c.keys.patientA));
    const v2 = patientRule({ version: 2, data: ["event:chemotherapy_cycle"] });
    const viaLake: StoredRule = JSON.parse(
      await c.ledger.submit(callers.lakeEd, "rules", "publishPatientRule", [
        canonicalJson(v2),
        signPatientRule(v2, c.keys.patientA),
      ]),
    );
    assert.equal(viaLake.by, ids.lakeEd);
  });

  test("refused callers: another patient, a doctor, another site's service", async () => {
    const c = await consortium();
    const args = [canonicalJson(patientRule()), signPatientRule(patientRule(), c.keys.patientA)];
    for (const caller of [callers.patientB, callers.doctorEd, callers.lakeBa, callers.adminBa]) {
      await rejects(
        c.ledger.submit(caller, "rules", "publishPatientRule", args),
        "FORBIDDEN",
        /patient themselves or role "lake"/,
      );
    }
  });

  test("bad signatures: random bytes, another patient's key, a rule tampered with after signing, a rotated-out key", async () => {
    const c = await consortium();
    const rule = patientRule();
    const submit = (text: string, signature: string) =>
      c.ledger.submit(callers.patientA, "rules", "publishPatientRule", [text, signature]);
    await rejects(
      submit(canonicalJson(rule), randomBytes(64).toString("base64")),
      "BAD_SIGNATURE",
      /signatureB64/,
    );
    await rejects(submit(canonicalJson(rule), signPatientRule(rule, c.keys.patientB)), "BAD_SIGNATURE");
    const tampered = { ...rule, data: ["*"] };
    await rejects(submit(canonicalJson(tampered), signPatientRule(rule, c.keys.patientA)), "BAD_SIGNATURE");
    const widened = { ...rule, actor: {} };
    await rejects(submit(canonicalJson(widened), signPatientRule(rule, c.keys.patientA)), "BAD_SIGNATURE");
    const fresh = newKey();
    await c.ledger.submit(callers.adminEd, "identities", "rotateKey", [
      ids.patientA,
      publicKeyToBase64(fresh),
    ]);
    await rejects(submit(canonicalJson(rule), signPatientRule(rule, c.keys.patientA)), "BAD_SIGNATURE");
    await submit(canonicalJson(rule), signPatientRule(rule, fresh));
  });

  test("malformed signatures and rules are BAD_REQUEST; unknown patients NOT_FOUND; a staff ID is no patient", async () => {
    const c = await consortium();
    const rule = patientRule();
    const submit = (text: string, signature: string) =>
      c.ledger.submit(callers.patientA, "rules", "publishPatientRule", [text, signature]);
    await rejects(submit(canonicalJson(rule), "not base64"), "BAD_REQUEST", /signatureB64 is "not base64"/);
    await rejects(submit(canonicalJson(rule), randomBytes(32).toString("base64")), "BAD_REQUEST", /64-byte/);
    await rejects(
      submit(canonicalJson({ ...rule, author: ids.patientB }), "x"),
      "BAD_REQUEST",
      /ruleJson\.author/,
    );
    await rejects(
      submit(canonicalJson(siteRule()), signPatientRule(siteRule(), c.keys.patientA)),
      "BAD_REQUEST",
      /kind is "site"/,
    );
    const stranger = patientRule({ patient: "srm-0000-0000-0000-0000" });
    await rejects(
      submit(canonicalJson(stranger), signPatientRule(stranger, c.keys.patientA)),
      "NOT_FOUND",
      /ruleJson\.patient/,
    );
    const doctor = patientRule({ patient: ids.doctorEd });
    await rejects(
      c.ledger.submit(callers.doctorEd, "rules", "publishPatientRule", [
        canonicalJson(doctor),
        signPatientRule(doctor, c.keys.doctorEd),
      ]),
      "BAD_REQUEST",
      /not a patient/,
    );
  });

  test("versions are the patient's next; an old signed version cannot be replayed", async () => {
    const c = await consortium();
    await publishSigned(c, "patientA", patientRule());
    await rejects(publishSigned(c, "patientA", patientRule()), "BAD_REQUEST", /version is 1; expected 2/);
    await rejects(publishSigned(c, "patientA", patientRule({ version: 3 })), "BAD_REQUEST", /expected 2/);
    await revokeSigned(c, "oncology-events", 1);
    await rejects(publishSigned(c, "patientA", patientRule()), "BAD_REQUEST", /expected 3/);
  });

  test("revocation: signed over {action, ruleId, version in force}; never deleted; not replayable", async () => {
    const c = await consortium();
    await publishSigned(c, "patientA", patientRule());
    await rejects(revokeSigned(c, "oncology-events", 1, c.keys.patientB), "BAD_SIGNATURE");
    await rejects(revokeSigned(c, "oncology-events", 2), "BAD_SIGNATURE", /revocation/);
    await rejects(revokeSigned(c, "oncology-events", 1, c.keys.patientA, callers.patientB), "FORBIDDEN");
    const oldSignature = signRuleRevocation("oncology-events", 1, c.keys.patientA);
    const revoked: StoredRule = JSON.parse(
      await revokeSigned(c, "oncology-events", 1, c.keys.patientA, callers.lakeEd),
    );
    assert.deepEqual(revoked.rule, patientRule({ version: 2, status: "revoked" }));
    assert.equal(revoked.signature, oldSignature);
    await rejects(revokeSigned(c, "oncology-events", 2), "BAD_REQUEST", /already revoked/);
    await publishSigned(c, "patientA", patientRule({ version: 3 }));
    await rejects(
      c.ledger.submit(callers.patientA, "rules", "revokePatientRule", [
        ids.patientA,
        "oncology-events",
        oldSignature,
      ]),
      "BAD_SIGNATURE",
    );
    await rejects(revokeSigned(c, "no-such-rule", 1), "NOT_FOUND");
    const all = await history(c, "oncology-events", ids.patientA);
    assert.deepEqual(
      all.versions.map((v) => `${v.rule.version}:${v.rule.status}`),
      ["1:active", "2:revoked", "3:active"],
    );
  });

  test("a patient's rules are read by the patient and their home site's administrators and service only", async () => {
    const c = await consortium();
    await publishSigned(c, "patientA", patientRule());
    for (const caller of [callers.patientA, callers.adminEd, callers.lakeEd]) {
      const listed: PatientRules = JSON.parse(
        await c.ledger.evaluate(caller, "rules", "listRules", [ids.patientA]),
      );
      assert.deepEqual(
        listed.rules.map((r) => r.rule),
        [patientRule()],
      );
      await history(c, "oncology-events", ids.patientA, caller);
    }
    for (const caller of [callers.patientB, callers.doctorEd, callers.adminBa, callers.lakeBa]) {
      await rejects(c.ledger.evaluate(caller, "rules", "listRules", [ids.patientA]), "FORBIDDEN");
      await rejects(history(c, "oncology-events", undefined, caller), "FORBIDDEN");
    }
    await rejects(history(c, "never-published"), "NOT_FOUND");
  });
});
