/**
 * The accounts and token routes: registration (with the text key proposal), staff enrolment by
 * their site's administrator and activation, login start/finish, refresh, logout, me, and the
 * JWKS. Every route has JSON schemas (they appear in /openapi.json); the routes that check
 * secrets take a token from the per-address rate limit before the body is even parsed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  activateAccount,
  enrolStaff,
  type GraphicalChoice,
  type KeysSet,
  listAccounts,
  ROLES,
  registerPatient,
  type StaffInput,
} from "../../auth/accounts/index.ts";
import { qrSvg, type SecondFactor } from "../../auth/factors/index.ts";
import { enrolTextKey, gesturesJsonSchema, proposeTextKey, textKeyStrength } from "../../auth/keys/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { currentKeySchema, endOtherSessions, loginKeySchema, requireKeyProof } from "../key-proof.ts";
import { problem, sendProblem } from "../problem.ts";
import type { ServerServices } from "../server-services.ts";
import {
  finishLogin,
  getAccountOrThrow,
  type LoginKey,
  logout,
  refreshTokens,
  startLogin,
} from "./auth-route-support.ts";

const PROBLEM = { $ref: "Problem#" } as const;
const STAFF_ROLES = ROLES.filter((r) => r !== "patient");

const strength = {
  type: "object",
  additionalProperties: true,
  description: "a key's strength (score 0–4, guesses, bits, feedback)",
};

const keyChoice = {
  secret: {
    type: "string",
    minLength: 1,
    maxLength: 1024,
    description: "the open-ended secret (never stored)",
  },
  textKey: {
    type: "string",
    minLength: 1,
    maxLength: 1024,
    description: "the text key: the proposal, accepted or edited",
  },
  graphical: {
    type: "object",
    required: ["kind"],
    discriminator: { propertyName: "kind" },
    oneOf: [
      {
        type: "object",
        additionalProperties: false,
        required: ["kind", "images"],
        properties: {
          kind: { const: "recognition" },
          images: {
            type: "array",
            minItems: 1,
            maxItems: 16,
            items: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
      },
      {
        type: "object",
        additionalProperties: false,
        required: ["kind", "background", "gestures"],
        properties: {
          kind: { const: "gesture" },
          background: { type: "string", minLength: 1, maxLength: 200 },
          gestures: gesturesJsonSchema,
        },
      },
    ],
  },
} as const;

const keysSetResponse = {
  type: "object",
  required: ["serumsId", "strength", "enrolment"],
  properties: {
    serumsId: { type: "string" },
    strength: { type: "object", properties: { text: strength, graphical: strength } },
    grid: { type: "array", items: { type: "string" } },
    enrolment: {
      type: "object",
      description:
        "enrols the authenticator (10 minutes, once): scan qrSvg with the phone's camera, open link, or type code",
      required: ["code", "uri", "link", "qrSvg", "expiresAt"],
      properties: {
        code: { type: "string", description: "to type: four groups of four characters" },
        uri: { type: "string", description: "serums-authenticator://enrol?server=…&code=…" },
        link: {
          type: "string",
          description: "the companion page with the code in its fragment: …/app/authenticator/#enrol=CODE",
        },
        qrSvg: {
          type: "string",
          description: "the QR code of `link`, an SVG document (no script) to show for scanning",
        },
        expiresAt: { type: "integer" },
      },
    },
  },
} as const;

const tokensResponse = {
  type: "object",
  required: [
    "tokenType",
    "accessToken",
    "expiresIn",
    "refreshToken",
    "refreshExpiresAt",
    "serumsId",
    "role",
    "amr",
  ],
  properties: {
    tokenType: { const: "Bearer" },
    accessToken: { type: "string" },
    expiresIn: { type: "integer" },
    refreshToken: { type: "string" },
    refreshExpiresAt: { type: "integer" },
    serumsId: { type: "string" },
    role: { type: "string", enum: [...ROLES] },
    amr: { type: "array", items: { type: "string" } },
  },
} as const;

const loginKey = loginKeySchema;

const code = { type: "string", minLength: 1, maxLength: 64 } as const;
const secondFactor = {
  type: "object",
  required: ["kind"],
  description: "the second factor; absent or push means the push approval of the challenge",
  discriminator: { propertyName: "kind" },
  oneOf: [
    {
      type: "object",
      additionalProperties: false,
      required: ["kind"],
      properties: { kind: { const: "push" } },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["kind", "code"],
      properties: { kind: { const: "totp" }, code },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["kind", "code"],
      properties: { kind: { const: "sms" }, code },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["kind", "code"],
      properties: { kind: { const: "recovery" }, code },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["kind", "response"],
      properties: { kind: { const: "passkey" }, response: { type: "object", additionalProperties: true } },
    },
  ],
} as const;

const login = { type: "string", minLength: 1, maxLength: 200 } as const;

/** The one answer of every failed login: it never says what was wrong. */
const LOGIN_FAILED =
  "the login failed: the key, the second factor or the challenge was not accepted; start again";

