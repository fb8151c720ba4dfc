/**
 * HTTP routes the authenticator app talks to (the companion page at /app/authenticator/ and
 * `serums authenticator`). No bearer token: every call is proved by the authenticator's Ed25519
 * key — enrolment by a signature over the one-time code, listing by a signature over a fresh
 * server nonce and a timestamp (replay-proof), decisions by a signature over the challenge, the
 * number typed, the decision and the login's origin. The messages are in
 * src/auth/factors/authenticator-protocol.ts.
 */
import type { FastifyInstance } from "fastify";
import {
  decidePushChallenge,
  enrolAuthenticator,
  issueAuthenticatorNonce,
  pendingPushChallenges,
  verifyAuthenticatorRequest,
} from "../../auth/factors/index.ts";
import type { ServerServices } from "../server-services.ts";

const PROBLEM = { $ref: "Problem#" };
const TAGS = ["authenticator"];
const B64URL_ID = { type: "string", pattern: "^[A-Za-z0-9_-]{22}$" } as const;
const SIGNATURE = {
  type: "string",
  pattern: "^[A-Za-z0-9_-]{86}$",
  description: "Ed25519, base64url",
} as const;
const ORIGIN = {
  type: "object",
  required: ["address", "userAgent", "site", "time"],
  properties: {
    address: { type: "string" },
    userAgent: { type: "string" },
    site: { type: "string" },
    time: { type: "integer", description: "ms since the epoch" },
  },
} as const;

export async function authenticatorRoutes(app: FastifyInstance, services: ServerServices): Promise<void> {
  const { factors } = services;
  const { store } = services;

  app.post(
    "/authenticator/enrol",
    {
      schema: {
        tags: TAGS,
        summary: "Enrol an authenticator's public key with a one-time enrolment code",
        body: {
          type: "object",
          required: ["code", "publicKey", "label", "signature"],
          additionalProperties: false,
          properties: {
            code: { type: "string", minLength: 1, maxLength: 40 },
            publicKey: {
              type: "string",
              pattern: "^[A-Za-z0-9_-]{43}$",
              description: "raw Ed25519, base64url",
            },
            label: { type: "string", minLength: 1, maxLength: 64 },
            signature: SIGNATURE,
          },
        },
        response: {
          201: {
            type: "object",
            required: ["authenticatorId", "label"],
            properties: { authenticatorId: { type: "string" }, label: { type: "string" } },
          },
          400: PROBLEM,
          401: PROBLEM,
          429: PROBLEM,
          409: PROBLEM,
        },
      },
    },
    async (request, reply) => {
      services.rateLimit(request);
      const body = request.body as { code: string; publicKey: string; label: string; signature: string };
      const authenticator = await store.transaction((tx) => enrolAuthenticator(tx, body, factors));
      return reply.code(201).send({ authenticatorId: authenticator.id, label: authenticator.label });
    },
  );

  app.post(
    "/authenticator/nonce",
    {
      schema: {
        tags: TAGS,
        summary: "A fresh nonce (one minute, used once) for one signed request",
        body: {
          type: "object",
          required: ["authenticatorId"],
          additionalProperties: false,
          properties: { authenticatorId: B64URL_ID },
        },
        response: {
          200: {
            type: "object",
            required: ["nonce", "expiresAt", "serverTime"],
            properties: {
              nonce: { type: "string" },
              expiresAt: { type: "integer" },
              serverTime: { type: "integer" },
            },
          },
          400: PROBLEM,
          401: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request) => {
      const { authenticatorId } = request.body as { authenticatorId: string };
      const issued = await issueAuthenticatorNonce(store, authenticatorId, factors);
      return { ...issued, serverTime: services.now() };
    },
  );

  app.post(
    "/authenticator/challenges",
    {
      schema: {
        tags: TAGS,
        summary:
          'The pending login challenges of the authenticator\'s user (a signed request, action "list")',
        body: {
          type: "object",
          required: ["authenticatorId", "nonce", "timestamp", "signature"],
          additionalProperties: false,
          properties: {
            authenticatorId: B64URL_ID,
            nonce: B64URL_ID,
            timestamp: { type: "integer" },
            signature: SIGNATURE,
          },
        },
        response: {
          200: {
            type: "object",
            required: ["challenges"],
            properties: {
              challenges: {
                type: "array",
                items: {
                  type: "object",
                  required: ["challengeId", "origin", "expiresAt"],
                  properties: {
                    challengeId: { type: "string" },
                    origin: ORIGIN,
                    expiresAt: { type: "integer" },
                  },
                },
              },
            },
          },
          400: PROBLEM,
          401: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request) => {
      // The companion page asks every few seconds while it is open: the poll's bucket, not the
      // login's (every call is signed with the authenticator's key anyway).
      services.rateLimit(request, "poll");
      const body = request.body as {
        authenticatorId: string;
        nonce: string;
        timestamp: number;
        signature: string;
      };
      const authenticator = await verifyAuthenticatorRequest(store, { ...body, action: "list" }, factors);
      return { challenges: await pendingPushChallenges(store, authenticator, factors) };
    },
  );

  app.post(
    "/authenticator/challenges/:challengeId/decision",
    {
      schema: {
        tags: TAGS,
        summary: "Approve (with the number shown on the login page) or deny a login, signed",
        params: { type: "object", required: ["challengeId"], properties: { challengeId: B64URL_ID } },
        body: {
          type: "object",
          required: ["authenticatorId", "number", "decision", "signature"],
          additionalProperties: false,
          properties: {
            authenticatorId: B64URL_ID,
            number: { type: "string", maxLength: 8 },
            decision: { type: "string", enum: ["approve", "deny"] },
            signature: SIGNATURE,
          },
        },
        response: {
          200: {
            type: "object",
            required: ["status"],
            properties: {
              status: { type: "string", enum: ["approved", "denied"] },
              reason: { type: "string", enum: ["denied_by_user", "wrong_number"] },
            },
          },
          400: PROBLEM,
          401: PROBLEM,
          429: PROBLEM,
          403: PROBLEM,
          404: PROBLEM,
          409: PROBLEM,
        },
      },
    },
    async (request) => {
      services.rateLimit(request);
      const { challengeId } = request.params as { challengeId: string };
      const body = request.body as {
        authenticatorId: string;
        number: string;
        decision: "approve" | "deny";
        signature: string;
      };
      return decidePushChallenge(store, { ...body, challengeId }, factors);
    },
  );
}
