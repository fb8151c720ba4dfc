/**
 * What a route that changes a secret or a factor asks besides the access token: one of the
 * holder's keys again, as `current` in the body (see src/auth/login/reauthenticate.ts for why a
 * key and not a recent login). Also the JSON Schema of a key as the login and these routes take it.
 *
 *   await requireKeyProof(services, request, claims, body.current);   // throws 403 or 429
 *   ... the change ...
 *   const endedSessions = await endOtherSessions(services, request, claims, "graphical");
 */
import type { FastifyRequest } from "fastify";
import { gesturesJsonSchema } from "../auth/keys/index.ts";
import { keyChanged, type LoginKey, reauthenticate } from "../auth/login/index.ts";
import { SerumsError } from "../errors/index.ts";
import type { AccessClaims, ServerServices } from "./server-services.ts";

/** A key as /auth/login/finish and the change routes take it: text, recognition or gesture. */
export const loginKeySchema = {
  type: "object",
  required: ["kind"],
  discriminator: { propertyName: "kind" },
  oneOf: [
    {
      type: "object",
      additionalProperties: false,
      required: ["kind", "value"],
      properties: { kind: { const: "text" }, value: { type: "string", minLength: 1, maxLength: 1024 } },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["kind", "picked"],
      properties: {
        kind: { const: "recognition" },
        picked: { type: "array", minItems: 1, maxItems: 64, items: { type: "string", maxLength: 200 } },
      },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["kind", "points"],
      properties: { kind: { const: "gesture" }, points: gesturesJsonSchema },
    },
  ],
} as const;

/** The `current` property of a change route's body. */
export const currentKeySchema = {
  ...loginKeySchema,
  description: "one of your keys (text or graphical), proving it is you and not only your token",
} as const;

/**
 * Checks that the token holder also knows one of their keys: spends a token of the address's rate
 * limit, then `reauthenticate` (throttled per login name like a login). Throws FORBIDDEN (403)
 * when the key is wrong or missing, RATE_LIMITED (429, with Retry-After) when throttled.
 */
export async function requireKeyProof(
  services: ServerServices,
  request: FastifyRequest,
  claims: AccessClaims,
  proof: LoginKey | undefined,
): Promise<void> {
  services.rateLimit(request);
  if (proof === undefined) {
    throw new SerumsError("FORBIDDEN", "this change needs one of your keys again, as current", {
      path: "/body/current",
    });
  }
  const result = await reauthenticate(services.login, claims.serumsId, proof, {
    addressHash: services.addressHash(request),
  });
  if (result.ok) return;
  if (result.reason === "throttled") {
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    throw Object.assign(
      new SerumsError("RATE_LIMITED", `too many wrong keys for this account; try again in ${seconds} s`),
      { retryAfterSeconds: seconds },
    );
  }
  throw new SerumsError("FORBIDDEN", "the key given as current was not accepted", { path: "/body/current" });
}

/** After a change of key: the holder's other sessions end; returns how many. */
export function endOtherSessions(
  services: ServerServices,
  request: FastifyRequest,
  claims: AccessClaims,
  which: "text" | "graphical",
): Promise<number> {
  return keyChanged(services.login, claims.serumsId, claims.sessionId, which, {
    addressHash: services.addressHash(request),
  });
}
