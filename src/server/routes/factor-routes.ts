/**
 * HTTP routes of the second factors. Under /factors, with a bearer token: the holder's own
 * factors — authenticator enrolment codes, TOTP, passkeys, SMS phone, recovery codes. Every route
 * that adds or removes a factor also asks one of the holder's keys again, as `current` in its body
 * (requireKeyProof: throttled like a login): a stolen access token alone must not give a thief a
 * lasting second factor of their own, nor take the owner's away. Each change is an authentication
 * event ("factor_change", the factor's kind as reason). Under
 * /factors/login/{challengeId}, without a token: what a login page needs to use a factor other
 * than push on a login challenge (send an SMS code, passkey options) and the challenge's status.
 * Secrets (TOTP secret, recovery codes, enrolment code) appear only in the answer that creates them.
 * The enrolment answer carries the code three ways: to type, as the companion page's link, and as
 * that link's QR code (SVG) for a phone to scan.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  beginTotpEnrolment,
  confirmSmsEnrolment,
  confirmTotpEnrolment,
  createEnrolmentCode,
  factorSummary,
  generateRecoveryCodes,
  passkeyRegistrationOptions,
  prepareLoginFactor,
  pushChallengeStatus,
  qrSvg,
  removePasskey,
  removeSmsPhone,
  removeTotp,
  revokeAuthenticator,
  startSmsEnrolment,
  verifyPasskeyRegistration,
} from "../../auth/factors/index.ts";
import { type LoginKey, recordAuthEvent } from "../../auth/login/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { currentKeySchema, requireKeyProof } from "../key-proof.ts";
import type { AccessClaims, ServerServices } from "../server-services.ts";

const PROBLEM = { $ref: "Problem#" };
const SECURITY = [{ bearer: [] }];
const TAGS = ["factors"];
const ERRORS = { 400: PROBLEM, 401: PROBLEM, 404: PROBLEM, 409: PROBLEM };
/** The answers of a route that asks a key again: wrong key 403, throttled 429. */
const PROOF_ERRORS = { 400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 429: PROBLEM };

/** The body of a change that carries nothing but the proof. */
const proofBody = {
  type: "object",
  required: ["current"],
  additionalProperties: false,
  properties: { current: currentKeySchema },
} as const;

const codeBody = {
  type: "object",
  required: ["code"],
  additionalProperties: false,
  properties: { code: { type: "string", minLength: 1, maxLength: 32 } },
} as const;
const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 512 } },
} as const;
const challengeParams = {
  type: "object",
  required: ["challengeId"],
  properties: { challengeId: { type: "string", pattern: "^[A-Za-z0-9_-]{22}$" } },
} as const;
const confirmed = {
  type: "object",
  required: ["confirmed"],
  properties: { confirmed: { type: "boolean" } },
} as const;
const anyObject = { type: "object", additionalProperties: true } as const;

const summarySchema = {
  type: "object",
  required: ["authenticators", "totp", "passkeys", "sms", "recoveryCodesLeft"],
  properties: {
    authenticators: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          label: { type: "string" },
          status: { type: "string", enum: ["active", "revoked"] },
          createdAt: { type: "integer" },
          lastUsedAt: { type: ["integer", "null"] },
        },
      },
    },
    totp: { type: "boolean" },
    passkeys: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          label: { type: "string" },
          createdAt: { type: "integer" },
          lastUsedAt: { type: ["integer", "null"] },
        },
      },
    },
    sms: { type: ["string", "null"], description: "the confirmed phone's last two digits" },
    recoveryCodesLeft: { type: "integer" },
  },
} as const;

function refuseCode(): never {
  throw new SerumsError("BAD_REQUEST", "the code does not match (or it expired); try the current code", {
    path: "/body/code",
  });
}

type FactorKind = "authenticator" | "totp" | "passkey" | "sms" | "recovery_codes";

/**
 * The holder of the request's token, once they proved one of their keys as `current` (401 without
 * a token, 403 with a wrong key, 429 when throttled).
 */
