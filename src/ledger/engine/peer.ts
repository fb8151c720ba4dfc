/**
 * A site's ledger peer: its own store and Ed25519 key. As an endorser it executes a proposal on
 * its current world state and signs the read/write set; as a committer it validates every
 * delivered block (validate-block.ts) and commits it in one store transaction. Blocks are
 * processed one at a time, in order; a block ahead of our height first pulls the missing ones
 * from a `BlockSource` (another peer) and validates each fully. World-state versions read at
 * validation, and point and partial-key range reads (state-cache.ts), are cached in memory —
 * safe because this peer is its store's only writer and every commit updates or drops them.
 */
import type { KeyObject } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import type { Store } from "../../store/index.ts";
import { applyMigrations } from "../../store/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import { type Checkpoint, cosign } from "../merkle/index.ts";
import type { Block } from "./block.ts";
import { CertificateIdentity } from "./certificate.ts";
import type { Consortium } from "./consortium-config.ts";
import { type ContractRegistry, resultText } from "./contract-registry.ts";
import { EmbeddedStub, type HistoryEntry, type StateEntry, type StateReader } from "./embedded-stub.ts";
import { utf8 } from "./encoding.ts";
import { type EndorsedResponse, type ProposalResponse, proposalHash } from "./envelope.ts";
import { EventLogs } from "./event-logs.ts";
import { keyMatches, signBytes } from "./keys.ts";
import { ledgerMigrations, PeerStore, type StoredBlock, valueBytes } from "./peer-store.ts";
import { type Proposal, parseProposal, type SignedProposal } from "./proposal.ts";
import {
  checkRevocation,
  decodeRevocationList,
  encodeRevocationList,
  REVOCATIONS_KEY,
  type RevocationList,
  revokedProblem,
  SYSTEM_CONTRACT,
  withRevocation,
} from "./revocation.ts";
import type { Version } from "./rw-set.ts";
import { type SignaturePool, sharedSignaturePool } from "./signature-pool.ts";
import { StateCache } from "./state-cache.ts";
import { clockSkewProblem } from "./timestamps.ts";
import {
  type ChainTip,
  checkBlockHeader,
  type StateView,
  type TxOutcome,
  validateBlock,
} from "./validate-block.ts";
import { checkSignedProposal, proposalSignatureChecks } from "./validate-transaction.ts";
import { Verifier } from "./verifier.ts";
import { type PeerReport, verifyPeerStore } from "./verify-peer.ts";

/** Blocks from `from` on (a batch; empty when there are no more), from another peer. */
export type BlockSource = (from: number) => Promise<Block[]>;

export interface CommitEvent {
  site: string;
  block: number;
  hash: string;
  outcomes: readonly TxOutcome[];
}

export interface PeerOptions {
  site: string;
  consortium: Consortium;
  privateKey: KeyObject;
  store: Store;
  contracts: ContractRegistry;
  /** Shared by the peers of one process (default: the peer's own). */
  verifier?: Verifier;
  /** Where endorsements are signed (default: the process's signature pool; null: in this thread). */
  pool?: SignaturePool | null;
  /** The endorser's clock, in ms since the epoch (default: Date.now). */
  clock?: () => number;
  /** How far a proposal's timestamp may be from the endorser's clock (default: the consortium's bound). */
  maxClockSkewMs?: number;
}

const VERSION_CACHE_LIMIT = 1_000_000;

export class Peer {
  readonly site: string;
  readonly consortium: Consortium;
  readonly store: PeerStore;
  readonly #key: KeyObject;
  readonly #contracts: ContractRegistry;
  readonly #verifier: Verifier;
  readonly #pool: SignaturePool | undefined;
  readonly #clock: () => number;
  readonly #maxClockSkewMs: number;
  readonly #versions = new Map<string, Version | null>();
  readonly #state = new StateCache();
  readonly #listeners = new Set<(event: CommitEvent) => void>();
  #logs: EventLogs;
  #tip: ChainTip;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #revocationCache: { version: string; list: RevocationList } | undefined;

  private constructor(options: PeerOptions, tip: ChainTip, logs: EventLogs) {
    this.site = options.site;
    this.consortium = options.consortium;
    this.store = new PeerStore(options.store);
    this.#key = options.privateKey;
    this.#contracts = options.contracts;
    this.#verifier = options.verifier ?? new Verifier();
    this.#pool = options.pool === null ? undefined : (options.pool ?? sharedSignaturePool());
    this.#clock = options.clock ?? Date.now;
    this.#maxClockSkewMs = options.maxClockSkewMs ?? options.consortium.maxClockSkewMs;
    this.#tip = tip;
    this.#logs = logs;
  }

