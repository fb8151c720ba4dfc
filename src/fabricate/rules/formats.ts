/**
 * Named formats for pattern rules: texts with a structure a regular expression cannot express
 * (check digits) or that should look real (postcode areas).
 *   uk_postcode           a full UK postcode, "EH4 2XU": a real area, a district, the inward code
 *   uk_postcode_district  the outward code alone, "EH4" (as de-identified extracts keep it)
 *   chi                   a CHI-like number: DDMMYY of a real date, two serial digits, a sex digit
 *                         and the modulus-11 check digit (weights 10..2; a remainder giving 10 is
 *                         never issued, so such numbers are drawn again)
 *   nhs_number            ten digits with the same modulus-11 check digit
 *   uuid                  a random (version 4) UUID, lower case
 */
import type { Prng } from "../engine/prng.ts";
import type { FormatName } from "../project/project-types.ts";
import { monthDayOfDays, yearOfDays } from "./compile-expression.ts";
import type { TextGenerator } from "./regex-generator.ts";

/** Postcode areas, weighted towards Scotland (the use case), then large English cities. */
const AREAS = [
  ["EH", 20],
  ["G", 14],
  ["AB", 6],
  ["DD", 5],
  ["KY", 6],
  ["FK", 5],
  ["ML", 4],
  ["PA", 4],
  ["KA", 4],
  ["IV", 3],
  ["PH", 3],
  ["TD", 2],
  ["DG", 2],
  ["ZE", 1],
  ["KW", 1],
  ["HS", 1],
  ["NE", 3],
  ["M", 3],
  ["B", 3],
  ["L", 2],
  ["LS", 2],
  ["S", 2],
  ["N", 2],
  ["E", 2],
  ["SW", 2],
  ["CF", 1],
  ["BS", 1],
] as const;
const AREA_TOTAL = AREAS.reduce((sum, [, w]) => sum + w, 0);
const INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ";

function area(rng: Prng): string {
  let r = rng.next() * AREA_TOTAL;
  for (const [name, weight] of AREAS) {
    r -= weight;
    if (r < 0) return name;
  }
  return "EH";
}

function district(rng: Prng): string {
  return `${area(rng)}${1 + Math.floor(rng.next() * 29)}`;
}

/** The modulus-11 check digit of nine digits (weights 10..2), or -1 when none exists. */
export function mod11CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check === 10 ? -1 : check;
}

function digits(rng: Prng, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += String.fromCharCode(48 + Math.floor(rng.next() * 10));
  return out;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const CHI_FROM = -18262; // 1920-01-01
const CHI_SPAN = 31046; // to 2004-12-31

function chi(rng: Prng): string {
  for (;;) {
    const days = CHI_FROM + Math.floor(rng.next() * CHI_SPAN);
    const { month, day } = monthDayOfDays(days);
    const first9 = `${pad2(day)}${pad2(month)}${pad2(yearOfDays(days) % 100)}${digits(rng, 3)}`;
    const check = mod11CheckDigit(first9);
    if (check >= 0) return `${first9}${check}`;
  }
}

function nhsNumber(rng: Prng): string {
  for (;;) {
    const first9 = `${1 + Math.floor(rng.next() * 9)}${digits(rng, 8)}`;
    const check = mod11CheckDigit(first9);
    if (check >= 0) return `${first9}${check}`;
  }
}

const HEX = "0123456789abcdef";
function uuid(rng: Prng): string {
  let out = "";
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) out += "-";
    else if (i === 14) out += "4";
    else if (i === 19) out += HEX[8 + Math.floor(rng.next() * 4)];
    else out += HEX[Math.floor(rng.next() * 16)];
  }
  return out;
}

export const FORMAT_GENERATORS: Record<FormatName, TextGenerator> = {
  uk_postcode: (rng) =>
    `${district(rng)} ${Math.floor(rng.next() * 10)}${INWARD_LETTERS[Math.floor(rng.next() * 20)]}${INWARD_LETTERS[Math.floor(rng.next() * 20)]}`,
  uk_postcode_district: district,
  chi,
  nhs_number: nhsNumber,
  uuid,
};

/** Regular expressions every value of a format matches (for checks and tests). */
export const FORMAT_PATTERNS: Record<FormatName, RegExp> = {
  uk_postcode: /^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$/,
  uk_postcode_district: /^[A-Z]{1,2}\d{1,2}$/,
  chi: /^\d{10}$/,
  nhs_number: /^\d{10}$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
};
