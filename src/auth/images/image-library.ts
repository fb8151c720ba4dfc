/**
 * The image library as one searchable whole: OpenMoji's shipped images, the site's images and the
 * viewer's own uploads. Each image is a vector of its terms (title and tags; its OpenMoji group and
 * subgroup count at CATEGORY_WEIGHT), weighted by inverse document frequency, so rare words
 * ("europe") matter more than common ones ("face"). Similarity is the cosine of two vectors; a
 * search or a secret is a vector the same way. This is the image semantic analysis FlexPass uses
 * to find best-fit images for a secret and decoys close to a user's own images.
 */
import { createHash } from "node:crypto";
import type { Executor } from "../../store/index.ts";
import { listVisibleImages, type StoredImageInfo } from "./image-store.ts";
import { termsOfAll } from "./image-terms.ts";
import type { ImageContentType } from "./image-validation.ts";
import { OPENMOJI_ATTRIBUTION, OPENMOJI_LICENCE, openMojiCatalog } from "./openmoji-catalog.ts";

export const CATEGORY_WEIGHT = 0.35;

export type ImageSource = "openmoji" | "site" | "upload";

export interface LibraryImage {
  id: string;
  source: ImageSource;
  /** The uploader, for uploads only. */
  owner: string | null;
  title: string;
  tags: string[];
  contentType: ImageContentType;
  /** Licence and attribution of shipped images. */
  licence?: string;
  attribution?: string;
  /** For stored images: when they were added (ms). */
  createdAt?: number;
}

export interface ScoredImage {
  image: LibraryImage;
  /** Cosine similarity to the query, 0–1. */
  score: number;
  /** The query's terms this image carries. */
  matched: string[];
}

type Vector = Map<string, number>;

/** An image's terms, weighted before IDF: 1 for title and tags, CATEGORY_WEIGHT for categories. */
export function imageTerms(image: LibraryImage, categories: readonly string[]): Map<string, number> {
  const terms = new Map<string, number>();
  for (const t of termsOfAll(categories)) terms.set(t, CATEGORY_WEIGHT);
  for (const t of termsOfAll([image.title, ...image.tags])) terms.set(t, 1);
  return terms;
}

function norm(v: Vector): number {
  let sum = 0;
  for (const w of v.values()) sum += w * w;
  return Math.sqrt(sum);
}

export class ImageLibrary {
  readonly images: readonly LibraryImage[];
  private readonly byId = new Map<string, number>();
  private readonly idf = new Map<string, number>();
  private readonly vectors: Vector[] = [];
  private readonly norms: number[] = [];
  private readonly postings = new Map<string, number[]>();

