/**
 * The image library over HTTP, and the graphical key's change:
 *
 *   POST /images/search        {query, limit?}   library images for words or tags
 *   POST /images/suggest       {secret, limit?}  best-fit images for a secret, overall and per term
 *   GET  /images/{id}          the image (SVG under a CSP that forbids scripts, or PNG)
 *   GET  /images/{id}/info     its title, tags, source, licence and attribution
 *   POST /images               upload an image of one's own (bearer token) {contentType, data, tags}
 *   PUT  /auth/keys/graphical  set or replace one's graphical key (bearer token AND one of one's
 *                              keys again as `current`: a token alone never changes a key)
 *
 * Search and suggestions are POSTs so that words from a secret never sit in a URL (or a proxy's
 * log). They need no token (a patient searches while registering); with one, the holder's own
 * uploads are searched too. An image is fetched by its ID without a token: login grids are shown
 * before login, and IDs of stored images are 128-bit content hashes nobody can guess.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  getImageInfo,
  imageContent,
  type LibraryImage,
  loadImageLibrary,
  type ScoredImage,
  suggestImages,
  uploadImage,
} from "../../auth/images/index.ts";
import {
  enrolGestureKey,
  enrolRecognitionKey,
  gesturesJsonSchema,
  type KeyStrength,
} from "../../auth/keys/index.ts";
import type { LoginKey } from "../../auth/login/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { currentKeySchema, endOtherSessions, requireKeyProof } from "../key-proof.ts";
import type { ServerServices } from "../server-services.ts";

const PROBLEM = { $ref: "Problem#" } as const;
const ID_PATTERN = "^(openmoji-[0-9A-F]+(-[0-9A-F]+)*|img-[0-9a-f]{32})$";
const MAX_UPLOAD_BASE64 = Math.ceil((512 * 1024 * 4) / 3) + 4;

/** What a browser may do with a served image: show it, nothing else (no script, no fetch). */
export const IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

const imageSummary = {
  type: "object",
  required: ["id", "title", "tags", "source", "contentType", "url"],
  properties: {
    id: { type: "string" },
    title: { type: "string" },
    tags: { type: "array", items: { type: "string" } },
    source: { type: "string", enum: ["openmoji", "site", "upload"] },
    contentType: { type: "string" },
    url: { type: "string" },
    licence: { type: "string" },
    attribution: { type: "string" },
  },
} as const;

const scoredImage = {
  type: "object",
  required: [...imageSummary.required, "score", "matched"],
  properties: {
    ...imageSummary.properties,
    score: { type: "number", description: "cosine similarity of IDF-weighted tags, 0–1" },
    matched: { type: "array", items: { type: "string" } },
  },
} as const;

const strength = {
  type: "object",
  additionalProperties: true,
  description: "a key's strength: score 0–4, guesses, bits, theoreticalBits, feedback",
} as const;

function summary(image: LibraryImage) {
  return {
    id: image.id,
    title: image.title,
    tags: image.tags,
    source: image.source,
    contentType: image.contentType,
    url: `/images/${image.id}`,
    ...(image.licence ? { licence: image.licence } : {}),
    ...(image.attribution ? { attribution: image.attribution } : {}),
  };
}

const scored = (s: ScoredImage) => ({
  ...summary(s.image),
  score: Math.round(s.score * 1000) / 1000,
  matched: s.matched,
});

/** The token holder, when the request carries a token (a bad token is still a 401). */
async function optionalViewer(
  services: ServerServices,
  request: FastifyRequest,
): Promise<string | undefined> {
  if (request.headers.authorization === undefined) return undefined;
  return (await services.authenticate(request)).serumsId;
}

function notFound(id: string): never {
  throw new SerumsError("NOT_FOUND", `no image ${JSON.stringify(id)}`, { path: "/params/id", value: id });
}

