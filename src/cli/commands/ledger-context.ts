/**
 * What every `serums ledger` verb stands on: the consortium's folder (config, keys, identities),
 * where its peers keep their ledgers (SQLite files under <dir>/peers, or one PostgreSQL schema per
 * peer), the embedded network opened on them, and the sites' identities as ledger clients.
 *
 * Which engine the peers use is chosen once, at init, and recorded in <dir>/peers.json (never a
 * URL or password): later commands open the same stores whatever DATABASE_URL says then, so a
 * changed environment cannot silently start a new chain.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isPostgresUrl, readConfig, redactLocation } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import {
  EmbeddedNetwork,
  type Identity,
  type LedgerClient,
  LedgerService,
  type LocalConsortium,
  readConsortium,
  readSigner,
  type Signer,
  serumsContracts,
} from "../../ledger/index.ts";
import { openStore, PostgresStore, type Store } from "../../store/index.ts";

/** The identities `serums ledger init` issues at every site, by their file names. */
export type SiteIdentity = "administrator" | "lake";

export interface LedgerFlags {
  dir?: string | undefined;
  db?: string | undefined;
}

export interface LedgerLocation {
  dir: string;
  /** Set when the configuration names a PostgreSQL database (DATABASE_URL or --db). */
  databaseUrl?: string;
}

/** How a consortium's peers store their ledgers: <dir>/peers.json. */
export interface PeersFile {
  engine: "sqlite" | "postgres";
}

export const CONSORTIUM_FILE = "consortium.json";
export const PEERS_FILE = "peers.json";
/** The access log's Merkle log, as the engine names it (the contract's event). */
export const ACCESS_LOG = "log:access";

/** The consortium's folder and database from --dir, --db and the environment (config.ts). */
export function ledgerLocation(flags: LedgerFlags): LedgerLocation {
  if (flags.db !== undefined && flags.db.trim() !== "" && !isPostgresUrl(flags.db)) {
    throw new SerumsError(
      "BAD_USAGE",
      `--db ${JSON.stringify(flags.db)} is not a postgres:// URL; the ledger's SQLite peers are files under --dir`,
      { path: "--db", value: flags.db },
    );
  }
  const config = readConfig(process.env, {
    ...(flags.db === undefined ? {} : { db: flags.db }),
    ...(flags.dir === undefined ? {} : { ledgerDir: flags.dir }),
  });
  return {
    dir: config.ledger.dir,
    ...(config.store.databaseUrl ? { databaseUrl: config.store.databaseUrl } : {}),
  };
}

/** The PostgreSQL schema of a site's peer. */
export function peerSchema(site: string): string {
  return `ledger_${site.replace(/-/g, "_")}`;
}

export function peerFile(dir: string, site: string): string {
  return path.join(dir, "peers", `${site}.db`);
}

/** Where a site's peer keeps its ledger, fit to print. */
export function peerLocation(location: LedgerLocation, peers: PeersFile, site: string): string {
  return peers.engine === "postgres"
    ? `${redactLocation(location.databaseUrl ?? "postgres://")} schema ${peerSchema(site)}`
    : peerFile(location.dir, site);
}

export function consortiumExists(dir: string): boolean {
  return existsSync(path.join(dir, CONSORTIUM_FILE));
}

export function writePeersFile(dir: string, peers: PeersFile): void {
  writeFileSync(path.join(dir, PEERS_FILE), `${JSON.stringify(peers, null, 2)}\n`);
}

export function readPeersFile(dir: string): PeersFile {
  const file = path.join(dir, PEERS_FILE);
  if (!existsSync(file)) return { engine: "sqlite" };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new SerumsError("BAD_CONFIG", `${file}: not JSON (${(error as Error).message})`, { file });
  }
  const engine = (value as { engine?: unknown } | null)?.engine;
  if (engine !== "sqlite" && engine !== "postgres") {
    throw new SerumsError(
      "BAD_CONFIG",
      `${file}: engine is ${JSON.stringify(engine)}; expected "sqlite" or "postgres"`,
      {
        file,
        path: "engine",
      },
    );
  }
  return { engine };
}

