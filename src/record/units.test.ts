import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SerumsError } from "../errors/index.ts";
import { convertUnit, UNIT_NAMES, UNITS, unitConverter, unitDimension } from "./units.ts";

describe("convertUnit", () => {
  it("converts mass", () => {
    assert.equal(convertUnit(1, "lb", "kg"), 0.45359237);
    assert.equal(convertUnit(150, "lb", "kg"), 68.0388555);
    assert.equal(convertUnit(1, "kg", "g"), 1000);
    assert.equal(convertUnit(1, "g", "mg"), 1000);
    assert.equal(convertUnit(16, "oz", "lb"), 1);
    assert.equal(convertUnit(250, "mg", "g"), 0.25);
  });

  it("converts length", () => {
    assert.equal(convertUnit(12, "in", "ft"), 1);
    assert.equal(convertUnit(1, "in", "cm"), 2.54);
    assert.equal(convertUnit(6, "ft", "m"), 1.8288);
    assert.equal(convertUnit(172, "cm", "m"), 1.72);
    assert.equal(convertUnit(15, "mm", "cm"), 1.5);
  });

  it("converts volume", () => {
    assert.equal(convertUnit(1.5, "l", "ml"), 1500);
    assert.equal(convertUnit(250, "ml", "l"), 0.25);
  });

  it("converts temperature with its offsets", () => {
    assert.equal(convertUnit(98.6, "f", "c"), 37);
    assert.equal(convertUnit(37, "c", "f"), 98.6);
    assert.equal(convertUnit(-40, "c", "f"), -40);
    assert.equal(convertUnit(0, "c", "k"), 273.15);
    assert.equal(convertUnit(0, "k", "c"), -273.15);
    assert.equal(convertUnit(32, "f", "k"), 273.15);
    assert.equal(convertUnit(36.6, "c", "c"), 36.6);
  });

  it("converts time", () => {
    assert.equal(convertUnit(2, "d", "h"), 48);
    assert.equal(convertUnit(90, "min", "h"), 1.5);
    assert.equal(convertUnit(1, "h", "s"), 3600);
    assert.equal(convertUnit(86_400, "s", "d"), 1);
  });

  it("round-trips within each dimension", () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...(Object.values(UNITS) as string[][]))
          .chain((names) => fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names))),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        ([from, to], value) => {
          const back = convertUnit(convertUnit(value, from, to), to, from);
          assert.ok(
            Math.abs(back - value) <= 1e-9 * Math.max(1, Math.abs(value)),
            `${value} ${from}→${to}→${back}`,
          );
        },
      ),
    );
  });

  it("refuses to convert across dimensions, naming both units", () => {
    assert.throws(
      () => unitConverter("lb", "cm"),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.code === "BAD_MAPPING" &&
        e.message === "cannot convert lb (mass) to cm (length): both units must measure the same thing" &&
        e.where.path === undefined,
    );
    assert.throws(() => convertUnit(1, "c", "s"), /cannot convert c \(temperature\) to s \(time\)/);
  });

  it("refuses unknown units, saying which side and listing the valid ones", () => {
    assert.throws(
      () => unitConverter("stone", "kg"),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.code === "BAD_MAPPING" &&
        e.where.path === "from" &&
        e.where.value === "stone" &&
        e.message.startsWith(
          '"stone" is not a unit; valid: kg, g, mg, lb, oz (mass); m, cm, mm, in, ft (length);',
        ),
    );
    assert.throws(
      () => unitConverter("kg", "KG"),
      (e: unknown) => e instanceof SerumsError && e.where.path === "to" && e.where.value === "KG",
    );
    assert.throws(
      () => unitConverter("kg", "toString"),
      (e: unknown) => e instanceof SerumsError && e.where.path === "to",
    );
  });
});

describe("unitDimension", () => {
  it("knows every listed unit and nothing else", () => {
    assert.equal(UNIT_NAMES.length, 19);
    for (const [dimension, names] of Object.entries(UNITS)) {
      for (const name of names) assert.equal(unitDimension(name), dimension);
    }
    assert.equal(unitDimension("stone"), undefined);
    assert.equal(unitDimension("constructor"), undefined);
  });
});