  /**
   * `categories` are weak terms per image (OpenMoji's group and subgroup); `rawTerms`, when given,
   * are images' term weights already computed (the shipped images' are, once per process).
   */
  constructor(
    images: readonly LibraryImage[],
    categories: ReadonlyMap<string, readonly string[]> = new Map(),
    rawTerms: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map(),
  ) {
    this.images = images;
    const raw = images.map(
      (image) => rawTerms.get(image.id) ?? imageTerms(image, categories.get(image.id) ?? []),
    );
    const df = new Map<string, number>();
    for (const terms of raw) for (const t of terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    const n = images.length;
    for (const [t, count] of df) this.idf.set(t, Math.log((n + 1) / (count + 1)) + 1);
    raw.forEach((terms, i) => {
      this.byId.set(images[i]!.id, i);
      const v: Vector = new Map();
      for (const [t, w] of terms) {
        v.set(t, w * this.idf.get(t)!);
        const list = this.postings.get(t);
        if (list) list.push(i);
        else this.postings.set(t, [i]);
      }
      this.vectors.push(v);
      this.norms.push(norm(v));
    });
  }

  get size(): number {
    return this.images.length;
  }

  get(id: string): LibraryImage | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.images[i];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** An image's weighted terms (term → weight). */
  termsOf(id: string): ReadonlyMap<string, number> {
    const i = this.byId.get(id);
    return i === undefined ? new Map() : this.vectors[i]!;
  }

  /** The inverse document frequency of a term (rare terms weigh more); 0 for unknown terms. */
  idfOf(term: string): number {
    return this.idf.get(term) ?? 0;
  }

  /** How many images carry `term`. */
  frequency(term: string): number {
    return this.postings.get(term)?.length ?? 0;
  }

  /** Cosine similarity of two images' weighted term vectors, 0–1. */
  similarity(a: string, b: string): number {
    const i = this.byId.get(a);
    const j = this.byId.get(b);
    if (i === undefined || j === undefined) return 0;
    return this.cosine(this.vectors[i]!, this.norms[i]!, j);
  }

  private cosine(v: Vector, vNorm: number, j: number): number {
    const w = this.vectors[j]!;
    const wNorm = this.norms[j]!;
    if (vNorm === 0 || wNorm === 0) return 0;
    let dot = 0;
    const [small, large] = v.size <= w.size ? [v, w] : [w, v];
    for (const [t, x] of small) {
      const y = large.get(t);
      if (y !== undefined) dot += x * y;
    }
    return Math.min(1, dot / (vNorm * wNorm));
  }

  /** The images whose terms overlap `id`'s, most similar first (itself excluded). */
  neighbours(id: string, accept: (image: LibraryImage) => boolean = () => true): ScoredImage[] {
    const i = this.byId.get(id);
    if (i === undefined) return [];
    const v = this.vectors[i]!;
    const seen = new Set<number>([i]);
    const out: ScoredImage[] = [];
    for (const t of v.keys()) {
      for (const j of this.postings.get(t) ?? []) {
        if (seen.has(j)) continue;
        seen.add(j);
        const image = this.images[j]!;
        if (!accept(image)) continue;
        const score = this.cosine(v, this.norms[i]!, j);
        if (score > 0) out.push({ image, score, matched: [] });
      }
    }
    return out.sort((a, b) => b.score - a.score || a.image.id.localeCompare(b.image.id));
  }

  /**
   * Images for a free-text query (tags, words, or a whole secret): each image scored by the cosine
   * of its vector and the query's, best first; only images carrying at least one query term.
   */
  search(
    query: string,
    options: { limit?: number; accept?: (image: LibraryImage) => boolean } = {},
  ): ScoredImage[] {
    const terms = termsOfAll([query]).filter((t) => this.idf.has(t));
    if (terms.length === 0) return [];
    const q: Vector = new Map(terms.map((t) => [t, this.idf.get(t)!]));
    const qNorm = norm(q);
    const found = new Set<number>();
    for (const t of terms) for (const j of this.postings.get(t) ?? []) found.add(j);
    const out: ScoredImage[] = [];
    for (const j of found) {
      const image = this.images[j]!;
      if (options.accept && !options.accept(image)) continue;
      const v = this.vectors[j]!;
      out.push({
        image,
        score: this.cosine(q, qNorm, j),
        matched: terms.filter((t) => (v.get(t) ?? 0) > 0),
      });
    }
    out.sort(
      (a, b) =>
        b.matched.length - a.matched.length || b.score - a.score || a.image.id.localeCompare(b.image.id),
    );
    return out.slice(0, options.limit ?? 24);
  }
}

interface Shipped {
  images: LibraryImage[];
  categories: Map<string, string[]>;
  terms: Map<string, Map<string, number>>;
}

let shipped: Shipped | undefined;

function shippedImages(): Shipped {
  if (!shipped) {
    const catalog = openMojiCatalog();
    const images: LibraryImage[] = catalog.map((c) => ({
      id: c.id,
      source: "openmoji" as const,
      owner: null,
      title: c.title,
      tags: c.tags,
      contentType: "image/svg+xml" as const,
      licence: OPENMOJI_LICENCE,
      attribution: OPENMOJI_ATTRIBUTION,
    }));
    const categories = new Map(catalog.map((c) => [c.id, c.categories]));
    const terms = new Map(
      images.map((image) => [image.id, imageTerms(image, categories.get(image.id) ?? [])]),
    );
    shipped = { images, categories, terms };
  }
  return shipped;
}

export function fromStored(info: StoredImageInfo): LibraryImage {
  return {
    id: info.id,
    source: info.source,
    owner: info.owner,
    title: info.title,
    tags: info.tags,
    contentType: info.contentType,
    createdAt: info.createdAt,
  };
}

/** Recently built libraries, by the images they hold (a library does not change once built). */
const recent = new Map<string, ImageLibrary>();
const RECENT_LIMIT = 8;

/**
 * The library `viewer` sees: OpenMoji, the site's images and `viewer`'s uploads (no one else's).
 * `storedFilter` narrows the stored images (the decoy grids of unknown login names use it).
 */
export async function loadImageLibrary(
  db: Executor,
  options: { viewer?: string; storedFilter?: (info: StoredImageInfo) => boolean; shipped?: boolean } = {},
): Promise<ImageLibrary> {
  const stored = (await listVisibleImages(db, options.viewer)).filter(options.storedFilter ?? (() => true));
  const withShipped = options.shipped !== false;
  const signature = createHash("sha256")
    .update(`${withShipped}\n${stored.map((i) => `${i.id}\t${i.title}\t${i.tags.join(",")}`).join("\n")}`)
    .digest("hex");
  const hit = recent.get(signature);
  if (hit) {
    recent.delete(signature);
    recent.set(signature, hit);
    return hit;
  }
  const base: Shipped = withShipped
    ? shippedImages()
    : { images: [], categories: new Map(), terms: new Map() };
  const library = new ImageLibrary([...base.images, ...stored.map(fromStored)], base.categories, base.terms);
  recent.set(signature, library);
  if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  return library;
}

export interface Suggestion {
  /** The secret's terms the library knows. */
  terms: string[];
  /** The secret's terms no image carries (the site may want images for them). */
  unmatched: string[];
  /** Best fit for the whole secret, best first. */
  images: ScoredImage[];
  /** For each known term, the images that illustrate it best: a key drawn from several parts. */
  byTerm: { term: string; images: ScoredImage[] }[];
}

/**
 * Best-fit images for a secret: the image semantic analysis tool. Ranks the library against the
 * whole secret and against each of its terms, so a user can pick images for different parts of it.
 */
export function suggestImages(
  library: ImageLibrary,
  secret: string,
  options: { limit?: number; perTerm?: number; accept?: (image: LibraryImage) => boolean } = {},
): Suggestion {
  const all = termsOfAll([secret]);
  const terms = all.filter((t) => library.frequency(t) > 0);
  const accept = options.accept ?? (() => true);
  return {
    terms,
    unmatched: all.filter((t) => library.frequency(t) === 0),
    images: library.search(secret, { limit: options.limit ?? 12, accept }),
    byTerm: terms.map((term) => ({
      term,
      images: library.search(term, { limit: options.perTerm ?? 4, accept }),
    })),
  };
}
