/**
 * `serums images <verb>`: FlexPass's image library — tag search, best-fit images for a secret
 * (the image semantic analysis tool), adding a site's images with a tags file, and one image's
 * details or bytes.
 */
import { existsSync, writeFileSync } from "node:fs";
import { accountMigrations } from "../../auth/accounts/account-schema.ts";
import {
  addImagesFromDirectory,
  type ImageLibrary,
  imageContent,
  loadImageLibrary,
  type ScoredImage,
  suggestImages,
} from "../../auth/images/index.ts";
import { keyMigrations } from "../../auth/keys/index.ts";
import { readConfig } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { openStore, type Store } from "../../store/index.ts";
import { chooseVerb, type Options, parseCount, parseVerb, requireFlag } from "../args.ts";
import { printJson } from "../context.ts";

const DB = "  --db PATH|URL    the site's store (default ./data/serums.db, or DATABASE_URL)";

const VERBS: Record<string, { usage: string; options: Options }> = {
  search: {
    usage: `Usage: serums images search WORDS... [--limit N] [--json]

Library images (OpenMoji and the site's) whose tags or titles match the words, best first, with
the words each matched and an IDF-weighted similarity score.
  --limit N        how many (default 12, at most 100)
${DB}`,
    options: { limit: { type: "string" } },
  },
  suggest: {
    usage: `Usage: serums images suggest --secret "Places we visited in Europe" [--limit N] [--json]
       serums images suggest WORDS... [--limit N] [--json]

Best-fit images for a secret: for the whole secret and for each of its words, and the words no
image illustrates (images the site could add). The secret is not stored.
  --secret TEXT    the secret (or give its words as arguments)
  --limit N        how many for the whole secret (default 12, at most 100)
${DB}`,
    options: { secret: { type: "string" }, limit: { type: "string" } },
  },
  add: {
    usage: `Usage: serums images add DIR --tags FILE [--json]

Adds the site's own images from DIR, as listed in a tags file (CSV with columns file,tags[,title],
tags separated by ";"; or YAML: a list of {file, tags, title} or a map file: [tags]). PNG or
static SVG, at most 512 KiB each. All or nothing: an error names the tags file's line.
  --tags FILE      the tags file (.csv, .yaml or .yml)
${DB}`,
    options: { tags: { type: "string" } },
  },
  show: {
    usage: `Usage: serums images show ID [--out FILE] [--force] [--json]

One image's title, tags, source, licence and attribution; with --out, its bytes to FILE.
  --out FILE       write the image to FILE (refuses to overwrite without --force)
${DB}`,
    options: { out: { type: "string" }, force: { type: "boolean", default: false } },
  },
};

export const IMAGES_USAGE = `Usage: serums images <search|suggest|add|show> [options]   (each has --help)

  search WORDS...              library images for words or tags
  suggest --secret TEXT        best-fit images for a secret (the image semantic analysis tool)
  add DIR --tags FILE          add the site's images with a CSV or YAML tags file
  show ID [--out FILE]         an image's details, or its bytes`;

