/**
 * For the crash test: a process that loads many rows slowly enough to be killed in the middle,
 * printing how far it got after each batch. Configured by the environment the test sets.
 */
import { openStore } from "../store/index.ts";
import { ingest } from "./ingest.ts";
import { crashRows, trakMapping, trakSource } from "./test-fixtures.ts";
import { recordMigrations } from "./vault-schema.ts";

const rows = Number(process.env.CRASH_ROWS);
const schema = process.env.CRASH_PG_SCHEMA;
const store = await openStore(
  process.env.CRASH_PG_URL
    ? { databaseUrl: process.env.CRASH_PG_URL, sqlitePath: "" }
    : { sqlitePath: process.env.CRASH_SQLITE_PATH! },
  { migrations: recordMigrations, ...(schema ? { schema } : {}) },
);
await ingest(store, trakMapping(), trakSource(crashRows(rows)), {
  batchSize: 100,
  onProgress: (n) => process.stdout.write(`progress ${n}\n`),
});
process.stdout.write("done\n");
await store.close();
