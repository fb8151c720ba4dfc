/**
 * Checkpoints (C2SP tlog-checkpoint, https://c2sp.org/tlog-checkpoint): the body "origin\nsize\n
 * base64(root)\n" of a signed note, cosigned by the sites acting as witnesses. A checkpoint is
 * accepted only when at least `quorum` distinct known witnesses signed it validly.
 *
 * Serums writes no extension lines and refuses them when reading: a body is exactly three lines.
 */
import { SerumsError, showValue } from "../../errors/index.ts";
import { decodeBase64, HASH_SIZE, isCount, requireHash, toBase64 } from "./bytes.ts";
import {
  checkNoteText,
  type NoteSigner,
  type NoteVerifier,
  parseSignedNote,
  prepareVerifiers,
  signNoteText,
  verifyNoteSignatures,
} from "./signed-note.ts";

export { type NoteSigner, type NoteVerifier, noteKeyId } from "./signed-note.ts";

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
}

const TREE_SIZE = /^(?:0|[1-9][0-9]*)$/;

function badLine(line: number, label: string, message: string, value: unknown): SerumsError {
  return new SerumsError("BAD_REQUEST", `checkpoint line ${line} (${label}): ${message}`, { line, value });
}

/** Throws BAD_REQUEST naming the field unless `checkpoint` is well formed. */
export function checkCheckpoint(checkpoint: unknown, what = "checkpoint"): Checkpoint {
  if (typeof checkpoint !== "object" || checkpoint === null) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what} is ${showValue(checkpoint)}; expected { origin, size, rootHash }`,
      {
        path: what,
      },
    );
  }
  const { origin, size, rootHash } = checkpoint as Record<string, unknown>;
  if (typeof origin !== "string" || origin === "" || origin.includes("\n")) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what}.origin is ${showValue(origin)}; expected one non-empty line`,
      {
        path: `${what}.origin`,
        value: origin,
      },
    );
  }
  if (!isCount(size)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${what}.size is ${showValue(size)}; expected a non-negative integer`,
      {
        path: `${what}.size`,
        value: size,
      },
    );
  }
  requireHash(rootHash, `${what}.rootHash`);
  return checkpoint as Checkpoint;
}

/** The note text of a checkpoint: "origin\nsize\nbase64(root)\n". */
export function checkpointBody(checkpoint: Checkpoint): string {
  const { origin, size, rootHash } = checkCheckpoint(checkpoint);
  return checkNoteText(`${origin}\n${size}\n${toBase64(rootHash)}\n`);
}

/** Parses a checkpoint body strictly; errors name the line. */
export function parseCheckpointBody(text: string): Checkpoint {
  if (typeof text !== "string") {
    throw new SerumsError("BAD_REQUEST", `a checkpoint body is ${showValue(text)}; expected text`);
  }
  if (!text.endsWith("\n")) {
    const line = text.split("\n").length;
    throw badLine(line, "end", "the body does not end in a newline", text);
  }
  checkNoteText(text);
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) {
    const label = ["origin", "tree size", "root hash"][lines.length]!;
    throw badLine(
      lines.length + 1,
      label,
      `is missing; a checkpoint has origin, tree size and root hash lines`,
      undefined,
    );
  }
  if (lines.length > 3) {
    throw badLine(4, "extension", "Serums checkpoints carry no extension lines", lines[3]);
  }
  const [originLine, sizeLine, rootLine] = lines as [string, string, string];
  if (originLine === "") {
    throw badLine(
      1,
      "origin",
      "is empty; expected the log's name, such as example.org/serums/access-log",
      "",
    );
  }
  if (!TREE_SIZE.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw badLine(
      2,
      "tree size",
      `${showValue(sizeLine)} is not a tree size; expected a decimal integer without leading zeros`,
      sizeLine,
    );
  }
  const rootHash = decodeBase64(rootLine);
  if (rootHash === undefined || rootHash.byteLength !== HASH_SIZE) {
    throw badLine(
      3,
      "root hash",
      `${showValue(rootLine)} is not the standard base64 of a ${HASH_SIZE}-byte SHA-256 hash`,
      rootLine,
    );
  }
  return { origin: originLine, size: Number(sizeLine), rootHash };
}

/** One witness's signature line over the checkpoint: "— name base64(keyid || sig)\n". */
export function cosign(checkpoint: Checkpoint, signer: NoteSigner): string {
  return signNoteText(checkpointBody(checkpoint), signer);
}

/** The cosigned note: body, blank line, signature lines. Throws BAD_REQUEST on a malformed line. */
export function assembleNote(checkpoint: Checkpoint, signatureLines: readonly string[]): string {
  const body = checkpointBody(checkpoint);
  if (!Array.isArray(signatureLines) || signatureLines.length === 0) {
    throw new SerumsError("BAD_REQUEST", "a cosigned checkpoint needs at least one signature line", {
      path: "signatureLines",
    });
  }
  signatureLines.forEach((line, i) => {
    if (typeof line !== "string" || !line.endsWith("\n") || line.indexOf("\n") !== line.length - 1) {
      throw new SerumsError(
        "BAD_REQUEST",
        `signatureLines[${i}] is ${showValue(line)}; expected one line "— <name> <base64>" ending in a newline`,
        { path: `signatureLines[${i}]`, value: line },
      );
    }
  });
  const note = `${body}\n${signatureLines.join("")}`;
  parseSignedNote(note); // the syntax of every line, with its line number
  return note;
}

/** Reads a note's checkpoint WITHOUT checking any signature: for the log's own use, never trust. */
export function readUnverifiedCheckpoint(note: string): Checkpoint {
  return parseCheckpointBody(parseSignedNote(note).text);
}

/**
 * Verifies a cosigned checkpoint: BAD_REQUEST when malformed; BAD_SIGNATURE when a known witness's
 * signature fails, or fewer than `quorum` distinct known witnesses signed. Unknown signers are
 * ignored.
 */
export function openCheckpoint(
  note: string,
  witnesses: readonly NoteVerifier[],
  quorum: number,
): { checkpoint: Checkpoint; signedBy: string[] } {
  const known = prepareVerifiers(witnesses, "witnesses");
  const names = [...new Set(known.map((w) => w.name))];
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > names.length) {
    throw new SerumsError(
      "BAD_REQUEST",
      `quorum is ${showValue(quorum)}; expected an integer from 1 to ${names.length} (the number of distinct witnesses)`,
      { path: "quorum", value: quorum },
    );
  }
  const parsed = parseSignedNote(note);
  const checkpoint = parseCheckpointBody(parsed.text);
  const signedBy = verifyNoteSignatures(parsed, witnesses);
  if (signedBy.length < quorum) {
    throw new SerumsError(
      "BAD_SIGNATURE",
      `the checkpoint of ${checkpoint.origin} at size ${checkpoint.size} is signed by ${signedBy.length} of the ${quorum} witnesses required (signed by: ${signedBy.join(", ") || "none"}; known: ${names.join(", ")})`,
      { value: signedBy },
    );
  }
  return { checkpoint, signedBy };
}
