/**
 * Paces messages at a rate, as devices send: message n goes no earlier than one interval
 * (1000 / rate ms) after message n − 1's slot. Slots are kept on a schedule rather than measured
 * from when a message actually went, so timer lateness does not slow the long-run rate; but a
 * sender that fell behind does not burst to catch up (a slot is never earlier than now). Rate 0
 * means no pacing. The clock is injected, so the pacing is tested without waiting.
 */
import { SerumsError } from "../../errors/index.ts";

export interface PacerClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RatePacer {
  readonly #interval: number;
  readonly #clock: PacerClock;
  #next: number | undefined;

  /** `rate` in messages per second; 0 is as fast as they can go. */
  constructor(rate: number, clock: PacerClock = systemClock) {
    if (!Number.isFinite(rate) || rate < 0) {
      throw new SerumsError(
        "BAD_USAGE",
        `rate ${rate} is not a rate; give messages per second ≥ 0 (0 = unpaced)`,
        {
          path: "rate",
          value: rate,
        },
      );
    }
    this.#interval = rate === 0 ? 0 : 1000 / rate;
    this.#clock = clock;
  }

  /** Undefined when the next message may go now, else a promise that resolves at its slot. */
  wait(): Promise<void> | undefined {
    if (this.#interval === 0) return undefined;
    const now = this.#clock.now();
    const slot = this.#next === undefined ? now : Math.max(this.#next, now);
    this.#next = slot + this.#interval;
    return slot > now ? this.#clock.sleep(slot - now) : undefined;
  }
}
