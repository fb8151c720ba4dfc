/**
 * `serums ledger history PATIENT`: a patient's access history — every decision the ledger logged
 * about their record, in time order, break-glass flagged — read as their home site's
 * administrator. Only Serums IDs, roles, sites, categories and purposes: no personal data.
 */
import { SerumsError } from "../../errors/index.ts";
import type { AccessHistory, AccessLogEntry } from "../../ledger/index.ts";
import { isSerumsId } from "../../record/index.ts";
import type { LedgerSession } from "./ledger-context.ts";

/** "person, event (except event:genetic_test)" — what an entry allowed, with its exclusions. */
export function describeAllowed(
  allowed: readonly string[],
  exclusions: readonly { category: string; except: readonly string[] }[],
): string {
  if (allowed.length === 0) return "nothing";
  return allowed
    .map((category) => {
      const except = exclusions.find((e) => e.category === category)?.except ?? [];
      return except.length > 0 ? `${category} (except ${except.join(", ")})` : category;
    })
    .join(", ");
}

export function requesterText(requester: AccessLogEntry["requester"]): string {
  const where = requester.department ? `${requester.department}, ${requester.site}` : requester.site;
  return `${requester.serumsId} (${requester.role}, ${where})`;
}

export function renderHistory(history: AccessHistory, indent = ""): string {
  const count = history.entries.length;
  const lines = [
    `${indent}Access history of ${history.patient}: ${count} ${count === 1 ? "entry" : "entries"}, ${history.breakGlassCount} break-glass`,
  ];
  for (const entry of history.entries) {
    const flag = entry.breakGlass ? "  BREAK-GLASS" : "";
    lines.push(
      `${indent}  ${entry.at}  ${entry.purpose}  by ${requesterText(entry.requester)}${flag}`,
      `${indent}    allowed: ${describeAllowed(entry.allowed, entry.exclusions)}; denied: ${entry.denied.join(", ") || "nothing"}`,
      `${indent}    tx ${entry.txId}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Reads the patient's history as the administrator of their home site. */
export async function patientHistory(session: LedgerSession, patient: string): Promise<AccessHistory> {
  if (!isSerumsId(patient)) {
    throw new SerumsError(
      "BAD_USAGE",
      `PATIENT ${JSON.stringify(patient)} is not a Serums ID; expected one such as srm-7k3m-9qx2-hv4t-8dpa`,
      { path: "PATIENT", value: patient },
    );
  }
  const sites = session.consortium.config.sites.map((s) => s.id);
  const anyone = session.service(session.signer(sites[0]!, "administrator"));
  let home: string;
  try {
    const identity = await anyone.identity(patient);
    if (identity.kind !== "patient") {
      throw new SerumsError("NOT_FOUND", `${patient} is registered as ${identity.kind}, not as a patient`, {
        path: "PATIENT",
        value: patient,
      });
    }
    home = identity.site;
  } catch (error) {
    if (error instanceof SerumsError && error.code === "NOT_FOUND" && !/registered as/.test(error.message)) {
      throw new SerumsError("NOT_FOUND", `no patient ${patient} in the ledger's registry of identities`, {
        path: "PATIENT",
        value: patient,
      });
    }
    throw error;
  }
  return session.service(session.signer(home, "administrator")).accessHistory(patient);
}