  /** Opens a peer on its store (applying the ledger migrations); checks its key and genesis block. */
  static async open(options: PeerOptions): Promise<Peer> {
    const site = options.consortium.sites.get(options.site);
    if (!site)
      throw new SerumsError("BAD_CONFIG", `site ${JSON.stringify(options.site)} is not in the consortium`);
    if (!keyMatches(options.privateKey, site.config.peerPublicKey)) {
      throw new SerumsError(
        "BAD_CONFIG",
        `the peer key given for ${options.site} is not its peerPublicKey in the consortium config`,
      );
    }
    await applyMigrations(options.store, ledgerMigrations);
    const peerStore = new PeerStore(options.store);
    const tip = await peerStore.tip();
    if (tip.height > 0) {
      const genesis = await peerStore.readBlock(0);
      if (
        !genesis ||
        canonicalJson(genesis.block.config ?? null) !== canonicalJson(options.consortium.config)
      ) {
        throw new SerumsError(
          "BAD_CONFIG",
          `the store of peer ${options.site} (${options.store.location}) holds the ledger of another consortium`,
        );
      }
    }
    const logs = EventLogs.fromRows(await peerStore.readLogs());
    return new Peer(options, tip, logs);
  }

  get height(): number {
    return this.#tip.height;
  }

  get lastHash(): string {
    return this.#tip.lastHash;
  }

  /** The last committed block's time ("" before genesis). */
  get lastTime(): string {
    return this.#tip.lastTime;
  }

  get logs(): EventLogs {
    return this.#logs;
  }

  onCommit(listener: (event: CommitEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task, task);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #checkOpen(): void {
    if (this.#closed) throw new SerumsError("LEDGER", `the peer of ${this.site} is stopped`);
  }

  // ---- endorsing -------------------------------------------------------------------------

  /** Committed state, through the state cache (state-cache.ts). */
  readonly #reader: StateReader = {
    get: async (key) => {
      const cached = this.#state.point(key);
      if (cached !== undefined) return cached ?? undefined;
      const generation = this.#state.generation;
      const row = await this.store.getState(key);
      const entry = row ? { key, value: valueBytes(row.value), version: row.version } : null;
      this.#state.rememberPoint(generation, key, entry);
      return entry ?? undefined;
    },
    range: async (start, end) => {
      const cached = this.#state.range(start, end);
      if (cached !== undefined) return [...cached];
      const generation = this.#state.generation;
      const entries = (await this.store.getRange(start, end)).map(
        (row): StateEntry => ({ key: row.key, value: valueBytes(row.value), version: row.version }),
      );
      this.#state.rememberRange(generation, start, end, entries);
      return [...entries];
    },
    history: async (key) =>
      (await this.store.getHistory(key)).map(
        (h): HistoryEntry => ({
          txId: h.txId,
          value: h.value === null ? new Uint8Array(0) : valueBytes(h.value),
          isDelete: h.isDelete,
          timestamp: new Date(h.timestamp),
          block: h.block,
          tx: h.tx,
        }),
      ),
  };