function throttled(reply: FastifyReply, retryAfterMs: number) {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return sendProblem(
    reply,
    problem(429, "RATE_LIMITED", `too many failed logins for this login name; try again in ${seconds} s`),
    { "retry-after": String(seconds) },
  );
}

/** Keys set (registration, activation): the enrolment code also as the QR code of its link. */
function withQrCode(result: KeysSet): KeysSet & { enrolment: { qrSvg: string } } {
  return { ...result, enrolment: { ...result.enrolment, qrSvg: qrSvg(result.enrolment.link) } };
}

function client(services: ServerServices, request: FastifyRequest) {
  return {
    address: request.ip,
    userAgent: String(request.headers["user-agent"] ?? ""),
    addressHash: services.addressHash(request),
  };
}

export async function authRoutes(app: FastifyInstance, services: ServerServices): Promise<void> {
  const context = services.login;
  const limited = { onRequest: async (request: FastifyRequest) => services.rateLimit(request) };

  app.get(
    "/.well-known/jwks.json",
    {
      schema: {
        tags: ["tokens"],
        summary: "the public keys that verify this site's access tokens",
        response: {
          200: {
            type: "object",
            required: ["keys"],
            properties: {
              keys: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    kty: { type: "string" },
                    crv: { type: "string" },
                    x: { type: "string" },
                    kid: { type: "string" },
                    alg: { type: "string" },
                    use: { type: "string" },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      await context.ring.reloadIfChanged();
      reply.header("cache-control", "public, max-age=300");
      return context.ring.jwks(services.now());
    },
  );

  app.post(
    "/auth/register/propose",
    {
      ...limited,
      schema: {
        tags: ["accounts"],
        summary: "the text key proposed from a secret, and its strength",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["secret"],
          properties: { secret: keyChoice.secret },
        },
        response: {
          200: { type: "object", properties: { textKey: { type: "string" }, strength } },
          400: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request) => {
      const { secret } = request.body as { secret: string };
      const textKey = proposeTextKey(secret);
      return { textKey, strength: textKeyStrength(textKey, { secret }) };
    },
  );

  app.post(
    "/auth/register",
    {
      ...limited,
      schema: {
        tags: ["accounts"],
        summary:
          "a patient registers: login name, secret, keys; receives their Serums ID and an authenticator code",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["login", "secret", "textKey"],
          properties: { login, ...keyChoice },
        },
        response: { 201: keysSetResponse, 400: PROBLEM, 409: PROBLEM, 429: PROBLEM },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        login: string;
        secret: string;
        textKey: string;
        graphical?: GraphicalChoice;
      };
      const result = await registerPatient(context, body, client(services, request));
      return reply.code(201).send(withQrCode(result));
    },
  );

  app.post(
    "/auth/activate",
    {
      ...limited,
      schema: {
        tags: ["accounts"],
        summary:
          "a member of staff sets their keys with their activation code; receives an authenticator code",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["login", "activationCode", "secret", "textKey"],
          properties: {
            login,
            activationCode: { type: "string", minLength: 1, maxLength: 64 },
            ...keyChoice,
          },
        },
        response: { 200: keysSetResponse, 400: PROBLEM, 401: PROBLEM, 429: PROBLEM },
      },
    },
    async (request) => {
      const body = request.body as {
        login: string;
        activationCode: string;
        secret: string;
        textKey: string;
        graphical?: GraphicalChoice;
      };
      return withQrCode(await activateAccount(context, body, client(services, request)));
    },
  );

  const staffAccount = {
    type: "object",
    properties: {
      serumsId: { type: "string" },
      loginName: { type: "string" },
      role: { type: "string" },
      site: { type: ["string", "null"] },
      department: { type: ["string", "null"] },
      country: { type: ["string", "null"] },
      status: { type: "string" },
      createdAt: { type: "integer" },
    },
  } as const;

  app.post(
    "/auth/staff",
    {
      schema: {
        tags: ["accounts"],
        summary:
          "an administrator enrols a member of staff of their own site; returns a one-time activation code",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["login", "role", "department"],
          properties: {
            login,
            role: { type: "string", enum: STAFF_ROLES },
            site: {
              type: "string",
              minLength: 1,
              maxLength: 64,
              description: "default: the administrator's site",
            },
            department: { type: "string", minLength: 1, maxLength: 64 },
            country: {
              type: "string",
              minLength: 2,
              maxLength: 2,
              description: "default: the administrator's country",
            },
          },
        },
        response: {
          201: {
            type: "object",
            properties: {
              account: staffAccount,
              activationCode: { type: "string" },
              activationExpiresAt: { type: "integer" },
            },
          },
          400: PROBLEM,
          401: PROBLEM,
          403: PROBLEM,
          409: PROBLEM,
        },
      },
    },
    async (request, reply) => {
      const admin = await services.requireRole(request, ["administrator"]);
      const body = request.body as Partial<StaffInput> & {
        login: string;
        role: StaffInput["role"];
        department: string;
      };
      const input: StaffInput = {
        login: body.login,
        role: body.role,
        department: body.department,
        site: body.site ?? admin.site ?? "",
        country: body.country ?? admin.country ?? "",
      };
      const enrolled = await enrolStaff(context, admin, input, {
        addressHash: services.addressHash(request),
      });
      return reply.code(201).send(enrolled);
    },
  );

  app.get(
    "/auth/staff",
    {
      schema: {
        tags: ["accounts"],
        summary: "the accounts of the administrator's site",
        security: [{ bearer: [] }],
        response: {
          200: { type: "object", properties: { accounts: { type: "array", items: staffAccount } } },
          401: PROBLEM,
          403: PROBLEM,
        },
      },
    },
    async (request) => {
      const admin = await services.requireRole(request, ["administrator"]);
      return { accounts: await listAccounts(context.store, { site: admin.site ?? "" }) };
    },
  );

  app.post(
    "/auth/login/start",
    {
      ...limited,
      schema: {
        tags: ["login"],
        summary:
          "starts a login: a push challenge to the user's authenticator, the number to match, the graphical key's grid or background",
        body: { type: "object", additionalProperties: false, required: ["login"], properties: { login } },
        response: {
          200: {
            type: "object",
            required: ["challengeId", "number", "expiresAt", "graphical"],
            properties: {
              challengeId: { type: "string" },
              number: { type: "string" },
              expiresAt: { type: "integer" },
              graphical: {
                type: "object",
                properties: {
                  kind: { type: "string", enum: ["recognition", "gesture"] },
                  grid: { type: "array", items: { type: "string" } },
                  k: { type: "integer" },
                  background: { type: "string" },
                },
              },
            },
          },
          400: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request, reply) => {
      const { login: name } = request.body as { login: string };
      const result = await startLogin(context, name, client(services, request));
      if (!result.ok) return throttled(reply, "retryAfterMs" in result ? result.retryAfterMs : 1000);
      const { ok: _ok, ...challenge } = result;
      return challenge;
    },
  );

  app.post(
    "/auth/login/finish",
    {
      ...limited,
      schema: {
        tags: ["login"],
        summary:
          "finishes a login with the key and the second factor (default: the approved push); returns tokens",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["challengeId", "key"],
          properties: {
            challengeId: { type: "string", minLength: 1, maxLength: 100 },
            key: loginKey,
            factor: secondFactor,
          },
        },
        response: { 200: tokensResponse, 400: PROBLEM, 401: PROBLEM, 429: PROBLEM },
      },
    },
    async (request, reply) => {
      const body = request.body as { challengeId: string; key: LoginKey; factor?: SecondFactor };
      const result = await finishLogin(context, body, client(services, request));
      if (result.ok) {
        const { ok: _ok, ...tokens } = result;
        reply.header("cache-control", "no-store");
        return tokens;
      }
      if ("retryAfterMs" in result) return throttled(reply, result.retryAfterMs);
      throw new SerumsError("UNAUTHENTICATED", LOGIN_FAILED);
    },
  );

  app.post(
    "/auth/token/refresh",
    {
      ...limited,
      schema: {
        tags: ["tokens"],
        summary:
          "exchanges a refresh token for a new access token and the next refresh token (each is single use)",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["refreshToken"],
          properties: { refreshToken: { type: "string", minLength: 1, maxLength: 200 } },
        },
        response: { 200: tokensResponse, 400: PROBLEM, 401: PROBLEM, 429: PROBLEM },
      },
    },
    async (request, reply) => {
      const { refreshToken } = request.body as { refreshToken: string };
      reply.header("cache-control", "no-store");
      return refreshTokens(context, refreshToken, client(services, request));
    },
  );

  app.post(
    "/auth/logout",
    {
      schema: {
        tags: ["tokens"],
        summary: "ends the session of the access token (and of the refresh token, if given)",
        security: [{ bearer: [] }],
        body: {
          type: ["object", "null"],
          additionalProperties: false,
          properties: { refreshToken: { type: "string", minLength: 1, maxLength: 200 } },
        },
        response: { 204: { type: "null" }, 401: PROBLEM },
      },
    },
    async (request, reply) => {
      const claims = await services.authenticate(request);
      const body = (request.body ?? {}) as { refreshToken?: string };
      await logout(context, claims, body.refreshToken, client(services, request));
      return reply.code(204).send();
    },
  );

  app.put(
    "/auth/keys/text",
    {
      schema: {
        tags: ["keys"],
        summary:
          "replace one's text key (from a secret, as at registration); needs one of one's keys again as current; ends one's other sessions",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["secret", "textKey", "current"],
          properties: { secret: keyChoice.secret, textKey: keyChoice.textKey, current: currentKeySchema },
        },
        response: {
          200: {
            type: "object",
            required: ["strength", "endedSessions"],
            properties: {
              strength,
              endedSessions: { type: "integer", description: "the holder's other sessions, now ended" },
            },
          },
          400: PROBLEM,
          401: PROBLEM,
          403: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request) => {
      const claims = await services.authenticate(request);
      const body = request.body as { secret: string; textKey: string; current: LoginKey };
      await requireKeyProof(services, request, claims, body.current);
      const account = await getAccountOrThrow(context, claims.serumsId);
      const strength = await enrolTextKey(context.store, claims.serumsId, body.textKey, {
        ...services.keyPolicy,
        now: services.now,
        secret: body.secret,
        userInputs: [account.loginName],
      });
      return { strength, endedSessions: await endOtherSessions(services, request, claims, "text") };
    },
  );

  app.get(
    "/auth/me",
    {
      schema: {
        tags: ["accounts"],
        summary: "who the access token is for",
        security: [{ bearer: [] }],
        response: {
          200: {
            type: "object",
            properties: {
              ...staffAccount.properties,
              amr: { type: "array", items: { type: "string" } },
              tokenExpiresAt: { type: "integer" },
            },
          },
          401: PROBLEM,
        },
      },
    },
    async (request) => {
      const claims = await services.authenticate(request);
      const account = await getAccountOrThrow(context, claims.serumsId);
      return { ...account, amr: claims.amr, tokenExpiresAt: claims.exp * 1000 };
    },
  );
}
