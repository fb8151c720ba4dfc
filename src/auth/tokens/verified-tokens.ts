/**
 * A small memory of access tokens already verified in full, so that the same token presented
 * again (a client makes many requests in its token's ten minutes) is not put through Ed25519 and
 * jose again — what API gateways do (Envoy's jwt_authn `jwt_cache_config`, for one).
 *
 * What it keeps every check of: the entry is keyed by the token's exact text (its signature
 * included), so nothing that was not verified byte for byte ever hits; the issuer and audience
 * asked for must be the ones it was verified against; its signing key must still be in the ring
 * (a key dropped after rotation ends its tokens at once); and the time checks are redone at each
 * use, conservatively — a hit only from `validFrom` to a second before `validUntil`, the window in
 * which jose accepted it — so near the edges the full verification runs and gives jose's answer.
 * Session liveness (logout, reuse, disabled accounts) is not this layer's: `authenticateToken`
 * checks it on every request, after this.
 *
 * Bounded: at most MAX_ENTRIES tokens (the oldest go first) and an entry is dropped when it
 * expires. Only fully verified tokens are ever added, so an attacker cannot fill it with junk.
 */
import type { AccessClaims } from "./access-claims.ts";
import type { KeyRing } from "./signing-keys.ts";

export const MAX_VERIFIED_TOKENS = 10_000;
/** A hit needs at least this long left before the end of the window jose accepted (ms). */
const EDGE_MARGIN_MS = 1000;

interface Entry {
  claims: AccessClaims;
  /** Issuer and audience the token was verified for. */
  settings: string;
  /** Milliseconds: the window in which the full verification accepts the token. */
  validFrom: number;
  validUntil: number;
}

const caches = new WeakMap<KeyRing, Map<string, Entry>>();

function cacheOf(ring: KeyRing): Map<string, Entry> {
  let cache = caches.get(ring);
  if (!cache) {
    cache = new Map();
    caches.set(ring, cache);
  }
  return cache;
}

export function settingsKey(issuer: string, audience: string): string {
  return `${issuer}\u0000${audience}`;
}

/** The claims of `token` if it was verified in full for these settings and still passes at `now`. */
export function recallVerified(
  ring: KeyRing,
  token: string,
  settings: string,
  now: number,
): AccessClaims | undefined {
  const cache = caches.get(ring);
  const entry = cache?.get(token);
  if (!entry || !cache) return undefined;
  if (now >= entry.validUntil) {
    cache.delete(token);
    return undefined;
  }
  if (
    entry.settings !== settings ||
    now < entry.validFrom ||
    now >= entry.validUntil - EDGE_MARGIN_MS ||
    ring.verificationKey(entry.claims.kid, now) === undefined
  ) {
    return undefined;
  }
  return { ...entry.claims, amr: [...entry.claims.amr] };
}

/** Remembers a token that has just passed the full verification. */
export function rememberVerified(
  ring: KeyRing,
  token: string,
  settings: string,
  claims: AccessClaims,
  window: { validFrom: number; validUntil: number },
): void {
  const cache = cacheOf(ring);
  if (cache.size >= MAX_VERIFIED_TOKENS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(token, { claims: { ...claims, amr: [...claims.amr] }, settings, ...window });
}

/** How many tokens are remembered for `ring` (tests). */
export function rememberedCount(ring: KeyRing): number {
  return caches.get(ring)?.size ?? 0;
}
