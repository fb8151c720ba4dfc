/**
 * Who is calling, and what they may do. The caller's identity comes from the transaction's
 * client identity: on the embedded engine from the registry of identities, on Fabric from the
 * caller's certificate (MSP ID = site; attributes serums_id, role, department, country).
 *
 * Refusals are FORBIDDEN errors that name the role and site the action needs, never the
 * caller's or anyone's Serums ID.
 */
import { SerumsError } from "../../errors/index.ts";
import type { LedgerContext } from "../contract-context.ts";
import { SERUMS_ID } from "./payloads.ts";

/** The role of a site's administrators: they register identities, publish site rules and policy. */
export const ADMINISTRATOR_ROLE = "administrator";
/** The role of a site's service (its lake): it asks for decisions and notarises deliveries. */
export const SERVICE_ROLE = "lake";

export interface Caller {
  /** The caller's Serums ID; empty when the identity carries none. */
  serumsId: string;
  site: string;
  role: string;
  department?: string;
  country?: string;
}

export function callerOf(ctx: LedgerContext): Caller {
  const identity = ctx.clientIdentity;
  const attribute = (name: string): string | undefined => identity.getAttributeValue(name) ?? undefined;
  // On Fabric getID() is the certificate's subject (which may hold a name): only a value that is
  // a Serums ID is taken as one.
  const claimed = attribute("serums_id") ?? identity.getID();
  const caller: Caller = {
    serumsId: SERUMS_ID.test(claimed) ? claimed : "",
    site: identity.getMSPID(),
    role: attribute("role") ?? "",
  };
  const department = attribute("department");
  const country = attribute("country");
  if (department !== undefined) caller.department = department;
  if (country !== undefined) caller.country = country;
  return caller;
}

function forbidden(message: string): SerumsError {
  return new SerumsError("FORBIDDEN", message);
}

/** The caller's Serums ID, which every write records; FORBIDDEN when the identity has none. */
export function requireSerumsId(caller: Caller, action: string): string {
  if (!caller.serumsId) {
    throw forbidden(
      `${action} needs a caller whose identity carries a serums_id attribute holding a Serums ID`,
    );
  }
  return caller.serumsId;
}

export function isAdministratorOf(caller: Caller, site: string): boolean {
  return caller.role === ADMINISTRATOR_ROLE && caller.site === site;
}

export function isServiceOf(caller: Caller, site: string): boolean {
  return caller.role === SERVICE_ROLE && caller.site === site;
}

/** FORBIDDEN unless the caller is an administrator of `site`. */
export function requireAdministrator(caller: Caller, site: string, action: string): void {
  if (!isAdministratorOf(caller, site)) {
    throw forbidden(
      `${action} needs role "${ADMINISTRATOR_ROLE}" of site "${site}"; the caller has role "${caller.role}" of site "${caller.site}"`,
    );
  }
  requireSerumsId(caller, action);
}

/** FORBIDDEN unless the caller is a site's service. */
export function requireService(caller: Caller, action: string): void {
  if (caller.role !== SERVICE_ROLE) {
    throw forbidden(
      `${action} needs role "${SERVICE_ROLE}" (a site's service); the caller has role "${caller.role}"`,
    );
  }
  requireSerumsId(caller, action);
}

/**
 * FORBIDDEN unless the caller is the patient, or has one of `roles` at the patient's home site
 * (`homeSite`, undefined when the patient is not registered).
 */
export function requirePatientOrHomeSite(
  caller: Caller,
  patient: string,
  homeSite: string | undefined,
  roles: readonly string[],
  action: string,
): void {
  if (caller.serumsId !== "" && caller.serumsId === patient) return;
  if (homeSite !== undefined && caller.site === homeSite && roles.includes(caller.role)) return;
  const who = roles.map((role) => `role "${role}"`).join(" or ");
  throw forbidden(
    `${action} is for the patient themselves or ${who} of the patient's home site${homeSite ? ` "${homeSite}"` : ""}`,
  );
}
