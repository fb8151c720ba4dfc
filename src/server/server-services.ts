/**
 * What every route plugin receives besides the Fastify instance. Route files export
 * `async function xRoutes(app: FastifyInstance, services: ServerServices): Promise<void>`.
 *
 * Errors: throw a `SerumsError`; the server answers `application/problem+json` with the status
 * its code maps to (see `problem.ts`: BAD_* → 400, UNAUTHENTICATED → 401, FORBIDDEN → 403,
 * NOT_FOUND → 404, CONFLICT/IDENTITY_CONFLICT → 409, RATE_LIMITED → 429, anything else → 500).
 * Request bodies are never logged; do not log secrets or personal data yourself.
 */
import type { FastifyRequest } from "fastify";
import type { LoginFactorOptions } from "../auth/factors/index.ts";
import type { KeyPolicy } from "../auth/keys/index.ts";
import type { LoginContext } from "../auth/login/index.ts";
import type { AccessClaims } from "../auth/tokens/access-claims.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../store/index.ts";

export type { AccessClaims } from "../auth/tokens/access-claims.ts";

export interface ServerServices {
  /** The site's store, migrated with `authMigrations` (and the others the server needs). */
  store: Store;
  /** The clock, in milliseconds; tests move it. Use it for every expiry. */
  now: () => number;
  config: Config;
  /**
   * The verified claims of the request's `Authorization: Bearer <JWT>`, or a thrown
   * SerumsError("UNAUTHENTICATED") that the server turns into a 401 problem.
   */
  authenticate(request: FastifyRequest): Promise<AccessClaims>;
  /**
   * As `authenticate`, and the holder's role must be one of `roles`, else a 403 problem
   * (SerumsError "FORBIDDEN").
   */
  requireRole(request: FastifyRequest, roles: readonly AccessClaims["role"][]): Promise<AccessClaims>;
  /**
   * The client's address as a keyed hash (hex): what rate limits and the authentication event
   * log use instead of the address itself.
   */
  addressHash(request: FastifyRequest): string;
  /** FACTORS's options with the site's factor keys, SMS sender, relying party and this clock. */
  factors: LoginFactorOptions;
  /** KEYS's policy for this site (minimum scores, grid shape, tolerance, argon2id parameters). */
  keyPolicy: KeyPolicy;
  /** The whole FlexPass context (signing keys, token settings): for the accounts routes. */
  login: LoginContext;
  /**
   * Takes one token from the client address's bucket of the auth rate limit, or throws
   * SerumsError("RATE_LIMITED") → 429 with Retry-After. Use it on routes that check secrets.
   * `"poll"` takes from a looser bucket of its own, for the login page's status poll.
   */
  rateLimit(request: FastifyRequest, bucket?: "auth" | "poll"): void;
}
