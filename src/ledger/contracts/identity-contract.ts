/**
 * The ledger's registry of identities (DESIGN.md, Keys): for each person or service, its Serums
 * ID, kind, role, site, department and country, and its Ed25519 public key — the key a patient
 * signs their rules with. Nothing personal: no names, no source identifiers.
 *
 * Only an administrator of a site registers its users or rotates their keys. An identity is
 * never deleted; each change is a new version of its key, so the key's history is the
 * identity's history.
 */
import { Contract } from "fabric-contract-api";
import { SerumsError } from "../../errors/index.ts";
import { canonicalJson } from "../canonical-json.ts";
import type { LedgerContext, LedgerStub } from "../contract-context.ts";
import { checkValue, parseArgument, stringArgument } from "./arguments.ts";
import { callerOf, requireAdministrator } from "./caller.ts";
import { identityKey } from "./ledger-keys.ts";
import { readHistory, readState, txStamp, writeState } from "./ledger-state.ts";
import {
  type Identity,
  type IdentityHistory,
  type IdentityRecord,
  identityRecord,
  identity as identitySchema,
  publicKey as publicKeySchema,
  serumsId as serumsIdSchema,
} from "./payloads.ts";

/** The current version of an identity, or undefined when it is not registered. */
export async function readIdentity(stub: LedgerStub, serumsId: string): Promise<IdentityRecord | undefined> {
  return readState(stub, identityRecord, identityKey(stub, serumsId));
}

/** A Serums ID argument, checked. */
export function serumsIdArgument(value: unknown, argument: string): string {
  return checkValue(serumsIdSchema, stringArgument(value, argument), argument);
}

function notRegistered(argument: string): SerumsError {
  return new SerumsError("NOT_FOUND", `${argument} names no identity in the registry`, { path: argument });
}

export class IdentityContract extends Contract {
  constructor() {
    super("identities");
  }

  /** Registers a new identity (JSON of {serumsId, kind, role, site, department?, country?, publicKey}). */
  async register(ctx: LedgerContext, identityJson: string): Promise<string> {
    const identity: Identity = parseArgument(identitySchema, identityJson, "identityJson");
    const caller = callerOf(ctx);
    requireAdministrator(caller, identity.site, "registering an identity of a site");
    const key = identityKey(ctx.stub, identity.serumsId);
    if (await readState(ctx.stub, identityRecord, key)) {
      throw new SerumsError(
        "BAD_REQUEST",
        "identityJson.serumsId is already registered; a registered identity changes by rotateKey",
        { path: "identityJson.serumsId" },
      );
    }
    const record: IdentityRecord = { ...identity, ...txStamp(ctx.stub), version: 1 };
    await writeState(ctx.stub, identityRecord, key, record);
    return canonicalJson(record);
  }

  /** Replaces an identity's public key (base64 of the raw 32 bytes) with a new version. */
  async rotateKey(ctx: LedgerContext, serumsId: string, publicKeyB64: string): Promise<string> {
    const id = serumsIdArgument(serumsId, "serumsId");
    const publicKey = checkValue(
      publicKeySchema,
      stringArgument(publicKeyB64, "publicKeyB64"),
      "publicKeyB64",
    );
    const current = await readIdentity(ctx.stub, id);
    if (!current) throw notRegistered("serumsId");
    requireAdministrator(callerOf(ctx), current.site, "rotating the key of an identity of a site");
    if (current.publicKey === publicKey) {
      throw new SerumsError("BAD_REQUEST", "publicKeyB64 is already the identity's registered key", {
        path: "publicKeyB64",
      });
    }
    const record: IdentityRecord = {
      ...current,
      ...txStamp(ctx.stub),
      publicKey,
      version: current.version + 1,
    };
    await writeState(ctx.stub, identityRecord, identityKey(ctx.stub, id), record);
    return canonicalJson(record);
  }

  /** The identity's current version; NOT_FOUND when it is not registered. */
  async get(ctx: LedgerContext, serumsId: string): Promise<string> {
    const id = serumsIdArgument(serumsId, "serumsId");
    const record = await readIdentity(ctx.stub, id);
    if (!record) throw notRegistered("serumsId");
    return canonicalJson(record);
  }

  /** Every version of the identity, oldest first. */
  async history(ctx: LedgerContext, serumsId: string): Promise<string> {
    const id = serumsIdArgument(serumsId, "serumsId");
    const versions = await readHistory(ctx.stub, identityRecord, identityKey(ctx.stub, id));
    if (versions.length === 0) throw notRegistered("serumsId");
    const result: IdentityHistory = {
      serumsId: id,
      versions: versions.map((v) => v.value).sort((a, b) => a.version - b.version),
    };
    return canonicalJson(result);
  }
}
