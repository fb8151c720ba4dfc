/**
 * Calendar arithmetic on day numbers (days since 1970-01-01, UTC), so that the sample never
 * depends on the machine's time zone.
 */

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

export function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

export function civil(dayNo: number): CivilDate {
  const d = new Date(dayNo * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 Sunday ... 6 Saturday. */
export function weekday(dayNo: number): number {
  return new Date(dayNo * DAY_MS).getUTCDay();
}

/** The day itself when a weekday, else the following Monday. */
export function nextWeekday(dayNo: number): number {
  const w = weekday(dayNo);
  return w === 6 ? dayNo + 2 : w === 0 ? dayNo + 1 : dayNo;
}

const p2 = (n: number): string => String(n).padStart(2, "0");

/** YYYY-MM-DD */
export function isoDate(dayNo: number): string {
  const { year, month, day } = civil(dayNo);
  return `${year}-${p2(month)}-${p2(day)}`;
}

/** DD/MM/YYYY */
export function dmyDate(dayNo: number): string {
  const { year, month, day } = civil(dayNo);
  return `${p2(day)}/${p2(month)}/${year}`;
}

/** DD/MM/YYYY HH:mm, for a local time given in minutes after midnight. */
export function dmyDateTime(dayNo: number, minutes: number): string {
  return `${dmyDate(dayNo)} ${p2(Math.floor(minutes / 60))}:${p2(minutes % 60)}`;
}

/** Parses YYYY-MM-DD or DD/MM/YYYY (with an optional time, ignored) to a day number. */
export function parseDay(text: string): number {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return dayNumber(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{2})\/(\d{2})\/(\d{4})(?: \d{2}:\d{2})?$/.exec(text);
  if (m) return dayNumber(Number(m[3]), Number(m[2]), Number(m[1]));
  throw new Error(`not a date: ${JSON.stringify(text)}`);
}

/** Age in completed years on `onDay` of someone born on `birth`. */
export function ageOn(birth: CivilDate, onDay: number): number {
  const on = civil(onDay);
  const before = on.month < birth.month || (on.month === birth.month && on.day < birth.day);
  return on.year - birth.year - (before ? 1 : 0);
}
