/**
 * `serums ledger certificates` and `serums ledger revoke`: the certificates this machine holds
 * for the consortium (every D/users/<site>/<name>.cert.json: the identities `ledger init` issued
 * and the doctors `ledger demo` registered), each with its fingerprint and whether the ledger's
 * revocation list names it; and a revocation, as the config update the engine requires — the
 * approvals of administrators of a majority of sites (their signer files here), submitted by the
 * first of them and endorsed by the policy like any transaction.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";
import {
  type Approval,
  type Certificate,
  certificateFingerprint,
  checkCertificate,
  compileConsortium,
  decodeRevocationList,
  REVOCATIONS_KEY,
  REVOKE_FUNCTION,
  type Revocation,
  type RevocationList,
  requiredAdminSites,
  revocationStatement,
  type Signer,
  SYSTEM_CONTRACT,
  signBytes,
} from "../../ledger/index.ts";
import type { LedgerSession } from "./ledger-context.ts";

export interface CertificateRow {
  fingerprint: string;
  /** The file's name under D/users/<site>/ (administrator, lake, doctor-<id>, …). */
  name: string;
  serumsId: string;
  site: string;
  role: string;
  department?: string;
  issuedAt: string;
  expiresAt?: string;
  revoked?: Revocation;
}

export interface CertificatesReport {
  certificates: CertificateRow[];
  /** Every revocation on the ledger, including of certificates this machine does not hold. */
  revocations: Revocation[];
}

const FINGERPRINT = /^[0-9a-f]{64}$/;

/** Every certificate file under D/users, in site and name order. */
export function localCertificates(dir: string): { name: string; certificate: Certificate }[] {
  const users = path.join(dir, "users");
  if (!existsSync(users)) return [];
  const found: { name: string; certificate: Certificate }[] = [];
  for (const site of readdirSync(users).sort()) {
    const folder = path.join(users, site);
    for (const file of readdirSync(folder).sort()) {
      if (!file.endsWith(".cert.json")) continue;
      const where = path.join(folder, file);
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(where, "utf8"));
      } catch (error) {
        throw new SerumsError("BAD_CONFIG", `${where}: not JSON (${(error as Error).message})`, {
          file: where,
        });
      }
      found.push({ name: file.slice(0, -".cert.json".length), certificate: checkCertificate(value, where) });
    }
  }
  return found;
}

/** The revocation list in the committed state of a running peer. */
export async function revocationList(session: LedgerSession): Promise<RevocationList> {
  const site = session.network.runningSites[0];
  if (!site) throw new SerumsError("LEDGER", "no peer is running");
  const value = await session.network.peer(site).getState(REVOCATIONS_KEY);
  return decodeRevocationList(value === undefined ? undefined : Buffer.from(value).toString("base64"));
}

export async function listCertificates(session: LedgerSession): Promise<CertificatesReport> {
  const list = await revocationList(session);
  const certificates = localCertificates(session.location.dir).map(({ name, certificate: c }) => {
    const fingerprint = certificateFingerprint(c);
    const revoked = list.get(fingerprint);
    const row: CertificateRow = {
      fingerprint,
      name,
      serumsId: c.serumsId,
      site: c.site,
      role: c.role,
      ...(c.department === undefined ? {} : { department: c.department }),
      issuedAt: c.issuedAt,
      ...(c.expiresAt === undefined ? {} : { expiresAt: c.expiresAt }),
      ...(revoked ? { revoked } : {}),
    };
    return row;
  });
  return { certificates, revocations: [...list.values()] };
}

export interface RevokeReport {
  txId: string;
  revoked: Revocation;
  certificate: CertificateRow;
  revocations: Revocation[];
}

/**
 * Revokes the certificate with this fingerprint: NOT_FOUND when no certificate file here has it,
 * BAD_USAGE when it is already revoked (both input errors, exit 2); the engine itself checks the
 * approvals again and refuses anything short of its rule.
 */
