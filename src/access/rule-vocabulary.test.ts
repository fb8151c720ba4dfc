import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCountry, isName, isPurpose, isSerumsId, isUtcInstant } from "./rule-vocabulary.ts";

describe("UTC instants", () => {
  it("take seconds, an optional fraction of up to 9 digits, and Z; the day must exist", () => {
    for (const good of ["2024-02-29T23:59:59Z", "2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.123456789Z"]) {
      assert.equal(isUtcInstant(good), true, good);
    }
    for (const bad of [
      "2023-02-29T00:00:00Z",
      "2024-04-31T00:00:00Z",
      "2024-01-01T00:00Z",
      "2024-01-01T00:00:60Z",
      "2024-01-01T00:00:00.1234567890Z",
      "2024-01-01 00:00:00Z",
      "2024-01-01T00:00:00z",
    ]) {
      assert.equal(isUtcInstant(bad), false, bad);
    }
  });
});

describe("Serums IDs, names, purposes, countries", () => {
  it("a Serums ID is srm- and four groups of four Crockford base-32 digits (no i, l, o, u)", () => {
    assert.equal(isSerumsId("srm-7k3m-9qx2-hv4t-8dpa"), true);
    for (const bad of [
      "srm-7k3m-9qx2-hv4t",
      "SRM-7K3M-9QX2-HV4T-8DPA",
      "srm-7k3m-9qx2-hv4t-8dpi",
      "srm-7k3m-9qx2-hv4t-8dpa ",
      "*",
    ]) {
      assert.equal(isSerumsId(bad), false, bad);
    }
  });

  it("a name (site, role, department, rule ID) is 1-128 of A-Z a-z 0-9 _ . : @ -, not starting with a sign", () => {
    for (const good of ["edinburgh", "EdinburghMSP", "oncology-nurse", "rule:ed.1", "a".repeat(128)]) {
      assert.equal(isName(good), true, good);
    }
    for (const bad of ["", "*", "-x", "two words", "a".repeat(129), "é"])
      assert.equal(isName(bad), false, bad);
  });

  it("a purpose is lower case and starts with a letter; countries are two upper-case letters", () => {
    assert.deepEqual(["treatment", "emergency", "public_health", "Research", "*", "1st"].map(isPurpose), [
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    assert.deepEqual(["GB", "ES", "gb", "GBR", ""].map(isCountry), [true, true, false, false, false]);
  });
});
