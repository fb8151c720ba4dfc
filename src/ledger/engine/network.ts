/**
 * The embedded ledger network: one peer per site (each on its own store), the ordering service,
 * and the client side of Fabric's execute–order–validate flow. This is the face the rest of
 * Serums uses: submit (endorse on enough peers, order, wait for commit), evaluate (a query on one
 * peer), and the operations of a consortium on one machine — stop and restart a peer (it catches
 * up, verifying every block), verify every peer, rebuild a tampered peer from a good one.
 */
import type { KeyObject } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import { applyMigrations, type Store } from "../../store/index.ts";
import { assembleNote } from "../merkle/index.ts";
import type { Block } from "./block.ts";
import type { Signer } from "./certificate.ts";
import { type Consortium, type ConsortiumConfig, compileConsortium } from "./consortium-config.ts";
import { ContractRegistry } from "./contract-registry.ts";
import { assembleEnvelope, type EndorsedResponse, type Envelope, parseResponse } from "./envelope.ts";
import { Orderer, type OrderTicket } from "./orderer.ts";
import { type BlockSource, type CommitEvent, Peer } from "./peer.ts";
import { ledgerMigrations, PeerStore } from "./peer-store.ts";
import { createProposal, type ProposalOptions, parseProposal, type SignedProposal } from "./proposal.ts";
import type { TxOutcome } from "./validate-block.ts";
import { errorCodeFor } from "./validate-transaction.ts";
import { Verifier } from "./verifier.ts";
import { type PeerReport, verifyPeerStore } from "./verify-peer.ts";

export interface EmbeddedNetworkOptions {
  config: ConsortiumConfig;
  /** Contract instances, addressed by their names. */
  contracts: readonly object[];
  /** Opens the store of a site's peer; called again when a stopped peer restarts. */
  openStore: (site: string) => Promise<Store>;
  peerKeys: Readonly<Record<string, KeyObject>>;
  ordererKey: KeyObject;
  /** The sites whose peers run from the start (default: every site). */
  sites?: readonly string[];
  /** The endorsers' and the orderer's clock, in ms since the epoch (default: Date.now); see timestamps.ts. */
  clock?: () => number;
  /** How far a proposal's timestamp may be from an endorser's clock (default: 5 minutes). */
  maxClockSkewMs?: number;
}

export interface SubmitOptions extends ProposalOptions {
  /** Endorsing sites (default: the signer's own site first, then others, as many as the policy needs). */
  endorsers?: readonly string[];
  /** Peers whose commit submit waits for (default: every running peer). */
  commitOn?: readonly string[];
}

export interface SubmitResult {
  txId: string;
  result: string;
  block: number;
}

export interface OrderResult {
  txId: string;
  block: number;
  index: number;
}

interface Waiter {
  pending: Set<string>;
  committedOn: number;
  resolve: (outcome: TxOutcome) => void;
  reject: (error: unknown) => void;
}

interface Ticket extends OrderTicket {
  waiter: Waiter;
}

function invalidError(outcome: TxOutcome, block: number): SerumsError {
  return new SerumsError(
    errorCodeFor(outcome.code),
    `transaction ${outcome.txId ?? `#${outcome.index}`} was marked ${outcome.code} in block ${block}: ${outcome.reason}`,
  );
}

export class EmbeddedNetwork {
  readonly config: ConsortiumConfig;
  readonly consortium: Consortium;
  readonly #options: EmbeddedNetworkOptions;
  readonly #contracts: ContractRegistry;
  readonly #peers = new Map<string, Peer>();
  readonly #waiters = new Map<number, { index: number; waiter: Waiter }[]>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #verifier = new Verifier();
  #orderer!: Orderer;

  private constructor(options: EmbeddedNetworkOptions) {
    this.#options = options;
    this.config = options.config;
    this.consortium = compileConsortium(options.config);
    this.#contracts = new ContractRegistry(options.contracts);
  }

