import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SerumsError } from "../errors/index.ts";
import type { SourceValue } from "../sources/index.ts";
import { isoInstant } from "./date-formats.ts";
import { buildValueSpec, type ValueDefinition } from "./value-transforms.ts";

const context = { timeZone: "Europe/London" };

function spec(def: ValueDefinition) {
  return buildValueSpec(def, context);
}

function convert(def: ValueDefinition, raw: SourceValue) {
  return spec(def).convert(raw);
}

/** Asserts a BAD_ROW naming the column and value, with the exact message. */
function assertBadRow(def: ValueDefinition, raw: SourceValue, message: string): void {
  assert.throws(
    () => convert(def, raw),
    (e: unknown) => {
      assert.ok(e instanceof SerumsError, String(e));
      assert.equal(e.code, "BAD_ROW");
      assert.equal(e.message, message);
      assert.equal(e.where.column, def.column);
      assert.equal(e.where.value, raw);
      return true;
    },
  );
}

/** Asserts a BAD_MAPPING at `path` (a field of the value) with the exact message. */
function assertBadMapping(def: ValueDefinition, path: string, message: string, value?: unknown): void {
  assert.throws(
    () => spec(def),
    (e: unknown) => {
      assert.ok(e instanceof SerumsError, String(e));
      assert.equal(e.code, "BAD_MAPPING");
      assert.equal(e.where.path, path);
      assert.equal(e.message, message);
      assert.deepEqual(e.where.value, value);
      return true;
    },
  );
}

describe("string values", () => {
  it("trims by default, keeps untrimmed on request, and makes empty and null into null", () => {
    assert.equal(convert({ column: "c" }, "  Edinburgh "), "Edinburgh");
    assert.equal(convert({ column: "c", trim: false }, "  Edinburgh "), "  Edinburgh ");
    assert.equal(convert({ column: "c" }, ""), null);
    assert.equal(convert({ column: "c" }, "   "), null);
    assert.equal(convert({ column: "c", trim: false }, "   "), "   ");
    assert.equal(convert({ column: "c" }, null), null);
    assert.equal(convert({ column: "c" }, 12), "12");
    assert.equal(convert({ column: "c" }, true), "true");
  });

  it("changes case and left-pads", () => {
    assert.equal(convert({ column: "c", case: "upper" }, "eh4 2xu"), "EH4 2XU");
    assert.equal(convert({ column: "c", case: "lower" }, "Male"), "male");
    const chi = { column: "chi", pad: { length: 10, with: "0" } };
    assert.equal(convert(chi, "101010101"), "0101010101");
    assert.equal(convert(chi, 101010101), "0101010101");
    assert.equal(convert(chi, "1010101010"), "1010101010");
    assert.equal(convert(chi, "12345678901"), "12345678901");
    assert.equal(convert(chi, ""), null);
  });

  it("is a bad row when required and empty or null", () => {
    assertBadRow(
      { column: "upi_number", required: true },
      "",
      'column upi_number: a value is required, got ""',
    );
    assertBadRow(
      { column: "upi_number", required: true },
      "  ",
      'column upi_number: a value is required, got "  "',
    );
    assertBadRow(
      { column: "upi_number", required: true },
      null,
      "column upi_number: a value is required, got (null)",
    );
    assert.equal(convert({ column: "upi_number", required: true }, "x"), "x");
  });

  it("describes itself", () => {
    const s = spec({ column: "c", required: true });
    assert.equal(s.column, "c");
    assert.equal(s.type, "string");
    assert.equal(s.required, true);
    assert.equal(spec({ column: "c" }).required, false);
  });
});

