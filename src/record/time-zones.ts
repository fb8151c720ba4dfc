/**
 * Local wall-clock time in an IANA time zone → UTC instant, from the offsets Intl knows. On the
 * ingest hot path: formatters are made once per zone, and the offset of each local day (or, on
 * the days the clocks change, of each local hour) is cached once known to hold throughout, so a
 * repeated day costs a Date.UTC and a map look-up or two. The hour of a transition itself takes
 * the exact, slower path every time.
 */
import { SerumsError } from "../errors/index.ts";

/** A local date and time, as written: month 1–12, day 1–31, hour 0–23, ms 0–999. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** Converts local times of one zone; get it once per zone with `zoneResolver`. */
export interface ZoneResolver {
  readonly zone: string;
  /**
   * The UTC instant (epoch ms) of a local time; the earlier one when it occurs twice (clocks go
   * back); NaN when it does not exist (the hour skipped when clocks go forward). Fields out of
   * range are not checked (Date.UTC normalises them).
   */
  toUtc(
    year: number,
    month: number,
    day: number,
    hour: number,
    minute: number,
    second: number,
    ms: number,
  ): number;
  /** The first instant of a local day: local midnight, or when midnight is skipped, the end of the gap. */
  startOfDay(year: number, month: number, day: number): number;
  /** The offset (local minus UTC, in ms) in force at a UTC instant. */
  offsetAt(epochMs: number): number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const GREGORIAN_CYCLE = 146_097 * DAY;
/** Cached days (or hours) per zone before that cache is emptied. */
const MAX_CACHED_SPANS = 100_000;

/** The UTC epoch ms of a calendar date-time, right for years 0–99 too (which Date.UTC maps to 19xx). */
export function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  if (year >= 100 || year < 0) return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // The Gregorian calendar repeats every 400 years (146,097 days).
  return Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - GREGORIAN_CYCLE;
}

class Resolver implements ZoneResolver {
  readonly zone: string;
  readonly #format: Intl.DateTimeFormat;
  /** Local day number (naive ms / DAY) → the offset through the whole day, or NaN: it changes. */
  readonly #days = new Map<number, number>();
  /** Local hour number (naive ms / HOUR) → the same, for the hours of days when the offset changes. */
  readonly #hours = new Map<number, number>();

  constructor(zone: string, format: Intl.DateTimeFormat) {
    this.zone = zone;
    this.#format = format;
  }

  offsetAt(epochMs: number): number {
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.#format.formatToParts(epochMs)) {
      switch (part.type) {
        case "year":
          year = Number(part.value);
          break;
        case "month":
          month = Number(part.value);
          break;
        case "day":
          day = Number(part.value);
          break;
        case "hour":
          hour = Number(part.value);
          break;
        case "minute":
          minute = Number(part.value);
          break;
        case "second":
          second = Number(part.value);
          break;
        case "era":
          bc = part.value === "BC" || part.value === "B";
          break;
      }
    }
    const local = utcMs(bc ? 1 - year : year, month, day, hour, minute, second, 0);
    return local - Math.floor(epochMs / 1000) * 1000;
  }

  /**
   * The instants whose local time is `naive` (the local time read as if UTC), earliest first: none
   * in a gap, two in an overlap. Assumes at most one transition within a day either side.
   */
  instants(naive: number): number[] {
    const before = this.offsetAt(naive - DAY);
    const after = this.offsetAt(naive + DAY);
    const found: number[] = [];
    const t1 = naive - before;
    if (this.offsetAt(t1) === before) found.push(t1);
    if (after !== before) {
      const t2 = naive - after;
      if (this.offsetAt(t2) === after) found.push(t2);
    }
    return found.sort((a, b) => a - b);
  }

  /**
   * The offset in force through the local span [start, start + length) (naive ms), or NaN when it
   * is not one offset throughout (a transition, a gap or an overlap falls in it).
   */
  #spanOffset(start: number, length: number): number {
    const end = start + length - 1;
    const a = this.instants(start);
    const b = this.instants(end);
    return a.length === 1 && b.length === 1 && start - a[0]! === end - b[0]! ? start - a[0]! : Number.NaN;
  }

  #cached(cache: Map<number, number>, index: number, length: number): number {
    let offset = cache.get(index);
    if (offset === undefined) {
      offset = this.#spanOffset(index * length, length);
      if (cache.size >= MAX_CACHED_SPANS) cache.clear();
      cache.set(index, offset);
    }
    return offset;
  }

  #resolve(naive: number): number {
    let offset = this.#cached(this.#days, Math.floor(naive / DAY), DAY);
    if (!Number.isNaN(offset)) return naive - offset;
    offset = this.#cached(this.#hours, Math.floor(naive / HOUR), HOUR);
    if (!Number.isNaN(offset)) return naive - offset;
    const found = this.instants(naive);
    return found.length === 0 ? Number.NaN : found[0]!;
  }

  toUtc(
    year: number,
    month: number,
    day: number,
    hour: number,
    minute: number,
    second: number,
    ms: number,
  ): number {
    return this.#resolve(utcMs(year, month, day, hour, minute, second, ms));
  }

  startOfDay(year: number, month: number, day: number): number {
    const naive = utcMs(year, month, day, 0, 0, 0, 0);
    const t = this.#resolve(naive);
    if (!Number.isNaN(t)) return t;
    // Midnight skipped: the day starts when the clocks jump, which is midnight at the old offset.
    return naive - this.offsetAt(naive - DAY);
  }
}

