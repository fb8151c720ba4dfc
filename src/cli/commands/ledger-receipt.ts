/**
 * Receipts of the access log (`serums ledger receipt` and `check-receipt`). A receipt is the exact
 * bytes of one access-log entry, its index, the log's checkpoint cosigned by the running peers
 * as witnesses, and the inclusion proof from the entry to that checkpoint's root (merkle/
 * receipt.ts). Checking one is offline: it needs the receipt and the consortium's public config
 * (each site's peer key, which signs as that site's witness) — no key, store or network.
 */
import { existsSync, readFileSync } from "node:fs";
import { SerumsError } from "../../errors/index.ts";
import {
  type ConsortiumConfig,
  checkReceipt,
  decodePublicKey,
  type NoteVerifier,
  type Receipt,
  readUnverifiedCheckpoint,
  requiredEndorsements,
  toBase64,
} from "../../ledger/index.ts";
import { ACCESS_LOG, type LedgerSession } from "./ledger-context.ts";
import { describeAllowed, requesterText } from "./ledger-history.ts";

const TX_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The receipt of the access-log entry of transaction `txId`, cosigned by every running peer. */
export async function accessReceipt(session: LedgerSession, txId: string): Promise<Receipt> {
  if (!TX_ID.test(txId)) {
    throw new SerumsError(
      "BAD_USAGE",
      `TXID ${JSON.stringify(txId)} is not a transaction ID; use one that decide or history printed`,
      {
        path: "TXID",
        value: txId,
      },
    );
  }
  const { network } = session;
  const peer = network.peer(network.runningSites[0]!);
  const place = (await peer.logEntries(txId)).find((e) => e.name === ACCESS_LOG);
  if (!place) {
    throw new SerumsError(
      "NOT_FOUND",
      `no access-log entry has transaction ID ${txId}; a receipt is of an access decision (serums ledger history PATIENT lists their tx IDs)`,
      { path: "TXID", value: txId },
    );
  }
  const note = network.cosignedCheckpoint(ACCESS_LOG);
  const { size } = readUnverifiedCheckpoint(note);
  const receipt: Receipt = {
    version: 1,
    entry: toBase64(place.entry),
    index: place.index,
    checkpoint: note,
    inclusion: peer.logs.inclusionProof(ACCESS_LOG, place.index, size).map(toBase64),
  };
  // Never hand out a receipt that does not check.
  checkReceipt(receipt, witnessesOf(session.consortium.config), network.runningSites.length);
  return receipt;
}

/** Each site's witness: its name and its peer's public key. */
export function witnessesOf(config: ConsortiumConfig): NoteVerifier[] {
  return config.sites.map((site) => ({ name: site.id, publicKey: decodePublicKey(site.peerPublicKey) }));
}

export interface CheckedReceipt {
  verified: true;
  signedBy: string[];
  quorum: number;
  witnesses: number;
  log: string;
  index: number;
  logSize: number;
  entry: {
    txId: string;
    at: string;
    patient: string;
    requester: { serumsId: string; role: string; site: string; department?: string };
    purpose: string;
    asked: string[];
    allowed: string[];
    denied: string[];
    exclusions: { category: string; except: string[] }[];
    breakGlass: boolean;
  };
}

function readJsonFile(file: string, what: string): unknown {
  if (!existsSync(file)) throw new SerumsError("NOT_FOUND", `${file}: no such file (${what})`, { file });
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SerumsError("BAD_REQUEST", `${file}: the ${what} is not JSON (${(error as Error).message})`, {
      file,
    });
  }
}