describe("integer values", () => {
  const def: ValueDefinition = { column: "length_of_stay", type: "integer" };

  it("accepts 12, '12' and '12.0'", () => {
    assert.equal(convert(def, 12), 12);
    assert.equal(convert(def, "12"), 12);
    assert.equal(convert(def, "12.0"), 12);
    assert.equal(convert(def, " -3 "), -3);
    assert.equal(convert(def, "+7"), 7);
    assert.equal(convert(def, "-0"), 0);
    assert.ok(Object.is(convert(def, "-0"), 0));
    assert.equal(convert(def, 12.0), 12);
    assert.equal(convert(def, ""), null);
    assert.equal(convert(def, null), null);
  });

  it("refuses fractions, words, booleans, commas and huge numbers", () => {
    assertBadRow(def, "12.5", 'column length_of_stay: "12.5" is not an integer: it has a fractional part');
    assertBadRow(def, 12.5, "column length_of_stay: 12.5 is not an integer: it has a fractional part");
    assertBadRow(def, "twelve", 'column length_of_stay: "twelve" is not an integer (e.g. 12 or 12.0)');
    assertBadRow(def, "1,200", 'column length_of_stay: "1,200" is not an integer (e.g. 12 or 12.0)');
    assertBadRow(def, true, "column length_of_stay: true is not an integer (e.g. 12 or 12.0)");
    assertBadRow(def, Number.NaN, "column length_of_stay: null is not an integer (e.g. 12 or 12.0)");
    assertBadRow(
      def,
      "99999999999999999999",
      'column length_of_stay: "99999999999999999999" is too large for an integer (beyond ±9007199254740991)',
    );
    assertBadRow(
      { ...def, trim: false },
      " 12",
      'column length_of_stay: " 12" is not an integer (e.g. 12 or 12.0)',
    );
  });

  it("converts units, rounding to the nearest integer", () => {
    assert.equal(convert({ column: "stay", type: "integer", unit: { from: "d", to: "h" } }, "2"), 48);
    assert.equal(convert({ column: "weight", type: "integer", unit: { from: "lb", to: "kg" } }, "150"), 68);
    assert.equal(convert({ column: "weight", type: "integer", unit: { from: "g", to: "kg" } }, "-2500"), -3);
  });
});

describe("decimal values", () => {
  const def: ValueDefinition = { column: "weight", type: "decimal" };

  it("accepts numbers with a dot", () => {
    assert.equal(convert(def, "1.5"), 1.5);
    assert.equal(convert(def, ".5"), 0.5);
    assert.equal(convert(def, "-2"), -2);
    assert.equal(convert(def, "1e3"), 1000);
    assert.equal(convert(def, 72.4), 72.4);
    assert.equal(convert(def, " "), null);
  });

  it("refuses commas, words and non-finite numbers", () => {
    assertBadRow(
      def,
      "1,5",
      'column weight: "1,5" is not a decimal number (e.g. 1.5): the decimal separator is a dot, not a comma',
    );
    assertBadRow(def, "abc", 'column weight: "abc" is not a decimal number (e.g. 1.5)');
    assertBadRow(def, "Infinity", 'column weight: "Infinity" is not a decimal number (e.g. 1.5)');
    assertBadRow(def, Number.POSITIVE_INFINITY, "column weight: null is not a finite decimal number");
    assertBadRow(def, false, "column weight: false is not a decimal number (e.g. 1.5)");
  });

  it("converts units", () => {
    assert.equal(convert({ ...def, unit: { from: "lb", to: "kg" } }, "150"), 68.0388555);
    assert.equal(convert({ column: "temp", type: "decimal", unit: { from: "f", to: "c" } }, "98.6"), 37);
  });
});

describe("boolean values", () => {
  const def: ValueDefinition = { column: "smoker", type: "boolean" };

  it("accepts true/false, 1/0, y/n, yes/no, t/f in any case", () => {
    for (const yes of ["true", "TRUE", "1", "y", "Y", "yes", "Yes", "t", "T", " t ", 1, true])
      assert.equal(convert(def, yes), true);
    for (const no of ["false", "False", "0", "n", "N", "no", "NO", "f", "F", 0, false])
      assert.equal(convert(def, no), false);
    assert.equal(convert(def, ""), null);
    assert.equal(convert(def, null), null);
  });

  it("refuses anything else, listing what is valid", () => {
    const valid = "is not a boolean; valid: true/false, 1/0, y/n, yes/no, t/f (any case)";
    assertBadRow(def, "maybe", `column smoker: "maybe" ${valid}`);
    assertBadRow(def, 2, `column smoker: 2 ${valid}`);
    assertBadRow(def, "oui", `column smoker: "oui" ${valid}`);
  });
});

