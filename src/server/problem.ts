/**
 * RFC 9457 problem details: every error the server answers is `application/problem+json` with
 * `type`, `title`, `status`, `detail` and, for bad input, `errors` naming each field. A
 * SerumsError's stable code decides the status; validation errors from the route schemas become
 * 400s that name the field (`/body/login`) and what was wrong with it.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, SerumsError } from "../errors/index.ts";

export const PROBLEM_TYPE = "application/problem+json";

export interface FieldProblem {
  /** A JSON pointer into the request: "/body/key/kind", "/params/id". */
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The stable error code (a SerumsError code, or VALIDATION / NOT_FOUND for the framework's). */
  code: string;
  errors?: FieldProblem[];
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USAGE: 400,
  BAD_CONFIG: 500,
  BAD_REQUEST: 400,
  BAD_SIGNATURE: 400,
  BAD_ROW: 400,
  BAD_MAPPING: 400,
  BAD_SOURCE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDENTITY_CONFLICT: 409,
  RATE_LIMITED: 429,
};

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthenticated",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Internal error",
};

/** The HTTP status a SerumsError code maps to. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export function problem(status: number, code: string, detail: string, errors?: FieldProblem[]): Problem {
  return {
    type: `urn:serums:problem:${code.toLowerCase().replace(/_/g, "-")}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    code,
    ...(errors ? { errors } : {}),
  };
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: {
    missingProperty?: string;
    additionalProperty?: string;
    allowedValues?: unknown[];
    tag?: string;
    tagValue?: unknown;
    error?: string;
  };
}

/** One field problem per schema error: the field's JSON pointer within the request part. */
function fieldProblems(context: string, errors: readonly AjvError[]): FieldProblem[] {
  return errors.map((e) => {
    let pointer = e.instancePath ?? "";
    if (e.params?.missingProperty) pointer += `/${e.params.missingProperty}`;
    if (e.params?.additionalProperty) pointer += `/${e.params.additionalProperty}`;
    if (e.keyword === "discriminator" && e.params?.tag) {
      pointer += `/${e.params.tag}`;
      const value = e.params.tagValue;
      return {
        field: `/${context}${pointer}`,
        message:
          e.params.error === "mapping"
            ? `${JSON.stringify(value)} is not a kind accepted here`
            : `must be a string naming the kind`,
      };
    }
    const allowed = e.params?.allowedValues ? ` (${e.params.allowedValues.map(String).join(", ")})` : "";
    const message =
      e.keyword === "additionalProperties" ? "is not allowed here" : `${e.message ?? "is invalid"}${allowed}`;
    return { field: `/${context}${pointer}`, message };
  });
}

/** The problem an error becomes; 5xx details are generic (the cause goes to the log only). */
export function toProblem(error: unknown): Problem {
  if (error instanceof SerumsError) {
    const status = statusOf(error.code);
    if (status >= 500) return problem(status, error.code, "the server could not complete the request");
    const field = error.where.path ? [{ field: error.where.path, message: error.message }] : undefined;
    return problem(status, error.code, error.message, field);
  }
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const errors = fieldProblems(fastifyError.validationContext ?? "body", fastifyError.validation);
    const detail = errors.map((e) => `${e.field} ${e.message}`).join("; ");
    return problem(400, "VALIDATION", detail, errors);
  }
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return problem(status, fastifyError.code ?? "BAD_REQUEST", fastifyError.message);
  }
  return problem(500, "INTERNAL", "the server could not complete the request");
}

/** Sends a problem, bypassing the route's response serializer (so no field is dropped). */
export function sendProblem(reply: FastifyReply, body: Problem, headers: Record<string, string> = {}) {
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply.code(body.status).type(PROBLEM_TYPE).serializer(JSON.stringify).send(body);
}

/** The error handler of the app: logs the failure without the request body, answers a problem. */
export function problemErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const body = toProblem(error);
  if (body.status >= 500) request.log.error({ err: error }, "request failed");
  else request.log.info({ code: body.code, status: body.status }, "request refused");
  const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  const headers: Record<string, string> =
    body.status === 429 && typeof retryAfter === "number"
      ? { "retry-after": String(Math.ceil(retryAfter)) }
      : {};
  if (body.status === 401) headers["www-authenticate"] = 'Bearer realm="serums"';
  return sendProblem(reply, body, headers);
}

/** JSON schema of a problem, for the routes' `response` (referenced as `{ $ref: "Problem#" }`). */
export const problemSchema = {
  $id: "Problem",
  type: "object",
  description: "RFC 9457 problem details",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { field: { type: "string" }, message: { type: "string" } },
        required: ["field", "message"],
      },
    },
  },
  required: ["type", "title", "status", "detail", "code"],
} as const;