async function withImageStore<T>(db: string | undefined, work: (store: Store) => Promise<T>): Promise<T> {
  const config = readConfig(process.env, db === undefined ? {} : { db });
  const store = await openStore(config.store, { migrations: [...accountMigrations, ...keyMigrations] });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function line(s: ScoredImage): string {
  const source = s.image.source === "openmoji" ? "OpenMoji" : s.image.source;
  return `  ${s.image.id.padEnd(36)} ${s.score.toFixed(2)}  ${s.image.title} [${source}; matched ${s.matched.join(", ")}]`;
}

function asJson(s: ScoredImage) {
  const { id, title, tags, source, licence, attribution } = s.image;
  return {
    id,
    title,
    tags,
    source,
    score: Math.round(s.score * 1000) / 1000,
    matched: s.matched,
    ...(licence ? { licence, attribution } : {}),
  };
}

function attributionNote(library: ImageLibrary, shown: readonly ScoredImage[]): string[] {
  const shipped = shown.find((s) => s.image.source === "openmoji");
  return shipped && library.size > 0 ? ["", `OpenMoji images: ${shipped.image.attribution}`] : [];
}

export async function imagesCommand(argv: string[]): Promise<number> {
  const chosen = chooseVerb("images", argv, VERBS, IMAGES_USAGE);
  if ("exit" in chosen) return chosen.exit;
  const { verb, entry: spec, rest } = chosen;
  const parsed = parseVerb(rest, spec);
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const db = values.db as string | undefined;
  const limit = parseCount("limit", values.limit as string | undefined, 12, 100);

  if (verb === "search") {
    if (positionals.length === 0)
      throw new SerumsError("BAD_USAGE", `images search needs WORDS\n\n${spec.usage}`);
    const query = positionals.join(" ");
    return withImageStore(db, async (store) => {
      const library = await loadImageLibrary(store);
      const found = library.search(query, { limit });
      if (values.json) printJson({ query, images: found.map(asJson) });
      else if (found.length === 0) process.stdout.write(`No image matches ${JSON.stringify(query)}.\n`);
      else
        process.stdout.write(
          `${[`${found.length} image${found.length === 1 ? "" : "s"} for ${JSON.stringify(query)}:`, ...found.map(line), ...attributionNote(library, found)].join("\n")}\n`,
        );
      return 0;
    });
  }

  if (verb === "suggest") {
    const secret =
      (values.secret as string | undefined) ?? (positionals.length > 0 ? positionals.join(" ") : undefined);
    requireFlag("secret", secret, spec.usage);
    return withImageStore(db, async (store) => {
      const library = await loadImageLibrary(store);
      const s = suggestImages(library, secret!, { limit });
      if (values.json) {
        printJson({
          terms: s.terms,
          unmatched: s.unmatched,
          images: s.images.map(asJson),
          byTerm: s.byTerm.map((b) => ({ term: b.term, images: b.images.map(asJson) })),
        });
        return 0;
      }
      const lines = [`Words the library knows: ${s.terms.join(", ") || "(none)"}`];
      if (s.unmatched.length > 0) lines.push(`Words no image illustrates: ${s.unmatched.join(", ")}`);
      if (s.images.length > 0) lines.push("", "Best fit for the whole secret:", ...s.images.map(line));
      for (const b of s.byTerm) lines.push("", `For "${b.term}":`, ...b.images.map(line));
      lines.push(...attributionNote(library, s.images));
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    });
  }

  if (verb === "add") {
    if (positionals.length !== 1)
      throw new SerumsError("BAD_USAGE", `images add takes one DIR\n\n${spec.usage}`);
    const tags = requireFlag("tags", values.tags as string | undefined, spec.usage);
    if (!existsSync(tags))
      throw new SerumsError("BAD_USAGE", `--tags ${tags} does not exist`, { file: tags });
    return withImageStore(db, async (store) => {
      const report = await addImagesFromDirectory(store, positionals[0]!, tags);
      if (values.json) printJson({ added: report.added, existing: report.existing });
      else {
        const lines = [
          `Added ${report.added.length} image${report.added.length === 1 ? "" : "s"}; ${report.existing.length} already there.`,
        ];
        for (const i of report.added) lines.push(`  ${i.id}  ${i.title} [${i.tags.join(", ")}]`);
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      return 0;
    });
  }

  // show
  if (positionals.length !== 1)
    throw new SerumsError("BAD_USAGE", `images show takes one ID\n\n${spec.usage}`);
  const id = positionals[0]!;
  const out = values.out as string | undefined;
  if (out && existsSync(out) && !values.force) {
    throw new SerumsError("BAD_USAGE", `--out ${out} exists; add --force to overwrite it`, { file: out });
  }
  return withImageStore(db, async (store) => {
    const library = await loadImageLibrary(store);
    const image = library.get(id);
    const content = image ? await imageContent(store, id) : undefined;
    if (!image || !content)
      throw new SerumsError("NOT_FOUND", `no library image ${JSON.stringify(id)}`, { value: id });
    if (out) writeFileSync(out, content.bytes, { flag: values.force ? "w" : "wx" });
    const details = {
      id: image.id,
      title: image.title,
      tags: image.tags,
      source: image.source,
      contentType: content.contentType,
      bytes: content.bytes.length,
      ...(image.licence ? { licence: image.licence, attribution: image.attribution } : {}),
    };
    if (values.json) printJson(details);
    else {
      const lines = [
        `${details.id}: ${details.title}`,
        `  tags: ${details.tags.join(", ") || "(none)"}`,
        `  source: ${details.source}, ${details.contentType}, ${details.bytes} bytes`,
      ];
      if (image.licence) lines.push(`  licence: ${image.licence} — ${image.attribution}`);
      if (out) lines.push(`  written to ${out}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return 0;
  });
}