  async #simulate(
    signed: SignedProposal,
  ): Promise<{ proposal: Proposal; stub: EmbeddedStub; result: string }> {
    this.#checkOpen();
    const parsed = parseProposal(signed.proposal);
    await this.#verifier.prefetch(
      proposalSignatureChecks(parsed, signed.proposal, signed.signature, this.consortium, this.#verifier),
    );
    const proposal = checkSignedProposal(
      signed.proposal,
      signed.signature,
      this.consortium,
      this.#verifier,
      parsed,
    );
    const skew = clockSkewProblem(proposal.timestamp, this.#clock(), this.#maxClockSkewMs);
    if (skew) throw new SerumsError("BAD_REQUEST", `transaction ${proposal.txId}: ${skew}`);
    const revocations = await this.#revocations();
    const revoked = revokedProblem(proposal.creator, revocations);
    if (revoked) throw new SerumsError("BAD_SIGNATURE", `transaction ${proposal.txId}: ${revoked}`);
    if ((await this.store.committedTxIds([proposal.txId])).size > 0) {
      throw new SerumsError("CONFLICT", `transaction ${proposal.txId} is already on the ledger (a replay)`);
    }
    if (proposal.contract === SYSTEM_CONTRACT) {
      // A config update: the engine's own function, checked again by every validator.
      const stub = new EmbeddedStub(proposal, this.#reader);
      await stub.getState(REVOCATIONS_KEY);
      const revocation = checkRevocation(proposal, this.consortium, this.#verifier, revocations);
      stub.rwset.write(REVOCATIONS_KEY, encodeRevocationList(withRevocation(revocations, revocation)));
      return { proposal, stub, result: canonicalJson(revocation) };
    }
    const fn = this.#contracts.resolve(proposal.contract, proposal.fn);
    const stub = new EmbeddedStub(proposal, this.#reader);
    let value: unknown;
    try {
      value = await fn({ stub, clientIdentity: new CertificateIdentity(proposal.creator) }, ...proposal.args);
    } catch (error) {
      if (error instanceof SerumsError) throw error;
      throw new SerumsError(
        "LEDGER",
        `${proposal.contract}.${proposal.fn} failed: ${(error as Error)?.message ?? String(error)}`,
        {},
        { cause: error },
      );
    }
    return { proposal, stub, result: resultText(value, `${proposal.contract}.${proposal.fn}`) };
  }

  /** Executes the proposal on the current world state and signs the response. */
  async endorse(signed: SignedProposal): Promise<EndorsedResponse> {
    const { stub, result } = await this.#simulate(signed);
    const response: ProposalResponse = {
      proposalHash: proposalHash(signed.proposal),
      rwset: stub.rwset.build(),
      result,
      events: stub.events,
    };
    const text = canonicalJson(response);
    const bytes = utf8(text);
    const signature = this.#pool
      ? (await this.#pool.sign(this.#key, bytes)).toString("base64")
      : signBytes(this.#key, bytes);
    return { site: this.site, response: text, signature };
  }

  /** Executes a read-only query; a function that writes is refused. */
  async evaluate(signed: SignedProposal): Promise<string> {
    const { proposal, stub, result } = await this.#simulate(signed);
    if (stub.rwset.writeCount > 0) {
      throw new SerumsError(
        "BAD_REQUEST",
        `${proposal.contract}.${proposal.fn} writes to the ledger; submit it as a transaction instead of evaluating it`,
      );
    }
    return result;
  }

  /** The revocation list in committed state, parsed once per version of its key. */
  async #revocations(): Promise<RevocationList> {
    const entry = await this.#reader.get(REVOCATIONS_KEY);
    if (!entry) return new Map();
    const version = entry.version.join("/");
    if (this.#revocationCache?.version !== version) {
      this.#revocationCache = {
        version,
        list: decodeRevocationList(Buffer.from(entry.value).toString("base64")),
      };
    }
    return this.#revocationCache.list;
  }

  // ---- committing ------------------------------------------------------------------------

  readonly #view: StateView = {
    versions: async (keys) => {
      const result = new Map<string, Version | null>();
      const missing: string[] = [];
      for (const key of keys) {
        const cached = this.#versions.get(key);
        if (cached === undefined) missing.push(key);
        else result.set(key, cached);
      }
      if (missing.length > 0) {
        if (this.#versions.size + missing.length > VERSION_CACHE_LIMIT) this.#versions.clear();
        for (const [key, version] of await this.store.getVersions(missing)) {
          result.set(key, version);
          this.#versions.set(key, version);
        }
      }
      return result;
    },
    range: async (start, end) =>
      (await this.#reader.range(start, end)).map((entry) => ({ key: entry.key, version: entry.version })),
    committedTxIds: (txIds) => this.store.committedTxIds(txIds),
    revocations: () => this.#revocations(),
  };

  async #commit(value: Block): Promise<CommitEvent> {
    const block = checkBlockHeader(value, this.#tip, this.consortium);
    const validation = await validateBlock(block, this.consortium, this.#view, this.#verifier);
    const logIndexes = this.#logs.plan(validation.logs);
    this.#state.beginCommit();
    try {
      await this.store.commit(validation, logIndexes);
    } catch (error) {
      this.#state.clear();
      throw error;
    }
    this.#state.endCommit(validation.writes.keys());
    this.#tip = { height: block.header.number + 1, lastHash: validation.hash, lastTime: block.header.time };
    for (const [key, write] of validation.writes)
      this.#versions.set(key, write.value === null ? null : write.version);
    this.#logs.apply(validation.logs);
    const event: CommitEvent = {
      site: this.site,
      block: block.header.number,
      hash: validation.hash,
      outcomes: validation.outcomes,
    };
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  async #pull(source: BlockSource, upTo = Number.POSITIVE_INFINITY): Promise<number> {
    let pulled = 0;
    while (this.#tip.height < upTo) {
      const blocks = await source(this.#tip.height);
      if (blocks.length === 0) break;
      for (const block of blocks) {
        if (this.#tip.height >= upTo) break;
        await this.#commit(block);
        pulled++;
      }
    }
    return pulled;
  }

  /**
   * Validates and commits a delivered block. A block we already hold is ignored when identical
   * (TAMPERED otherwise); a block ahead of us first pulls the missing ones from `source`.
   * Refuses (TAMPERED) a block whose number, links, data hash or signature are wrong, leaving
   * the peer unchanged.
   */
  deliver(block: Block, source?: BlockSource): Promise<CommitEvent | undefined> {
    return this.#serial(async () => {
      this.#checkOpen();
      const number = block?.header?.number;
      if (Number.isSafeInteger(number) && number < this.#tip.height) {
        const held = await this.store.readBlock(number);
        if (held && canonicalJson(held.block) === canonicalJson(block)) return undefined;
        throw new SerumsError(
          "TAMPERED",
          `block ${number} refused: it differs from the block ${number} this peer holds`,
        );
      }
      if (Number.isSafeInteger(number) && number > this.#tip.height && source)
        await this.#pull(source, number);
      return this.#commit(block);
    });
  }

  /** Pulls and commits, fully validated, every block `source` has beyond ours; returns how many. */
  catchUp(source: BlockSource): Promise<number> {
    return this.#serial(async () => {
      this.#checkOpen();
      return this.#pull(source);
    });
  }

  // ---- queries ---------------------------------------------------------------------------

  /** Stored blocks from `from` on, for another peer catching up. */
  readBlocks(from: number, limit = 100): Promise<StoredBlock[]> {
    return this.store.readBlocks(from, limit);
  }

  async getState(key: string): Promise<Uint8Array | undefined> {
    const entry = await this.#reader.get(key);
    return entry?.value;
  }

  getHistory(key: string): Promise<HistoryEntry[]> {
    return this.#reader.history(key);
  }

  getTransaction(txId: string) {
    return this.store.getTransaction(txId);
  }

  /** A log's checkpoint (origin `${channel}/${name}`) at its current size or at `size`. */
  checkpoint(name: string, size?: number): Checkpoint {
    return this.#logs.checkpoint(this.consortium.channel, name, size);
  }

  /** This peer's witness cosignature of a log checkpoint: a signed-note line named after its site. */
  cosignCheckpoint(name: string, size?: number): string {
    return cosign(this.checkpoint(name, size), { name: this.site, privateKey: this.#key });
  }

  /** A transaction's log entries with their inclusion proofs at the log's current size. */
  async logEntries(
    txId: string,
  ): Promise<{ name: string; index: number; entry: Uint8Array; size: number; proof: Uint8Array[] }[]> {
    const places = this.#logs.placesOf(txId);
    const out = [];
    for (const place of places) {
      const row = await this.store.store.get<{ entry: string }>(
        "SELECT entry FROM ledger_logs WHERE name = $1 AND idx = $2",
        [place.name, place.index],
      );
      if (!row)
        throw new SerumsError("TAMPERED", `log ${place.name} entry ${place.index} is missing from the store`);
      const size = this.#logs.size(place.name);
      out.push({
        ...place,
        entry: valueBytes(row.entry),
        size,
        proof: this.#logs.inclusionProof(place.name, place.index, size),
      });
    }
    return out;
  }

  /**
   * Verifies this peer's whole store (verify-peer.ts), between blocks, with a fresh verifier
   * (never the one that validated these blocks) or the audit's own, shared by the peers it audits.
   */
  verify(verifier: Verifier = new Verifier()): Promise<PeerReport> {
    return this.#serial(() => verifyPeerStore(this.site, this.store, this.consortium, verifier));
  }

  /** Stops the peer: waits for the block in progress, then closes its store. */
  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.store.store.close();
    });
  }
}
