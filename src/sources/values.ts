/**
 * Numbers from sources that may hold more than a JavaScript number: a decimal becomes a number
 * only when that number gives back exactly the same decimal value; otherwise the text is kept, so
 * that no digit is ever lost silently (a 20-digit identifier stays a string).
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** `0.<digits>e<exponent>` with no leading or trailing zero digit, or "0"; undefined if not a decimal. */
function canonicalDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  if (whole === "" && fraction === "") return undefined;
  const digits = whole + fraction;
  const leading = digits.length - digits.replace(/^0+/, "").length;
  const significant = digits.slice(leading).replace(/0+$/, "");
  if (significant === "") return "0";
  const scale = Number(exponent) + whole.length - leading;
  return `${sign === "-" ? "-" : ""}0.${significant}e${scale}`;
}

/**
 * The number a decimal text denotes when a JavaScript number holds it exactly (its shortest form
 * denotes the same value: "0.1", "12.50", "9007199254740992"), else the text unchanged ("NaN",
 * "Infinity", "12345678901234567890", "0.1000000000000000000001").
 */
export function exactNumber(text: string): number | string {
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  const canonical = canonicalDecimal(text);
  if (canonical === undefined) return text;
  if (value === 0) return canonical === "0" ? 0 : text;
  return canonicalDecimal(String(value)) === canonical ? value : text;
}

/** A 64-bit integer as a number when exact, else its decimal text. */
export function exactInteger(value: bigint): number | string {
  const asNumber = Number(value);
  return BigInt(asNumber) === value ? asNumber : value.toString();
}

/** True for the text of a JSON number with no fraction or exponent ("-12", "123456789012345678901"). */
export function isIntegerText(text: string): boolean {
  return /^-?\d+$/.test(text);
}