export async function revokeCertificate(
  session: LedgerSession,
  fingerprint: string,
  reason: string,
): Promise<RevokeReport> {
  if (!FINGERPRINT.test(fingerprint)) {
    throw new SerumsError(
      "BAD_USAGE",
      `--cert ${JSON.stringify(fingerprint)} is not a certificate fingerprint; expected 64 lower-case hex digits (serums ledger certificates lists them)`,
      { path: "--cert", value: fingerprint },
    );
  }
  if (reason.trim() === "" || reason.length > 500) {
    throw new SerumsError("BAD_USAGE", "--reason must be non-empty text of at most 500 characters", {
      path: "--reason",
    });
  }
  const before = await listCertificates(session);
  const target = before.certificates.find((c) => c.fingerprint === fingerprint);
  const already = before.revocations.find((r) => r.fingerprint === fingerprint);
  if (already) {
    throw new SerumsError(
      "BAD_USAGE",
      `certificate ${fingerprint} is already revoked (transaction ${already.txId} at ${already.revokedAt}: ${already.reason}); revocations are final`,
      { path: "--cert", value: fingerprint },
    );
  }
  if (!target) {
    throw new SerumsError(
      "NOT_FOUND",
      `--cert ${fingerprint} is no certificate of the consortium at ${session.location.dir}; serums ledger certificates lists them`,
      { path: "--cert", value: fingerprint },
    );
  }
  // The administrators of a majority of sites approve: never the certificate's own holder.
  const config = session.consortium.config;
  const needed = requiredAdminSites(compileConsortium(config));
  const statement = revocationStatement(config.channel, fingerprint, reason);
  const approvers: Signer[] = [];
  for (const site of config.sites.map((s) => s.id)) {
    if (approvers.length === needed) break;
    const admin = session.signer(site, "administrator");
    const adminPrint = certificateFingerprint(admin.certificate);
    if (adminPrint === fingerprint || before.revocations.some((r) => r.fingerprint === adminPrint)) continue;
    approvers.push(admin);
  }
  if (approvers.length < needed) {
    throw new SerumsError(
      "FORBIDDEN",
      `revoking a certificate needs the approval of administrators of ${needed} of the ${config.sites.length} sites; only ${approvers.length} administrator(s) here can approve`,
    );
  }
  const approvals: Approval[] = approvers.map((admin) => ({
    certificate: admin.certificate,
    signature: signBytes(admin.privateKey, statement),
  }));
  const request = JSON.stringify({ fingerprint, reason, approvals });
  const { txId, result } = await session.network.submit(approvers[0]!, SYSTEM_CONTRACT, REVOKE_FUNCTION, [
    request,
  ]);
  const revoked = JSON.parse(result) as Revocation;
  const after = await revocationList(session);
  return { txId, revoked, certificate: target, revocations: [...after.values()] };
}

function who(c: CertificateRow): string {
  return `${c.serumsId} ${c.role}${c.department ? ` (${c.department})` : ""} at ${c.site}`;
}

export function renderCertificates(report: CertificatesReport): string {
  const lines = [`${report.certificates.length} certificates here (D/users):`];
  for (const c of report.certificates) {
    const expires = c.expiresAt ? `expires ${c.expiresAt}` : "no expiry";
    const status = c.revoked
      ? `REVOKED by ${c.revoked.txId} at ${c.revoked.revokedAt} (approved by ${c.revoked.approvedBy.join(", ")}): ${c.revoked.reason}`
      : "in force";
    lines.push(
      `  ${c.fingerprint}`,
      `      ${c.name}: ${who(c)}; issued ${c.issuedAt}, ${expires}; ${status}`,
    );
  }
  const elsewhere = report.revocations.filter(
    (r) => !report.certificates.some((c) => c.fingerprint === r.fingerprint),
  );
  if (elsewhere.length > 0) {
    lines.push("Revoked certificates not held here:");
    for (const r of elsewhere) lines.push(`  ${r.fingerprint} by ${r.txId} at ${r.revokedAt}: ${r.reason}`);
  }
  return `${lines.join("\n")}\n`;
}

export function renderRevoke(report: RevokeReport): string {
  const lines = [
    `Revoked ${report.certificate.fingerprint} (${who(report.certificate)}) in transaction ${report.txId},`,
    `approved by the administrators of ${report.revoked.approvedBy.join(", ")}. From now on every peer refuses its proposals.`,
    `Revocation list (${report.revocations.length}):`,
    ...report.revocations.map((r) => `  ${r.fingerprint} by ${r.txId} at ${r.revokedAt}: ${r.reason}`),
  ];
  return `${lines.join("\n")}\n`;
}
