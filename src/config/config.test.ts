import assert from "node:assert/strict";
import { it } from "node:test";
import type { SerumsError } from "../errors/index.ts";
import { DEFAULT_LEDGER_DIR, DEFAULT_SQLITE_PATH, readConfig, redactLocation } from "./config.ts";

it("defaults to the embedded SQLite file with no configuration at all", () => {
  const config = readConfig({});
  assert.deepEqual(config.store, { sqlitePath: DEFAULT_SQLITE_PATH });
  assert.equal(config.defaultTimeZone, "Europe/London");
});

it("takes PostgreSQL from DATABASE_URL, a file from SERUMS_DB, and --db over both", () => {
  const url = "postgres://u:secret@127.0.0.1/db";
  assert.equal(readConfig({ DATABASE_URL: url }).store.databaseUrl, url);
  assert.equal(readConfig({ SERUMS_DB: "x.db" }).store.sqlitePath, "x.db");
  assert.deepEqual(readConfig({ DATABASE_URL: url }, { db: "y.db" }).store, { sqlitePath: "y.db" });
  assert.deepEqual(readConfig({ DATABASE_URL: "", SERUMS_DB: "" }).store, {
    sqlitePath: DEFAULT_SQLITE_PATH,
  });
});

it("refuses an empty --db and an unknown time zone, naming them", () => {
  assert.throws(
    () => readConfig({}, { db: " " }),
    (e: SerumsError) => e.code === "BAD_USAGE" && /--db/.test(e.message),
  );
  assert.throws(
    () => readConfig({ SERUMS_TIME_ZONE: "Mars/Olympus" }),
    (e: SerumsError) => e.code === "BAD_CONFIG" && /SERUMS_TIME_ZONE="Mars\/Olympus"/.test(e.message),
  );
});

it("never prints a password", () => {
  assert.equal(redactLocation("postgres://u:secret@h/db"), "postgres://u:***@h/db");
  assert.equal(redactLocation("data/serums.db"), "data/serums.db");
});

it("takes the ledger's folder from --dir, then SERUMS_LEDGER_DIR, then ./data/ledger", () => {
  assert.equal(readConfig({}).ledger.dir, DEFAULT_LEDGER_DIR);
  assert.equal(readConfig({ SERUMS_LEDGER_DIR: "" }).ledger.dir, DEFAULT_LEDGER_DIR);
  assert.equal(readConfig({ SERUMS_LEDGER_DIR: "/srv/ledger" }).ledger.dir, "/srv/ledger");
  assert.equal(readConfig({ SERUMS_LEDGER_DIR: "/srv/ledger" }, { ledgerDir: "mine" }).ledger.dir, "mine");
  assert.throws(
    () => readConfig({}, { ledgerDir: "" }),
    (e: SerumsError) => e.code === "BAD_USAGE" && /--dir/.test(e.message),
  );
});
