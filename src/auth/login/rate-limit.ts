/**
 * Per-address rate limits: a token bucket per (keyed-hash) address, in memory. Each request takes
 * one token; tokens refill at a steady rate up to the bucket's capacity; an empty bucket answers
 * how long until the next token (the 429's Retry-After). Old buckets are dropped so memory stays
 * bounded under address floods.
 */
export interface RateLimitOptions {
  /** Burst size. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Most addresses tracked at once; the least recently seen are dropped. */
  maxEntries?: number;
}

export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly maxEntries: number;
  #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError("a rate limit needs capacity ≥ 1 and refillPerSecond > 0");
    }
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Takes one token for `key` at `now` (ms). */
  take(key: string, now: number): TakeResult {
    const previous = this.#buckets.get(key);
    const elapsed = previous ? Math.max(0, now - previous.at) / 1000 : 0;
    const tokens = previous
      ? Math.min(this.capacity, previous.tokens + elapsed * this.refillPerSecond)
      : this.capacity;
    this.#buckets.delete(key); // re-inserted last: the Map's order is recency
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / this.refillPerSecond) * 1000) };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    while (this.#buckets.size > this.maxEntries) {
      const oldest = this.#buckets.keys().next().value as string;
      this.#buckets.delete(oldest);
    }
    return { ok: true, remaining: Math.floor(tokens - 1) };
  }

  get size(): number {
    return this.#buckets.size;
  }
}