/** The fields an access-log entry must have, or BAD_REQUEST naming the receipt. */
function entryOf(file: string, bytes: Uint8Array): CheckedReceipt["entry"] {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch {
    throw new SerumsError("BAD_REQUEST", `${file}: the entry is not JSON; it is not an access-log entry`, {
      file,
      path: "entry",
    });
  }
  const requester = value?.requester as CheckedReceipt["entry"]["requester"] | undefined;
  const ok =
    typeof value?.txId === "string" &&
    typeof value.at === "string" &&
    typeof value.patient === "string" &&
    typeof value.purpose === "string" &&
    typeof value.breakGlass === "boolean" &&
    Array.isArray(value.allowed) &&
    Array.isArray(value.denied) &&
    typeof requester?.serumsId === "string";
  if (!ok) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${file}: the entry is not an access-log entry (txId, at, patient, requester, purpose, allowed, denied, breakGlass)`,
      {
        file,
        path: "entry",
      },
    );
  }
  return {
    txId: value.txId as string,
    at: value.at as string,
    patient: value.patient as string,
    requester: {
      serumsId: requester!.serumsId,
      role: requester!.role,
      site: requester!.site,
      ...(requester!.department ? { department: requester!.department } : {}),
    },
    purpose: value.purpose as string,
    asked: (value.asked as string[] | undefined) ?? [],
    allowed: value.allowed as string[],
    denied: value.denied as string[],
    exclusions: (value.exclusions as CheckedReceipt["entry"]["exclusions"] | undefined) ?? [],
    breakGlass: value.breakGlass as boolean,
  };
}

/**
 * Checks a receipt file against a consortium's public config. TAMPERED (exit 1) when it does
 * not verify — a wrong witness signature, too few of the consortium's witnesses, an entry not in
 * the signed log, or another log; BAD_REQUEST (exit 2) when the file is not a receipt.
 */
export function checkReceiptFile(file: string, config: ConsortiumConfig, quorum?: number): CheckedReceipt {
  const witnesses = witnessesOf(config);
  const needed = quorum ?? requiredEndorsements({ ...config, endorsementPolicy: "majority" });
  if (!Number.isInteger(needed) || needed < 1 || needed > witnesses.length) {
    throw new SerumsError(
      "BAD_USAGE",
      `--quorum ${quorum} must be a whole number from 1 to ${witnesses.length} (the consortium's sites)`,
      { path: "--quorum", value: quorum },
    );
  }
  const receipt = readJsonFile(file, "receipt");
  let checked: ReturnType<typeof checkReceipt>;
  try {
    checked = checkReceipt(receipt, witnesses, needed);
  } catch (error) {
    if (error instanceof SerumsError && (error.code === "TAMPERED" || error.code === "BAD_SIGNATURE")) {
      throw new SerumsError("TAMPERED", `${file} does not verify: ${error.message}`, { file });
    }
    if (error instanceof SerumsError)
      throw new SerumsError(error.code, `${file}: ${error.message}`, { ...error.where, file });
    throw error;
  }
  const log = `${config.channel}/${ACCESS_LOG}`;
  if (checked.checkpoint.origin !== log) {
    throw new SerumsError(
      "TAMPERED",
      `${file} does not verify: its checkpoint is of the log ${JSON.stringify(checked.checkpoint.origin)}, not of this consortium's access log ${JSON.stringify(log)}`,
      { file },
    );
  }
  return {
    verified: true,
    signedBy: checked.signedBy,
    quorum: needed,
    witnesses: witnesses.length,
    log,
    index: checked.index,
    logSize: checked.checkpoint.size,
    entry: entryOf(file, checked.entry),
  };
}

export function renderChecked(file: string, checked: CheckedReceipt): string {
  const { entry } = checked;
  const rows: [string, string][] = [
    ["tx", entry.txId],
    ["time", entry.at],
    ["patient", entry.patient],
    ["requester", requesterText(entry.requester as Parameters<typeof requesterText>[0])],
    ["purpose", entry.purpose],
    ["asked", entry.asked.join(", ")],
    ["allowed", describeAllowed(entry.allowed, entry.exclusions)],
    ["denied", entry.denied.join(", ") || "nothing"],
    ["breakGlass", entry.breakGlass ? "YES (the patient is told)" : "no"],
    ["log", `${checked.log}, entry ${checked.index} of ${checked.logSize}`],
  ];
  return [
    `${file}: verified: signed by ${checked.signedBy.join(", ")} (${checked.signedBy.length} of ${checked.witnesses} witnesses; ${checked.quorum} required)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(10)} ${v}`),
    "",
  ].join("\n");
}
