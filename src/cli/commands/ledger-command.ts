/**
 * `serums ledger <verb>`: a small consortium on this machine, persisted on disk — its keys and
 * identities, the peers' ledgers, decisions and their receipts, verification and repair, and the
 * Fabric chaincode package of the same contracts. The verbs' work is in ledger-*.ts.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";
import { buildChaincodePackage, loadConsortiumConfig } from "../../ledger/index.ts";
import { chooseVerb, type Options, parseVerb, requireFlag } from "../args.ts";
import { printJson } from "../context.ts";
import {
  listCertificates,
  renderCertificates,
  renderRevoke,
  revokeCertificate,
} from "./ledger-certificates.ts";
import { consortiumExists, ledgerLocation, requireSite, withLedger } from "./ledger-context.ts";
import { renderDemo, runDemo } from "./ledger-demo.ts";
import {
  ledgerRebuild,
  ledgerStatus,
  ledgerVerify,
  renderRebuild,
  renderStatus,
  renderVerify,
} from "./ledger-health.ts";
import { patientHistory, renderHistory } from "./ledger-history.ts";
import {
  DEFAULT_CERT_DAYS,
  DEFAULT_SITES,
  initConsortium,
  parseCertDays,
  parseSites,
  renderInit,
} from "./ledger-init.ts";
import { accessReceipt, checkReceiptFile, renderChecked } from "./ledger-receipt.ts";

const DIR = "  --dir D          the consortium's folder (default ./data/ledger, or SERUMS_LEDGER_DIR)";
const DB =
  "  --db URL         peers on PostgreSQL, one schema ledger_<site> each (default: DATABASE_URL;\n                   without one, SQLite files D/peers/<site>.db)";

const VERBS: Record<string, { usage: string; options: Options }> = {
  init: {
    usage: `Usage: serums ledger init [--sites ${DEFAULT_SITES}] [--dir D] [--db URL] [--force] [--json]

Creates a consortium: each site's CA and peer keys and the orderer's key (files of mode 0600;
D/consortium.json holds public keys only), an administrator and a lake (the site's service) at
each site, the genesis block on every peer, and those identities in the ledger's registry.
  --sites LIST     SITE:CC,… (site IDs of a-z 0-9 -, ISO country codes)
  --cert-days N    the administrators' and lakes' certificates expire after N days (default
                   ${DEFAULT_CERT_DAYS}; the demo's doctors get the same); site CA and peer keys do not expire
  --force          replace an existing consortium and its peers' ledgers
${DIR}
${DB}`,
    options: {
      sites: { type: "string" },
      "cert-days": { type: "string" },
      force: { type: "boolean", default: false },
      dir: { type: "string" },
    },
  },
  demo: {
    usage: `Usage: serums ledger demo [--site S] [--dir D] [--json]

A worked example on an initialised consortium: S (default edinburgh) registers two patients and a
doctor and publishes its rules; a patient signs rules of their own; the site's lake asks the
ledger to decide four requests (allowed, denied, allowed by default, break-glass); each decision
and the patient's access history are printed with their transaction IDs.
${DIR}`,
    options: { site: { type: "string" }, dir: { type: "string" } },
  },
  history: {
    usage: `Usage: serums ledger history PATIENT_SERUMS_ID [--dir D] [--json]

A patient's access history in time order, break-glass accesses flagged, read as the
administrator of the patient's home site.
${DIR}`,
    options: { dir: { type: "string" } },
  },
  receipt: {
    usage: `Usage: serums ledger receipt TXID [--out FILE] [--dir D]

The receipt of the access-log entry of decision TXID: the entry, the log's checkpoint cosigned by
every running peer, and the entry's inclusion proof. JSON, to stdout or FILE. Anyone can check it
offline with serums ledger check-receipt.
  --out FILE       write the receipt to FILE
${DIR}`,
    options: { out: { type: "string" }, dir: { type: "string" } },
  },
  "check-receipt": {
    usage: `Usage: serums ledger check-receipt FILE [--consortium D/consortium.json] [--quorum N] [--json]

Offline: checks a receipt with only the consortium's public config (each site's witness key).
Prints what the entry says and who signed it; exit 1 when it does not verify (TAMPERED), 2 when
FILE is not a receipt.
  --consortium F   the consortium's public config (default D/consortium.json)
  --quorum N       witnesses that must have signed (default a majority of the sites)
${DIR}`,
    options: { consortium: { type: "string" }, quorum: { type: "string" }, dir: { type: "string" } },
  },
  verify: {
    usage: `Usage: serums ledger verify [--site S] [--dir D] [--json]

Replays every peer's (or S's) stored chain from genesis: block hashes and links, the orderer's
signatures, each transaction's signatures and endorsements, and that world state, key history,
the transaction index and the access log are exactly what the valid transactions wrote. Prints
OK with the height, or the first bad block and transaction and what failed; exit 1 if any
peer does not verify.
${DIR}`,
    options: { site: { type: "string" }, dir: { type: "string" } },
  },
  rebuild: {
    usage: `Usage: serums ledger rebuild --site S --from T [--dir D] [--json]

Wipes the ledger of S's peer and fetches every block again from T's peer (verified first),
validating each; then verifies S.
${DIR}`,
    options: { site: { type: "string" }, from: { type: "string" }, dir: { type: "string" } },
  },
  certificates: {
    usage: `Usage: serums ledger certificates [--dir D] [--json]

The certificates held here (D/users/<site>/*.cert.json): fingerprint, holder, site, role, when
issued and when they expire, and the revocation that revoked each (transaction, time, approving
sites, reason); then revocations on the ledger of certificates not held here.
${DIR}`,
    options: { dir: { type: "string" } },
  },
  revoke: {
    usage: `Usage: serums ledger revoke --cert FINGERPRINT --reason R [--dir D] [--json]

Revokes a certificate (a config update): the administrators of a majority of sites (their keys
under D/users) sign the revocation, the first submits it, and it is endorsed and ordered like any
transaction. From the next transaction on, every peer refuses the certificate's proposals; what it
signed before stays valid. Final: there is no un-revoke. Exit 2 for a fingerprint that is unknown
here or already revoked.
  --cert F         the certificate's fingerprint (serums ledger certificates lists them)
  --reason R       why (kept on the ledger; at most 500 characters, no personal data)
${DIR}`,
    options: { cert: { type: "string" }, reason: { type: "string" }, dir: { type: "string" } },
  },
  status: {
    usage: `Usage: serums ledger status [--dir D] [--json]

Each peer: its store, height, last block hash, and its access log's size and Merkle root.
${DIR}`,
    options: { dir: { type: "string" } },
  },
  package: {
    usage: `Usage: serums ledger package [--label serums_1] [--out serums.tar.gz] [--json]

Builds the Hyperledger Fabric chaincode package of the same contracts the embedded engine runs
(see docs/fabric-deployment.md); prints the file, its package ID and any warnings.`,
    options: { label: { type: "string" }, out: { type: "string" } },
  },
};

export const LEDGER_USAGE = `Usage: serums ledger <verb> [options]     (each verb has --help)

  init [--sites edinburgh:GB,…] [--force]   create the consortium, its keys and identities
  demo                          a worked example: rules, decisions, break-glass, access history
  history PATIENT               a patient's access history
  receipt TXID [--out FILE]     the receipt of an access decision (cosigned, with its proof)
  check-receipt FILE            check a receipt offline against the consortium's public keys
  verify [--site S]             replay every peer's chain; name the first bad block
  rebuild --site S --from T     rebuild a tampered peer from a good one
  status                        heights, last block hashes, access-log sizes and roots
  certificates                  certificates held here: fingerprint, role, expiry, revocation
  revoke --cert F --reason R    revoke a certificate (administrators of a majority of sites)
  package [--label L] [--out F] the Fabric chaincode package

${DIR}
${DB}
  --json           machine output`;

function onePositional(verb: string, positionals: string[], name: string, usage: string): string {
  if (positionals.length !== 1) {
    throw new SerumsError(
      "BAD_USAGE",
      `ledger ${verb} takes one ${name}, got ${positionals.length}${positionals.length > 1 ? ` (${positionals.join(" ")})` : ""}\n\n${usage}`,
      { path: name },
    );
  }
  return positionals[0]!;
}

function noPositional(verb: string, positionals: string[], usage: string): void {
  if (positionals.length > 0) {
    throw new SerumsError(
      "BAD_USAGE",
      `ledger ${verb} takes no argument ${JSON.stringify(positionals[0])}\n\n${usage}`,
      {
        path: positionals[0]!,
      },
    );
  }
}

export async function ledgerCommand(argv: string[]): Promise<number> {
  const chosen = chooseVerb("ledger", argv, VERBS, LEDGER_USAGE);
  if ("exit" in chosen) return chosen.exit;
  const { verb, entry: spec, rest } = chosen;
  const parsed = parseVerb(rest, spec);
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const v = values as Record<string, string | boolean | undefined>;
  const json = v.json === true;
  const flags = { dir: v.dir as string | undefined, db: v.db as string | undefined };
  const out = (data: unknown, text: string) => {
    if (json) printJson(data);
    else process.stdout.write(text);
  };

  switch (verb) {
    case "init": {
      noPositional(verb, positionals, spec.usage);
      const sites = parseSites((v.sites as string | undefined) ?? DEFAULT_SITES);
      const certDays = parseCertDays(v["cert-days"] as string | undefined);
      const report = await initConsortium(ledgerLocation(flags), {
        sites,
        force: v.force === true,
        certDays,
      });
      out(report, renderInit(report));
      return 0;
    }
    case "demo": {
      noPositional(verb, positionals, spec.usage);
      const report = await withLedger(flags, (session) => {
        const sites = session.consortium.config.sites.map((s) => s.id);
        const site =
          v.site === undefined
            ? sites.includes("edinburgh")
              ? "edinburgh"
              : sites[0]!
            : requireSite(session, v.site as string, "--site");
        return runDemo(session, site);
      });
      out(report, renderDemo(report));
      return 0;
    }
    case "history": {
      const patient = onePositional(verb, positionals, "PATIENT_SERUMS_ID", spec.usage);
      const history = await withLedger(flags, (session) => patientHistory(session, patient));
      out(history, renderHistory(history));
      return 0;
    }
    case "receipt": {
      const txId = onePositional(verb, positionals, "TXID", spec.usage);
      const file = v.out as string | undefined;
      if (file !== undefined && file.trim() === "") {
        throw new SerumsError("BAD_USAGE", "--out is empty; give a file name such as receipt.json", {
          path: "--out",
        });
      }
      const receipt = await withLedger(flags, (session) => accessReceipt(session, txId));
      if (file === undefined) {
        printJson(receipt);
        return 0;
      }
      writeFileSync(file, `${JSON.stringify(receipt, null, 2)}\n`);
      out(
        { file, txId, index: receipt.index },
        `Wrote the receipt of ${txId} (access-log entry ${receipt.index}) to ${file}.\nCheck it offline: serums ledger check-receipt ${file}\n`,
      );
      return 0;
    }
    case "check-receipt": {
      const file = onePositional(verb, positionals, "FILE", spec.usage);
      const config =
        (v.consortium as string | undefined) ??
        path.join(ledgerLocation({ dir: flags.dir }).dir, "consortium.json");
      if (v.consortium === undefined && !consortiumExists(path.dirname(config))) {
        throw new SerumsError(
          "NOT_FOUND",
          `no consortium at ${path.dirname(config)}; give its public config with --consortium FILE`,
          { path: "--consortium" },
        );
      }
      const quorum = v.quorum === undefined ? undefined : Number(v.quorum);
      if (quorum !== undefined && (!/^\d+$/.test(v.quorum as string) || quorum < 1)) {
        throw new SerumsError(
          "BAD_USAGE",
          `--quorum ${JSON.stringify(v.quorum)} must be a whole number of witnesses, at least 1`,
          {
            path: "--quorum",
            value: v.quorum,
          },
        );
      }
      const checked = checkReceiptFile(file, loadConsortiumConfig(config), quorum);
      out(checked, renderChecked(file, checked));
      return 0;
    }
    case "verify": {
      noPositional(verb, positionals, spec.usage);
      const reports = await ledgerVerify(flags, v.site as string | undefined);
      out(reports, renderVerify(reports));
      return reports.every((r) => r.ok) ? 0 : 1;
    }
    case "rebuild": {
      noPositional(verb, positionals, spec.usage);
      const site = requireFlag("site", v.site as string | undefined, spec.usage);
      const from = requireFlag("from", v.from as string | undefined, spec.usage);
      const report = await ledgerRebuild(flags, site, from);
      out(report, renderRebuild(report));
      return report.verify.ok ? 0 : 1;
    }
    case "status": {
      noPositional(verb, positionals, spec.usage);
      const report = await ledgerStatus(flags);
      out(report, renderStatus(report));
      return 0;
    }
    case "certificates": {
      noPositional(verb, positionals, spec.usage);
      const report = await withLedger(flags, listCertificates);
      out(report, renderCertificates(report));
      return 0;
    }
    case "revoke": {
      noPositional(verb, positionals, spec.usage);
      const cert = requireFlag("cert", v.cert as string | undefined, spec.usage);
      const reason = requireFlag("reason", v.reason as string | undefined, spec.usage);
      const report = await withLedger(flags, (session) => revokeCertificate(session, cert, reason));
      out(report, renderRevoke(report));
      return 0;
    }
    case "package": {
      noPositional(verb, positionals, spec.usage);
      const label = (v.label as string | undefined) ?? "serums_1";
      if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(label)) {
        throw new SerumsError(
          "BAD_USAGE",
          `--label ${JSON.stringify(label)} is not a Fabric chaincode label; use a letter or digit, then letters, digits, ".", "+", "-" or "_" (such as serums_1)`,
          { path: "--label", value: label },
        );
      }
      const built = await buildChaincodePackage({
        label,
        outFile: (v.out as string | undefined) ?? "serums.tar.gz",
      });
      const lines = [
        `Wrote ${built.file}`,
        `  package ID ${built.packageId}`,
        `  ${built.files.length} files under src/`,
        ...(built.warnings.length === 0 ? ["  no warnings"] : built.warnings.map((w) => `  warning: ${w}`)),
        "Install it on each site's peer: peer lifecycle chaincode install (docs/fabric-deployment.md).",
      ];
      out(built, `${lines.join("\n")}\n`);
      return 0;
    }
  }
  return 2;
}
