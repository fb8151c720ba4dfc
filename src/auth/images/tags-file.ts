/**
 * A site adds its own images with a tags file beside them, CSV or YAML:
 *
 *   file,tags,title                      - file: beach.png
 *   beach.png,"beach; sea; holiday",     tags: [beach, sea, holiday]
 *   duomo.svg,"cathedral, florence",Duomo  title: Duomo   (optional)
 *
 * (YAML may also be a map `beach.png: [beach, sea]`.) Tags in CSV are separated by ";", "|" or
 * ",". Every entry is checked — its file inside the folder, a PNG or safe SVG, within size, with
 * tags — before anything is stored, and all are stored in one transaction: a bad line adds nothing.
 * Errors name the tags file, the line and the image file.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { SerumsError, showValue } from "../../errors/index.ts";
import type { Executor, Store } from "../../store/index.ts";
import { addSiteImage, cleanTags, type StoredImageInfo } from "./image-store.ts";
import { MAX_IMAGE_BYTES, validateImage } from "./image-validation.ts";

export interface TagsEntry {
  file: string;
  tags: string[];
  title?: string;
  /** The line of the tags file the entry is on. */
  line: number;
}

function bad(tagsFile: string, line: number | undefined, message: string, value?: unknown): never {
  throw new SerumsError(
    "BAD_REQUEST",
    `${tagsFile}${line !== undefined ? `, line ${line}` : ""}: ${message}`,
    {
      file: tagsFile,
      ...(line !== undefined ? { line } : {}),
      ...(value !== undefined ? { value } : {}),
    },
  );
}

const splitTags = (text: string) => text.split(/[;|,]/).map((t) => t.trim());

function parseCsvTags(tagsFile: string, text: string): TagsEntry[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true });
  } catch (error) {
    bad(tagsFile, (error as { lines?: number }).lines, `is not valid CSV: ${(error as Error).message}`);
  }
  const first = records[0]?.record;
  if (first && (!("file" in first) || !("tags" in first))) {
    bad(
      tagsFile,
      1,
      `the header must name the columns file and tags (and optionally title); found ${showValue(Object.keys(first).join(","))}`,
    );
  }
  return records.map(({ record, info }) => ({
    file: record.file ?? "",
    tags: splitTags(record.tags ?? ""),
    ...(record.title ? { title: record.title } : {}),
    line: info.lines,
  }));
}

function scalarText(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === "string" || typeof node.value === "number"))
    return String(node.value);
  return undefined;
}

function yamlTags(tagsFile: string, line: number, node: unknown): string[] {
  if (isSeq(node)) {
    return node.items.map((item) => {
      const text = scalarText(item);
      if (text === undefined) bad(tagsFile, line, "each tag must be a word or phrase");
      return text;
    });
  }
  const text = scalarText(node);
  if (text === undefined)
    bad(tagsFile, line, "tags must be a list of words or phrases, or one text of them separated by ;");
  return splitTags(text);
}

function parseYamlTags(tagsFile: string, text: string): TagsEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    bad(tagsFile, error.linePos?.[0]?.line, `is not valid YAML: ${error.message.split("\n")[0]}`);
  }
  const lineOf = (node: unknown) => lineCounter.linePos((node as Node).range?.[0] ?? 0).line;
  const root = doc.contents;
  if (isSeq(root)) {
    return root.items.map((item) => {
      const line = lineOf(item);
      if (!isMap(item))
        bad(tagsFile, line, "each entry must be a map with file and tags (and optionally title)");
      const file = scalarText(item.get("file", true));
      if (file === undefined) bad(tagsFile, line, "the entry has no file");
      const title = scalarText(item.get("title", true));
      return {
        file,
        tags: yamlTags(tagsFile, line, item.get("tags", true)),
        ...(title ? { title } : {}),
        line,
      };
    });
  }
  if (isMap(root)) {
    return root.items.map((pair) => {
      const line = lineOf(pair.key);
      const file = scalarText(pair.key);
      if (file === undefined) bad(tagsFile, line, "each key must be an image file name");
      return { file, tags: yamlTags(tagsFile, line, pair.value), line };
    });
  }
  bad(tagsFile, 1, "must be a list of {file, tags, title} or a map of file: tags");
}

/** The entries of a tags file (.csv, .yaml or .yml), checked for form but not yet for images. */
export function parseTagsFile(tagsFile: string, text: string): TagsEntry[] {
  const ext = path.extname(tagsFile).toLowerCase();
  const entries =
    ext === ".csv"
      ? parseCsvTags(tagsFile, text)
      : ext === ".yaml" || ext === ".yml"
        ? parseYamlTags(tagsFile, text)
        : bad(tagsFile, undefined, `has extension ${showValue(ext)}; valid: .csv, .yaml or .yml`);
  if (entries.length === 0) bad(tagsFile, undefined, "lists no images");
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const file = entry.file.trim();
    if (file === "") bad(tagsFile, entry.line, "the entry has no file");
    const earlier = seen.get(file);
    if (earlier !== undefined) bad(tagsFile, entry.line, `${file} is listed twice (also on line ${earlier})`);
    seen.set(file, entry.line);
  }
  return entries;
}

export interface AddReport {
  added: StoredImageInfo[];
  /** Images whose bytes the site already had. */
  existing: StoredImageInfo[];
}

/**
 * Adds the images of `dir` that `tagsFile` lists, all or nothing: every file is read and checked
 * first, then all are stored in one transaction.
 */
export async function addImagesFromDirectory(
  store: Store,
  dir: string,
  tagsFile: string,
  options: { now?: () => number } = {},
): Promise<AddReport> {
  const entries = parseTagsFile(tagsFile, await readFile(tagsFile, "utf8"));
  const root = path.resolve(dir);
  const ready: { entry: TagsEntry; bytes: Uint8Array }[] = [];
  for (const entry of entries) {
    const full = path.resolve(root, entry.file);
    if (!full.startsWith(root + path.sep)) {
      bad(
        tagsFile,
        entry.line,
        `${entry.file} is outside ${dir}; valid: a file inside the folder`,
        entry.file,
      );
    }
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) bad(tagsFile, entry.line, `${entry.file} is not a file in ${dir}`, entry.file);
    if (info.size > MAX_IMAGE_BYTES) {
      bad(tagsFile, entry.line, `${entry.file} is ${info.size} bytes; valid: at most ${MAX_IMAGE_BYTES}`);
    }
    const bytes = new Uint8Array(await readFile(full));
    try {
      validateImage(entry.file, bytes);
      cleanTags(entry.file, entry.tags);
    } catch (error) {
      bad(tagsFile, entry.line, (error as Error).message, entry.file);
    }
    ready.push({ entry, bytes });
  }
  return store.transaction(async (tx: Executor) => {
    const report: AddReport = { added: [], existing: [] };
    for (const { entry, bytes } of ready) {
      const { image, added } = await addSiteImage(
        tx,
        { name: entry.file, bytes, tags: entry.tags, ...(entry.title ? { title: entry.title } : {}) },
        options,
      );
      (added ? report.added : report.existing).push(image);
    }
    return report;
  });
}
