/**
 * The images Serums ships: OpenMoji (https://openmoji.org), from the `openmoji` npm package —
 * its data/openmoji.json (annotation, tags, OpenMoji's own tags, group, subgroups) and its colour
 * SVGs. Licence CC BY-SA 4.0; every entry carries its attribution (see NOTICE.md beside this file).
 *
 * Skin-tone variants are left out: they are the same picture as their base emoji, and a grid
 * holding two of them would give a decoy away (or make two "different" images the same).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";
import { normaliseTag } from "./image-terms.ts";

export const OPENMOJI_LICENCE = "CC BY-SA 4.0";
export const OPENMOJI_ATTRIBUTION =
  "OpenMoji – the open-source emoji and icon project (https://openmoji.org), licensed CC BY-SA 4.0";
export const OPENMOJI_PREFIX = "openmoji-";

/** One shipped image, as the library sees it. */
export interface CatalogImage {
  id: string;
  title: string;
  tags: string[];
  /** Coarse categories (group, subgroup): weak terms that make "close" images close. */
  categories: string[];
}

interface OpenMojiEntry {
  hexcode: string;
  annotation: string;
  tags: string;
  openmoji_tags: string;
  group: string;
  subgroups: string;
  skintone: string | number;
}

const require = createRequire(import.meta.url);

function packageDir(): string {
  try {
    return path.dirname(require.resolve("openmoji/package.json"));
  } catch (error) {
    throw new SerumsError(
      "BAD_CONFIG",
      "the openmoji package is not installed; run npm ci to get the image library",
      {},
      { cause: error },
    );
  }
}

let cached: CatalogImage[] | undefined;
let cachedIds: Set<string> | undefined;

function splitTags(text: string): string[] {
  return text
    .split(",")
    .map(normaliseTag)
    .filter((t) => t.length > 0);
}

/** The OpenMoji catalogue (read once per process). */
export function openMojiCatalog(): readonly CatalogImage[] {
  if (cached) return cached;
  const entries = require(path.join(packageDir(), "data", "openmoji.json")) as OpenMojiEntry[];
  const images: CatalogImage[] = [];
  for (const e of entries) {
    if (e.skintone !== "" || !/^[0-9A-F]+(-[0-9A-F]+)*$/.test(e.hexcode)) continue;
    const tags = [...new Set([...splitTags(e.tags), ...splitTags(e.openmoji_tags)])];
    images.push({
      id: `${OPENMOJI_PREFIX}${e.hexcode}`,
      title: e.annotation,
      tags,
      categories: [e.group, ...e.subgroups.split(",")]
        .map((c) => c.trim().replace(/-/g, " "))
        .filter((c) => c.length > 0),
    });
  }
  cached = images;
  cachedIds = new Set(images.map((i) => i.id));
  return images;
}

/** Whether `id` is one of the shipped images. */
export function isShippedImage(id: string): boolean {
  if (!cachedIds) openMojiCatalog();
  return cachedIds!.has(id);
}

/** The SVG of a shipped image, or undefined when `id` is not one. */
export async function openMojiSvg(id: string): Promise<Buffer | undefined> {
  if (!id.startsWith(OPENMOJI_PREFIX)) return undefined;
  const hex = id.slice(OPENMOJI_PREFIX.length);
  if (!/^[0-9A-F]+(-[0-9A-F]+)*$/.test(hex)) return undefined;
  try {
    return await readFile(path.join(packageDir(), "color", "svg", `${hex}.svg`));
  } catch {
    return undefined;
  }
}
