/**
 * `serums ledger init`: a new consortium on this machine — every site's CA and peer keys and the
 * orderer's key (files of mode 0600; consortium.json holds public keys only), an administrator
 * and a lake (the site's service) at each site, the genesis block on every peer, and those
 * identities registered through the identities contract. An existing consortium (or a peer store
 * that already holds a ledger) is replaced only with --force.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";
import {
  createConsortium,
  issueIdentity,
  requiredEndorsements,
  type Signer,
  writeConsortium,
  writeSigner,
} from "../../ledger/index.ts";
import { newSerumsId } from "../../record/serums-id.ts";
import {
  CONSORTIUM_FILE,
  consortiumExists,
  identityOf,
  type LedgerLocation,
  loadLedgerSetup,
  openSession,
  PEERS_FILE,
  type PeersFile,
  peerFile,
  peerLocation,
  peerSchema,
  peerStoreOpener,
  readPeersFile,
  type SiteIdentity,
  sitesWithLedgers,
  withPostgres,
  writePeersFile,
} from "./ledger-context.ts";

export const DEFAULT_SITES = "edinburgh:GB,barcelona:ES,zuyderland:NL";

const KNOWN_NAMES: Record<string, string> = {
  edinburgh: "NHS Lothian",
  barcelona: "Hospital Clínic de Barcelona",
  zuyderland: "Zuyderland Medisch Centrum",
};

export interface SiteRequest {
  id: string;
  name: string;
  country: string;
}

/** `--sites id:CC,id:CC,…` → sites; BAD_USAGE naming the flag and the item. */
export function parseSites(text: string): SiteRequest[] {
  const items = text.split(",").map((item) => item.trim());
  const sites: SiteRequest[] = [];
  for (const item of items) {
    const match = /^([a-z0-9][a-z0-9-]{0,39}):([A-Za-z]{2})$/.exec(item);
    if (!match) {
      throw new SerumsError(
        "BAD_USAGE",
        `--sites item ${JSON.stringify(item)} is not SITE:CC; expected a site ID of lower-case letters, digits and "-", a colon and an ISO 3166 country code, such as edinburgh:GB`,
        { path: "--sites", value: item },
      );
    }
    const id = match[1]!;
    if (sites.some((s) => s.id === id)) {
      throw new SerumsError("BAD_USAGE", `--sites lists ${JSON.stringify(id)} twice`, {
        path: "--sites",
        value: id,
      });
    }
    sites.push({ id, name: KNOWN_NAMES[id] ?? id, country: match[2]!.toUpperCase() });
  }
  return sites;
}

/** How long the users' certificates `init` issues (and the demo's) stay valid, by default. */
export const DEFAULT_CERT_DAYS = 365;
const MAX_CERT_DAYS = 3650;
const DAY_MS = 86_400_000;

/** `--cert-days N` → N (default DEFAULT_CERT_DAYS); BAD_USAGE naming the flag. */
export function parseCertDays(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CERT_DAYS;
  const days = Number(text);
  if (!/^\d+$/.test(text) || days < 1 || days > MAX_CERT_DAYS) {
    throw new SerumsError(
      "BAD_USAGE",
      `--cert-days ${JSON.stringify(text)} must be a whole number of days from 1 to ${MAX_CERT_DAYS}`,
      { path: "--cert-days", value: text },
    );
  }
  return days;
}

/** The expiry of a certificate issued at `issuedAt` for `days` days. */
export function certificateExpiry(issuedAt: Date, days: number): Date {
  return new Date(issuedAt.getTime() + days * DAY_MS);
}

export interface InitReport {
  dir: string;
  channel: string;
  endorsement: string;
  engine: PeersFile["engine"];
  sites: {
    id: string;
    name: string;
    country: string;
    peer: string;
    administrator: string;
    lake: string;
  }[];
  height: number;
  /** When the users' certificates issued here expire. */
  certificatesExpire: string;
}

