/**
 * Recognisers of well-known value patterns of UK health data, used by the column profiler. Each
 * takes a trimmed text and says whether it has the pattern; none keeps or reports the value.
 */

/** The 121 UK postcode areas (plus GIR), so that "C50" or "I21" is not taken for a district. */
const POSTCODE_AREAS = new Set(
  (
    "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY " +
    "E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN " +
    "LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP " +
    "SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
  ).split(" "),
);

const FULL_POSTCODE = /^([A-Z]{1,2})\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}$/;
const DISTRICT = /^([A-Z]{1,2})\d[A-Z\d]?$/;
const SECTOR = /^([A-Z]{1,2})\d[A-Z\d]? \d$/;

/** A full UK postcode: "EH4 2XU", "EH42XU", "SW1A 1AA" (any case). */
export function isUkPostcode(text: string): boolean {
  const upper = text.toUpperCase();
  if (upper === "GIR 0AA" || upper === "GIR0AA") return true;
  const match = FULL_POSTCODE.exec(upper);
  return match !== null && POSTCODE_AREAS.has(match[1]!);
}

/** A partial UK postcode: the district ("EH4", "SW1A") or the sector ("EH4 2"). */
export function isUkPostcodeDistrict(text: string): boolean {
  const upper = text.toUpperCase();
  const match = DISTRICT.exec(upper) ?? SECTOR.exec(upper);
  return match !== null && POSTCODE_AREAS.has(match[1]!);
}

/** The NHS modulus-11 check on ten digits (weights 10..2; a remainder giving 10 is never valid). */
export function passesModulus11(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === Number(digits[9]);
}

/**
 * A Scottish CHI number: ten digits, the first six a date of birth DDMMYY, the last a modulus-11
 * check digit. Nine digits are taken as a CHI that lost its leading zero (stored as a number).
 */
export function isChiNumber(text: string): boolean {
  const digits = text.length === 9 ? `0${text}` : text;
  if (!/^\d{10}$/.test(digits)) return false;
  const day = Number(digits.slice(0, 2));
  const month = Number(digits.slice(2, 4));
  if (month < 1 || month > 12 || day < 1) return false;
  const longest = month === 2 ? 29 : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= longest && passesModulus11(digits);
}

/** An NHS number: ten digits, optionally grouped 3-3-4 by spaces or hyphens, passing modulus 11. */
export function isNhsNumber(text: string): boolean {
  const match = /^(\d{3})[ -]?(\d{3})[ -]?(\d{4})$/.exec(text);
  return match !== null && passesModulus11(match[1]! + match[2]! + match[3]!);
}

/** An ICD-10 code: "C50", "C509", "C50.9", "I21.4", "G01*" (a letter, two digits, an optional subdivision). */
export function isIcd10Code(text: string): boolean {
  return /^[A-Z]\d{2}(?:\.?\d[0-9A-Z]{0,3})?[*†+]?$/i.test(text);
}

/** An OPCS-4 code: "B27", "B274", "B27.4", "Z15.4" (chapters A–Z without I and O). */
export function isOpcs4Code(text: string): boolean {
  return /^[A-HJ-NP-Z]\d{2}(?:\.?\d)?$/i.test(text);
}

/** An ICD-O-3 morphology code with its behaviour: "8500/3", "M8500/3", "M-8500/3". */
export function isIcdO3Morphology(text: string): boolean {
  return /^(?:M-?)?[89]\d{3}\/[012369]$/i.test(text);
}

/** A grade on a 0–4 scale: "0".."4", "G2", "Grade 3". */
export function isGrade0to4(text: string): boolean {
  return /^(?:G(?:rade)?\s*)?[0-4](?:\.0+)?$/i.test(text);
}

/** Words a boolean column holds (not digits): true/false, t/f, yes/no, y/n. */
export function isBooleanWord(text: string): boolean {
  return /^(?:true|false|t|f|yes|no|y|n)$/i.test(text);
}

/** Boolean-like: a boolean word, or 0/1. */
export function isBooleanLike(text: string): boolean {
  return text === "0" || text === "1" || isBooleanWord(text);
}
