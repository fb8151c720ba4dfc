/**
 * CHI numbers (Community Health Index, NHS Scotland): DDMMYY of birth, two serial digits, a sex
 * digit (even female, odd male) and a modulus-11 check digit over the first nine digits with
 * weights 10 down to 2.
 */

/** The check digit of the first nine digits, or null when none exists (remainder 1 gives 10). */
export function chiCheckDigit(first9: string): number | null {
  if (!/^\d{9}$/.test(first9)) throw new Error(`expected nine digits, got ${JSON.stringify(first9)}`);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** True when `chi` is ten digits with a valid check digit and a real date of birth. */
export function isValidChi(chi: string): boolean {
  if (!/^\d{10}$/.test(chi)) return false;
  const day = Number(chi.slice(0, 2));
  const month = Number(chi.slice(2, 4));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  return chiCheckDigit(chi.slice(0, 9)) === Number(chi[9]);
}

/** The sex a CHI's ninth digit records. */
export function chiSex(chi: string): "female" | "male" {
  return Number(chi[8]) % 2 === 0 ? "female" : "male";
}

/**
 * A CHI for a birth date and sex from serial digits, or null when the serial has no check digit
 * (the caller draws another).
 */
export function makeChi(
  birth: { year: number; month: number; day: number },
  serial: number,
  sexDigit: number,
): string | null {
  const dd = String(birth.day).padStart(2, "0");
  const mm = String(birth.month).padStart(2, "0");
  const yy = String(birth.year % 100).padStart(2, "0");
  const first9 = `${dd}${mm}${yy}${String(serial).padStart(2, "0")}${sexDigit}`;
  const check = chiCheckDigit(first9);
  return check === null ? null : `${first9}${check}`;
}
