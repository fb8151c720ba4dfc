/**
 * Fast byte-level passes over a CSV file that need no full parse: the delimiter, found from the
 * header line, and the number of records, found by counting line ends outside quotes (for
 * progress bars). Both rely on quotes, delimiters and line ends being ASCII, which UTF-8 keeps.
 */
import { describeLocation, SerumsError, showValue } from "../errors/index.ts";
import { readBytes } from "./text-input.ts";

/** The delimiters detected from the header line, in order of preference on a tie of none. */
export const CSV_DELIMITERS = [",", ";", "\t", "|"] as const;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const HEADER_SCAN_LIMIT = 1 << 20;

/** Checks a delimiter given by the user: one character, not a quote or a line end. */
export function checkDelimiter(delimiter: string, file: string): string {
  if ([...delimiter].length !== 1 || delimiter === '"' || delimiter === "\r" || delimiter === "\n") {
    throw new SerumsError(
      "BAD_SOURCE",
      `${file}: the delimiter ${showValue(delimiter)} must be one character other than a quote or a line end, such as "," ";" "\\t" or "|"`,
      { file, value: delimiter },
    );
  }
  return delimiter;
}

/**
 * The delimiter of a CSV file: whichever of `,` `;` tab `|` occurs most often outside quotes in
 * the header line (`,` when none does: a one-column file). A tie is an error, not a guess.
 */
export async function detectDelimiter(file: string): Promise<string> {
  const counts = new Map<number, number>(CSV_DELIMITERS.map((d) => [d.charCodeAt(0), 0]));
  let inQuotes = false;
  let scanned = 0;
  scan: for await (const chunk of readBytes(file)) {
    for (const byte of chunk) {
      if (byte === QUOTE) inQuotes = !inQuotes;
      else if (!inQuotes && (byte === LF || byte === CR)) break scan;
      else if (!inQuotes && counts.has(byte)) counts.set(byte, counts.get(byte)! + 1);
    }
    scanned += chunk.length;
    if (scanned >= HEADER_SCAN_LIMIT) break;
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || best[1] === 0) return ",";
  if (second && second[1] === best[1]) {
    const found = ranked
      .filter(([, count]) => count === best[1])
      .map(([code]) => JSON.stringify(String.fromCharCode(code)))
      .join(" and ");
    throw new SerumsError(
      "BAD_SOURCE",
      `${describeLocation({ file, line: 1 })}: cannot tell the delimiter: the header has ${best[1]} each of ${found}; give the delimiter explicitly`,
      { file, line: 1 },
    );
  }
  return String.fromCharCode(best[0]);
}

/**
 * How many records a CSV file holds, its header included: non-blank lines, where a line end inside
 * quotes continues the record. Exact for well-formed files; a malformed file fails when parsed.
 */
export async function countCsvRecords(file: string): Promise<number> {
  let count = 0;
  let inQuotes = false;
  let content = false;
  for await (const chunk of readBytes(file, 1 << 20)) {
    for (let at = 0; at < chunk.length; at++) {
      const byte = chunk[at]!;
      if (byte === QUOTE) {
        inQuotes = !inQuotes;
        content = true;
      } else if (!inQuotes && (byte === LF || byte === CR)) {
        if (content) count++;
        content = false;
      } else {
        content = true;
      }
    }
  }
  return content ? count + 1 : count;
}