describe("code values", () => {
  const sex = {
    name: "sex",
    codes: new Map([
      ["1", "male"],
      ["2", "female"],
      ["9", "not specified"],
    ]),
  };
  const def: ValueDefinition = { column: "sex", type: "code", codes: sex };

  it("maps codes to labels, from text or numbers", () => {
    assert.equal(convert(def, "1"), "male");
    assert.equal(convert(def, " 2 "), "female");
    assert.equal(convert(def, 9), "not specified");
    assert.equal(convert(def, ""), null);
    assert.equal(convert(def, null), null);
  });

  it("refuses a code not in the list, naming the list and its codes", () => {
    assertBadRow(def, "3", 'column sex: "3" is not in code list sex; valid: "1", "2", "9"');
    assertBadRow(def, true, 'column sex: true is not in code list sex; valid: "1", "2", "9"');
    const inline = { column: "flag", type: "code" as const, codes: { codes: new Map([["Y", "yes"]]) } };
    assertBadRow(inline, "N", 'column flag: "N" is not in the code list; valid: "Y"');
  });

  it("applies case to the codes and the input alike", () => {
    const marital = {
      column: "marital",
      type: "code" as const,
      case: "upper" as const,
      codes: {
        codes: new Map([
          ["m", "married"],
          ["S", "single"],
        ]),
      },
    };
    assert.equal(convert(marital, "M"), "married");
    assert.equal(convert(marital, "s"), "single");
  });

  it("shortens a long list of valid codes", () => {
    const many = new Map(Array.from({ length: 30 }, (_, i) => [String(i), `label ${i}`]));
    assert.throws(
      () => convert({ column: "c", type: "code", codes: { name: "many", codes: many } }, "x"),
      /valid: "0", "1", .*"19", … \(30 in all\)$/,
    );
  });
});