  /** Opens the peers on their stores, brings them level, and starts the ordering service. */
  static async open(options: EmbeddedNetworkOptions): Promise<EmbeddedNetwork> {
    const network = new EmbeddedNetwork(options);
    const sites = options.sites ?? options.config.sites.map((s) => s.id);
    try {
      for (const site of sites) await network.#openPeer(site);
      const tallest = [...network.#peers.values()].sort((a, b) => b.height - a.height)[0];
      network.#orderer = new Orderer({
        config: options.config,
        privateKey: options.ordererKey,
        ...(tallest && tallest.height > 0
          ? { tip: { height: tallest.height, lastHash: tallest.lastHash, lastTime: tallest.lastTime } }
          : {}),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        deliver: (block, tickets) => network.#deliver(block, tickets),
      });
      if (!tallest || tallest.height === 0) network.#orderer.genesis();
      await network.settle();
      for (const peer of network.#peers.values()) await peer.catchUp(network.#source(peer.site));
    } catch (error) {
      await network.close().catch(() => undefined);
      throw error;
    }
    return network;
  }

  async #openPeer(site: string): Promise<Peer> {
    const key = this.#options.peerKeys[site];
    if (!key) throw new SerumsError("BAD_CONFIG", `no peer key was given for site ${JSON.stringify(site)}`);
    const store = await this.#options.openStore(site);
    let peer: Peer;
    try {
      peer = await Peer.open({
        site,
        consortium: this.consortium,
        privateKey: key,
        store,
        contracts: this.#contracts,
        verifier: this.#verifier,
        ...(this.#options.clock === undefined ? {} : { clock: this.#options.clock }),
        ...(this.#options.maxClockSkewMs === undefined
          ? {}
          : { maxClockSkewMs: this.#options.maxClockSkewMs }),
      });
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    peer.onCommit((event) => this.#committed(event));
    this.#peers.set(site, peer);
    return peer;
  }

  /** Blocks from another running peer (`from` only, when given), for `site` to catch up. */
  #source(site: string, from?: string): BlockSource {
    return async (number) => {
      const candidates = from ? [this.peer(from)] : [...this.#peers.values()].filter((p) => p.site !== site);
      const donor = candidates.filter((p) => p.height > number).sort((a, b) => b.height - a.height)[0];
      if (!donor) return [];
      return (await donor.readBlocks(number)).map((s) => s.block);
    };
  }

  #deliver(block: Block, tickets: readonly (OrderTicket | undefined)[]): void {
    const waiting = tickets.flatMap((ticket, index) =>
      ticket ? [{ index, waiter: (ticket as Ticket).waiter }] : [],
    );
    if (waiting.length > 0) this.#waiters.set(block.header.number, waiting);
    for (const peer of this.#peers.values()) {
      const delivery = peer
        .deliver(block, this.#source(peer.site))
        .catch((error) => this.#failed(peer.site, block, error));
      this.#inflight.add(delivery);
      void delivery.finally(() => this.#inflight.delete(delivery));
    }
  }

  #committed(event: CommitEvent): void {
    const list = this.#waiters.get(event.block);
    if (!list) return;
    for (const { index, waiter } of list) {
      if (!waiter.pending.has(event.site)) continue;
      const outcome = event.outcomes[index]!;
      if (outcome.code !== "VALID") {
        waiter.pending.clear();
        waiter.reject(invalidError(outcome, event.block));
        continue;
      }
      waiter.pending.delete(event.site);
      waiter.committedOn++;
      if (waiter.pending.size === 0) waiter.resolve(outcome);
    }
    this.#prune(event.block);
  }

  #failed(site: string, block: Block, error: unknown): void {
    const list = this.#waiters.get(block.header.number);
    for (const { waiter } of list ?? []) {
      if (waiter.pending.delete(site)) {
        waiter.pending.clear();
        waiter.reject(error);
      }
    }
    this.#prune(block.header.number);
  }

  #prune(block: number): void {
    const list = this.#waiters.get(block);
    if (list?.every((w) => w.waiter.pending.size === 0)) this.#waiters.delete(block);
  }

  /** Every site of the consortium. */
  get sites(): string[] {
    return this.config.sites.map((s) => s.id);
  }

  get runningSites(): string[] {
    return this.sites.filter((s) => this.#peers.has(s));
  }

  /** A running peer. */
  peer(site: string): Peer {
    const peer = this.#peers.get(site);
    if (!peer) {
      throw new SerumsError(
        this.sites.includes(site) ? "LEDGER" : "NOT_FOUND",
        this.sites.includes(site)
          ? `the peer of ${site} is stopped`
          : `no site ${JSON.stringify(site)} in the consortium`,
      );
    }
    return peer;
  }

  /** A signed proposal on this network's channel. */
  proposal(
    signer: Signer,
    contract: string,
    fn: string,
    args: readonly string[],
    options: ProposalOptions = {},
  ): SignedProposal {
    return createProposal(signer, this.config.channel, contract, fn, args, options);
  }

  #endorsers(preferred: string | undefined, requested?: readonly string[]): string[] {
    if (requested) return [...requested];
    const running = this.runningSites;
    const ordered =
      preferred && running.includes(preferred)
        ? [preferred, ...running.filter((s) => s !== preferred)]
        : running;
    const needed = this.consortium.requiredEndorsements;
    if (ordered.length < needed) {
      throw new SerumsError(
        "ENDORSEMENT",
        `the policy needs ${needed} endorsing peers, but only ${ordered.length} are running`,
      );
    }
    return ordered.slice(0, needed);
  }

  /** Has the proposal executed and signed by these peers (default: as many as the policy needs). */
  async endorse(signed: SignedProposal, sites?: readonly string[]): Promise<EndorsedResponse[]> {
    let creatorSite: string | undefined;
    try {
      creatorSite = parseProposal(signed.proposal).creator.site;
    } catch {
      creatorSite = undefined;
    }
    const endorsers = this.#endorsers(creatorSite, sites).map((site) => this.peer(site));
    const settled = await Promise.allSettled(endorsers.map((peer) => peer.endorse(signed)));
    const failure = settled.find((s) => s.status === "rejected");
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return settled.map((s) => (s as PromiseFulfilledResult<EndorsedResponse>).value);
  }

  /** Sends an envelope to the orderer; resolves when committed VALID on `commitOn` (default: every running peer). */
  order(envelope: Envelope | string, commitOn?: readonly string[]): Promise<OrderResult> {
    const sites = commitOn ? [...commitOn] : this.runningSites;
    for (const site of sites) this.peer(site);
    if (sites.length === 0) return Promise.reject(new SerumsError("LEDGER", "no peer is running"));
    return new Promise<OrderResult>((resolve, reject) => {
      const ticket: Ticket = {
        waiter: {
          pending: new Set(sites),
          committedOn: 0,
          resolve: (outcome) => resolve({ txId: outcome.txId!, block: ticket.block!, index: ticket.index! }),
          reject,
        },
      };
      this.#orderer.broadcast(envelope, ticket);
    });
  }

  /** Endorses, orders and waits for the commit of one transaction. */
  async submit(
    signer: Signer,
    contract: string,
    fn: string,
    args: readonly string[],
    options: SubmitOptions = {},
  ): Promise<SubmitResult> {
    const signed = this.proposal(signer, contract, fn, args, options);
    const responses = await this.endorse(signed, options.endorsers);
    const envelope = assembleEnvelope(signed, responses);
    const { txId, block } = await this.order(envelope, options.commitOn);
    return { txId, result: parseResponse(envelope.response).result, block };
  }

  /** Runs a query on one peer (the signer's own site's when running); nothing is ordered. */
  async evaluate(
    signer: Signer,
    contract: string,
    fn: string,
    args: readonly string[],
    options: ProposalOptions & { site?: string } = {},
  ): Promise<string> {
    const running = this.runningSites;
    const site =
      options.site ?? (running.includes(signer.certificate.site) ? signer.certificate.site : running[0]);
    if (!site) throw new SerumsError("LEDGER", "no peer is running");
    return this.peer(site).evaluate(this.proposal(signer, contract, fn, args, options));
  }

  /**
   * A log's checkpoint as a C2SP signed note, cosigned by the peers of `witnesses` (default: every
   * running peer). The first witness's log size is used; a witness whose log has another root at
   * that size refuses (TAMPERED), so the note is only ever signed over one agreed history.
   */
  cosignedCheckpoint(logName: string, witnesses: readonly string[] = this.runningSites): string {
    const peers = witnesses.map((site) => this.peer(site));
    if (peers.length === 0) throw new SerumsError("LEDGER", "no witness peer is running");
    const checkpoint = peers[0]!.checkpoint(logName);
    const lines = peers.map((peer) => {
      const own = peer.checkpoint(logName, Math.min(checkpoint.size, peer.logs.size(logName)));
      if (own.size !== checkpoint.size || Buffer.compare(own.rootHash, checkpoint.rootHash) !== 0) {
        throw new SerumsError(
          "TAMPERED",
          `the peer of ${peer.site} holds another ${logName} at size ${checkpoint.size}; it does not cosign`,
        );
      }
      return peer.cosignCheckpoint(logName, checkpoint.size);
    });
    return assembleNote(checkpoint, lines);
  }

  /** Cuts a block of whatever the orderer has queued now. */
  flush(): void {
    this.#orderer.cut();
  }

  /** Waits until every delivered block has been processed by the running peers. */
  async settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Stops a peer; its store is closed and it receives no blocks until restarted. */
  async stopPeer(site: string): Promise<void> {
    const peer = this.peer(site);
    this.#peers.delete(site);
    for (const [block, list] of this.#waiters) {
      for (const { waiter } of list) {
        if (!waiter.pending.delete(site) || waiter.pending.size > 0) continue;
        if (waiter.committedOn > 0)
          waiter.reject(
            new SerumsError(
              "LEDGER",
              `the peer of ${site} stopped before committing block ${block}; it is committed elsewhere`,
            ),
          );
        else
          waiter.reject(
            new SerumsError("LEDGER", `the peer of ${site} stopped before committing block ${block}`),
          );
      }
      this.#prune(block);
    }
    await peer.close();
  }

  /** Restarts a stopped peer: it fetches the blocks it missed from the others, verifying each. */
  async startPeer(site: string): Promise<number> {
    if (this.#peers.has(site)) throw new SerumsError("LEDGER", `the peer of ${site} is already running`);
    const peer = await this.#openPeer(site);
    try {
      return await peer.catchUp(this.#source(site));
    } catch (error) {
      this.#peers.delete(site);
      await peer.close();
      throw error;
    }
  }

  /** Wipes a peer's ledger and re-fetches every block from `fromSite`, validating each. */
  async rebuildPeer(site: string, fromSite: string): Promise<number> {
    if (site === fromSite)
      throw new SerumsError("BAD_REQUEST", `a peer cannot be rebuilt from itself (${site})`);
    this.peer(fromSite);
    if (this.#peers.has(site)) await this.stopPeer(site);
    const store = await this.#options.openStore(site);
    try {
      await applyMigrations(store, ledgerMigrations);
      await new PeerStore(store).wipe();
    } finally {
      await store.close();
    }
    const peer = await this.#openPeer(site);
    try {
      return await peer.catchUp(this.#source(site, fromSite));
    } catch (error) {
      this.#peers.delete(site);
      await peer.close();
      throw error;
    }
  }

  /** Verifies every peer (or one): running peers between blocks, stopped ones from their stores. */
  async verify(site?: string): Promise<PeerReport[]> {
    const sites = site ? [site] : this.sites;
    const reports: PeerReport[] = [];
    // One fresh verifier for this audit, shared by its peers: a signature over the same bytes is
    // verified once, and one over changed bytes (a tampered peer) is verified afresh.
    const verifier = new Verifier();
    for (const s of sites) {
      const running = this.#peers.get(s);
      if (running) {
        reports.push(await running.verify(verifier));
        continue;
      }
      if (!this.sites.includes(s))
        throw new SerumsError("NOT_FOUND", `no site ${JSON.stringify(s)} in the consortium`);
      const store = await this.#options.openStore(s);
      try {
        await applyMigrations(store, ledgerMigrations);
        reports.push(await verifyPeerStore(s, new PeerStore(store), this.consortium, verifier));
      } finally {
        await store.close();
      }
    }
    return reports;
  }

  /** Orders what is queued, waits for the peers, and closes them. */
  async close(): Promise<void> {
    this.#orderer?.close();
    await this.settle();
    for (const site of [...this.#peers.keys()]) await this.stopPeer(site);
  }
}
