/**
 * For tests: runs a suite on the embedded SQLite engine always, and on PostgreSQL when
 * SERUMS_TEST_PG_URL is set — each test in a fresh in-memory database or a fresh schema.
 */
import { randomBytes } from "node:crypto";
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
