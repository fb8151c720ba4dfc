import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canonicalJson } from "../canonical-json.ts";
import { serumsContracts } from "./index.ts";
import { signPatientRule } from "./signatures.ts";
import type { TestCaller } from "./test-context.ts";
import {
  callers,
  consortium,
  ids,
  patientRule,
  rejects,
  siteRule,
  treatingSitePolicy,
} from "./test-fixtures.ts";

/** Every transaction function, with well-formed arguments and a caller that may call it. */
function calls(signature: string): [string, string, TestCaller, string[], string[]][] {
  const rule = canonicalJson(patientRule());
  return [
    ["identities", "register", callers.adminEd, ["identityJson"], ["{}"]],
    ["identities", "rotateKey", callers.adminEd, ["serumsId", "publicKeyB64"], [ids.patientA, "AAAA"]],
    ["identities", "get", callers.adminEd, ["serumsId"], [ids.patientA]],
    ["identities", "history", callers.adminEd, ["serumsId"], [ids.patientA]],
    ["rules", "publishSiteRule", callers.adminEd, ["ruleJson"], [canonicalJson(siteRule())]],
    ["rules", "revokeSiteRule", callers.adminEd, ["ruleId"], ["doctors-treat"]],
    ["rules", "publishPatientRule", callers.patientA, ["ruleJson", "signatureB64"], [rule, signature]],
    [
      "rules",
      "revokePatientRule",
      callers.patientA,
      ["patient", "ruleId", "signatureB64"],
      [ids.patientA, "r", signature],
    ],
    ["rules", "setSitePolicy", callers.adminEd, ["policyJson"], [canonicalJson(treatingSitePolicy())]],
    ["rules", "sitePolicy", callers.adminEd, ["site"], ["edinburgh"]],
    ["rules", "ruleHistory", callers.adminEd, ["ruleId"], ["doctors-treat"]],
    ["rules", "listRules", callers.adminEd, ["patient"], [ids.patientA]],
    ["rules", "siteRules", callers.adminEd, ["site"], ["edinburgh"]],
    ["rules", "reindexSiteRules", callers.adminEd, ["site"], ["edinburgh"]],
    ["access", "decide", callers.lakeEd, ["requestJson"], ["{}"]],
    ["access", "accessHistory", callers.adminEd, ["patient"], [ids.patientA]],
    ["provenance", "notarise", callers.lakeEd, ["deliveryJson"], ["{}"]],
    ["provenance", "provenance", callers.adminEd, ["deliveryId"], ["d-1"]],
  ];
}

describe("contract arguments", () => {
  test("the contracts expose exactly their transaction functions (helpers stay hidden from Fabric)", () => {
    const exposed = serumsContracts().map((contract) => [
      contract.getName(),
      Object.getOwnPropertyNames(Object.getPrototypeOf(contract))
        .filter((name) => name !== "constructor" && !name.startsWith("_"))
        .sort(),
    ]);
    const expected = new Map<string, string[]>();
    for (const [contract, fn] of calls("")) expected.set(contract, [...(expected.get(contract) ?? []), fn]);
    assert.deepEqual(
      exposed,
      [...expected].map(([name, fns]) => [name, fns.sort()]),
    );
  });

  test("every argument of every function: malformed or missing is BAD_REQUEST naming the argument", async () => {
    const c = await consortium();
    const signature = signPatientRule(patientRule(), c.keys.patientA);
    for (const [contract, fn, caller, names, good] of calls(signature)) {
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const json = name.endsWith("Json");
        for (const bad of json ? ["{oops", "", "null"] : ["", "\u0000x", "x".repeat(300)]) {
          const args = good.map((value, j) => (j === i ? bad : value));
          const error = await rejects(c.ledger.submit(caller, contract, fn, args), "BAD_REQUEST");
          assert.ok(
            error.message.includes(name),
            `${contract}.${fn} ${name}=${JSON.stringify(bad)}: ${error.message}`,
          );
        }
        const missing = good.slice(0, i);
        const error = await rejects(c.ledger.submit(caller, contract, fn, missing), "BAD_REQUEST");
        assert.ok(error.message.includes(name), `${contract}.${fn} without ${name}: ${error.message}`);
      }
    }
  });
});