/** Removes what init writes (and the SQLite peers or PostgreSQL schemas of `sites`). */
async function clearConsortium(location: LedgerLocation, peers: PeersFile, sites: readonly string[]) {
  const { dir } = location;
  for (const name of [CONSORTIUM_FILE, PEERS_FILE, "orderer.key", "sites", "users"]) {
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  if (peers.engine === "sqlite") {
    for (const site of sites) {
      for (const suffix of ["", "-wal", "-shm", "-journal"])
        rmSync(`${peerFile(dir, site)}${suffix}`, { force: true });
    }
  } else if (location.databaseUrl) {
    await withPostgres(location.databaseUrl, async (admin) => {
      for (const site of sites) await admin.exec(`DROP SCHEMA IF EXISTS ${peerSchema(site)} CASCADE`);
    });
  }
}

export async function initConsortium(
  location: LedgerLocation,
  request: { sites: SiteRequest[]; force: boolean; certDays?: number },
): Promise<InitReport> {
  const { dir } = location;
  const peers: PeersFile = { engine: location.databaseUrl ? "postgres" : "sqlite" };
  const siteIds = request.sites.map((s) => s.id);
  const hadConsortium = consortiumExists(dir);
  const occupied = await sitesWithLedgers(location, peers, siteIds);
  if (!request.force) {
    if (hadConsortium) {
      throw new SerumsError(
        "BAD_USAGE",
        `a consortium already exists at ${dir} (${CONSORTIUM_FILE}); pass --force to replace it and its peers' ledgers`,
        { path: "--force" },
      );
    }
    if (occupied.length > 0) {
      throw new SerumsError(
        "BAD_USAGE",
        `the peer store ${peerLocation(location, peers, occupied[0]!)} already holds a ledger; pass --force to replace it`,
        { path: "--force" },
      );
    }
  }
  if (request.force) {
    // The old consortium's peers go too, wherever they were (its own peers.json says).
    let oldSites: string[] = [];
    let oldPeers = peers;
    if (hadConsortium) {
      try {
        const old = loadLedgerSetup({ dir });
        oldSites = old.consortium.config.sites.map((s) => s.id);
        oldPeers = readPeersFile(dir);
      } catch {
        oldSites = [];
      }
    }
    if (oldPeers.engine !== peers.engine)
      await clearConsortium(location, oldPeers, oldSites).catch(() => undefined);
    await clearConsortium(location, peers, [...new Set([...oldSites, ...siteIds])]);
  }

  const consortium = createConsortium({
    sites: request.sites,
    batch: { maxTransactions: 500, maxWaitMs: 5 },
  });
  const signers: Record<string, Record<SiteIdentity, Signer>> = {};
  const issuedAt = new Date();
  const expiresAt = certificateExpiry(issuedAt, request.certDays ?? DEFAULT_CERT_DAYS);
  const created = !existsSync(dir);
  try {
    writeConsortium(dir, consortium);
    writePeersFile(dir, peers);
    for (const site of request.sites) {
      const caKey = consortium.siteKeys[site.id]!.caKey;
      const issue = (role: SiteIdentity) =>
        issueIdentity(caKey, {
          serumsId: newSerumsId(),
          site: site.id,
          role,
          country: site.country,
          issuedAt,
          expiresAt,
        });
      signers[site.id] = { administrator: issue("administrator"), lake: issue("lake") };
      for (const name of ["administrator", "lake"] as const) writeSigner(dir, name, signers[site.id]![name]);
    }
    const session = await openSession(
      { location, consortium, peers, openStore: peerStoreOpener(location, peers) },
      { fresh: true },
    );
    const network = session.network;
    try {
      await Promise.all(
        request.sites.flatMap((site) => {
          const { administrator, lake } = signers[site.id]!;
          const registry = session.service(administrator);
          return [
            registry.registerIdentity(identityOf(administrator, "staff")),
            registry.registerIdentity(identityOf(lake, "service")),
          ];
        }),
      );
      const height = network.peer(siteIds[0]!).height;
      const policy = consortium.config.endorsementPolicy;
      return {
        dir,
        channel: consortium.config.channel,
        endorsement:
          policy === "majority"
            ? `a majority of sites (${requiredEndorsements(consortium.config)} of ${siteIds.length})`
            : `${policy.n} of ${siteIds.length} sites`,
        engine: peers.engine,
        sites: request.sites.map((site) => ({
          ...site,
          peer: peerLocation(location, peers, site.id),
          administrator: signers[site.id]!.administrator.certificate.serumsId,
          lake: signers[site.id]!.lake.certificate.serumsId,
        })),
        height,
        certificatesExpire: expiresAt.toISOString(),
      };
    } finally {
      await network.close();
    }
  } catch (error) {
    // Bad input never leaves partial state: nothing of a half-made consortium stays.
    await clearConsortium(location, peers, siteIds).catch(() => undefined);
    if (created) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export function renderInit(report: InitReport): string {
  const lines = [
    `Created the consortium "${report.channel}" at ${report.dir}: ${report.sites.length} sites, endorsement by ${report.endorsement}.`,
  ];
  const width = Math.max(...report.sites.map((s) => s.id.length));
  for (const site of report.sites) {
    lines.push(
      `  ${site.id.padEnd(width)}  ${site.country}  administrator ${site.administrator}  lake ${site.lake}`,
      `  ${"".padEnd(width)}      peer ${site.peer}`,
    );
  }
  lines.push(
    `Every peer holds the genesis block and the ${report.sites.length * 2} identities above (height ${report.height}).`,
    `The administrators' and lakes' certificates expire at ${report.certificatesExpire} (site CA and peer keys do not).`,
    `Private keys (mode 0600) are under ${path.join(report.dir, "sites")} and ${path.join(report.dir, "users")}; ${CONSORTIUM_FILE} holds public keys only.`,
    "Next: serums ledger demo",
  );
  return `${lines.join("\n")}\n`;
}
