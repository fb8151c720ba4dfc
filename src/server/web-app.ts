/**
 * The browser application (web/) served at /app/: the companion page is at /app/authenticator/.
 *
 * The files are read once, when the server starts, into a table of relative paths; a request is a
 * lookup in that table, never a path handed to the file system, so `..`, encoded or not, cannot
 * reach outside web/. Only files of known types are served (tests and dot files never); a folder
 * is served through its index.html or not at all (no listing), and a folder asked for without
 * its slash is redirected (308) so the page's relative links resolve. Every answer carries a
 * strict Content-Security-Policy: scripts and styles from this origin only, nothing inline, no
 * plugins, no framing.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { SerumsError } from "../errors/index.ts";

/** Where the web application is mounted. */
export const WEB_APP_PREFIX = "/app/";

/** The folder served: the repository's web/. */
export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

/**
 * The policy of every answer under /app/: only this origin's scripts, styles, images and
 * connections; no inline script or style, no eval, no plugins, no <base>, no framing.
 */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
};

export interface WebFile {
  type: string;
  body: Buffer;
  etag: string;
}

/** web/'s servable files by their path relative to web/ ("authenticator/index.html"). */
export function readWebFiles(dir: string = WEB_DIR): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative))) {
      if (name.startsWith(".")) continue;
      const child = relative ? `${relative}/${name}` : name;
      const full = path.join(dir, child);
      if (statSync(full).isDirectory()) {
        walk(child);
        continue;
      }
      const type = CONTENT_TYPES[path.extname(name).toLowerCase()];
      if (!type || /\.test\./.test(name)) continue;
      const body = readFileSync(full);
      files.set(child, { type, body, etag: `"${createHash("sha256").update(body).digest("base64url")}"` });
    }
  };
  walk("");
  return files;
}

function notFound(shown: string): SerumsError {
  return new SerumsError("NOT_FOUND", `no file ${shown.slice(0, 200)} in the web application`, {
    path: "/url",
  });
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", WEB_CONTENT_SECURITY_POLICY)
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer")
    .header("cross-origin-opener-policy", "same-origin")
    .header("cross-origin-resource-policy", "same-origin")
    .header("permissions-policy", "camera=(self), microphone=(), geolocation=()");
}

/**
 * Serves `files` (default: web/ as it is when the server starts) at /app/. The path after /app/
 * must be plain segments: none empty (but the last), none "." or "..", no backslash or NUL —
 * anything else is a 404 before the table is even looked at.
 */
export function webAppRoutes(app: FastifyInstance, files: Map<string, WebFile> = readWebFiles()): void {
  const folders = new Set<string>();
  for (const name of files.keys()) {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
  }
  const serve = async (request: { url: string; headers: Record<string, unknown> }, reply: FastifyReply) => {
    const raw = request.url.split("?")[0]!.slice(WEB_APP_PREFIX.length);
    let relative: string;
    try {
      relative = decodeURIComponent(raw);
    } catch {
      throw notFound(raw);
    }
    const segments = relative.split("/");
    const bad = segments.some(
      (s, i) => s === "." || s === ".." || /[\\\0]/.test(s) || (s === "" && i < segments.length - 1),
    );
    if (bad) throw notFound(raw);
    const wanted = relative === "" || relative.endsWith("/") ? `${relative}index.html` : relative;
    const file = files.get(wanted);
    if (!file) {
      if (folders.has(relative) && files.has(`${relative}/index.html`)) {
        return securityHeaders(reply).redirect(`${WEB_APP_PREFIX}${raw}/`, 308);
      }
      throw notFound(raw);
    }
    securityHeaders(reply).header("cache-control", "no-cache").header("etag", file.etag);
    if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  app.get("/app", { schema: { hide: true } }, async (_request, reply) => {
    if (!files.has("index.html")) throw notFound("");
    return securityHeaders(reply).redirect(WEB_APP_PREFIX, 308);
  });
  app.get(`${WEB_APP_PREFIX}*`, { schema: { hide: true } }, serve);
}
