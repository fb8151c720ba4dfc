/** What every command that touches data needs: the configured store, migrated. */
import { readConfig } from "../config/index.ts";
import { recordMigrations } from "../record/index.ts";
import { openStore, type Store } from "../store/index.ts";

export async function openConfiguredStore(flags: { db?: string | undefined }): Promise<Store> {
  const config = readConfig(process.env, flags.db === undefined ? {} : { db: flags.db });
  return openStore(config.store, { migrations: recordMigrations });
}

/** Runs `work` with the store and closes it whatever happens. */
export async function withStore<T>(
  flags: { db?: string | undefined },
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openConfiguredStore(flags);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
