import assert from "node:assert/strict";
import { test } from "node:test";
import { type PacerClock, RatePacer } from "./rate-pacer.ts";

/** A clock that only moves when slept on (or moved by the test), recording every sleep. */
function fakeClock(): PacerClock & { sleeps: number[]; advance(ms: number): void } {
  let now = 1000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

async function send(pacer: RatePacer, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await pacer.wait();
}

test("50 messages/s: the first goes at once, each next one 20 ms after the previous slot", async () => {
  const clock = fakeClock();
  const pacer = new RatePacer(50, clock);
  assert.equal(pacer.wait(), undefined);
  await send(pacer, 9);
  assert.deepEqual(clock.sleeps, Array(9).fill(20));
  assert.equal(clock.now(), 1000 + 9 * 20);
});

test("time spent sending counts towards the interval, and a late sender does not burst", async () => {
  const clock = fakeClock();
  const pacer = new RatePacer(10, clock); // 100 ms apart
  await pacer.wait();
  clock.advance(30); // sending took 30 ms
  await pacer.wait();
  assert.deepEqual(clock.sleeps, [70]);
  clock.advance(250); // stalled well past the next slot
  assert.equal(pacer.wait(), undefined); // goes at once…
  await pacer.wait(); // …and the one after waits a full interval, not catching up
  assert.deepEqual(clock.sleeps, [70, 100]);
});

test("fractional rates pace in whole intervals; rate 0 never waits", async () => {
  const clock = fakeClock();
  const slow = new RatePacer(0.5, clock);
  await send(slow, 3);
  assert.deepEqual(clock.sleeps, [2000, 2000]);
  const free = new RatePacer(0, clock);
  for (let i = 0; i < 100; i++) assert.equal(free.wait(), undefined);
});

test("a rate that is not a number of messages per second ≥ 0 is refused", () => {
  for (const rate of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => new RatePacer(rate),
      (e: Error & { code?: string }) => e.code === "BAD_USAGE" && /messages per second/.test(e.message),
    );
  }
});
