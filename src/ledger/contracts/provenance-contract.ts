/**
 * The provenance contract: one transaction per record assembly notarises its steps — the
 * request, each fetch from a source system with the hash of what was fetched, mapping, masking,
 * encryption, delivery — as one event, under the delivery's ID (notarised once, never again).
 *
 * A delivery refers to the access decision that allowed it (`accessTxId`, the `decide`
 * transaction), which must be in the patient's access log. Only hashes, step names, times and
 * source system names are written: never the data itself.
 */
import { Contract } from "fabric-contract-api";
import { SerumsError } from "../../errors/index.ts";
import { canonicalBytes, canonicalJson } from "../canonical-json.ts";
import type { LedgerContext } from "../contract-context.ts";
import { checkValue, parseArgument, stringArgument } from "./arguments.ts";
import {
  ADMINISTRATOR_ROLE,
  callerOf,
  requirePatientOrHomeSite,
  requireService,
  SERVICE_ROLE,
} from "./caller.ts";
import { readIdentity } from "./identity-contract.ts";
import { accessKey, provenanceKey } from "./ledger-keys.ts";
import { readState, txStamp, writeState } from "./ledger-state.ts";
import {
  accessLogEntry,
  type Delivery,
  delivery as deliverySchema,
  opaqueId,
  type ProvenanceRecord,
  provenanceRecord,
} from "./payloads.ts";

/** The event each notarisation emits; its payload is the record's canonical JSON. */
export const PROVENANCE_EVENT = "provenance";

export class ProvenanceContract extends Contract {
  constructor() {
    super("provenance");
  }

  /**
   * Notarises a delivery: {deliveryId, patient, accessTxId, steps: [{step, at, sha256, source?}]},
   * steps in time order, request first and deliver last. The caller is a site's service.
   */
  async notarise(ctx: LedgerContext, deliveryJson: string): Promise<string> {
    const caller = callerOf(ctx);
    requireService(caller, "notarising a delivery");
    const value: Delivery = parseArgument(deliverySchema, deliveryJson, "deliveryJson");
    const key = provenanceKey(ctx.stub, value.deliveryId);
    if (await readState(ctx.stub, provenanceRecord, key)) {
      throw new SerumsError(
        "BAD_REQUEST",
        "deliveryJson.deliveryId is already notarised; a delivery is notarised once",
        {
          path: "deliveryJson.deliveryId",
          value: value.deliveryId,
        },
      );
    }
    const access = await readState(
      ctx.stub,
      accessLogEntry,
      accessKey(ctx.stub, value.patient, value.accessTxId),
    );
    if (!access) {
      throw new SerumsError(
        "NOT_FOUND",
        "deliveryJson.accessTxId names no access decision in the patient's access log",
        { path: "deliveryJson.accessTxId", value: value.accessTxId },
      );
    }
    if (access.allowed.length === 0) {
      throw new SerumsError(
        "BAD_REQUEST",
        "deliveryJson.accessTxId names an access decision that allowed nothing; there is nothing to deliver",
        { path: "deliveryJson.accessTxId", value: value.accessTxId },
      );
    }
    const record: ProvenanceRecord = {
      deliveryId: value.deliveryId,
      patient: value.patient,
      accessTxId: value.accessTxId,
      steps: value.steps.map(({ step, at, sha256, source }) =>
        source === undefined ? { step, at, sha256 } : { step, at, sha256, source },
      ),
      ...txStamp(ctx.stub),
      site: caller.site,
      by: caller.serumsId,
    };
    await writeState(ctx.stub, provenanceRecord, key, record);
    ctx.stub.setEvent(PROVENANCE_EVENT, canonicalBytes(record));
    return canonicalJson(record);
  }

  /**
   * The provenance of a delivery; for the patient, an administrator of their home site, or any
   * site's service (the one that delivered may be another site's).
   */
  async provenance(ctx: LedgerContext, deliveryId: string): Promise<string> {
    const id = checkValue(opaqueId, stringArgument(deliveryId, "deliveryId"), "deliveryId");
    const record = await readState(ctx.stub, provenanceRecord, provenanceKey(ctx.stub, id));
    if (!record)
      throw new SerumsError("NOT_FOUND", "deliveryId names no notarised delivery", { path: "deliveryId" });
    const caller = callerOf(ctx);
    if (caller.role !== SERVICE_ROLE) {
      const identity = await readIdentity(ctx.stub, record.patient);
      requirePatientOrHomeSite(
        caller,
        record.patient,
        identity?.site,
        [ADMINISTRATOR_ROLE],
        "reading a delivery's provenance",
      );
    }
    return canonicalJson(record);
  }
}
