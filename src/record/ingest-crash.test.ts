import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Store } from "../store/index.ts";
import { describeEachEngine, openTestStore, type TestStore } from "../store/test-engines.ts";
import { assembleRecord, ingest, recordMigrations, resolveSerumsId } from "./index.ts";
import { crashRows, tableCounts, trakMapping, trakSource } from "./test-fixtures.ts";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "crash-child.ts");
const ROWS = 6000;

/** Starts the loading child and SIGKILLs it once it has written `after` rows. */
function killMidLoad(
  env: Record<string, string>,
  after: number,
): Promise<{ lastProgress: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let lastProgress = 0;
    let finished = false;
    let errors = "";
    child.stderr.on("data", (chunk) => {
      errors += chunk;
    });
    child.stdout.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line === "done") finished = true;
        const match = /^progress (\d+)$/.exec(line);
        if (match) lastProgress = Number(match[1]);
      }
      if (lastProgress >= after && !child.killed) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL" && code !== 0) reject(new Error(`child failed (${code}): ${errors}`));
      else resolve({ lastProgress, finished });
    });
  });
}

/** A record as content: without the random Serums ID and the load times. */
async function content(store: Store, reference: string): Promise<unknown> {
  const record = await assembleRecord(store, await resolveSerumsId(store, reference));
  return JSON.parse(
    JSON.stringify(record, (key, value) => (key === "serumsId" || key === "loadedAt" ? undefined : value)),
  );
}

describeEachEngine("a load killed in the middle", (engine) => {
  let dir: string;
  let crashed: TestStore;
  let clean: TestStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "serums-crash-"));
    crashed = await openTestStore(engine, recordMigrations, path.join(dir, "crashed.db"));
    clean = await openTestStore(engine, recordMigrations);
  });
  afterEach(async () => {
    await crashed.dispose();
    await clean.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves the store consistent, and loading again converges to one clean load", async () => {
    // The child must be the only writer while it runs.
    const env: Record<string, string> = { CRASH_ROWS: String(ROWS) };
    if (crashed.config.databaseUrl) {
      env.CRASH_PG_URL = crashed.config.databaseUrl;
      env.CRASH_PG_SCHEMA = crashed.config.schema!;
    } else {
      env.CRASH_SQLITE_PATH = crashed.config.sqlitePath;
    }
    const killed = await killMidLoad(env, 1500);
    assert.equal(killed.finished, false, "the child was killed before it finished");
    assert.ok(killed.lastProgress >= 1500 && killed.lastProgress < ROWS);

    if (engine.engine === "sqlite") {
      const check = await crashed.store.get<{ integrity_check: string }>("PRAGMA integrity_check");
      assert.equal(check?.integrity_check, "ok");
    }
    const afterCrash = await tableCounts(crashed.store);
    assert.ok(
      Object.values(afterCrash).every((n) => n === 0),
      `a killed load leaves nothing of itself: ${JSON.stringify(afterCrash)}`,
    );

    await ingest(crashed.store, trakMapping(), trakSource(crashRows(ROWS)));
    await ingest(clean.store, trakMapping(), trakSource(crashRows(ROWS)));
    assert.deepEqual(await tableCounts(crashed.store), await tableCounts(clean.store));
    for (const chi of ["1000000000", "1000002999", `${1_000_000_000 + ROWS - 1}`]) {
      assert.deepEqual(await content(crashed.store, `chi:${chi}`), await content(clean.store, `chi:${chi}`));
    }
  });
});
