/**
 * Source files as text: a check that the file exists and can be read, strict UTF-8 decoding (a
 * UTF-8 byte-order mark is dropped; bytes that are not UTF-8 are an error naming the line, never
 * silently replaced), and splitting into physical lines.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { describeLocation, SerumsError } from "../errors/index.ts";

const CHUNK_BYTES = 1 << 16;
const LF = 0x0a;

/** The BAD_SOURCE error for a file that cannot be opened or read. */
export function fileError(file: string, error: unknown): SerumsError {
  if (error instanceof SerumsError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === "ENOENT"
      ? "does not exist"
      : code === "EACCES" || code === "EPERM"
        ? "is not readable (permission denied)"
        : code === "EISDIR"
          ? "is a directory, not a file"
          : `cannot be read (${(error as Error).message})`;
  return new SerumsError("BAD_SOURCE", `${file}: the file ${reason}`, { file }, { cause: error });
}

/** Fails with BAD_SOURCE unless `file` is an existing, readable regular file. */
export async function checkReadableFile(file: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, "r");
    if (!(await handle.stat()).isFile()) {
      throw new SerumsError("BAD_SOURCE", `${file}: is not a regular file; give the path of a data file`, {
        file,
      });
    }
  } catch (error) {
    throw fileError(file, error);
  } finally {
    await handle?.close();
  }
}

/** The raw bytes of a file, in chunks. */
export async function* readBytes(file: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: chunkBytes })) yield chunk as Buffer;
  } catch (error) {
    throw fileError(file, error);
  }
}

function countLineFeeds(bytes: Uint8Array, end = bytes.length): number {
  let count = 0;
  for (let at = bytes.indexOf(LF); at !== -1 && at < end; at = bytes.indexOf(LF, at + 1)) count++;
  return count;
}

/** Lines before the first byte of `chunk` that is not UTF-8 (for the message only). */
function linesBeforeInvalid(chunk: Uint8Array): number {
  let start = 0;
  // Continuation bytes of a character begun in the previous chunk.
  while (start < 3 && start < chunk.length && (chunk[start]! & 0xc0) === 0x80) start++;
  const text = new TextDecoder("utf-8").decode(chunk.subarray(start));
  const bad = text.indexOf("\uFFFD");
  return (bad === -1 ? text : text.slice(0, bad)).split("\n").length - 1;
}

function notUtf8(file: string, line: number, detail: string): SerumsError {
  return new SerumsError(
    "BAD_SOURCE",
    `${describeLocation({ file, line })}: ${detail}; save the file as UTF-8 and try again`,
    { file, line },
  );
}

/** The text of a file, in chunks, decoded strictly as UTF-8 without a leading byte-order mark. */
export async function* readText(file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let first = true;
  for await (const chunk of readBytes(file)) {
    if (first) {
      first = false;
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
        throw notUtf8(file, 1, "the file is UTF-16 encoded, not UTF-8");
      }
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(
        file,
        line + linesBeforeInvalid(chunk),
        "the file is not valid UTF-8 (perhaps Windows-1252 or Latin-1)",
      );
    }
    line += countLineFeeds(chunk);
    if (text !== "") yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest !== "") yield rest;
  } catch {
    throw notUtf8(file, line, "the file ends in the middle of a UTF-8 character");
  }
}

/** The physical lines of a text file (LF or CRLF), numbered from 1, without their line ends. */
export async function* readLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  let pending = "";
  let line = 1;
  for await (const text of readText(file)) {
    pending += text;
    let start = 0;
    for (let end = pending.indexOf("\n"); end !== -1; end = pending.indexOf("\n", start)) {
      const body = pending.slice(start, end);
      yield { line, text: body.endsWith("\r") ? body.slice(0, -1) : body };
      line++;
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  if (pending !== "") yield { line, text: pending.endsWith("\r") ? pending.slice(0, -1) : pending };
}

/** The whole text of a file, decoded strictly as UTF-8. */
export async function readWholeText(file: string): Promise<string> {
  const parts: string[] = [];
  for await (const text of readText(file)) parts.push(text);
  return parts.join("");
}

/** How many lines hold something other than white space (a fast pass over the bytes). */
export async function countNonBlankLines(file: string): Promise<number> {
  let count = 0;
  let content = false;
  for await (const chunk of readBytes(file, 1 << 20)) {
    for (let at = 0; at < chunk.length; at++) {
      const byte = chunk[at]!;
      if (byte === LF) {
        if (content) count++;
        content = false;
      } else if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) {
        content = true;
      }
    }
  }
  return content ? count + 1 : count;
}
