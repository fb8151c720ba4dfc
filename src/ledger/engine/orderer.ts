/**
 * The ordering service: queues envelopes in arrival order and cuts a block when maxTransactions
 * are queued or maxWaitMs have passed since the first one queued, then signs it and hands it to
 * `deliver` (which gives it to every running peer). It stamps each block with its clock's time,
 * never earlier than the previous block's (a clock that steps back stamps the last time again).
 * It executes nothing and trusts nothing: peers validate every transaction.
 */
import type { KeyObject } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import { type Block, blockHash, createBlock, createGenesisBlock } from "./block.ts";
import type { BatchConfig, ConsortiumConfig } from "./consortium-config.ts";
import { type Envelope, encodeEnvelope } from "./envelope.ts";

/** Where a broadcast envelope landed: filled in when its block is cut. */
export interface OrderTicket {
  block?: number;
  index?: number;
}

export interface OrdererOptions {
  config: ConsortiumConfig;
  privateKey: KeyObject;
  /** The chain so far: the next block's number and the hash of the last block (none: genesis first). */
  tip?: { height: number; lastHash: string; lastTime?: string };
  /** The orderer's clock, in ms since the epoch (default: Date.now). */
  clock?: () => number;
  deliver: (block: Block, tickets: readonly (OrderTicket | undefined)[]) => void;
}

export class Orderer {
  readonly #config: ConsortiumConfig;
  readonly #batch: BatchConfig;
  readonly #key: KeyObject;
  readonly #deliver: OrdererOptions["deliver"];
  #height: number;
  #lastHash: string;
  #lastTime: number;
  readonly #clock: () => number;
  #queue: string[] = [];
  #tickets: (OrderTicket | undefined)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: OrdererOptions) {
    this.#config = options.config;
    this.#batch = options.config.batch;
    this.#key = options.privateKey;
    this.#deliver = options.deliver;
    this.#height = options.tip?.height ?? 0;
    this.#lastHash = options.tip?.lastHash ?? "";
    const lastTime = Date.parse(options.tip?.lastTime ?? "");
    this.#lastTime = Number.isNaN(lastTime) ? 0 : lastTime;
    this.#clock = options.clock ?? Date.now;
  }

  /** The next block's time: the clock, but never before the last block's. */
  #time(): string {
    this.#lastTime = Math.max(this.#clock(), this.#lastTime);
    return new Date(this.#lastTime).toISOString();
  }

  get height(): number {
    return this.#height;
  }

  /** Cuts and delivers the genesis block of a new chain. */
  genesis(): Block {
    if (this.#height !== 0) throw new SerumsError("LEDGER", "the chain already has its genesis block");
    const block = createGenesisBlock(this.#config, this.#key, this.#time());
    this.#advance(block);
    this.#deliver(block, []);
    return block;
  }

  /** Queues an envelope (an object, or its canonical text). */
  broadcast(envelope: Envelope | string, ticket?: OrderTicket): void {
    if (this.#closed) throw new SerumsError("LEDGER", "the ordering service is stopped");
    if (this.#height === 0) throw new SerumsError("LEDGER", "the chain has no genesis block yet");
    this.#queue.push(typeof envelope === "string" ? envelope : encodeEnvelope(envelope));
    this.#tickets.push(ticket);
    if (this.#queue.length >= this.#batch.maxTransactions) this.cut();
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.cut(), this.#batch.maxWaitMs);
  }

  /** Cuts a block of what is queued now (nothing when the queue is empty). */
  cut(): Block | undefined {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length === 0) return undefined;
    const transactions = this.#queue.splice(0, this.#batch.maxTransactions);
    const tickets = this.#tickets.splice(0, transactions.length);
    const block = createBlock(this.#height, this.#lastHash, { transactions, time: this.#time() }, this.#key);
    tickets.forEach((ticket, index) => {
      if (ticket) {
        ticket.block = block.header.number;
        ticket.index = index;
      }
    });
    this.#advance(block);
    this.#deliver(block, tickets);
    if (this.#queue.length >= this.#batch.maxTransactions) this.cut();
    else if (this.#queue.length > 0) this.#timer = setTimeout(() => this.cut(), this.#batch.maxWaitMs);
    return block;
  }

  #advance(block: Block): void {
    this.#height = block.header.number + 1;
    this.#lastHash = blockHash(block.header);
  }

  /** Cuts what is queued and stops accepting envelopes. */
  close(): void {
    this.cut();
    this.#closed = true;
  }
}
