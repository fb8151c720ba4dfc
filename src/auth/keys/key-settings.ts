/**
 * Small shared pieces of the key modules' storage: the account check, and the site's random
 * secret for keyed derivations (the stable decoy grids shown for unknown login names), made on
 * first use and kept in the store.
 */
import { randomBytes } from "node:crypto";
import { SerumsError, showValue } from "../../errors/index.ts";
import type { Executor, Store } from "../../store/index.ts";

/** Throws NOT_FOUND unless `serumsId` is an account. */
export async function requireUser(db: Executor, serumsId: string): Promise<void> {
  const row = await db.get("SELECT serums_id FROM auth_user WHERE serums_id = $1", [serumsId]);
  if (!row) throw new SerumsError("NOT_FOUND", `no account ${showValue(serumsId)}`, { path: "serumsId" });
}

export interface SiteSecret {
  key: Buffer;
  /** When it was made (ms): what existed then is what keyed derivations may draw from. */
  createdAt: number;
}

/** The site's secret named `name`: 32 random bytes, made once (races resolve to one value). */
export async function siteSecret(
  db: Executor,
  name: string,
  now: () => number = Date.now,
): Promise<SiteSecret> {
  const fresh = JSON.stringify({ key: randomBytes(32).toString("base64"), createdAt: now() });
  await db.run("INSERT INTO auth_key_setting (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
    name,
    fresh,
  ]);
  const row = await db.get<{ value: string }>("SELECT value FROM auth_key_setting WHERE name = $1", [name]);
  const parsed = JSON.parse(row!.value) as { key: string; createdAt: number };
  return { key: Buffer.from(parsed.key, "base64"), createdAt: parsed.createdAt };
}

/**
 * Runs `work` in one transaction: a new one when `db` is a Store, or the caller's when `db` is
 * already a transaction's executor.
 */
export function inTransaction<T>(db: Executor, work: (tx: Executor) => Promise<T>): Promise<T> {
  const store = db as Partial<Store>;
  return typeof store.transaction === "function" ? store.transaction(work) : work(db);
}
