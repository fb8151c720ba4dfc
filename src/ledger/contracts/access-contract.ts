/**
 * The access contract: a site's lake asks whether one of its users may see parts of a patient's
 * record for a purpose. In one transaction the contract reads the rules in force, lets
 * src/access's pure `decide` evaluate them (deny overrides, default deny, break-glass), writes
 * the access-log entry and emits it as the "log:access" event (which the engine appends to the
 * access log's Merkle log), and returns the decision — so no access can happen without its entry.
 *
 * The decision is made as of the transaction's timestamp, which every endorser sees alike; a time
 * given in the request is replaced by it, so a request cannot be back- or forward-dated.
 */
import { createHash } from "node:crypto";
import { Contract } from "fabric-contract-api";
import type { AccessRequest } from "../../access/index.ts";
import { decide, parseAccessRequest } from "../../access/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { canonicalBytes, canonicalJson } from "../canonical-json.ts";
import type { LedgerContext } from "../contract-context.ts";
import { checkValue, parseJsonText, withParser } from "./arguments.ts";
import { ADMINISTRATOR_ROLE, callerOf, requirePatientOrHomeSite, requireService } from "./caller.ts";
import { readIdentity, serumsIdArgument } from "./identity-contract.ts";
import { accessKey, KEY_TYPES } from "./ledger-keys.ts";
import { readRange, txStamp, writeState } from "./ledger-state.ts";
import {
  type AccessHistory,
  type AccessLogEntry,
  accessLogEntry,
  type DecideResult,
  requesterOnLedger,
} from "./payloads.ts";
import { readRulesInForce } from "./rules-in-force.ts";

/** The event each decision emits; its payload is the entry's canonical JSON. */
export const ACCESS_LOG_EVENT = "log:access";

/** The request in `requestJson`, parsed by src/access, with `at` set to the transaction's time. */
function requestArgument(requestJson: unknown, at: string): AccessRequest {
  const value = parseJsonText(requestJson, "requestJson");
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SerumsError("BAD_REQUEST", "requestJson is not an object; expected an access request", {
      path: "requestJson",
    });
  }
  const request = withParser("requestJson", () => parseAccessRequest({ ...value, at }), "request");
  return { ...request, at };
}

/** The requester as the log records them: the claims' ledger fields only. */
function requesterOf(request: AccessRequest): AccessLogEntry["requester"] {
  const { serumsId, role, site, department, country } = request.requester;
  const requester: AccessLogEntry["requester"] = { serumsId, role, site };
  if (department !== undefined) requester.department = department;
  if (country !== undefined) requester.country = country;
  return checkValue(requesterOnLedger, requester, "requestJson.requester");
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export class AccessContract extends Contract {
  constructor() {
    super("access");
  }

  /**
   * Decides an access request (src/access's AccessRequest as JSON; `at` may be left out), logs
   * it, and returns the decision with the transaction's ID and time.
   */
  async decide(ctx: LedgerContext, requestJson: string): Promise<string> {
    const caller = callerOf(ctx);
    requireService(caller, "asking for an access decision");
    const { at, txId } = txStamp(ctx.stub);
    const request = requestArgument(requestJson, at);
    if (request.requester.site !== caller.site) {
      throw new SerumsError(
        "FORBIDDEN",
        `a site's service asks only for its own users: requestJson.requester.site must be "${caller.site}"`,
      );
    }
    const requester = requesterOf(request);
    const patient = await readIdentity(ctx.stub, request.patient);
    if (patient?.kind !== "patient") {
      throw new SerumsError(
        "NOT_FOUND",
        "requestJson.patient names no patient in the registry of identities",
        {
          path: "requestJson.patient",
        },
      );
    }
    const { rules, policy } = await readRulesInForce(
      ctx.stub,
      request.requester,
      request.patient,
      patient.site,
    );
    const decision = decide(request, rules, policy);
    const entry: AccessLogEntry = {
      txId,
      at,
      requester,
      patient: request.patient,
      purpose: request.purpose,
      asked: [...request.categories],
      allowed: [...decision.allowed],
      denied: [...decision.denied],
      breakGlass: decision.breakGlass,
      exclusions: decision.categories
        .filter((d) => d.allowed && d.except.length > 0)
        .map(({ category, except }) => ({ category, except: [...except] })),
      decidingRules: decision.decidingRules.map(({ id, version }) => ({ id, version })),
    };
    if (decision.breakGlass && request.reason !== undefined) entry.reasonSha256 = sha256Hex(request.reason);
    await writeState(ctx.stub, accessLogEntry, accessKey(ctx.stub, request.patient, txId), entry);
    ctx.stub.setEvent(ACCESS_LOG_EVENT, canonicalBytes(entry));
    const result: DecideResult = {
      txId,
      at,
      allowed: entry.allowed,
      denied: entry.denied,
      categories: decision.categories.map(({ category, allowed, basis, except, rules }) => ({
        category,
        allowed,
        basis,
        except: [...except],
        rules: rules.map(({ id, version }) => ({ id, version })),
      })),
      breakGlass: entry.breakGlass,
      decidingRules: entry.decidingRules,
    };
    return canonicalJson(result);
  }

  /**
   * A patient's access log in time order, break-glass entries flagged; for the patient
   * themselves or an administrator of their home site.
   */
  async accessHistory(ctx: LedgerContext, patient: string): Promise<string> {
    const patientId = serumsIdArgument(patient, "patient");
    const identity = await readIdentity(ctx.stub, patientId);
    requirePatientOrHomeSite(
      callerOf(ctx),
      patientId,
      identity?.site,
      [ADMINISTRATOR_ROLE],
      "reading a patient's access history",
    );
    const rows = await readRange(ctx.stub, accessLogEntry, KEY_TYPES.access, [patientId]);
    const entries = rows
      .map((row) => row.value)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0));
    const result: AccessHistory = {
      patient: patientId,
      entries,
      breakGlassCount: entries.filter((entry) => entry.breakGlass).length,
    };
    return canonicalJson(result);
  }
}
