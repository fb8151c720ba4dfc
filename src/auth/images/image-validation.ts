/**
 * What an image must be before Serums keeps it: a PNG or an SVG, by its bytes (not its name), at
 * most MAX_IMAGE_BYTES, a PNG of sane dimensions, an SVG with nothing active or external in it —
 * no script, no event handler, no javascript: URL, no foreignObject, no DOCTYPE or entity, no link
 * or style that loads anything from outside the file. The server also serves SVGs under a CSP that
 * forbids scripts; this check is the first wall, not the only one.
 */
import { createHash } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";

export const MAX_IMAGE_BYTES = 512 * 1024;
export const MAX_PNG_SIDE = 4096;

export type ImageContentType = "image/png" | "image/svg+xml";

export interface ValidatedImage {
  contentType: ImageContentType;
  bytes: Uint8Array;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b);
}

function fail(name: string, problem: string): never {
  throw new SerumsError("BAD_REQUEST", `image ${name}: ${problem}`, { file: name });
}

function checkPng(name: string, bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = new TextDecoder("latin1").decode(bytes.subarray(12, 16));
  if (bytes.length < 33 || view.getUint32(8) !== 13 || type !== "IHDR") {
    fail(name, "is not a well-formed PNG (its first chunk is not a 13-byte IHDR)");
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width > MAX_PNG_SIDE || height > MAX_PNG_SIDE) {
    fail(name, `is ${width}×${height} pixels; valid: 1 to ${MAX_PNG_SIDE} pixels on each side`);
  }
}

/** Numeric character references decoded, so "&#106;avascript:" is seen as "javascript:". */
function decodeReferences(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#([0-9]+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec) % 0x110000));
}

const FORBIDDEN: readonly [RegExp, string][] = [
  [/<\s*script\b/i, "contains a <script> element"],
  [/<\s*foreignObject\b/i, "contains a <foreignObject> element"],
  [/<\s*(iframe|embed|object|audio|video)\b/i, "embeds other content"],
  [/<!\s*(DOCTYPE|ENTITY)/i, "contains a DOCTYPE or ENTITY declaration"],
  [/[\s"'/]on[a-z]+\s*=/i, "contains an event-handler attribute (on…=)"],
  [/javascript\s*:/i, "contains a javascript: URL"],
  [/attributeName\s*=\s*["']?\s*(xlink:)?href/i, "animates a link target"],
  [/@import/i, "imports a stylesheet"],
  [/url\s*\(\s*["']?\s*(?!#|data:image\/)/i, "refers to an external resource in url(…)"],
];

function checkSvg(name: string, bytes: Uint8Array): void {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    fail(name, "is neither a PNG nor UTF-8 SVG text");
  }
  const seen = decodeReferences(text);
  for (const [pattern, problem] of FORBIDDEN) {
    if (pattern.test(seen))
      fail(name, `is an SVG that ${problem}; only static, self-contained SVGs are accepted`);
  }
  for (const match of seen.matchAll(/href\s*=\s*(["'])(.*?)\1/gis)) {
    const target = match[2]!.trim();
    if (!target.startsWith("#") && !/^data:image\/(png|jpeg|gif|webp);base64,/i.test(target)) {
      fail(
        name,
        `is an SVG that links to ${JSON.stringify(target.slice(0, 40))}; only in-file (#id) links are accepted`,
      );
    }
  }
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = new TextDecoder("utf-8").decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, "");
  const body = head.replace(
    /^\s*(<\?xml[^>]*\?>\s*)?((<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>)\s*)*/i,
    "",
  );
  return /^<svg[\s>]/i.test(body);
}

/**
 * Checks an image's bytes; `name` (a file name or "upload") appears in every error. `declared`,
 * when given (an upload's content type), must agree with the bytes.
 */
export function validateImage(name: string, bytes: Uint8Array, declared?: string): ValidatedImage {
  if (bytes.length === 0) fail(name, "is empty");
  if (bytes.length > MAX_IMAGE_BYTES) {
    fail(
      name,
      `is ${bytes.length} bytes; valid: at most ${MAX_IMAGE_BYTES} bytes (${MAX_IMAGE_BYTES / 1024} KiB)`,
    );
  }
  let contentType: ImageContentType;
  if (isPng(bytes)) {
    checkPng(name, bytes);
    contentType = "image/png";
  } else if (looksLikeSvg(bytes)) {
    checkSvg(name, bytes);
    contentType = "image/svg+xml";
  } else {
    fail(name, "is not a PNG or an SVG image; valid: image/png or image/svg+xml");
  }
  const type = declared?.split(";")[0]?.trim().toLowerCase();
  if (type !== undefined && type !== "" && type !== contentType) {
    fail(name, `is declared ${JSON.stringify(type)} but its bytes are ${contentType}`);
  }
  return { contentType, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}
