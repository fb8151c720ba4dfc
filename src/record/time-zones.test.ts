import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SerumsError } from "../errors/index.ts";
import { formatOffset, isTimeZone, type LocalDateTime, localToUtc, zoneResolver } from "./time-zones.ts";

function local(text: string): LocalDateTime {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{3}))?)?$/.exec(text);
  assert.ok(m, text);
  const n = (i: number) => Number(m[i] ?? 0);
  return { year: n(1), month: n(2), day: n(3), hour: n(4), minute: n(5), second: n(6), ms: n(7) };
}

function utc(text: string, zone: string): string {
  return new Date(localToUtc(local(text), zone)).toISOString();
}

function assertGap(text: string, zone: string, from: string, to: string): void {
  assert.throws(
    () => localToUtc(local(text), zone),
    (e: unknown) => {
      assert.ok(e instanceof SerumsError);
      assert.equal(e.code, "BAD_ROW");
      assert.match(e.message, new RegExp(`does not exist in ${zone.replace("/", "\\/")}`));
      assert.ok(e.message.includes(`from ${from} to ${to}`), e.message);
      return true;
    },
  );
}

describe("localToUtc", () => {
  it("converts Europe/London times around the spring change of 2015 (01:00 GMT → 02:00 BST)", () => {
    assert.equal(utc("2015-03-28T12:00", "Europe/London"), "2015-03-28T12:00:00.000Z");
    assert.equal(utc("2015-03-29T00:59:59.999", "Europe/London"), "2015-03-29T00:59:59.999Z");
    assertGap("2015-03-29T01:00", "Europe/London", "UTC+00:00", "UTC+01:00");
    assertGap("2015-03-29T01:30", "Europe/London", "UTC+00:00", "UTC+01:00");
    assertGap("2015-03-29T01:59:59.999", "Europe/London", "UTC+00:00", "UTC+01:00");
    assert.equal(utc("2015-03-29T02:00", "Europe/London"), "2015-03-29T01:00:00.000Z");
    assert.equal(utc("2015-03-29T12:00", "Europe/London"), "2015-03-29T11:00:00.000Z");
    assert.equal(utc("2015-07-01T00:00", "Europe/London"), "2015-06-30T23:00:00.000Z");
  });

  it("takes the earlier instant in Europe/London's autumn overlap of 2015 (02:00 BST → 01:00 GMT)", () => {
    assert.equal(utc("2015-10-25T00:59", "Europe/London"), "2015-10-24T23:59:00.000Z");
    assert.equal(utc("2015-10-25T01:00", "Europe/London"), "2015-10-25T00:00:00.000Z");
    assert.equal(utc("2015-10-25T01:30", "Europe/London"), "2015-10-25T00:30:00.000Z");
    assert.equal(utc("2015-10-25T01:59:59.999", "Europe/London"), "2015-10-25T00:59:59.999Z");
    assert.equal(utc("2015-10-25T02:00", "Europe/London"), "2015-10-25T02:00:00.000Z");
    assert.equal(utc("2015-10-26T09:30", "Europe/London"), "2015-10-26T09:30:00.000Z");
  });

  it("converts Europe/Madrid times around the changes of 2015 (02:00 → 03:00 and 03:00 → 02:00)", () => {
    assert.equal(utc("2015-03-29T01:59", "Europe/Madrid"), "2015-03-29T00:59:00.000Z");
    assertGap("2015-03-29T02:30", "Europe/Madrid", "UTC+01:00", "UTC+02:00");
    assert.equal(utc("2015-03-29T03:00", "Europe/Madrid"), "2015-03-29T01:00:00.000Z");
    assert.equal(utc("2015-10-25T01:59", "Europe/Madrid"), "2015-10-24T23:59:00.000Z");
    assert.equal(utc("2015-10-25T02:30", "Europe/Madrid"), "2015-10-25T00:30:00.000Z");
    assert.equal(utc("2015-10-25T03:00", "Europe/Madrid"), "2015-10-25T02:00:00.000Z");
    assert.equal(utc("2015-01-15T00:00", "Europe/Madrid"), "2015-01-14T23:00:00.000Z");
  });

  it("gives the same instant in UTC, even on European change days", () => {
    for (const text of [
      "2015-03-29T01:30",
      "2015-10-25T01:30",
      "2016-02-29T23:59:59.999",
      "1970-01-01T00:00",
    ]) {
      assert.equal(utc(text, "UTC"), `${text.length === 16 ? `${text}:00.000` : text}Z`);
    }
  });

  it("handles offsets that are not whole hours: Lord Howe's half-hour change and local mean time", () => {
    // Australia/Lord_Howe goes back from +11:00 to +10:30 at 02:00 on 5 April 2015.
    assert.equal(utc("2015-04-05T01:45", "Australia/Lord_Howe"), "2015-04-04T14:45:00.000Z");
    assert.equal(utc("2015-04-05T02:00", "Australia/Lord_Howe"), "2015-04-04T15:30:00.000Z");
    assert.equal(utc("2015-06-01T12:00", "Asia/Kolkata"), "2015-06-01T06:30:00.000Z");
    // Before 1847 London kept local mean time, 1 minute 15 seconds behind Greenwich.
    assert.equal(utc("1800-01-01T00:00", "Europe/London"), "1800-01-01T00:01:15.000Z");
  });

  it("handles the first years of the era, which Date.UTC would read as 19xx", () => {
    assert.equal(utc("0050-06-01T00:00", "UTC"), "0050-06-01T00:00:00.000Z");
    assert.equal(utc("0004-02-29T12:00", "UTC"), "0004-02-29T12:00:00.000Z");
  });

  it("rejects an unknown zone with BAD_CONFIG naming it", () => {
    assert.throws(
      () => localToUtc(local("2015-01-01T00:00"), "Europe/Londres"),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.code === "BAD_CONFIG" &&
        e.where.value === "Europe/Londres" &&
        e.message.includes('"Europe/Londres" is not an IANA time zone'),
    );
  });

  it("round-trips UTC → local parts → localToUtc, except for the later instant of an overlap", () => {
    const zones = [
      "Europe/London",
      "Europe/Madrid",
      "Europe/Amsterdam",
      "America/New_York",
      "America/Sao_Paulo",
      "Australia/Lord_Howe",
      "Asia/Kolkata",
      "UTC",
    ];
    const partsOf = new Map(
      zones.map((zone) => [
        zone,
        new Intl.DateTimeFormat("en-GB", {
          timeZone: zone,
          hourCycle: "h23",
          year: "numeric",
          month: "numeric",
          day: "numeric",
          hour: "numeric",
          minute: "numeric",
          second: "numeric",
        }),
      ]),
    );
    const localParts = (t: number, zone: string): LocalDateTime => {
      const get = (type: string) =>
        Number(
          partsOf
            .get(zone)!
            .formatToParts(t)
            .find((p) => p.type === type)!.value,
        );
      return {
        year: get("year"),
        month: get("month"),
        day: get("day"),
        hour: get("hour"),
        minute: get("minute"),
        second: get("second"),
        ms: ((t % 1000) + 1000) % 1000,
      };
    };
    const from = Date.UTC(1950, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), fc.constantFrom(...zones), (t, zone) => {
        const parts = localParts(t, zone);
        const back = localToUtc(parts, zone);
        if (back === t) return;
        // Only the second occurrence of a repeated local time may come back different: as the
        // earlier instant, with the same local time, less than a day before.
        assert.ok(back < t && t - back <= 3 * 3_600_000, `${zone} ${new Date(t).toISOString()}`);
        assert.deepEqual(localParts(back, zone), parts);
      }),
      { numRuns: 3000 },
    );
  });

  it("round-trips every minute of London's and Madrid's change days of 2015 not in an overlap", () => {
    for (const zone of ["Europe/London", "Europe/Madrid"]) {
      const r = zoneResolver(zone);
      for (const day of [Date.UTC(2015, 2, 28, 12), Date.UTC(2015, 9, 24, 12)]) {
        for (let t = day; t < day + 2 * 86_400_000; t += 60_000) {
          const local = new Date(t + r.offsetAt(t));
          const parts = [
            local.getUTCFullYear(),
            local.getUTCMonth() + 1,
            local.getUTCDate(),
            local.getUTCHours(),
            local.getUTCMinutes(),
            0,
            0,
          ] as const;
          const back = r.toUtc(...parts);
          const overlap = r.offsetAt(t - 3_600_000) !== r.offsetAt(t) && back === t - 3_600_000;
          assert.ok(
            back === t || overlap,
            `${zone} ${new Date(t).toISOString()} → ${new Date(back).toISOString()}`,
          );
        }
      }
    }
  });
});

