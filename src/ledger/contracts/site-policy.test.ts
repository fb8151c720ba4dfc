import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SitePolicy } from "../../access/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import type { StoredSitePolicy } from "./payloads.ts";
import { BARCELONA, callers, consortium, EDINBURGH, rejects, treatingSitePolicy } from "./test-fixtures.ts";

function withDefault(policy: SitePolicy, changes: Record<string, unknown>): SitePolicy {
  const [first] = policy.patientDefaults;
  return { patientDefaults: [{ ...first!, ...changes }] };
}

describe("rules contract: site policy", () => {
  test("an administrator sets their site's policy; each change is a new version", async () => {
    const { ledger } = await consortium();
    const v1: StoredSitePolicy = JSON.parse(
      await ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]),
    );
    assert.equal(v1.version, 1);
    assert.equal(v1.site, EDINBURGH);
    assert.deepEqual(v1.policy, treatingSitePolicy());
    const changed = withDefault(treatingSitePolicy(), { version: 2, purposes: ["treatment", "research"] });
    const v2: StoredSitePolicy = JSON.parse(
      await ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(changed)]),
    );
    assert.equal(v2.version, 2);
    const read: StoredSitePolicy = JSON.parse(
      await ledger.evaluate(callers.doctorEd, "rules", "sitePolicy", [EDINBURGH]),
    );
    assert.deepEqual(read, v2);
    await rejects(ledger.evaluate(callers.doctorEd, "rules", "sitePolicy", [BARCELONA]), "NOT_FOUND");
  });

  test("a default's content changes only with a higher version, so decisions naming it stay unambiguous", async () => {
    const { ledger } = await consortium();
    await ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]);
    const sameVersion = withDefault(treatingSitePolicy(), { data: ["event"] });
    await rejects(
      ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(sameVersion)]),
      "BAD_REQUEST",
      /policyJson\.patientDefaults\[0\]\.version is 1; the rule's content changed/,
    );
    const higher = withDefault(treatingSitePolicy(), { version: 3 });
    await ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(higher)]);
    await rejects(
      ledger.submit(callers.adminEd, "rules", "setSitePolicy", [canonicalJson(treatingSitePolicy())]),
      "BAD_REQUEST",
      /version is 1; the current policy has this rule at version 3/,
    );
  });

  test("refused: non-administrators, another site's defaults, malformed policies", async () => {
    const { ledger } = await consortium();
    const text = canonicalJson(treatingSitePolicy());
    await rejects(
      ledger.submit(callers.doctorEd, "rules", "setSitePolicy", [text]),
      "FORBIDDEN",
      /"administrator" of site "edinburgh"/,
    );
    await rejects(ledger.submit(callers.lakeEd, "rules", "setSitePolicy", [text]), "FORBIDDEN");
    await rejects(
      ledger.submit(callers.adminBa, "rules", "setSitePolicy", [text]),
      "BAD_REQUEST",
      /policyJson\.patientDefaults\[0\]\.author is "edinburgh"/,
    );
    const cases: [string, RegExp][] = [
      ["[]", /policyJson/],
      ["nope", /policyJson is not JSON/],
      [canonicalJson({ patientDefaults: [], owner: "Jane Doe" }), /policyJson has unknown field "owner"/],
      [
        canonicalJson(withDefault(treatingSitePolicy(), { patient: "srm-7k3m-9qx2-hv4t-8dpa" })),
        /policyJson\.patientDefaults\[0\]\.patient/,
      ],
      [
        canonicalJson(withDefault(treatingSitePolicy(), { kind: "site" })),
        /policyJson\.patientDefaults\[0\]\.kind/,
      ],
      [
        canonicalJson(withDefault(treatingSitePolicy(), { status: "revoked" })),
        /policyJson\.patientDefaults\[0\]\.status/,
      ],
    ];
    for (const [value, message] of cases) {
      const error = await rejects(
        ledger.submit(callers.adminEd, "rules", "setSitePolicy", [value]),
        "BAD_REQUEST",
        message,
      );
      assert.doesNotMatch(error.message, /Jane Doe/);
    }
    assert.equal(ledger.transactions().filter((t) => t.contract === "rules").length, 0);
  });
});
