/** What second factors a user has, for their account page and the login page's choices. No secrets. */
import type { Executor } from "../../store/index.ts";
import { type Authenticator, listAuthenticators } from "./authenticators.ts";
import type { FactorKeys } from "./factor-keys.ts";
import { listPasskeys, type Passkey } from "./passkeys.ts";
import { remainingRecoveryCodes } from "./recovery-codes.ts";
import { smsPhoneHint } from "./sms-codes.ts";
import { hasTotp } from "./totp.ts";

export interface FactorSummary {
  authenticators: Pick<Authenticator, "id" | "label" | "status" | "createdAt" | "lastUsedAt">[];
  totp: boolean;
  passkeys: Passkey[];
  /** The confirmed phone's last two digits ("…23"), or null. */
  sms: string | null;
  recoveryCodesLeft: number;
}

export async function factorSummary(
  db: Executor,
  serumsId: string,
  keys: FactorKeys,
): Promise<FactorSummary> {
  const authenticators = await listAuthenticators(db, serumsId);
  return {
    authenticators: authenticators.map(({ id, label, status, createdAt, lastUsedAt }) => ({
      id,
      label,
      status,
      createdAt,
      lastUsedAt,
    })),
    totp: await hasTotp(db, serumsId),
    passkeys: await listPasskeys(db, serumsId),
    sms: (await smsPhoneHint(db, serumsId, { keys })) ?? null,
    recoveryCodesLeft: await remainingRecoveryCodes(db, serumsId),
  };
}

/** The active authenticators' Ed25519 public keys (base64url): for the ledger's identity registry. */
export async function authenticatorPublicKeys(db: Executor, serumsId: string): Promise<string[]> {
  return (await listAuthenticators(db, serumsId))
    .filter((a) => a.status === "active")
    .map((a) => a.publicKey);
}
