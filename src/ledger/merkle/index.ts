/**
 * The ledger's cryptographic core: RFC 9162 Merkle trees and proofs, an in-memory append-only
 * Merkle log, C2SP checkpoints cosigned by witnesses with signed-note Ed25519 signatures, and the
 * receipts a patient checks offline. Pure: node:crypto only, no I/O.
 */
export { decodeBase64, HASH_SIZE, toBase64 } from "./bytes.ts";
export {
  assembleNote,
  type Checkpoint,
  checkCheckpoint,
  checkpointBody,
  cosign,
  openCheckpoint,
  parseCheckpointBody,
  readUnverifiedCheckpoint,
} from "./checkpoint.ts";
export { MerkleLog } from "./merkle-log.ts";
export {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from "./merkle-tree.ts";
export { checkConsistency, checkReceipt, makeReceipt, parseReceipt, type Receipt } from "./receipt.ts";
export {
  MAX_NOTE_SIGNATURES,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  noteKeyId,
  type ParsedNote,
  parseSignedNote,
  signNoteText,
  verifyNoteSignatures,
} from "./signed-note.ts";
