export { applyMigrations, migrationSql } from "./migrations.ts";
export { type OpenOptions, openStore } from "./open-store.ts";
export { PostgresStore } from "./postgres-store.ts";
export { SqliteStore } from "./sqlite-store.ts";
export type { ColumnDef, Engine, Executor, Migration, Row, SqlParam, SqlValue, Store } from "./types.ts";
