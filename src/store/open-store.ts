/** Opens the configured store and brings its schema up to date. */
import type { StoreConfig } from "../config/index.ts";
import { applyMigrations } from "./migrations.ts";
import { type PostgresOptions, PostgresStore } from "./postgres-store.ts";
import { SqliteStore } from "./sqlite-store.ts";
import type { Migration, Store } from "./types.ts";

export interface OpenOptions extends PostgresOptions {
  migrations?: readonly Migration[];
}

export async function openStore(config: StoreConfig, options: OpenOptions = {}): Promise<Store> {
  const store: Store = config.databaseUrl
    ? new PostgresStore(config.databaseUrl, options)
    : new SqliteStore(config.sqlitePath);
  try {
    await applyMigrations(store, options.migrations ?? []);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