describe("date values", () => {
  it("gives the UTC instant of local midnight, in ISO-8601 with milliseconds", () => {
    const def: ValueDefinition = { column: "admission_date", type: "date" };
    assert.equal(convert(def, "2014-03-05"), "2014-03-05T00:00:00.000Z");
    assert.equal(convert(def, "2014-07-05"), "2014-07-04T23:00:00.000Z");
    assert.equal(convert({ ...def, timeZone: "Europe/Madrid" }, "2014-07-05"), "2014-07-04T22:00:00.000Z");
    assert.equal(convert({ ...def, timeZone: "UTC" }, "2014-07-05"), "2014-07-05T00:00:00.000Z");
    assert.equal(
      buildValueSpec(def, { timeZone: "Europe/Madrid" }).convert("2014-01-05"),
      "2014-01-04T23:00:00.000Z",
    );
    assert.equal(convert(def, "2016-02-29"), "2016-02-29T00:00:00.000Z");
    assert.equal(convert(def, ""), null);
    assert.equal(convert(def, null), null);
  });

  it("starts a day whose midnight is skipped when the clocks jump", () => {
    const def: ValueDefinition = { column: "d", type: "date", timeZone: "America/Sao_Paulo" };
    assert.equal(convert(def, "2018-11-04"), "2018-11-04T03:00:00.000Z");
  });

  it("reads custom formats, with one or two digits before a literal", () => {
    const def: ValueDefinition = { column: "admission_date", type: "date", format: "DD/MM/YYYY" };
    assert.equal(convert(def, "05/03/2014"), "2014-03-05T00:00:00.000Z");
    assert.equal(convert(def, "5/3/2014"), "2014-03-05T00:00:00.000Z");
    assert.equal(
      convert({ column: "d", type: "date", format: "YYYYMMDD" }, 20140305),
      "2014-03-05T00:00:00.000Z",
    );
    assert.equal(
      convert({ column: "d", type: "date", format: "DD.MM.YYYY HH:mm" }, "05.07.2014 13:45"),
      "2014-07-04T23:00:00.000Z",
    );
  });

  it("refuses a date that does not fit its format, with an example of one that does", () => {
    const def: ValueDefinition = { column: "admission_date", type: "date", format: "DD/MM/YYYY" };
    assertBadRow(
      def,
      "2014-03-05",
      'column admission_date: "2014-03-05" is not a date in format DD/MM/YYYY (expected e.g. 05/03/2014)',
    );
    assertBadRow(
      def,
      "05/03/14",
      'column admission_date: "05/03/14" is not a date in format DD/MM/YYYY (expected e.g. 05/03/2014)',
    );
    assertBadRow(
      def,
      "005/03/2014",
      'column admission_date: "005/03/2014" is not a date in format DD/MM/YYYY (expected e.g. 05/03/2014)',
    );
    assertBadRow(def, true, "column admission_date: true is not a date in format DD/MM/YYYY");
    const iso: ValueDefinition = { column: "admission_date", type: "date" };
    assertBadRow(
      iso,
      "05/03/2014",
      'column admission_date: "05/03/2014" is not a date in format YYYY-MM-DD (expected e.g. 2014-03-05)',
    );
    assertBadRow(
      iso,
      "2014-3-5",
      'column admission_date: "2014-3-5" is not a date in format YYYY-MM-DD (expected e.g. 2014-03-05)',
    );
    assertBadRow(
      iso,
      "2014-03-05T00:00:00",
      'column admission_date: "2014-03-05T00:00:00" is not a date in format YYYY-MM-DD (expected e.g. 2014-03-05)',
    );
  });

  it("refuses fields out of range, saying which", () => {
    const iso: ValueDefinition = { column: "admission_date", type: "date" };
    assertBadRow(
      iso,
      "2014-13-40",
      'column admission_date: "2014-13-40" is not a date in format YYYY-MM-DD (month 13 is out of range)',
    );
    assertBadRow(
      iso,
      "2014-00-10",
      'column admission_date: "2014-00-10" is not a date in format YYYY-MM-DD (month 0 is out of range)',
    );
    assertBadRow(
      iso,
      "2014-04-31",
      'column admission_date: "2014-04-31" is not a date in format YYYY-MM-DD (day 31 is out of range: April 2014 has 30 days)',
    );
    assertBadRow(
      iso,
      "2015-02-29",
      'column admission_date: "2015-02-29" is not a date in format YYYY-MM-DD (day 29 is out of range: February 2015 has 28 days)',
    );
    assertBadRow(
      iso,
      "1900-02-29",
      'column admission_date: "1900-02-29" is not a date in format YYYY-MM-DD (day 29 is out of range: February 1900 has 28 days)',
    );
    assertBadRow(
      iso,
      "2014-03-00",
      'column admission_date: "2014-03-00" is not a date in format YYYY-MM-DD (day 0 is out of range: March 2014 has 31 days)',
    );
    assertBadRow(
      iso,
      "0000-01-01",
      'column admission_date: "0000-01-01" is not a date in format YYYY-MM-DD (year 0 is out of range: valid years are 0001 to 9999)',
    );
  });
});

