/**
 * How accounts come to be. A patient registers themselves: a login name, their secret, the text
 * key (the proposal from the secret, accepted or edited) and optionally a graphical key; they
 * receive their Serums ID and a one-time code to enrol their authenticator. Staff are enrolled
 * by an administrator of their own site (or, for a site's first administrator, from the CLI):
 * the account is created with its site, department and country and a one-time activation code,
 * with which its owner sets their keys and gets their authenticator code. Each is one
 * transaction: a weak key or a taken name leaves nothing behind.
 */
import { createHash, randomBytes } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { createEnrolmentCode, type EnrolmentCode } from "../factors/index.ts";
import { enrolGestureKey, enrolRecognitionKey, enrolTextKey, type KeyStrength } from "../keys/index.ts";
import { recordAuthEvent } from "../login/auth-events.ts";
import type { LoginContext } from "../login/login-context.ts";
import type { AccessClaims } from "../tokens/access-claims.ts";
import { revokeUserSessions } from "../tokens/refresh-tokens.ts";
import type { Role } from "./account-schema.ts";
import { type Account, createAccount, findAccountByLogin, setAccountStatus } from "./accounts.ts";

/** An activation code is good for three days. */
export const ACTIVATION_TTL_MS = 72 * 3600_000;

export type GraphicalChoice =
  | { kind: "recognition"; images: string[] }
  | { kind: "gesture"; background: string; gestures: unknown };

export interface KeyChoice {
  /** The open-ended secret the keys come from (used for the strength check, never stored). */
  secret: string;
  /** The text key: the proposal from the secret, accepted or edited. */
  textKey: string;
  graphical?: GraphicalChoice;
}

export interface KeysSet {
  serumsId: string;
  strength: { text: KeyStrength; graphical?: KeyStrength };
  /** The fixed login grid of a recognition key. */
  grid?: string[];
  /** The code (and QR payload URI) that enrols the user's authenticator. */
  enrolment: EnrolmentCode;
}

async function setKeys(
  context: LoginContext,
  tx: Executor,
  serumsId: string,
  choice: KeyChoice,
): Promise<KeysSet> {
  const options = { ...context.keyPolicy, now: context.now };
  const text = await enrolTextKey(tx, serumsId, choice.textKey, { ...options, secret: choice.secret });
  let graphical: KeyStrength | undefined;
  let grid: string[] | undefined;
  if (choice.graphical?.kind === "recognition") {
    const enrolled = await enrolRecognitionKey(tx, serumsId, choice.graphical.images, options);
    graphical = enrolled.strength;
    grid = enrolled.grid;
  } else if (choice.graphical?.kind === "gesture") {
    graphical = (
      await enrolGestureKey(tx, serumsId, choice.graphical.background, choice.graphical.gestures, options)
    ).strength;
  }
  const enrolment = await createEnrolmentCode(tx, serumsId, context.publicOrigin, context.factors);
  return {
    serumsId,
    strength: { text, ...(graphical ? { graphical } : {}) },
    ...(grid ? { grid } : {}),
    enrolment,
  };
}

/** A patient registers: the account, the keys and an authenticator enrolment code, at once. */
export async function registerPatient(
  context: LoginContext,
  input: { login: string } & KeyChoice,
  client: { addressHash: string },
): Promise<KeysSet> {
  try {
    const result = await context.store.transaction(async (tx) => {
      const account = await createAccount(tx, { login: input.login, role: "patient" }, { now: context.now });
      return setKeys(context, tx, account.serumsId, input);
    });
    await recordAuthEvent(
      context.store,
      { kind: "register", outcome: "success", serumsId: result.serumsId, addressHash: client.addressHash },
      {
        now: context.now,
      },
    );
    return result;
  } catch (error) {
    const reason = error instanceof SerumsError ? error.code.toLowerCase() : "error";
    await recordAuthEvent(
      context.store,
      { kind: "register", outcome: "failure", reason, serumsId: null, addressHash: client.addressHash },
      {
        now: context.now,
      },
    );
    throw error;
  }
}

export interface StaffInput {
  login: string;
  role: Exclude<Role, "patient">;
  site: string;
  department: string;
  country: string;
}

export interface StaffEnrolled {
  account: Account;
  /** Given to the new member of staff, once; they set their keys with it. */
  activationCode: string;
  activationExpiresAt: number;
}

/** Whether an administrator (by their token's claims) may enrol `input`: only at their own site. */
export function checkEnrolmentRight(admin: AccessClaims, input: Pick<StaffInput, "site" | "role">): void {
  if (admin.role !== "administrator") {
    throw new SerumsError("FORBIDDEN", `only an administrator enrols staff; your role is ${admin.role}`, {
      path: "role",
    });
  }
  if (admin.site !== input.site) {
    throw new SerumsError(
      "FORBIDDEN",
      `an administrator of ${JSON.stringify(admin.site)} enrols staff of that site only, not of ${JSON.stringify(input.site)}`,
      { path: "/body/site" },
    );
  }
  if ((input.role as Role) === "patient") {
    throw new SerumsError("BAD_REQUEST", "patients register themselves; enrol staff roles only", {
      path: "/body/role",
    });
  }
}

