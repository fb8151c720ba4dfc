/**
 * Images kept in the store: a site's own (added with a tags file, seen by everyone) and users'
 * uploads (seen only by their owner, usable only in the owner's key). Each is validated first
 * (image-validation.ts), kept with its SHA-256 and its tags, and named by a content hash — the
 * same bytes added twice are one image.
 */
import { createHash } from "node:crypto";
import { SerumsError, showValue } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { normaliseTag, termsOfAll } from "./image-terms.ts";
import { type ImageContentType, validateImage } from "./image-validation.ts";

export const MAX_TAGS = 24;
export const MAX_TAG_LENGTH = 48;
export const MAX_TITLE_LENGTH = 120;

export type StoredImageSource = "site" | "upload";

/** An image's description without its bytes. */
export interface StoredImageInfo {
  id: string;
  source: StoredImageSource;
  /** The uploader, for uploads only. */
  owner: string | null;
  title: string;
  tags: string[];
  contentType: ImageContentType;
  byteSize: number;
  sha256: string;
  createdAt: number;
}

export interface NewImage {
  /** A file name or "upload": named in every error. */
  name: string;
  bytes: Uint8Array;
  tags: readonly string[];
  title?: string;
  /** An upload's declared content type; must agree with the bytes. */
  contentType?: string;
}

interface ImageRow {
  id: string;
  source: StoredImageSource;
  owner: string | null;
  title: string;
  tags: string;
  content_type: ImageContentType;
  byte_size: number;
  sha256: string;
  created_at: number;
}

const INFO_COLUMNS = "id, source, owner, title, tags, content_type, byte_size, sha256, created_at";

function toInfo(row: ImageRow): StoredImageInfo {
  return {
    id: row.id,
    source: row.source,
    owner: row.owner,
    title: row.title,
    tags: JSON.parse(row.tags) as string[],
    contentType: row.content_type,
    byteSize: Number(row.byte_size),
    sha256: row.sha256,
    createdAt: Number(row.created_at),
  };
}

/** Tags checked and normalised: 1 to MAX_TAGS, each with at least one word, no duplicates. */
export function cleanTags(name: string, tags: readonly string[]): string[] {
  const clean = [...new Set(tags.map((t) => normaliseTag(String(t))).filter((t) => t.length > 0))];
  if (clean.length === 0) {
    throw new SerumsError("BAD_REQUEST", `image ${name}: no tags; valid: 1 to ${MAX_TAGS} words or phrases`, {
      file: name,
      path: "tags",
    });
  }
  if (clean.length > MAX_TAGS) {
    throw new SerumsError("BAD_REQUEST", `image ${name}: ${clean.length} tags; valid: at most ${MAX_TAGS}`, {
      file: name,
      path: "tags",
    });
  }
  for (const tag of clean) {
    if (tag.length > MAX_TAG_LENGTH || termsOfAll([tag]).length === 0) {
      throw new SerumsError(
        "BAD_REQUEST",
        `image ${name}: tag ${showValue(tag)} is not valid; valid: a word or phrase of letters or digits, at most ${MAX_TAG_LENGTH} characters`,
        { file: name, path: "tags", value: tag },
      );
    }
  }
  return clean;
}

function imageId(scope: string, sha256: string): string {
  return `img-${createHash("sha256").update(`${scope}\0${sha256}`).digest("hex").slice(0, 32)}`;
}

async function insertImage(
  db: Executor,
  source: StoredImageSource,
  owner: string | null,
  image: NewImage,
  now: number,
): Promise<{ image: StoredImageInfo; added: boolean }> {
  const valid = validateImage(image.name, image.bytes, image.contentType);
  const tags = cleanTags(image.name, image.tags);
  const title = (image.title ?? tags[0]!).normalize("NFC").trim().slice(0, MAX_TITLE_LENGTH);
  const id = imageId(owner ?? "site", valid.sha256);
  const { changes } = await db.run(
    `INSERT INTO auth_image (id, sha256, source, owner, title, tags, content_type, byte_size, content, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
    [
      id,
      valid.sha256,
      source,
      owner,
      title,
      JSON.stringify(tags),
      valid.contentType,
      valid.bytes.length,
      valid.bytes,
      now,
    ],
  );
  const stored = await getImageInfo(db, id);
  return { image: stored!, added: changes > 0 };
}

/** Adds one of the site's images (visible to everyone). Returns it, and whether it was new. */
export function addSiteImage(db: Executor, image: NewImage, options: { now?: () => number } = {}) {
  return insertImage(db, "site", null, image, (options.now ?? Date.now)());
}

/** Adds a user's upload (visible to them only). The owner must be an account. */
export async function uploadImage(
  db: Executor,
  owner: string,
  image: NewImage,
  options: { now?: () => number } = {},
) {
  const user = await db.get("SELECT serums_id FROM auth_user WHERE serums_id = $1", [owner]);
  if (!user) throw new SerumsError("NOT_FOUND", `no account ${showValue(owner)}`, { path: "owner" });
  return insertImage(db, "upload", owner, image, (options.now ?? Date.now)());
}

export async function getImageInfo(db: Executor, id: string): Promise<StoredImageInfo | undefined> {
  const row = await db.get<ImageRow>(`SELECT ${INFO_COLUMNS} FROM auth_image WHERE id = $1`, [id]);
  return row ? toInfo(row) : undefined;
}

/** An image's bytes and type, or undefined. */
export async function getImageContent(
  db: Executor,
  id: string,
): Promise<{ contentType: ImageContentType; bytes: Uint8Array } | undefined> {
  const row = await db.get<{ content_type: ImageContentType; content: Uint8Array }>(
    "SELECT content_type, content FROM auth_image WHERE id = $1",
    [id],
  );
  return row ? { contentType: row.content_type, bytes: new Uint8Array(row.content) } : undefined;
}

/** The stored images `viewer` may see: the site's, and `viewer`'s own uploads. */
export async function listVisibleImages(db: Executor, viewer?: string): Promise<StoredImageInfo[]> {
  const rows = await db.all<ImageRow>(
    `SELECT ${INFO_COLUMNS} FROM auth_image WHERE source = 'site' OR owner = $1 ORDER BY id`,
    [viewer ?? null],
  );
  return rows.map(toInfo);
}
