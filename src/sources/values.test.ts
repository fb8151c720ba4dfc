import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isoTimestamp } from "./postgres-values.ts";
import { exactInteger, exactNumber, isIntegerText } from "./values.ts";

describe("exactNumber", () => {
  it("gives a number when the number denotes exactly the same decimal value", () => {
    for (const [text, value] of [
      ["0", 0],
      ["-0", 0],
      ["12", 12],
      ["12.50", 12.5],
      ["0.1", 0.1],
      ["-0.25", -0.25],
      ["007", 7],
      ["1e3", 1000],
      ["1.5E-7", 1.5e-7],
      ["9007199254740991", 9007199254740991],
      ["9007199254740992", 9007199254740992],
      ["123456789012345680000", 123456789012345680000],
    ] as const) {
      assert.equal(exactNumber(text), value, text);
    }
  });

  it("keeps the text when a number would change the value or is not finite", () => {
    for (const text of [
      "9007199254740993",
      "-9007199254740993",
      "12345678901234567890",
      "0.1000000000000000000001",
      "123456789012345678.90",
      "NaN",
      "Infinity",
      "-Infinity",
      "1e400",
      "0x10",
      "",
      " 1",
      "1e-400",
    ]) {
      assert.equal(exactNumber(text), text, text);
    }
  });
});

describe("exactInteger and isIntegerText", () => {
  it("converts 64-bit integers exactly or to text", () => {
    assert.equal(exactInteger(42n), 42);
    assert.equal(exactInteger(-(2n ** 60n)), -(2 ** 60));
    assert.equal(exactInteger(2n ** 53n + 1n), "9007199254740993");
  });

  it("recognises integer literals only", () => {
    assert.equal(isIntegerText("-120"), true);
    assert.equal(isIntegerText("1.0"), false);
    assert.equal(isIntegerText("1e5"), false);
  });
});

describe("isoTimestamp (PostgreSQL text → ISO-8601)", () => {
  it("marks UTC timestamps with Z, pads milliseconds and keeps microseconds", () => {
    assert.equal(isoTimestamp("2024-03-01 12:34:56+00"), "2024-03-01T12:34:56.000Z");
    assert.equal(isoTimestamp("2024-03-01 12:34:56.5+00"), "2024-03-01T12:34:56.500Z");
    assert.equal(isoTimestamp("2024-03-01 12:34:56.123456+00:00"), "2024-03-01T12:34:56.123456Z");
  });

  it("leaves a timestamp without a time zone without a zone designator", () => {
    assert.equal(isoTimestamp("2015-06-30 23:59:59"), "2015-06-30T23:59:59.000");
  });

  it("converts another offset to UTC", () => {
    assert.equal(isoTimestamp("2014-01-02 09:15:00.5+05:30"), "2014-01-02T03:45:00.500Z");
    assert.equal(isoTimestamp("2014-01-02 00:15:00-03"), "2014-01-02T03:15:00.000Z");
  });

  it("keeps text it cannot express in ISO-8601 unchanged", () => {
    for (const text of ["infinity", "-infinity", "0044-03-15 12:00:00+00 BC", "12345-01-01 00:00:00"]) {
      assert.equal(isoTimestamp(text), text);
    }
  });
});
