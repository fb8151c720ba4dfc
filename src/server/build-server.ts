/**
 * The HTTP server: a Fastify app with JSON schemas on every route, OpenAPI at /openapi.json,
 * problem+json errors, pino logs that never carry bodies or authorization headers, and the route
 * plugins of FlexPass (accounts and tokens here; images, factors and authenticators from their
 * own files).
 */
import { existsSync } from "node:fs";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { authenticateToken, keyedHash, RateLimiter, type RateLimitOptions } from "../auth/login/index.ts";
import { SerumsError } from "../errors/index.ts";
import { problem, problemErrorHandler, problemSchema, sendProblem } from "./problem.ts";
import { authRoutes } from "./routes/auth-routes.ts";
import { type ContextOptions, createLoginContext } from "./server-context.ts";
import type { ServerServices } from "./server-services.ts";
import { type WebFile, webAppRoutes } from "./web-app.ts";

export interface BuildServerOptions extends ContextOptions {
  /** pino options, or false for none (tests). Default: info level with redaction. */
  logger?: boolean | Record<string, unknown>;
  /** The per-address limit of the auth routes; default a burst of 20, then one every 5 s. */
  rateLimit?: RateLimitOptions;
  /**
   * The per-address limit of the login status poll (GET /factors/login/{id}), a bucket of its own
   * so that a page waiting for an approval does not spend the login's; default a burst of 60,
   * then one a second.
   */
  pollRateLimit?: RateLimitOptions;
  /** More route plugins (tests). */
  plugins?: readonly RoutePlugin[];
  /** Serve web/ at /app/ (default true), or these files (tests). */
  webApp?: boolean | Map<string, WebFile>;
}

export const DEFAULT_AUTH_RATE_LIMIT: RateLimitOptions = { capacity: 20, refillPerSecond: 0.2 };
/**
 * The login status poll's: a page polling every 2 s (0.5 a second) for the whole 2-minute life of
 * a challenge never runs out, nor do two such pages behind one address; a loop asking as fast as
 * it can is held to one a second after its first 60.
 */
export const DEFAULT_POLL_RATE_LIMIT: RateLimitOptions = { capacity: 60, refillPerSecond: 1 };

export type RoutePlugin = (app: FastifyInstance, services: ServerServices) => Promise<void>;

/** What is logged of a request: method and route, never the body, query, headers or address. */
export const LOG_OPTIONS = {
  level: "info",
  redact: {
    paths: ["req.headers.authorization", "req.headers.cookie", "req.body", "res.headers['set-cookie']"],
    censor: "[redacted]",
  },
  serializers: {
    req(request: { method: string; routeOptions?: { url?: string }; url: string }) {
      return { method: request.method, route: request.routeOptions?.url ?? request.url.split("?")[0] };
    },
  },
};

/** The route plugins KEYS and FACTORS write, loaded when their files exist. */
const PLUGIN_FILES = [
  { file: "./routes/image-routes.ts", name: "imageRoutes" },
  { file: "./routes/factor-routes.ts", name: "factorRoutes" },
  { file: "./routes/authenticator-routes.ts", name: "authenticatorRoutes" },
] as const;

async function loadPlugins(): Promise<RoutePlugin[]> {
  const plugins: RoutePlugin[] = [];
  for (const { file, name } of PLUGIN_FILES) {
    const url = new URL(file, import.meta.url);
    if (!existsSync(url)) continue;
    const module = (await import(url.href)) as Record<string, unknown>;
    const plugin = module[name];
    if (typeof plugin !== "function") {
      throw new SerumsError("BAD_CONFIG", `${file} does not export the route plugin ${name}`, { file });
    }
    plugins.push(plugin as RoutePlugin);
  }
  return plugins;
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === "string" ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header.trim()) : null;
  if (!match) {
    throw new SerumsError("UNAUTHENTICATED", "an Authorization: Bearer <access token> header is required", {
      path: "/headers/authorization",
    });
  }
  return match[1]!;
}

function rateLimited(retryAfterMs: number): SerumsError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return Object.assign(
    new SerumsError("RATE_LIMITED", `too many requests from this address; try again in ${seconds} s`),
    { retryAfterSeconds: seconds },
  );
}

export { rateLimited };

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { store, config } = options;
  const login = await createLoginContext(options);
  const now = login.now;
  const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_AUTH_RATE_LIMIT);
  const pollLimiter = new RateLimiter(options.pollRateLimit ?? DEFAULT_POLL_RATE_LIMIT);
  const app = Fastify({
    logger: options.logger === undefined ? LOG_OPTIONS : options.logger,
    trustProxy: config.server.trustProxy,
    bodyLimit: 1024 * 1024,
    // A URL that is not even well-formed (bad percent-encoding…) is a problem+json like any other.
    frameworkErrors: (error, _request, reply) =>
      sendProblem(
        reply,
        problem(400, "BAD_REQUEST", `the request is malformed: ${error.message.slice(0, 200)}`),
      ),
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, discriminator: true },
    },
  });
  app.addSchema(problemSchema);
  app.setErrorHandler(problemErrorHandler);
  // Answers carry keys' strength, enrolment and activation codes, tokens, account details: no
  // cache may keep them (OWASP ASVS V8.2.1), unless a route says otherwise (the JWKS, images).
  app.addHook("onSend", async (_request, reply, payload) => {
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    if (!reply.hasHeader("x-content-type-options")) reply.header("x-content-type-options", "nosniff");
    return payload;
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, "NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`)),
  );
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Serums", version: "0.1.0", description: "FlexPass login, tokens and factors" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
  });

  const services: ServerServices = {
    store,
    now,
    config,
    factors: login.factors,
    keyPolicy: login.keyPolicy,
    login,
    async authenticate(request) {
      return authenticateToken(login, bearerToken(request));
    },
    async requireRole(request, roles) {
      const claims = await services.authenticate(request);
      if (!roles.includes(claims.role)) {
        throw new SerumsError(
          "FORBIDDEN",
          `this needs the role ${roles.join(" or ")}; the token's role is ${claims.role}`,
          {
            path: "role",
          },
        );
      }
      return claims;
    },
    addressHash(request) {
      return keyedHash(login, "address", request.ip);
    },
    rateLimit(request, bucket = "auth") {
      const taken = (bucket === "poll" ? pollLimiter : limiter).take(services.addressHash(request), now());
      if (!taken.ok) throw rateLimited(taken.retryAfterMs);
    },
  };

  app.get("/openapi.json", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("application/json").send(app.swagger()),
  );
  // What someone who opens the server's address finds: where to go next.
  app.get("/", { schema: { hide: true } }, async () => ({
    name: "Serums",
    site: config.auth.site,
    openapi: "/openapi.json",
    jwks: "/.well-known/jwks.json",
    authenticator: options.webApp === false ? undefined : "/app/authenticator/",
    register: "POST /auth/register (after POST /auth/register/propose for a text key from your secret)",
    login: "POST /auth/login/start, approve on your authenticator, POST /auth/login/finish",
  }));
  for (const plugin of [authRoutes, ...(options.plugins ?? []), ...(await loadPlugins())]) {
    await app.register(async (scope) => plugin(scope, services));
  }
  if (options.webApp !== false) {
    webAppRoutes(app, options.webApp instanceof Map ? options.webApp : undefined);
  }
  await app.ready();
  return app;
}
