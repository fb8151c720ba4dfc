/** What the auth routes use from the auth modules, in one place. */
import { type Account, getAccount } from "../../auth/accounts/index.ts";
import type { LoginContext } from "../../auth/login/index.ts";
import { SerumsError } from "../../errors/index.ts";

export { finishLogin, type LoginKey, logout, refreshTokens, startLogin } from "../../auth/login/index.ts";

/** The token holder's account; a token whose account is gone is UNAUTHENTICATED. */
export async function getAccountOrThrow(context: LoginContext, serumsId: string): Promise<Account> {
  const account = await getAccount(context.store, serumsId);
  if (account?.status !== "active") {
    throw new SerumsError("UNAUTHENTICATED", "the access token's account is not active");
  }
  return account;
}