describe("datetime values", () => {
  const def: ValueDefinition = { column: "treatment_datetime", type: "datetime" };

  it("reads ISO-8601 local times in the zone, and times with Z or an offset as written", () => {
    assert.equal(convert(def, "2014-03-05T09:30:00"), "2014-03-05T09:30:00.000Z");
    assert.equal(convert(def, "2014-07-05T09:30:00"), "2014-07-05T08:30:00.000Z");
    assert.equal(convert(def, "2014-07-05 09:30"), "2014-07-05T08:30:00.000Z");
    assert.equal(convert(def, "2014-07-05T09:30:00.5"), "2014-07-05T08:30:00.500Z");
    assert.equal(convert(def, "2014-07-05T09:30:00.123456"), "2014-07-05T08:30:00.123Z");
    assert.equal(convert(def, "2014-07-05T09:30:00Z"), "2014-07-05T09:30:00.000Z");
    assert.equal(convert(def, "2014-07-05T09:30:00+02:00"), "2014-07-05T07:30:00.000Z");
    assert.equal(convert(def, "2014-07-05T09:30:00-0330"), "2014-07-05T13:00:00.000Z");
    assert.equal(convert(def, "2014-07-05T09:30+01"), "2014-07-05T08:30:00.000Z");
    assert.equal(convert(def, "2014-07-05"), "2014-07-04T23:00:00.000Z");
  });

  it("takes the earlier instant of a repeated local time and refuses a skipped one", () => {
    assert.equal(convert(def, "2015-10-25T01:30:00"), "2015-10-25T00:30:00.000Z");
    assertBadRow(
      def,
      "2015-03-29T01:30:00",
      'column treatment_datetime: "2015-03-29T01:30:00" is a local time that does not exist in Europe/London: the clocks went forward from UTC+00:00 to UTC+01:00',
    );
    const madrid = { ...def, timeZone: "Europe/Madrid" };
    assert.equal(convert(madrid, "2015-10-25T02:30:00"), "2015-10-25T00:30:00.000Z");
    assertBadRow(
      madrid,
      "2015-03-29T02:30:00",
      'column treatment_datetime: "2015-03-29T02:30:00" is a local time that does not exist in Europe/Madrid: the clocks went forward from UTC+01:00 to UTC+02:00',
    );
  });

  it("reads custom formats with times and fractions", () => {
    const custom = { ...def, format: "DD/MM/YYYY HH:mm" };
    assert.equal(convert(custom, "05/07/2014 09:30"), "2014-07-05T08:30:00.000Z");
    assert.equal(convert(custom, "5/7/2014 9:30"), "2014-07-05T08:30:00.000Z");
    assert.equal(
      convert({ ...def, format: "YYYYMMDDHHmmssSSS" }, "20140705093001250"),
      "2014-07-05T08:30:01.250Z",
    );
    assert.equal(
      convert({ ...def, format: "YYYY-MM-DDTHH:mm:ss.SSS" }, "2014-07-05T09:30:01.5"),
      "2014-07-05T08:30:01.500Z",
    );
    assert.equal(convert({ ...def, format: "DD/MM/YYYY" }, "05/07/2014"), "2014-07-04T23:00:00.000Z");
    assertBadRow(
      custom,
      "05/07/2014",
      'column treatment_datetime: "05/07/2014" is not a datetime in format DD/MM/YYYY HH:mm (expected e.g. 05/03/2014 09:30)',
    );
    assertBadRow(
      custom,
      "05/07/2014 24:00",
      'column treatment_datetime: "05/07/2014 24:00" is not a datetime in format DD/MM/YYYY HH:mm (hour 24 is out of range)',
    );
    assertBadRow(
      custom,
      "05/07/2014 23:60",
      'column treatment_datetime: "05/07/2014 23:60" is not a datetime in format DD/MM/YYYY HH:mm (minute 60 is out of range)',
    );
    assertBadRow(
      { ...def, format: "YYYY-MM-DD HH:mm:ss" },
      "2014-07-05 23:59:60",
      'column treatment_datetime: "2014-07-05 23:59:60" is not a datetime in format YYYY-MM-DD HH:mm:ss (second 60 is out of range)',
    );
  });

  it("refuses what is not ISO-8601", () => {
    const expected = "expected e.g. 2014-03-05T09:30:00, optionally with Z or an offset like +01:00";
    for (const text of [
      "2014-07-05T09",
      "2014-07-05T09:30:00+2",
      "2014-07-05T09:30:00 Z",
      "2014-07-05T09:30:00+24:00",
      "2014-07-05X09:30",
      "2014-07-05T09:30:00.",
    ]) {
      assertBadRow(
        def,
        text,
        `column treatment_datetime: ${JSON.stringify(text)} is not a datetime in ISO-8601 format (${expected})`,
      );
    }
  });

  it("round-trips any instant written in ISO-8601 with Z", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) }), (t) => {
        const text = new Date(t).toISOString();
        assert.equal(convert(def, text), text);
        assert.equal(isoInstant(t), text);
      }),
    );
  });
});