/** Opens a site's peer store (created if missing: a file, or a schema). */
export function peerStoreOpener(
  location: LedgerLocation,
  peers: PeersFile,
): (site: string) => Promise<Store> {
  if (peers.engine === "sqlite") {
    return async (site) => {
      mkdirSync(path.join(location.dir, "peers"), { recursive: true, mode: 0o700 });
      return openStore({ sqlitePath: peerFile(location.dir, site) });
    };
  }
  const url = location.databaseUrl;
  if (!url) {
    throw new SerumsError(
      "BAD_CONFIG",
      `the peers of the consortium at ${location.dir} keep their ledgers on PostgreSQL (${PEERS_FILE}); set DATABASE_URL or --db to its postgres:// URL`,
      { path: "DATABASE_URL" },
    );
  }
  const created = new Set<string>();
  return async (site) => {
    const schema = peerSchema(site);
    if (!created.has(schema)) {
      await withPostgres(url, (admin) => admin.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
      created.add(schema);
    }
    return openStore({ databaseUrl: url, sqlitePath: "" }, { schema });
  };
}

export async function withPostgres<T>(url: string, work: (store: PostgresStore) => Promise<T>): Promise<T> {
  const store = new PostgresStore(url, { maxConnections: 1 });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The sites among `sites` whose peer store holds blocks (read without creating anything). */
export async function sitesWithLedgers(
  location: LedgerLocation,
  peers: PeersFile,
  sites: readonly string[],
): Promise<string[]> {
  if (peers.engine === "sqlite") return sites.filter((site) => existsSync(peerFile(location.dir, site)));
  const url = location.databaseUrl;
  if (!url) return [];
  return withPostgres(url, async (admin) => {
    const found: string[] = [];
    for (const site of sites) {
      const row = await admin.get<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [
        `${peerSchema(site)}.ledger_blocks`,
      ]);
      if (!row?.t) continue;
      const blocks = await admin.get<{ n: string }>(`SELECT count(*)::text AS n FROM ${row.t}`);
      if (Number(blocks?.n ?? 0) > 0) found.push(site);
    }
    return found;
  });
}

/** A consortium read from its folder, with its peers' engine. */
export interface LedgerSetup {
  location: LedgerLocation;
  consortium: LocalConsortium;
  peers: PeersFile;
  openStore: (site: string) => Promise<Store>;
}

export function loadLedgerSetup(flags: LedgerFlags): LedgerSetup {
  const location = ledgerLocation(flags);
  if (!consortiumExists(location.dir)) {
    throw new SerumsError("NOT_FOUND", `no consortium at ${location.dir}; run serums ledger init`, {
      file: path.join(location.dir, CONSORTIUM_FILE),
    });
  }
  const consortium = readConsortium(location.dir);
  const peers = readPeersFile(location.dir);
  return { location, consortium, peers, openStore: peerStoreOpener(location, peers) };
}

/** An open network on the consortium's stores, with its sites' identities. */
export interface LedgerSession extends LedgerSetup {
  network: EmbeddedNetwork;
  signer(site: string, name: SiteIdentity): Signer;
  /** The typed contracts' client, calling as `signer`. */
  service(signer: Signer): LedgerService;
}

/** A LedgerClient that calls the embedded network as `signer`. */
export function networkClient(network: EmbeddedNetwork, signer: Signer): LedgerClient {
  return {
    submit: async (contract, fn, args) => (await network.submit(signer, contract, fn, args)).result,
    evaluate: (contract, fn, args) => network.evaluate(signer, contract, fn, args),
  };
}

/** The registry entry of an identity issued to `signer` (its certificate's fields). */
export function identityOf(signer: Signer, kind: Identity["kind"]): Identity {
  const { serumsId, role, site, department, country, publicKey } = signer.certificate;
  return {
    serumsId,
    kind,
    role,
    site,
    ...(department === undefined ? {} : { department }),
    ...(country === undefined ? {} : { country }),
    publicKey,
  };
}

/** Throws NOT_FOUND (an input error) unless `site` is one of the consortium's. */
export function requireSite(setup: LedgerSetup, site: string, flag: string): string {
  const sites = setup.consortium.config.sites.map((s) => s.id);
  if (!sites.includes(site)) {
    throw new SerumsError(
      "NOT_FOUND",
      `${flag} ${JSON.stringify(site)} is not a site of the consortium; valid: ${sites.join(", ")}`,
      {
        path: flag,
        value: site,
      },
    );
  }
  return site;
}

/**
 * Opens the network (`sites`' peers running; default every one). Refuses when no peer holds a
 * ledger — opening would start a new chain — unless `fresh` (init, which starts one).
 */
export async function openSession(
  setup: LedgerSetup,
  options: { sites?: readonly string[]; fresh?: boolean } = {},
): Promise<LedgerSession> {
  const { sites } = options;
  const all = setup.consortium.config.sites.map((s) => s.id);
  if (!options.fresh && (await sitesWithLedgers(setup.location, setup.peers, all)).length === 0) {
    throw new SerumsError(
      "NOT_FOUND",
      `no peer of the consortium at ${setup.location.dir} holds a ledger (${peerLocation(setup.location, setup.peers, all[0]!)} …); run serums ledger init --force to start again`,
    );
  }
  const network = await EmbeddedNetwork.open({
    config: setup.consortium.config,
    contracts: serumsContracts(),
    openStore: setup.openStore,
    peerKeys: Object.fromEntries(
      Object.entries(setup.consortium.siteKeys).map(([site, k]) => [site, k.peerKey]),
    ),
    ordererKey: setup.consortium.ordererKey,
    ...(sites ? { sites } : {}),
  });
  const signers = new Map<string, Signer>();
  return {
    ...setup,
    network,
    signer(site, name) {
      const key = `${site}/${name}`;
      let signer = signers.get(key);
      if (!signer) {
        signer = readSigner(setup.location.dir, site, name);
        signers.set(key, signer);
      }
      return signer;
    },
    service: (signer) => new LedgerService(networkClient(network, signer)),
  };
}

export async function withLedger<T>(
  flags: LedgerFlags,
  work: (session: LedgerSession) => Promise<T>,
  sites?: readonly string[],
): Promise<T> {
  const session = await openSession(loadLedgerSetup(flags), sites ? { sites } : {});
  try {
    return await work(session);
  } finally {
    await session.network.close();
  }
}
