export { applyMigrations, migrationSql } from "./migrations.ts";
export { type OpenOptions, openStore } from "./open-store.ts";
export { PostgresStore } from "./postgres-store.ts";
export { SqliteStore } from "./sqlite-store.ts";
export type { Engine, Executor, Migration, Row, SqlValue, Store } from "./types.ts";