describe("constants", () => {
  it("converts the constant once and ignores the row", () => {
    const site = spec({ constant: "Western General Hospital, Edinburgh" });
    assert.equal(site.column, undefined);
    assert.equal(site.convert("anything"), "Western General Hospital, Edinburgh");
    assert.equal(spec({ constant: "12", type: "integer" }).convert(null), 12);
    assert.equal(spec({ constant: "2014-01-01", type: "date" }).convert(null), "2014-01-01T00:00:00.000Z");
    assert.equal(spec({ constant: true, type: "boolean" }).convert(null), true);
  });

  it("refuses a constant that does not convert, or is empty but required", () => {
    assertBadMapping(
      { constant: "twelve", type: "integer" },
      "constant",
      '"twelve" is not an integer (e.g. 12 or 12.0)',
      "twelve",
    );
    assertBadMapping(
      { constant: "  ", required: true },
      "constant",
      "a required value cannot be an empty constant",
      "  ",
    );
  });
});

describe("value definitions", () => {
  it("needs exactly one of column and constant", () => {
    assertBadMapping({}, "column", "a value needs a column (or a constant)");
    assertBadMapping(
      { column: "a", constant: "b" },
      "constant",
      "a value has a column or a constant, not both",
      "b",
    );
    assertBadMapping({ column: "" }, "column", '"" is not a column name', "");
  });

  it("refuses an unknown type", () => {
    assertBadMapping(
      { column: "a", type: "dat" as never },
      "type",
      '"dat" is not a value type; valid: string, integer, decimal, boolean, date, datetime, code',
      "dat",
    );
  });

  it("refuses fields that do not apply to the type", () => {
    assertBadMapping(
      { column: "a", type: "integer", format: "DD/MM/YYYY" },
      "format",
      "format applies to date and datetime values only; this value is integer",
      "DD/MM/YYYY",
    );
    assertBadMapping(
      { column: "a", timeZone: "UTC" },
      "time_zone",
      "time_zone applies to date and datetime values only; this value is string",
      "UTC",
    );
    const codes = { codes: new Map([["1", "x"]]) };
    assertBadMapping(
      { column: "a", codes },
      "codes",
      "codes applies to code values only; this value is string (add type: code)",
      { "1": "x" },
    );
    assertBadMapping(
      { column: "a", unit: { from: "kg", to: "g" } },
      "unit",
      "unit applies to integer and decimal values only; this value is string",
      { from: "kg", to: "g" },
    );
    assertBadMapping(
      { column: "a", type: "date", case: "upper" },
      "case",
      "case applies to string and code values only; this value is date",
      "upper",
    );
    assertBadMapping(
      { column: "a", type: "code", codes, pad: { length: 2, with: "0" } },
      "pad",
      "pad applies to string values only; this value is code (add type: string)",
      { length: 2, with: "0" },
    );
  });

  it("checks each field's own value", () => {
    assertBadMapping(
      { column: "a", case: "title" as never },
      "case",
      '"title" is not a case; valid: upper, lower',
      "title",
    );
    assertBadMapping(
      { column: "a", type: "date", timeZone: "Europe/Londres" },
      "time_zone",
      '"Europe/Londres" is not an IANA time zone (e.g. Europe/London, Europe/Madrid, UTC)',
      "Europe/Londres",
    );
    assertBadMapping(
      { column: "a", pad: { length: 0, with: "0" } },
      "pad.length",
      "0 is not a pad length; valid: an integer from 1 to 1000",
      0,
    );
    assertBadMapping(
      { column: "a", pad: { length: 10, with: "00" } },
      "pad.with",
      '"00" is not a pad character; valid: one character, such as "0"',
      "00",
    );
    assertBadMapping(
      { column: "a", type: "code" },
      "codes",
      "a code value needs codes: the name of a list under codes:, or an inline map of code: label",
    );
    assertBadMapping(
      { column: "a", type: "code", codes: { codes: new Map() } },
      "codes",
      "the code list is empty; give at least one code: label",
    );
    assertBadMapping(
      {
        column: "a",
        type: "code",
        case: "lower",
        codes: {
          codes: new Map([
            ["M", "male"],
            ["m", "married"],
          ]),
        },
      },
      "codes",
      'codes "m" and another are both "m" under case: lower, with different labels ("male", "married")',
      "m",
    );
  });

  it("checks units", () => {
    assertBadMapping(
      { column: "a", type: "decimal", unit: { from: "lb", to: "cm" } },
      "unit",
      "cannot convert lb (mass) to cm (length): both units must measure the same thing",
      { from: "lb", to: "cm" },
    );
    assert.throws(
      () => spec({ column: "a", type: "decimal", unit: { from: "stone", to: "kg" } }),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.where.path === "unit.from" &&
        e.message.startsWith('"stone" is not a unit; valid: kg'),
    );
    assert.throws(
      () => spec({ column: "a", type: "integer", unit: { from: "kg", to: "KG" } }),
      (e: unknown) => e instanceof SerumsError && e.where.path === "unit.to" && e.where.value === "KG",
    );
  });

  it("checks date formats", () => {
    const bad = (format: string, why: string) =>
      assertBadMapping(
        { column: "a", type: "date", format },
        "format",
        `${JSON.stringify(format)} is not a date format: ${why}`,
        format,
      );
    bad("", "it is empty; tokens: YYYY MM DD HH mm ss SSS");
    bad(
      "dd/mm/yyyy",
      '"d" at position 1 is not a token (tokens, case-sensitive: YYYY MM DD HH mm ss SSS; letters other than T cannot be literals)',
    );
    bad(
      "DD-MON-YYYY",
      '"M" at position 4 is not a token (tokens, case-sensitive: YYYY MM DD HH mm ss SSS; letters other than T cannot be literals)',
    );
    bad(
      "YYYY-MM-DDTHH:mm:ssZ",
      '"Z" at position 20 is not a token (tokens, case-sensitive: YYYY MM DD HH mm ss SSS; letters other than T cannot be literals)',
    );
    bad("YYYY-MM-DD-DD", "DD appears twice");
    bad("MM/YYYY", "it has no DD; a date needs YYYY, MM and DD");
    bad("YYYY-mm-DD", "it has no MM; a date needs YYYY, MM and DD");
    bad("YYYY-MM-DD mm:ss", "it has mm without HH");
    bad("YYYY-MM-DD HH:ss", "it has ss without mm");
    bad("YYYY-MM-DD HH:mm.SSS", "it has SSS without ss");
  });
});

describe("convert speed", () => {
  it("converts a formatted date in well under 10 µs", () => {
    const s = spec({ column: "d", type: "date", format: "DD/MM/YYYY" });
    s.convert("05/03/2014");
    const n = 20_000;
    const start = performance.now();
    for (let i = 0; i < n; i++) s.convert(`${(i % 28) + 1}/03/2014`);
    const perCall = ((performance.now() - start) * 1000) / n;
    assert.ok(perCall < 10, `${perCall} µs per call`);
  });
});
