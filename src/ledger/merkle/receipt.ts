/**
 * Receipts: what a patient keeps to prove, offline and to anyone, what the access log said. A
 * receipt holds the exact bytes of one log entry, its index, the checkpoint cosigned by the
 * sites' witnesses, and the inclusion proof from the entry to that checkpoint's root. Checking it
 * needs only the witnesses' public keys. `checkConsistency` is the other half: given two
 * checkpoints and a consistency proof, it shows the newer log extends the older — a site that
 * rewrote history cannot produce one.
 */
import { SerumsError, showValue } from "../../errors/index.ts";
import { bytesEqual, fromBase64, HASH_SIZE, isCount, requireHash, toBase64 } from "./bytes.ts";
import { type Checkpoint, checkCheckpoint, openCheckpoint, readUnverifiedCheckpoint } from "./checkpoint.ts";
import type { MerkleLog } from "./merkle-log.ts";
import { leafHash, verifyConsistency, verifyInclusion } from "./merkle-tree.ts";
import type { NoteVerifier } from "./signed-note.ts";

export interface Receipt {
  version: 1;
  /** Base64 of the exact log entry bytes. */
  entry: string;
  index: number;
  /** The cosigned checkpoint note. */
  checkpoint: string;
  /** Base64 hashes of the inclusion proof against the checkpoint's tree size. */
  inclusion: string[];
}

const RECEIPT_FIELDS = ["version", "entry", "index", "checkpoint", "inclusion"];

/** A receipt for entry `index` of `log`, proved against the size of `cosignedNote`. */
export function makeReceipt(entry: Uint8Array, index: number, log: MerkleLog, cosignedNote: string): Receipt {
  if (!(entry instanceof Uint8Array)) {
    throw new SerumsError("BAD_REQUEST", `entry is ${showValue(entry)}; expected the entry's bytes`, {
      path: "entry",
    });
  }
  const checkpoint = readUnverifiedCheckpoint(cosignedNote);
  if (checkpoint.size > log.size) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the checkpoint is for size ${checkpoint.size}, but the log holds only ${log.size} leaves`,
      { value: checkpoint.size },
    );
  }
  if (!bytesEqual(log.root(checkpoint.size), checkpoint.rootHash)) {
    throw new SerumsError(
      "TAMPERED",
      `the log's root at size ${checkpoint.size} differs from the root of the cosigned checkpoint: the stored log is not the log the witnesses signed`,
      { value: checkpoint.size },
    );
  }
  if (!isCount(index) || index >= checkpoint.size) {
    throw new SerumsError(
      "BAD_REQUEST",
      `index ${showValue(index)} is not covered by the checkpoint of size ${checkpoint.size}; a receipt needs a checkpoint that includes the entry`,
      { path: "index", value: index },
    );
  }
  if (!bytesEqual(log.leafHash(index), leafHash(entry))) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the entry given is not leaf ${index} of the log: its leaf hash differs`,
      {
        path: "entry",
      },
    );
  }
  return {
    version: 1,
    entry: toBase64(entry),
    index,
    checkpoint: cosignedNote,
    inclusion: log.inclusionProof(index, checkpoint.size).map(toBase64),
  };
}

function badField(field: string, message: string, value: unknown): SerumsError {
  return new SerumsError("BAD_REQUEST", `receipt.${field} ${message}`, { path: `receipt.${field}`, value });
}

/** Checks the shape of a receipt and decodes it; BAD_REQUEST naming the field. */
export function parseReceipt(receipt: unknown): {
  entry: Uint8Array;
  index: number;
  note: string;
  inclusion: Uint8Array[];
} {
  if (typeof receipt !== "object" || receipt === null || Array.isArray(receipt)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the receipt is ${showValue(receipt)}; expected an object { version, entry, index, checkpoint, inclusion }`,
      { path: "receipt" },
    );
  }
  const r = receipt as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!RECEIPT_FIELDS.includes(key)) {
      throw badField(key, `is not a receipt field; expected only ${RECEIPT_FIELDS.join(", ")}`, r[key]);
    }
  }
  if (r.version !== 1) throw badField("version", `is ${showValue(r.version)}; expected 1`, r.version);
  if (typeof r.entry !== "string") {
    throw badField("entry", `is ${showValue(r.entry)}; expected the base64 of the entry`, r.entry);
  }
  const entry = fromBase64(r.entry, "receipt.entry");
  if (!isCount(r.index)) {
    throw badField("index", `is ${showValue(r.index)}; expected a non-negative integer`, r.index);
  }
  if (typeof r.checkpoint !== "string") {
    throw badField(
      "checkpoint",
      `is ${showValue(r.checkpoint)}; expected the cosigned checkpoint note`,
      r.checkpoint,
    );
  }
  if (!Array.isArray(r.inclusion)) {
    throw badField(
      "inclusion",
      `is ${showValue(r.inclusion)}; expected an array of base64 hashes`,
      r.inclusion,
    );
  }
  const inclusion = r.inclusion.map((item: unknown, i) => {
    if (typeof item !== "string") {
      throw badField(`inclusion[${i}]`, `is ${showValue(item)}; expected a base64 hash`, item);
    }
    return fromBase64(item, `receipt.inclusion[${i}]`, HASH_SIZE);
  });
  return { entry, index: r.index, note: r.checkpoint, inclusion };
}

