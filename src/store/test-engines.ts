/**
 * For tests: runs a suite on the embedded SQLite engine always, and on PostgreSQL when
 * SERUMS_TEST_PG_URL is set — each test in a fresh in-memory database or a fresh schema.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, type SuiteContext } from "node:test";
import { openStore } from "./open-store.ts";
import { PostgresStore } from "./postgres-store.ts";
import type { Engine, Migration, Store } from "./types.ts";

export interface EngineUnderTest {
  engine: Engine;
  url?: string;
}

export interface TestStore {
  store: Store;
  /** How another process reaches the same data: a SQLite path or a PostgreSQL URL + schema. */
  config: { databaseUrl?: string; sqlitePath: string; schema?: string };
  dispose(): Promise<void>;
}

export function testEngines(): EngineUnderTest[] {
  const engines: EngineUnderTest[] = [{ engine: "sqlite" }];
  const url = process.env.SERUMS_TEST_PG_URL;
  if (url) engines.push({ engine: "postgres", url });
  return engines;
}

/** Opens a fresh store for one test. `file` makes SQLite use a file (a child process can open it). */
export async function openTestStore(
  engine: EngineUnderTest,
  migrations: readonly Migration[] = [],
  file?: string,
): Promise<TestStore> {
  if (engine.engine === "sqlite") {
    const sqlitePath = file ?? ":memory:";
    const store = await openStore({ sqlitePath }, { migrations });
    return { store, config: { sqlitePath }, dispose: () => store.close() };
  }
  const url = engine.url!;
  const schema = `serums_test_${randomBytes(6).toString("hex")}`;
  const admin = new PostgresStore(url);
  await admin.exec(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const store = await openStore({ databaseUrl: url, sqlitePath: "" }, { migrations, schema });
  return {
    store,
    config: { databaseUrl: url, sqlitePath: "", schema },
    async dispose() {
      await store.close();
      const cleanup = new PostgresStore(url);
      await cleanup.exec(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.close();
    },
  };
}

/** `describe` once per engine, named after it. */
export function describeEachEngine(
  name: string,
  body: (engine: EngineUnderTest, suite: SuiteContext) => void,
): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine.engine}]`, (suite) => body(engine, suite));
  }
}

/** One store per site that outlives a close (a peer restarts on it), removed with `dispose`. */
export interface SiteStores {
  open(site: string): Promise<Store>;
  dispose(): Promise<void>;
}

/**
 * Scratch stores, one per site: SQLite files in a new temporary folder, or PostgreSQL schemas
 * named `<prefix>_<random>_<site>`, created on first open. For tests and benchmarks.
 */
export function scratchSiteStores(engine: EngineUnderTest, prefix: string): SiteStores {
  if (engine.engine === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), `${prefix.replace(/_/g, "-")}-`));
    return {
      open: (site) => openStore({ sqlitePath: path.join(dir, `${site}.db`) }),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = engine.url!;
  const schemaPrefix = `${prefix}_${randomBytes(4).toString("hex")}`;
  const created = new Set<string>();
  const withAdmin = async (work: (admin: PostgresStore) => Promise<void>) => {
    const admin = new PostgresStore(url);
    try {
      await work(admin);
    } finally {
      await admin.close();
    }
  };
  return {
    async open(site) {
      const schema = `${schemaPrefix}_${site.replace(/-/g, "_")}`;
      if (!created.has(schema)) {
        await withAdmin((admin) => admin.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
        created.add(schema);
      }
      return openStore({ databaseUrl: url, sqlitePath: "" }, { schema });
    },
    dispose: () =>
      withAdmin(async (admin) => {
        for (const schema of created) await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }),
  };
}