const resolvers = new Map<string, Resolver>();

function makeFormat(zone: string): Intl.DateTimeFormat | undefined {
  // Offsets such as "+01:00" are accepted by Intl but are not IANA zones.
  if (zone === "" || zone.startsWith("+") || zone.startsWith("-")) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    return undefined;
  }
}

/** Whether `zone` is an IANA time zone name this runtime knows ("Europe/London", "UTC"). */
export function isTimeZone(zone: string): boolean {
  return resolvers.has(zone) || makeFormat(zone) !== undefined;
}

/** The resolver of a zone, made once and kept. Throws SerumsError BAD_CONFIG for an unknown zone. */
export function zoneResolver(zone: string): ZoneResolver {
  let resolver = resolvers.get(zone);
  if (resolver === undefined) {
    const format = makeFormat(zone);
    if (format === undefined) {
      throw new SerumsError(
        "BAD_CONFIG",
        `${JSON.stringify(zone)} is not an IANA time zone (e.g. Europe/London, Europe/Madrid, UTC)`,
        { value: zone },
      );
    }
    resolver = new Resolver(zone, format);
    resolvers.set(zone, resolver);
  }
  return resolver;
}

/** "2015-03-29T01:30:00.000" — a local time, for messages. */
export function formatLocal(parts: LocalDateTime): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const date = `${String(parts.year).padStart(4, "0")}-${p2(parts.month)}-${p2(parts.day)}`;
  return `${date}T${p2(parts.hour)}:${p2(parts.minute)}:${p2(parts.second)}.${String(parts.ms).padStart(3, "0")}`;
}

/** "UTC+01:00" — an offset in ms, for messages. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const hm = `${String(Math.floor(total / 3600)).padStart(2, "0")}:${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}`;
  return `UTC${sign}${hm}${total % 60 === 0 ? "" : `:${String(total % 60).padStart(2, "0")}`}`;
}

/**
 * The UTC instant (epoch ms) of a local time in an IANA zone. A time that occurs twice (clocks go
 * back) gives the earlier instant; one that does not exist (clocks go forward) throws SerumsError
 * BAD_ROW; an unknown zone throws BAD_CONFIG.
 */
export function localToUtc(parts: LocalDateTime, zone: string): number {
  const resolver = zoneResolver(zone);
  const t = resolver.toUtc(
    parts.year,
    parts.month,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
    parts.ms,
  );
  if (!Number.isNaN(t)) return t;
  const naive = utcMs(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second, parts.ms);
  const before = resolver.offsetAt(naive - DAY);
  const after = resolver.offsetAt(naive + DAY);
  throw new SerumsError(
    "BAD_ROW",
    `local time ${formatLocal(parts)} does not exist in ${zone}: the clocks went forward from ${formatOffset(before)} to ${formatOffset(after)}`,
    { value: formatLocal(parts) },
  );
}