/**
 * Checks a receipt offline: its shape (BAD_REQUEST naming the field), the checkpoint's witness
 * signatures (BAD_SIGNATURE), and the entry's inclusion in the signed tree (TAMPERED).
 */
export function checkReceipt(
  receipt: unknown,
  witnesses: readonly NoteVerifier[],
  quorum: number,
): { entry: Uint8Array; index: number; checkpoint: Checkpoint; signedBy: string[] } {
  const { entry, index, note, inclusion } = parseReceipt(receipt);
  const { checkpoint, signedBy } = openCheckpoint(note, witnesses, quorum);
  if (!verifyInclusion(leafHash(entry), index, checkpoint.size, inclusion, checkpoint.rootHash)) {
    throw new SerumsError(
      "TAMPERED",
      `the entry is not in the log the witnesses signed: its inclusion proof at index ${index} does not lead to the root of ${checkpoint.origin} at size ${checkpoint.size}`,
      { path: "receipt", value: index },
    );
  }
  return { entry, index, checkpoint, signedBy };
}

/**
 * Throws TAMPERED unless `newer` extends `older` by the consistency `proof` — how a rewritten or
 * forked history is caught. Both checkpoints must be of the same log (BAD_REQUEST otherwise).
 */
export function checkConsistency(older: Checkpoint, newer: Checkpoint, proof: readonly Uint8Array[]): void {
  checkCheckpoint(older, "older");
  checkCheckpoint(newer, "newer");
  if (older.origin !== newer.origin) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the checkpoints are of different logs (${showValue(older.origin)} and ${showValue(newer.origin)}); consistency is checked within one log`,
      { path: "newer.origin", value: newer.origin },
    );
  }
  if (!Array.isArray(proof)) {
    throw new SerumsError("BAD_REQUEST", "proof is not an array; expected an array of 32-byte hashes", {
      path: "proof",
    });
  }
  for (const [i, hash] of proof.entries()) requireHash(hash, `proof[${i}]`);
  if (newer.size < older.size) {
    throw new SerumsError(
      "TAMPERED",
      `the log ${older.origin} shrank from ${older.size} to ${newer.size} leaves: an append-only log never loses entries`,
      { value: newer.size },
    );
  }
  if (!verifyConsistency(older.size, newer.size, older.rootHash, newer.rootHash, proof)) {
    throw new SerumsError(
      "TAMPERED",
      `the log ${older.origin} at size ${newer.size} does not extend its checkpoint at size ${older.size}: its history was rewritten, or the proof is not for these checkpoints`,
      { value: { older: older.size, newer: newer.size } },
    );
  }
}