async function provenHolder(services: ServerServices, request: FastifyRequest): Promise<AccessClaims> {
  const claims = await services.authenticate(request);
  const body = (request.body ?? {}) as { current?: LoginKey };
  await requireKeyProof(services, request, claims, body.current);
  return claims;
}

function factorChanged(
  services: ServerServices,
  request: FastifyRequest,
  claims: AccessClaims,
  kind: FactorKind,
): Promise<void> {
  return recordAuthEvent(
    services.store,
    {
      kind: "factor_change",
      outcome: "success",
      reason: kind,
      serumsId: claims.serumsId,
      addressHash: services.addressHash(request),
    },
    { now: services.now },
  );
}

export async function factorRoutes(app: FastifyInstance, services: ServerServices): Promise<void> {
  const { factors } = services;
  const { store } = services;
  /**
   * Before validation: a change sent without any body (a bare `curl -X POST`) is told what it
   * lacks — after the token is checked, so that no token is still a 401 — rather than only that
   * the body "must be object".
   */
  const requireBody = async (request: FastifyRequest): Promise<void> => {
    if (request.body !== undefined && request.body !== null) return;
    await services.authenticate(request);
    throw new SerumsError(
      "BAD_REQUEST",
      'this change needs a JSON body with one of your keys as current, e.g. {"current": {"kind": "text", "value": "…"}}',
      { path: "/body/current" },
    );
  };

  /**
   * POST PATH: finishes an enrolment with the first code it produced. No key proof here: the
   * enrolment's start needed one, and this only completes it.
   */
  const confirmRoute = (
    path: string,
    summary: string,
    kind: FactorKind,
    confirm: (
      store: ServerServices["store"],
      serumsId: string,
      code: string,
      factorsOptions: typeof factors,
    ) => Promise<boolean>,
  ) =>
    app.post(
      path,
      {
        schema: {
          tags: TAGS,
          summary,
          security: SECURITY,
          body: codeBody,
          response: { 200: confirmed, 400: PROBLEM, 401: PROBLEM, 429: PROBLEM },
        },
      },
      async (request) => {
        services.rateLimit(request);
        const claims = await services.authenticate(request);
        const ok = await confirm(store, claims.serumsId, (request.body as { code: string }).code, factors);
        if (!ok) return refuseCode();
        await factorChanged(services, request, claims, kind);
        return { confirmed: true };
      },
    );

  /**
   * DELETE PATH: removes one of the holder's factors, with proof of one of their keys. A path
   * ending in /:id names one of several (its id is passed on); `remove` answers false when there
   * is nothing to remove (or throws its own NOT_FOUND).
   */
  const removeRoute = (
    path: string,
    summary: string,
    kind: FactorKind,
    remove: (store: ServerServices["store"], serumsId: string, id: string) => Promise<unknown>,
    missing: string,
  ) =>
    app.delete(
      path,
      {
        preValidation: requireBody,
        schema: {
          tags: TAGS,
          summary: `${summary}; needs one of your keys as current`,
          security: SECURITY,
          ...(path.endsWith("/:id") ? { params: idParams } : {}),
          body: proofBody,
          response: { 204: { type: "null" }, ...ERRORS, ...PROOF_ERRORS },
        },
      },
      async (request, reply) => {
        const claims = await provenHolder(services, request);
        const id = (request.params as { id?: string }).id ?? "";
        if ((await remove(store, claims.serumsId, id)) === false) throw new SerumsError("NOT_FOUND", missing);
        await factorChanged(services, request, claims, kind);
        return reply.code(204).send();
      },
    );

  app.get(
    "/factors",
    {
      schema: {
        tags: TAGS,
        summary: "The holder's second factors (no secrets)",
        security: SECURITY,
        response: { 200: summarySchema, 401: PROBLEM },
      },
    },
    async (request) => {
      const claims = await services.authenticate(request);
      return factorSummary(store, claims.serumsId, factors.keys);
    },
  );

  app.post(
    "/factors/authenticators/enrolment",
    {
      preValidation: requireBody,
      schema: {
        tags: TAGS,
        summary:
          "A one-time code (10 minutes) to enrol an authenticator, as text, as a link to the companion page and as its QR code; needs one of your keys as current",
        security: SECURITY,
        body: proofBody,
        response: {
          201: {
            type: "object",
            required: ["code", "uri", "link", "qrSvg", "expiresAt"],
            properties: {
              code: { type: "string", description: "to type: four groups of four characters" },
              uri: { type: "string", description: "serums-authenticator://enrol?server=…&code=…" },
              link: {
                type: "string",
                description:
                  "the companion page with the code in its fragment: …/app/authenticator/#enrol=CODE",
              },
              qrSvg: {
                type: "string",
                description: "the QR code of `link`, an SVG document (no script) to show for scanning",
              },
              expiresAt: { type: "integer" },
            },
          },
          ...PROOF_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const claims = await provenHolder(services, request);
      const enrolment = await createEnrolmentCode(
        store,
        claims.serumsId,
        services.config.auth.publicOrigin,
        factors,
      );
      await factorChanged(services, request, claims, "authenticator");
      return reply.code(201).send({ ...enrolment, qrSvg: qrSvg(enrolment.link) });
    },
  );

  removeRoute(
    "/factors/authenticators/:id",
    "Revoke one of the holder's authenticators",
    "authenticator",
    revokeAuthenticator,
    "no such authenticator",
  );

  app.post(
    "/factors/totp",
    {
      preValidation: requireBody,
      schema: {
        tags: TAGS,
        summary:
          "Start TOTP enrolment: an otpauth:// URI and its secret, shown once; needs one of your keys as current",
        security: SECURITY,
        body: proofBody,
        response: {
          201: {
            type: "object",
            required: ["uri", "secret", "expiresAt"],
            properties: {
              uri: { type: "string" },
              secret: { type: "string" },
              expiresAt: { type: "integer" },
            },
          },
          ...PROOF_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const claims = await provenHolder(services, request);
      const enrolment = await beginTotpEnrolment(store, claims.serumsId, {
        ...factors,
        issuer: claims.site ? `Serums ${claims.site}` : "Serums",
        label: claims.serumsId,
      });
      return reply.code(201).send(enrolment);
    },
  );

  confirmRoute(
    "/factors/totp/confirm",
    "Confirm TOTP enrolment with a first code from the app",
    "totp",
    confirmTotpEnrolment,
  );

  removeRoute("/factors/totp", "Remove TOTP", "totp", removeTotp, "you have no TOTP");

  app.post(
    "/factors/passkeys/options",
    {
      schema: {
        tags: TAGS,
        summary: "WebAuthn registration options for navigator.credentials.create()",
        security: SECURITY,
        response: { 200: anyObject, 401: PROBLEM },
      },
    },
    async (request) => {
      const claims = await services.authenticate(request);
      return passkeyRegistrationOptions(store, claims.serumsId, claims.serumsId, factors);
    },
  );

  app.post(
    "/factors/passkeys",
    {
      preValidation: requireBody,
      schema: {
        tags: TAGS,
        summary:
          "Register a passkey: the browser's answer to the registration options; needs one of your keys as current",
        security: SECURITY,
        body: {
          type: "object",
          required: ["response", "current"],
          additionalProperties: false,
          properties: {
            response: anyObject,
            label: { type: "string", minLength: 1, maxLength: 64 },
            current: currentKeySchema,
          },
        },
        response: {
          201: {
            type: "object",
            properties: {
              id: { type: "string" },
              label: { type: "string" },
              createdAt: { type: "integer" },
              lastUsedAt: { type: ["integer", "null"] },
            },
          },
          ...ERRORS,
          ...PROOF_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const claims = await provenHolder(services, request);
      const body = request.body as {
        response: Parameters<typeof verifyPasskeyRegistration>[2];
        label?: string;
      };
      const passkey = await verifyPasskeyRegistration(store, claims.serumsId, body.response, {
        ...factors,
        label: body.label,
      });
      await factorChanged(services, request, claims, "passkey");
      return reply.code(201).send(passkey);
    },
  );

  removeRoute(
    "/factors/passkeys/:id",
    "Remove one of the holder's passkeys",
    "passkey",
    removePasskey,
    "no such passkey",
  );

  app.post(
    "/factors/sms",
    {
      preValidation: requireBody,
      schema: {
        tags: TAGS,
        summary:
          "Register a phone number (E.164); a confirmation code is sent to it; needs one of your keys as current",
        security: SECURITY,
        body: {
          type: "object",
          required: ["phone", "current"],
          additionalProperties: false,
          properties: { phone: { type: "string", minLength: 8, maxLength: 24 }, current: currentKeySchema },
        },
        response: {
          202: {
            type: "object",
            properties: { phoneHint: { type: "string" }, expiresAt: { type: "integer" } },
          },
          ...PROOF_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const claims = await provenHolder(services, request);
      const sent = await startSmsEnrolment(
        store,
        claims.serumsId,
        (request.body as { phone: string }).phone,
        factors,
      );
      return reply.code(202).send(sent);
    },
  );

  confirmRoute(
    "/factors/sms/confirm",
    "Confirm the phone number with the code sent to it",
    "sms",
    confirmSmsEnrolment,
  );

  removeRoute("/factors/sms", "Remove the phone number", "sms", removeSmsPhone, "you have no phone number");

  app.post(
    "/factors/recovery-codes",
    {
      preValidation: requireBody,
      schema: {
        tags: TAGS,
        summary:
          "Ten new recovery codes, shown once; earlier codes stop working; needs one of your keys as current",
        security: SECURITY,
        body: proofBody,
        response: {
          201: {
            type: "object",
            required: ["codes"],
            properties: { codes: { type: "array", items: { type: "string" } } },
          },
          ...PROOF_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const claims = await provenHolder(services, request);
      const codes = await generateRecoveryCodes(store, claims.serumsId, factors);
      await factorChanged(services, request, claims, "recovery_codes");
      return reply.code(201).send({ codes });
    },
  );

  app.get(
    "/factors/login/:challengeId",
    {
      schema: {
        tags: TAGS,
        summary:
          "Where a login's push challenge stands (the login page polls this; rate-limited per address)",
        params: challengeParams,
        response: {
          200: {
            type: "object",
            required: ["status"],
            properties: {
              status: { type: "string", enum: ["pending", "approved", "denied", "expired", "used"] },
            },
          },
          400: PROBLEM,
          404: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request) => {
      // Polled without a token: a per-address limit of its own (looser than the login's, so a page
      // waiting out a whole challenge never runs out) keeps it from being a cheap way to load the
      // store; challenge ids (128 random bits) are not guessable anyway.
      services.rateLimit(request, "poll");
      const { challengeId } = request.params as { challengeId: string };
      const status = await pushChallengeStatus(store, challengeId, factors);
      if (!status)
        throw new SerumsError("NOT_FOUND", "no such login challenge", { path: "/params/challengeId" });
      return { status };
    },
  );

  app.post(
    "/factors/login/:challengeId/sms",
    {
      schema: {
        tags: TAGS,
        summary: "Send a login code by SMS to the challenge's user (same answer whoever it is)",
        params: challengeParams,
        response: {
          202: { type: "object", properties: { kind: { type: "string" }, expiresAt: { type: "integer" } } },
          400: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request, reply) => {
      services.rateLimit(request);
      const { challengeId } = request.params as { challengeId: string };
      return reply.code(202).send(await prepareLoginFactor(store, challengeId, "sms", factors));
    },
  );

  app.post(
    "/factors/login/:challengeId/passkey",
    {
      schema: {
        tags: TAGS,
        summary: "WebAuthn authentication options for navigator.credentials.get() on a login challenge",
        params: challengeParams,
        response: {
          200: { type: "object", properties: { kind: { type: "string" }, options: anyObject } },
          400: PROBLEM,
          429: PROBLEM,
        },
      },
    },
    async (request) => {
      services.rateLimit(request);
      const { challengeId } = request.params as { challengeId: string };
      return prepareLoginFactor(store, challengeId, "passkey", factors);
    },
  );
}
