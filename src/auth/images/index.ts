/**
 * The image library of FlexPass: OpenMoji's shipped images (CC BY-SA 4.0, see NOTICE.md), the
 * site's own images added with a tags file, and users' private uploads; tag search and
 * IDF-weighted similarity (the image semantic analysis tool).
 */

/** The library a viewer sees, its search, similarity and neighbours. */
export {
  CATEGORY_WEIGHT,
  fromStored,
  ImageLibrary,
  type ImageSource,
  type LibraryImage,
  loadImageLibrary,
  type ScoredImage,
  type Suggestion,
  suggestImages,
} from "./image-library.ts";
/** Stored images: the site's (public) and uploads (private to their owner). */
export {
  addSiteImage,
  cleanTags,
  getImageContent,
  getImageInfo,
  listVisibleImages,
  MAX_TAGS,
  type NewImage,
  type StoredImageInfo,
  uploadImage,
} from "./image-store.ts";
/** Words → terms: tokenising, stop words, light stemming. */
export { normaliseTag, stem, termsOf, termsOfAll, wordsOf } from "./image-terms.ts";
/** What an image must be: PNG or a static, self-contained SVG, at most 512 KiB. */
export {
  type ImageContentType,
  MAX_IMAGE_BYTES,
  type ValidatedImage,
  validateImage,
} from "./image-validation.ts";
/** OpenMoji: the catalogue and its SVGs. */
export {
  isShippedImage,
  OPENMOJI_ATTRIBUTION,
  OPENMOJI_LICENCE,
  OPENMOJI_PREFIX,
  openMojiCatalog,
  openMojiSvg,
} from "./openmoji-catalog.ts";
/** A site's images from a folder and a CSV/YAML tags file, all or nothing. */
export { type AddReport, addImagesFromDirectory, parseTagsFile, type TagsEntry } from "./tags-file.ts";

import type { Executor } from "../../store/index.ts";
import { getImageContent } from "./image-store.ts";
import type { ImageContentType } from "./image-validation.ts";
import { isShippedImage, OPENMOJI_PREFIX, openMojiSvg } from "./openmoji-catalog.ts";

/** Any library image's bytes (shipped or stored), or undefined when there is no such image. */
export async function imageContent(
  db: Executor,
  id: string,
): Promise<{ contentType: ImageContentType; bytes: Uint8Array } | undefined> {
  if (id.startsWith(OPENMOJI_PREFIX)) {
    if (!isShippedImage(id)) return undefined;
    const bytes = await openMojiSvg(id);
    return bytes ? { contentType: "image/svg+xml", bytes: new Uint8Array(bytes) } : undefined;
  }
  return getImageContent(db, id);
}