export async function imageRoutes(app: FastifyInstance, services: ServerServices): Promise<void> {
  app.post(
    "/images/search",
    {
      schema: {
        tags: ["images"],
        summary: "library images for words or tags (OpenMoji, the site's, and with a token one's uploads)",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["query"],
          properties: {
            query: { type: "string", minLength: 1, maxLength: 200 },
            limit: { type: "integer", minimum: 1, maximum: 60 },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["images"],
            properties: { images: { type: "array", items: scoredImage } },
          },
          400: PROBLEM,
          401: PROBLEM,
        },
      },
    },
    async (request) => {
      const { query, limit } = request.body as { query: string; limit?: number };
      const library = await loadImageLibrary(services.store, {
        viewer: await optionalViewer(services, request),
      });
      return { images: library.search(query, { limit: limit ?? 24 }).map(scored) };
    },
  );

  app.post(
    "/images/suggest",
    {
      schema: {
        tags: ["images"],
        summary: "best-fit images for a secret: overall, and for each of its words",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["secret"],
          properties: {
            secret: { type: "string", minLength: 1, maxLength: 1024 },
            limit: { type: "integer", minimum: 1, maximum: 60 },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["terms", "unmatched", "images", "byTerm"],
            properties: {
              terms: { type: "array", items: { type: "string" } },
              unmatched: { type: "array", items: { type: "string" } },
              images: { type: "array", items: scoredImage },
              byTerm: {
                type: "array",
                items: {
                  type: "object",
                  properties: { term: { type: "string" }, images: { type: "array", items: scoredImage } },
                },
              },
            },
          },
          400: PROBLEM,
          401: PROBLEM,
        },
      },
    },
    async (request) => {
      const { secret, limit } = request.body as { secret: string; limit?: number };
      const library = await loadImageLibrary(services.store, {
        viewer: await optionalViewer(services, request),
      });
      const s = suggestImages(library, secret, limit === undefined ? {} : { limit });
      return {
        terms: s.terms,
        unmatched: s.unmatched,
        images: s.images.map(scored),
        byTerm: s.byTerm.map((b) => ({ term: b.term, images: b.images.map(scored) })),
      };
    },
  );

  const idParams = {
    type: "object",
    required: ["id"],
    properties: { id: { type: "string", pattern: ID_PATTERN, maxLength: 120 } },
  } as const;

  app.get(
    "/images/:id",
    {
      schema: {
        tags: ["images"],
        summary: "an image's bytes (SVG served with a CSP that forbids scripts, or PNG)",
        params: idParams,
        response: {
          200: {
            description: "the image",
            content: {
              "image/svg+xml": { schema: { type: "string", format: "binary" } },
              "image/png": { schema: { type: "string", format: "binary" } },
            },
          },
          400: PROBLEM,
          404: PROBLEM,
        },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      const content = await imageContent(services.store, id);
      if (!content) notFound(id);
      const shipped = id.startsWith("openmoji-");
      const info = shipped ? undefined : await getImageInfo(services.store, id);
      reply
        .header("content-type", content.contentType)
        .header("content-security-policy", IMAGE_CSP)
        .header("x-content-type-options", "nosniff")
        .header("cross-origin-resource-policy", "same-origin")
        .header(
          "content-disposition",
          `inline; filename="${id}.${content.contentType === "image/png" ? "png" : "svg"}"`,
        )
        .header(
          "cache-control",
          info?.source === "upload" ? "private, max-age=3600" : "public, max-age=86400",
        );
      if (shipped) reply.header("link", '<https://creativecommons.org/licenses/by-sa/4.0/>; rel="license"');
      return reply.send(Buffer.from(content.bytes));
    },
  );

  app.get(
    "/images/:id/info",
    {
      schema: {
        tags: ["images"],
        summary: "an image's title, tags, source, licence and attribution",
        params: idParams,
        response: { 200: imageSummary, 400: PROBLEM, 404: PROBLEM },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const viewer =
        request.headers.authorization === undefined ? undefined : await optionalViewer(services, request);
      const library = await loadImageLibrary(services.store, viewer === undefined ? {} : { viewer });
      const image = library.get(id);
      if (!image) notFound(id);
      return summary(image);
    },
  );

  app.post(
    "/images",
    {
      bodyLimit: MAX_UPLOAD_BASE64 + 16 * 1024,
      schema: {
        tags: ["images"],
        summary:
          "upload an image of one's own (private to the uploader): PNG or a static SVG, at most 512 KiB",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["contentType", "data", "tags"],
          properties: {
            contentType: { type: "string", enum: ["image/png", "image/svg+xml"] },
            data: {
              type: "string",
              minLength: 1,
              maxLength: MAX_UPLOAD_BASE64,
              description: "the bytes, base64",
            },
            tags: {
              type: "array",
              minItems: 1,
              maxItems: 24,
              items: { type: "string", minLength: 1, maxLength: 48 },
            },
            title: { type: "string", minLength: 1, maxLength: 120 },
          },
        },
        response: {
          201: {
            type: "object",
            required: ["image", "added"],
            properties: { image: imageSummary, added: { type: "boolean" } },
          },
          400: PROBLEM,
          401: PROBLEM,
          413: PROBLEM,
        },
      },
    },
    async (request, reply) => {
      const claims = await services.authenticate(request);
      const body = request.body as { contentType: string; data: string; tags: string[]; title?: string };
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.data)) {
        throw new SerumsError("BAD_REQUEST", "data is not base64", { path: "/body/data" });
      }
      const { image, added } = await uploadImage(
        services.store,
        claims.serumsId,
        {
          name: "upload",
          bytes: new Uint8Array(Buffer.from(body.data, "base64")),
          contentType: body.contentType,
          tags: body.tags,
          ...(body.title ? { title: body.title } : {}),
        },
        { now: services.now },
      );
      return reply.code(201).send({
        image: summary({ ...image, source: "upload" }),
        added,
      });
    },
  );

  app.put(
    "/auth/keys/graphical",
    {
      schema: {
        tags: ["keys"],
        summary:
          "set or replace one's graphical key: k images (recognition) or gestures on a background; needs one of one's keys again as current",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          required: ["kind", "current"],
          oneOf: [
            {
              type: "object",
              additionalProperties: false,
              required: ["kind", "images", "current"],
              properties: {
                current: currentKeySchema,
                kind: { const: "recognition" },
                images: {
                  type: "array",
                  minItems: 1,
                  maxItems: 16,
                  items: { type: "string", maxLength: 120 },
                },
              },
            },
            {
              type: "object",
              additionalProperties: false,
              required: ["kind", "background", "gestures", "current"],
              properties: {
                current: currentKeySchema,
                kind: { const: "gesture" },
                background: { type: "string", maxLength: 120 },
                gestures: gesturesJsonSchema,
              },
            },
          ],
        },
        response: {
          200: {
            type: "object",
            required: ["kind", "strength"],
            properties: {
              kind: { type: "string" },
              strength,
              grid: { type: "array", items: { type: "string" }, description: "the fixed login grid" },
              background: { type: "string" },
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
      const body = request.body as (
        | { kind: "recognition"; images: string[] }
        | { kind: "gesture"; background: string; gestures: unknown }
      ) & { current: LoginKey };
      await requireKeyProof(services, request, claims, body.current);
      const options = { ...services.keyPolicy, now: services.now };
      if (body.kind === "recognition") {
        const { grid, strength: s } = await enrolRecognitionKey(
          services.store,
          claims.serumsId,
          body.images,
          options,
        );
        const endedSessions = await endOtherSessions(services, request, claims, "graphical");
        return { kind: "recognition", strength: s satisfies KeyStrength, grid, endedSessions };
      }
      const { background, strength: s } = await enrolGestureKey(
        services.store,
        claims.serumsId,
        body.background,
        body.gestures,
        options,
      );
      const endedSessions = await endOtherSessions(services, request, claims, "graphical");
      return { kind: "gesture", strength: s, background, endedSessions };
    },
  );
}
