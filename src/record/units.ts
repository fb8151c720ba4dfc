/**
 * Unit conversion for numeric values of a mapping (`unit: { from: lb, to: kg }`): mass, length,
 * volume, temperature (with offsets) and time. Converting across dimensions is an error.
 */
import { SerumsError } from "../errors/index.ts";

export type Dimension = "mass" | "length" | "volume" | "temperature" | "time";

interface UnitDefinition {
  dimension: Dimension;
  /** value in the dimension's base unit = value × factor + offset (kg, m, l, K, s). */
  factor: number;
  offset: number;
}

const linear = (dimension: Dimension, factor: number): UnitDefinition => ({ dimension, factor, offset: 0 });

const UNIT_TABLE: Record<string, UnitDefinition> = {
  kg: linear("mass", 1),
  g: linear("mass", 1e-3),
  mg: linear("mass", 1e-6),
  lb: linear("mass", 0.45359237),
  oz: linear("mass", 0.028349523125),
  m: linear("length", 1),
  cm: linear("length", 1e-2),
  mm: linear("length", 1e-3),
  in: linear("length", 0.0254),
  ft: linear("length", 0.3048),
  l: linear("volume", 1),
  ml: linear("volume", 1e-3),
  c: { dimension: "temperature", factor: 1, offset: 273.15 },
  f: { dimension: "temperature", factor: 5 / 9, offset: 273.15 - (32 * 5) / 9 },
  k: linear("temperature", 1),
  d: linear("time", 86_400),
  h: linear("time", 3_600),
  min: linear("time", 60),
  s: linear("time", 1),
};

/** The unit names, by dimension, in the order docs/mapping.md lists them. */
export const UNITS: Readonly<Record<Dimension, readonly string[]>> = {
  mass: ["kg", "g", "mg", "lb", "oz"],
  length: ["m", "cm", "mm", "in", "ft"],
  volume: ["l", "ml"],
  temperature: ["c", "f", "k"],
  time: ["d", "h", "min", "s"],
};

/** Every unit name: kg, g, mg, lb, oz, m, cm, ... */
export const UNIT_NAMES: readonly string[] = Object.values(UNITS).flat();

/** The dimension a unit measures, or undefined for an unknown unit. */
export function unitDimension(unit: string): Dimension | undefined {
  return Object.hasOwn(UNIT_TABLE, unit) ? UNIT_TABLE[unit]!.dimension : undefined;
}

function validUnits(): string {
  return (Object.entries(UNITS) as [Dimension, readonly string[]][])
    .map(([dimension, names]) => `${names.join(", ")} (${dimension})`)
    .join("; ");
}

/** Rounds away the binary noise of a conversion (36.99999999999999 → 37), keeping 15 significant digits. */
function clean(value: number): number {
  return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(15)) : value;
}

function definition(unit: string, path: string): UnitDefinition {
  if (typeof unit === "string" && Object.hasOwn(UNIT_TABLE, unit)) return UNIT_TABLE[unit]!;
  throw new SerumsError("BAD_MAPPING", `${JSON.stringify(unit)} is not a unit; valid: ${validUnits()}`, {
    path,
    value: unit,
  });
}

/**
 * A function converting numbers from one unit to another of the same dimension. Throws
 * SerumsError BAD_MAPPING for an unknown unit (`where.path` "from" or "to") or for units of
 * different dimensions (naming both).
 */
export function unitConverter(from: string, to: string): (value: number) => number {
  const a = definition(from, "from");
  const b = definition(to, "to");
  if (a.dimension !== b.dimension) {
    throw new SerumsError(
      "BAD_MAPPING",
      `cannot convert ${from} (${a.dimension}) to ${to} (${b.dimension}): both units must measure the same thing`,
      { value: { from, to } },
    );
  }
  if (from === to) return (value) => value;
  if (a.offset === 0 && b.offset === 0) {
    const ratio = a.factor / b.factor;
    return (value) => clean(value * ratio);
  }
  return (value) => clean((value * a.factor + a.offset - b.offset) / b.factor);
}

/** Converts one value; see `unitConverter`. */
export function convertUnit(value: number, from: string, to: string): number {
  return unitConverter(from, to)(value);
}