function newActivationCode(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b & 31]).join("");
  return chars.match(/.{4}/g)!.join("-");
}

function hashActivationCode(code: string): string {
  return createHash("sha256")
    .update(code.toUpperCase().replace(/[^0-9A-Z]/g, ""))
    .digest("hex");
}

/**
 * Enrols a member of staff. `by` is the enrolling administrator's claims, or "cli" for the site's
 * operator at the command line (who creates the first administrator).
 */
export async function enrolStaff(
  context: LoginContext,
  by: AccessClaims | "cli",
  input: StaffInput,
  client: { addressHash: string | null } = { addressHash: null },
): Promise<StaffEnrolled> {
  if (by !== "cli") checkEnrolmentRight(by, input);
  const now = context.now();
  const activationCode = newActivationCode();
  const account = await context.store.transaction(async (tx) => {
    const created = await createAccount(tx, input, { now: context.now });
    await tx.run(
      "INSERT INTO auth_activation (code_hash, serums_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
      [hashActivationCode(activationCode), created.serumsId, now, now + ACTIVATION_TTL_MS],
    );
    return created;
  });
  await recordAuthEvent(
    context.store,
    {
      kind: by === "cli" ? "create_admin" : "enrol_staff",
      outcome: "success",
      serumsId: account.serumsId,
      addressHash: client.addressHash,
    },
    { now: context.now },
  );
  return { account, activationCode, activationExpiresAt: now + ACTIVATION_TTL_MS };
}

/** A new activation code for a staff account (the old ones are voided). */
export async function renewActivation(
  context: LoginContext,
  serumsId: string,
): Promise<{ activationCode: string; activationExpiresAt: number }> {
  const now = context.now();
  const activationCode = newActivationCode();
  await context.store.transaction(async (tx) => {
    await tx.run("DELETE FROM auth_activation WHERE serums_id = $1 AND used_at IS NULL", [serumsId]);
    await tx.run(
      "INSERT INTO auth_activation (code_hash, serums_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
      [hashActivationCode(activationCode), serumsId, now, now + ACTIVATION_TTL_MS],
    );
  });
  return { activationCode, activationExpiresAt: now + ACTIVATION_TTL_MS };
}

/**
 * A member of staff sets their keys with their activation code (single use, 72 hours) and gets
 * their authenticator enrolment code. A wrong or used code, or a login name it is not for, is one
 * answer: UNAUTHENTICATED.
 */
export async function activateAccount(
  context: LoginContext,
  input: { login: string; activationCode: string } & KeyChoice,
  client: { addressHash: string },
): Promise<KeysSet> {
  const now = context.now();
  const refused = new SerumsError(
    "UNAUTHENTICATED",
    "the activation code is not valid for this login name (wrong, used or expired)",
    {
      path: "/body/activationCode",
    },
  );
  const account = await findAccountByLogin(context.store, input.login);
  try {
    const result = await context.store.transaction(async (tx) => {
      const [row] = await tx.all<{ serums_id: string }>(
        `UPDATE auth_activation SET used_at = $2
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING serums_id`,
        [hashActivationCode(input.activationCode), now],
      );
      if (!row || !account || row.serums_id !== account.serumsId || account.status !== "active")
        throw refused;
      return setKeys(context, tx, account.serumsId, input);
    });
    await recordAuthEvent(
      context.store,
      { kind: "activate", outcome: "success", serumsId: result.serumsId, addressHash: client.addressHash },
      {
        now: context.now,
      },
    );
    return result;
  } catch (error) {
    const reason =
      error === refused
        ? "bad_activation"
        : error instanceof SerumsError
          ? error.code.toLowerCase()
          : "error";
    await recordAuthEvent(
      context.store,
      {
        kind: "activate",
        outcome: "failure",
        reason,
        serumsId: account?.serumsId ?? null,
        addressHash: client.addressHash,
      },
      {
        now: context.now,
      },
    );
    throw error;
  }
}

/** Disables an account: it can no longer log in, and its sessions (and their tokens) end now. */
export async function disableAccount(context: LoginContext, serumsId: string): Promise<void> {
  await context.store.transaction(async (tx) => {
    await setAccountStatus(tx, serumsId, "disabled");
    await revokeUserSessions(tx, serumsId, "disabled", { now: context.now });
  });
  await recordAuthEvent(
    context.store,
    { kind: "account_disabled", outcome: "success", serumsId, addressHash: null },
    { now: context.now },
  );
}
