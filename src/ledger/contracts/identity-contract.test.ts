import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canonicalJson } from "../canonical-json.ts";
import type { IdentityHistory, IdentityRecord } from "./payloads.ts";
import { publicKeyToBase64 } from "./signatures.ts";
import { BARCELONA, callers, consortium, EDINBURGH, ids, newKey, rejects } from "./test-fixtures.ts";

const NEW_ID = "srm-n3w0-0000-0000-0001";

function identity(overrides: Record<string, unknown> = {}) {
  return {
    serumsId: NEW_ID,
    kind: "staff",
    role: "nurse",
    site: EDINBURGH,
    publicKey: publicKeyToBase64(newKey()),
    ...overrides,
  };
}

describe("identities contract", () => {
  test("an administrator registers a user of their site; get returns version 1", async () => {
    const { ledger } = await consortium();
    const given = identity({ department: "oncology", country: "GB" });
    const record = JSON.parse(
      await ledger.submit(callers.adminEd, "identities", "register", [canonicalJson(given)]),
    );
    assert.deepEqual(record, {
      ...given,
      version: 1,
      at: record.at,
      txId: ledger.transactions().at(-1)?.txId,
    });
    const got: IdentityRecord = JSON.parse(
      await ledger.evaluate(callers.doctorEd, "identities", "get", [NEW_ID]),
    );
    assert.deepEqual(got, record);
  });

  test("only an administrator of the identity's own site may register it", async () => {
    const { ledger } = await consortium();
    const before = ledger.transactions().length;
    const otherSite = await rejects(
      ledger.submit(callers.adminBa, "identities", "register", [canonicalJson(identity())]),
      "FORBIDDEN",
      /role "administrator" of site "edinburgh"/,
    );
    assert.doesNotMatch(otherSite.message, new RegExp(NEW_ID), "a refusal never echoes a Serums ID");
    await rejects(
      ledger.submit(callers.doctorEd, "identities", "register", [canonicalJson(identity())]),
      "FORBIDDEN",
    );
    await rejects(
      ledger.submit(callers.lakeEd, "identities", "register", [canonicalJson(identity())]),
      "FORBIDDEN",
    );
    assert.equal(ledger.transactions().length, before, "a refused call commits nothing");
  });

  test("a caller whose identity carries no Serums ID may not write", async () => {
    const { ledger } = await consortium();
    const anonymousAdmin = { ...callers.adminEd, serumsId: "CN=Jane Doe,O=Edinburgh" };
    const error = await rejects(
      ledger.submit(anonymousAdmin, "identities", "register", [canonicalJson(identity())]),
      "FORBIDDEN",
      /serums_id/,
    );
    assert.doesNotMatch(error.message, /Jane/);
  });

  test("a Serums ID is registered once; changes go through rotateKey", async () => {
    const { ledger } = await consortium();
    await rejects(
      ledger.submit(callers.adminEd, "identities", "register", [
        canonicalJson(identity({ serumsId: ids.patientA })),
      ]),
      "BAD_REQUEST",
      /identityJson\.serumsId is already registered/,
    );
  });

  test("malformed identities are refused naming the field, never echoing an unknown field's value", async () => {
    const { ledger } = await consortium();
    const cases: [unknown, RegExp][] = [
      ["{not json", /identityJson is not JSON/],
      [[1, 2], /identityJson is an array/],
      [identity({ name: "Jane Doe" }), /identityJson has unknown field "name"/],
      [
        identity({ serumsId: "jane.doe@example.org" }),
        /identityJson\.serumsId is "jane\.doe@example\.org".*Serums ID/,
      ],
      [identity({ kind: "doctor" }), /identityJson\.kind is "doctor"/],
      [
        identity({ publicKey: Buffer.alloc(31, 1).toString("base64") }),
        /identityJson\.publicKey .*32-byte Ed25519/,
      ],
      [identity({ publicKey: "not base64!" }), /identityJson\.publicKey/],
      [identity({ country: "gb" }), /identityJson\.country is "gb"/],
      [identity({ site: "" }), /identityJson\.site/],
    ];
    for (const [value, message] of cases) {
      const text = typeof value === "string" ? value : canonicalJson(value);
      const error = await rejects(
        ledger.submit(callers.adminEd, "identities", "register", [text]),
        "BAD_REQUEST",
        message,
      );
      assert.doesNotMatch(error.message, /Jane Doe/);
    }
  });

  test("rotateKey adds a version; history lists every version with its transaction", async () => {
    const { ledger, keys } = await consortium();
    const registered: IdentityRecord = JSON.parse(
      await ledger.evaluate(callers.patientA, "identities", "get", [ids.patientA]),
    );
    const fresh = publicKeyToBase64(newKey());
    const rotated: IdentityRecord = JSON.parse(
      await ledger.submit(callers.adminEd, "identities", "rotateKey", [ids.patientA, fresh]),
    );
    assert.equal(rotated.version, 2);
    assert.equal(rotated.publicKey, fresh);
    assert.equal(rotated.txId, ledger.transactions().at(-1)?.txId);
    const history: IdentityHistory = JSON.parse(
      await ledger.evaluate(callers.patientA, "identities", "history", [ids.patientA]),
    );
    assert.deepEqual(
      history.versions.map((v) => [v.version, v.publicKey, v.txId]),
      [
        [1, publicKeyToBase64(keys.patientA), registered.txId],
        [2, fresh, rotated.txId],
      ],
    );
  });

  test("rotateKey: the identity's site's administrator only, a real new key, a registered identity", async () => {
    const { ledger } = await consortium();
    const fresh = publicKeyToBase64(newKey());
    await rejects(
      ledger.submit(callers.adminBa, "identities", "rotateKey", [ids.patientA, fresh]),
      "FORBIDDEN",
      /"edinburgh"/,
    );
    await rejects(
      ledger.submit(callers.patientA, "identities", "rotateKey", [ids.patientA, fresh]),
      "FORBIDDEN",
    );
    await rejects(
      ledger.submit(callers.adminEd, "identities", "rotateKey", [NEW_ID, fresh]),
      "NOT_FOUND",
      /serumsId/,
    );
    await rejects(
      ledger.submit(callers.adminEd, "identities", "rotateKey", ["Jane", fresh]),
      "BAD_REQUEST",
      /serumsId is "Jane"/,
    );
    await rejects(
      ledger.submit(callers.adminEd, "identities", "rotateKey", [ids.patientA, "AAAA"]),
      "BAD_REQUEST",
      /publicKeyB64/,
    );
    const current: IdentityRecord = JSON.parse(
      await ledger.evaluate(callers.adminEd, "identities", "get", [ids.patientA]),
    );
    await rejects(
      ledger.submit(callers.adminEd, "identities", "rotateKey", [ids.patientA, current.publicKey]),
      "BAD_REQUEST",
      /already the identity's registered key/,
    );
    assert.equal(
      JSON.parse(await ledger.evaluate(callers.adminBa, "identities", "get", [ids.patientC])).site,
      BARCELONA,
    );
  });

  test("get and history of an unknown identity are NOT_FOUND", async () => {
    const { ledger } = await consortium();
    await rejects(ledger.evaluate(callers.adminEd, "identities", "get", [NEW_ID]), "NOT_FOUND");
    await rejects(ledger.evaluate(callers.adminEd, "identities", "history", [NEW_ID]), "NOT_FOUND");
  });
});
