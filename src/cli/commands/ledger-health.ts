/**
 * The consortium's health: `serums ledger status` (each peer's height, last block hash, and its
 * access log's size and root), `verify` (each peer's whole store replayed from genesis: OK, or
 * the first bad block and transaction and what failed) and `rebuild` (a tampered peer wiped and
 * re-fetched, block by validated block, from a good one, then verified).
 *
 * verify opens no peer: each store is read as it is, so a tampered peer is judged, never
 * repaired or caught up on the way.
 */
import { SerumsError } from "../../errors/index.ts";
import { type PeerReport, toBase64 } from "../../ledger/index.ts";
import {
  ACCESS_LOG,
  type LedgerFlags,
  loadLedgerSetup,
  openSession,
  peerLocation,
  requireSite,
  withLedger,
} from "./ledger-context.ts";

export interface PeerStatus {
  site: string;
  country: string;
  store: string;
  height: number;
  lastBlockHash: string;
  accessLog: { size: number; root: string };
}

export interface StatusReport {
  dir: string;
  channel: string;
  engine: string;
  peers: PeerStatus[];
}

export async function ledgerStatus(flags: LedgerFlags): Promise<StatusReport> {
  return withLedger(flags, async (session) => {
    const { location, peers, consortium, network } = session;
    return {
      dir: location.dir,
      channel: consortium.config.channel,
      engine: peers.engine,
      peers: consortium.config.sites.map((site) => {
        const peer = network.peer(site.id);
        return {
          site: site.id,
          country: site.country,
          store: peerLocation(location, peers, site.id),
          height: peer.height,
          lastBlockHash: peer.lastHash,
          accessLog: {
            size: peer.logs.size(ACCESS_LOG),
            root: toBase64(peer.logs.root(ACCESS_LOG)),
          },
        };
      }),
    };
  });
}

export function renderStatus(report: StatusReport): string {
  const width = Math.max(4, ...report.peers.map((p) => p.site.length));
  const lines = [
    `Consortium "${report.channel}" at ${report.dir} (${report.peers.length} peers on ${report.engine === "postgres" ? "PostgreSQL" : "SQLite"})`,
    `  ${"site".padEnd(width)}  height  last block hash                                                    access log`,
  ];
  for (const p of report.peers) {
    lines.push(
      `  ${p.site.padEnd(width)}  ${String(p.height).padStart(6)}  ${p.lastBlockHash.padEnd(64)}  ${p.accessLog.size} entries, root ${p.accessLog.root}`,
    );
  }
  const agree =
    new Set(report.peers.map((p) => `${p.height}/${p.lastBlockHash}/${p.accessLog.root}`)).size === 1;
  lines.push(agree ? "All peers hold the same chain." : "The peers differ: run serums ledger verify.");
  return `${lines.join("\n")}\n`;
}

/** Verifies every peer (or `site`'s) from its store. */
export async function ledgerVerify(flags: LedgerFlags, site?: string): Promise<PeerReport[]> {
  const setup = loadLedgerSetup(flags);
  if (site !== undefined) requireSite(setup, site, "--site");
  const session = await openSession(setup, { sites: [] });
  try {
    return await session.network.verify(site);
  } finally {
    await session.network.close();
  }
}

export function describeProblem(report: PeerReport): string {
  const p = report.problem;
  if (!p) return "";
  const where = [`block ${p.block}`];
  if (p.tx !== undefined) where.push(`transaction ${p.tx}`);
  const tx = p.txId ? ` (tx ${p.txId})` : "";
  const more = report.problems > 1 ? ` (${report.problems} problems in all)` : "";
  return `${where.join(", ")}${tx}: ${p.reason}${more}`;
}

export function renderVerify(reports: readonly PeerReport[]): string {
  const width = Math.max(...reports.map((r) => r.site.length));
  const lines = reports.map((r) =>
    r.ok
      ? `  ${r.site.padEnd(width)}  OK        height ${r.height}`
      : `  ${r.site.padEnd(width)}  TAMPERED  first bad: ${describeProblem(r)}`,
  );
  const bad = reports.filter((r) => !r.ok).map((r) => r.site);
  lines.push(
    bad.length === 0
      ? `All ${reports.length} ${reports.length === 1 ? "peer verifies" : "peers verify"}: every block, signature, endorsement and row replays from genesis.`
      : `${bad.join(", ")} ${bad.length === 1 ? "does" : "do"} not verify; repair with serums ledger rebuild --site ${bad[0]} --from <a good site>`,
  );
  return `${lines.join("\n")}\n`;
}

export interface RebuildReport {
  site: string;
  from: string;
  fetched: number;
  verify: PeerReport;
}

/** Wipes `site`'s peer and re-fetches every block from `from` (verified first), then verifies it. */
export async function ledgerRebuild(flags: LedgerFlags, site: string, from: string): Promise<RebuildReport> {
  const setup = loadLedgerSetup(flags);
  requireSite(setup, site, "--site");
  requireSite(setup, from, "--from");
  if (site === from) {
    throw new SerumsError(
      "BAD_USAGE",
      `--site and --from are both ${JSON.stringify(site)}; rebuild a peer from another one`,
      {
        path: "--from",
        value: from,
      },
    );
  }
  // Only the donor runs: the peer being rebuilt is not opened (nor caught up) on its bad store.
  const session = await openSession(setup, { sites: [from] });
  try {
    const [donor] = await session.network.verify(from);
    if (!donor!.ok) {
      throw new SerumsError(
        "TAMPERED",
        `the peer of ${from} does not verify either (${describeProblem(donor!)}); rebuild from a peer that does`,
      );
    }
    const fetched = await session.network.rebuildPeer(site, from);
    const [report] = await session.network.verify(site);
    return { site, from, fetched, verify: report! };
  } finally {
    await session.network.close();
  }
}

export function renderRebuild(report: RebuildReport): string {
  const check = report.verify.ok
    ? `verify: OK, height ${report.verify.height}`
    : `verify: TAMPERED, ${describeProblem(report.verify)}`;
  return `Rebuilt the peer of ${report.site} from ${report.from}: ${report.fetched} blocks fetched, each validated.\n${check}\n`;
}
