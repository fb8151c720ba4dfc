/**
 * Versioned migrations, applied automatically when a store opens. Each runs in its own
 * transaction with its bookkeeping row; an applied migration whose text has since changed is
 * refused, so two sites never believe they run the same schema when they do not.
 */
import { createHash } from "node:crypto";
import { SerumsError } from "../errors/index.ts";
import type { Engine, Migration, Store } from "./types.ts";

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** An arbitrary constant key: PostgreSQL sessions that migrate at once take turns on it. */
const MIGRATION_LOCK_KEY = 727_1861;

export function migrationSql(migration: Migration, engine: Engine): string {
  return typeof migration.sql === "string" ? migration.sql : migration.sql[engine];
}

function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

export async function applyMigrations(store: Store, migrations: readonly Migration[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const migration of migrations) {
    if (ids.has(migration.id))
      throw new SerumsError("MIGRATION", `migration ${migration.id} is listed twice`);
    ids.add(migration.id);
  }
  await store.exec(BOOKKEEPING);
  const applied: string[] = [];
  for (const migration of migrations) {
    const sql = migrationSql(migration, store.engine);
    const sum = checksum(sql);
    const done = await store.transaction(async (tx) => {
      if (tx.engine === "postgres") await tx.run("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      const existing = await tx.get<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE id = $1",
        [migration.id],
      );
      if (existing) {
        if (existing.checksum !== sum) {
          throw new SerumsError(
            "MIGRATION",
            `migration ${migration.id} was applied with different text (checksum ${existing.checksum.slice(0, 12)}, now ${sum.slice(0, 12)}); add a new migration instead of editing an applied one`,
          );
        }
        return false;
      }
      await tx.exec(sql);
      await tx.run("INSERT INTO schema_migrations (id, checksum, applied_at) VALUES ($1, $2, $3)", [
        migration.id,
        sum,
        Date.now(),
      ]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
