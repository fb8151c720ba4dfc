/**
 * Blocks: a header { number, previousHash, dataHash, time } chained by hash, the transactions (each
 * the canonical JSON text of an envelope), and the orderer's signature over the header hash.
 * dataHash is the RFC 9162 Merkle root of the transactions' leaf hashes; the genesis block
 * instead carries the consortium config, whose leaf hash is its dataHash. The block hash is
 * SHA-256 of the canonical JSON of the header. `time` is when the orderer cut the block (its
 * clock, never earlier than the previous block's time); being in the header, the orderer's
 * signature covers it, and validators bound each transaction's timestamp by it (timestamps.ts).
 */
import type { KeyObject } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import { canonicalBytes, canonicalJson } from "../canonical-json.ts";
import { leafHash, rootFromLeafHashes } from "../merkle/index.ts";
import type { ConsortiumConfig } from "./consortium-config.ts";
import { sha256, utf8 } from "./encoding.ts";
import { signBytes, verifyBytes } from "./keys.ts";

export interface BlockHeader {
  number: number;
  /** hex SHA-256 of the previous block's header; 64 zeros for the genesis block */
  previousHash: string;
  /** hex Merkle root of the block's data */
  dataHash: string;
  /** ISO-8601 instant the orderer cut the block; never before the previous block's */
  time: string;
}

export interface Block {
  header: BlockHeader;
  /** canonical JSON of each Envelope, in order */
  transactions: string[];
  /** only in the genesis block */
  config?: ConsortiumConfig;
  metadata: { ordererSignature: string };
}

export const ZERO_HASH = "0".repeat(64);

/** A block's time: Date.toISOString's form, so every peer reads the same instant. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function headerHashBytes(header: BlockHeader): Buffer {
  return sha256(canonicalBytes(header));
}

export function blockHash(header: BlockHeader): string {
  return headerHashBytes(header).toString("hex");
}

/** The Merkle root over the block's data: the config (genesis) and each transaction text. */
export function computeDataHash(data: {
  transactions: readonly string[];
  config?: ConsortiumConfig;
}): string {
  const leaves: Uint8Array[] = [];
  if (data.config !== undefined) leaves.push(leafHash(canonicalBytes(data.config)));
  for (const tx of data.transactions) leaves.push(leafHash(utf8(tx)));
  return Buffer.from(rootFromLeafHashes(leaves)).toString("hex");
}

export function createBlock(
  number: number,
  previousHash: string,
  data: { transactions: string[]; config?: ConsortiumConfig; time?: string },
  ordererKey: KeyObject,
): Block {
  const header: BlockHeader = {
    number,
    previousHash,
    dataHash: computeDataHash(data),
    time: data.time ?? new Date().toISOString(),
  };
  return {
    header,
    transactions: data.transactions,
    ...(data.config ? { config: data.config } : {}),
    metadata: { ordererSignature: signBytes(ordererKey, headerHashBytes(header)) },
  };
}

export function createGenesisBlock(config: ConsortiumConfig, ordererKey: KeyObject, time?: string): Block {
  return createBlock(0, ZERO_HASH, { transactions: [], config, ...(time ? { time } : {}) }, ordererKey);
}

export function verifyOrdererSignature(block: Block, ordererKey: KeyObject): boolean {
  return verifyBytes(ordererKey, headerHashBytes(block.header), block.metadata?.ordererSignature);
}

/** The block's parts as stored: header, body and metadata texts. */
export function encodeBlock(block: Block): { header: string; body: string; metadata: string } {
  return {
    header: canonicalJson(block.header),
    body: canonicalJson({ transactions: block.transactions, config: block.config }),
    metadata: canonicalJson(block.metadata),
  };
}

/** Rebuilds a block from its stored texts; TAMPERED when they do not parse into one. */
export function decodeBlock(
  number: number,
  parts: { header: string; body: string; metadata: string },
): Block {
  try {
    const header = JSON.parse(parts.header) as BlockHeader;
    const body = JSON.parse(parts.body) as { transactions: string[]; config?: ConsortiumConfig };
    const metadata = JSON.parse(parts.metadata) as { ordererSignature: string };
    return checkBlockShape({ header, transactions: body.transactions, config: body.config, metadata });
  } catch (error) {
    throw new SerumsError("TAMPERED", `block ${number} is stored malformed: ${(error as Error).message}`);
  }
}

/** Checks a block's shape; TAMPERED names what is malformed. */
export function checkBlockShape(value: unknown): Block {
  const block = value as Block;
  const fail = (what: string): never => {
    throw new SerumsError("TAMPERED", `the block's ${what} is malformed`);
  };
  if (typeof block !== "object" || block === null) return fail("body");
  const h = block.header;
  if (typeof h !== "object" || h === null || !Number.isSafeInteger(h.number) || h.number < 0)
    fail("header number");
  if (!/^[0-9a-f]{64}$/.test(h.previousHash) || !/^[0-9a-f]{64}$/.test(h.dataHash)) fail("header hashes");
  if (typeof h.time !== "string" || !ISO_INSTANT.test(h.time) || Number.isNaN(Date.parse(h.time)))
    fail("header time");
  if (!Array.isArray(block.transactions) || !block.transactions.every((t) => typeof t === "string"))
    fail("transactions");
  if (
    typeof block.metadata !== "object" ||
    block.metadata === null ||
    typeof block.metadata.ordererSignature !== "string"
  )
    fail("metadata");
  if (block.config === undefined) delete block.config;
  return block;
}