describe("localToUtc speed", () => {
  it("converts a repeated day in well under a microsecond (loose bound: 5 µs)", () => {
    const parts = local("2015-03-05T09:30");
    localToUtc(parts, "Europe/London");
    const n = 100_000;
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      parts.second = i % 60;
      localToUtc(parts, "Europe/London");
    }
    const perCall = ((performance.now() - start) * 1000) / n;
    assert.ok(perCall < 5, `${perCall} µs per call`);
  });
});

describe("zoneResolver", () => {
  it("returns NaN for a skipped local time and the end of the gap as the start of a skipped midnight", () => {
    // Brazil started summer time at midnight on 4 November 2018: 00:00 → 01:00.
    const r = zoneResolver("America/Sao_Paulo");
    assert.ok(Number.isNaN(r.toUtc(2018, 11, 4, 0, 30, 0, 0)));
    assert.equal(new Date(r.startOfDay(2018, 11, 4)).toISOString(), "2018-11-04T03:00:00.000Z");
    assert.equal(new Date(r.startOfDay(2018, 11, 5)).toISOString(), "2018-11-05T02:00:00.000Z");
    assert.equal(
      new Date(zoneResolver("Europe/London").startOfDay(2015, 7, 1)).toISOString(),
      "2015-06-30T23:00:00.000Z",
    );
  });

  it("is made once per zone", () => {
    assert.equal(zoneResolver("Europe/Madrid"), zoneResolver("Europe/Madrid"));
  });

  it("reports offsets in force at an instant", () => {
    const r = zoneResolver("Europe/London");
    assert.equal(r.offsetAt(Date.UTC(2015, 0, 1)), 0);
    assert.equal(r.offsetAt(Date.UTC(2015, 6, 1)), 3_600_000);
    assert.equal(formatOffset(r.offsetAt(Date.UTC(1800, 0, 1))), "UTC-00:01:15");
    assert.equal(formatOffset(5.5 * 3_600_000), "UTC+05:30");
  });
});

describe("isTimeZone", () => {
  it("accepts IANA names and refuses others, including bare offsets", () => {
    assert.equal(isTimeZone("Europe/London"), true);
    assert.equal(isTimeZone("UTC"), true);
    assert.equal(isTimeZone("Europe/Londres"), false);
    assert.equal(isTimeZone("+01:00"), false);
    assert.equal(isTimeZone(""), false);
  });
});
