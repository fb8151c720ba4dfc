import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import type { SerumsError } from "../errors/index.ts";
import { applyMigrations, openStore } from "./index.ts";
import { describeEachEngine, openTestStore, type TestStore } from "./test-engines.ts";
import type { Migration } from "./types.ts";

const migrations: Migration[] = [
  { id: "test/001", sql: "CREATE TABLE item (id BIGINT PRIMARY KEY, name TEXT NOT NULL, flag BOOLEAN)" },
  {
    id: "test/002",
    sql: {
      sqlite: "CREATE INDEX item_name ON item (name)",
      postgres: "CREATE INDEX item_name ON item (name)",
    },
  },
];

describeEachEngine("store", (engine) => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore(engine, migrations);
  });
  after(() => t.dispose());

  it("applies migrations once and records them", async () => {
    const rows = await t.store.all<{ id: string }>("SELECT id FROM schema_migrations ORDER BY id");
    assert.deepEqual(
      rows.map((r) => r.id),
      ["test/001", "test/002"],
    );
    assert.deepEqual(await applyMigrations(t.store, migrations), []);
  });

  it("refuses an applied migration whose text changed", async () => {
    await assert.rejects(
      applyMigrations(t.store, [{ id: "test/001", sql: "CREATE TABLE other (x TEXT)" }]),
      (error: SerumsError) => error.code === "MIGRATION" && /test\/001/.test(error.message),
    );
  });

  it("binds $n parameters, returns 64-bit integers as numbers", async () => {
    const big = 2 ** 52 + 3;
    await t.store.run("INSERT INTO item (id, name, flag) VALUES ($1, $2, $3)", [big, "a", true]);
    const row = await t.store.get<{ id: number; name: string }>("SELECT id, name FROM item WHERE id = $1", [
      big,
    ]);
    assert.deepEqual({ ...row }, { id: big, name: "a" });
    await t.store.run("DELETE FROM item");
  });

  it("commits a transaction that resolves", async () => {
    await t.store.transaction(async (tx) => {
      await tx.run("INSERT INTO item (id, name) VALUES ($1, $2)", [1, "one"]);
      await tx.run("INSERT INTO item (id, name) VALUES ($1, $2)", [2, "two"]);
    });
    const count = await t.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM item");
    assert.equal(Number(count?.n), 2);
    await t.store.run("DELETE FROM item");
  });

  it("rolls back every write of a transaction that throws", async () => {
    await assert.rejects(
      t.store.transaction(async (tx) => {
        await tx.run("INSERT INTO item (id, name) VALUES ($1, $2)", [1, "one"]);
        throw new Error("boom");
      }),
      /boom/,
    );
    await assert.rejects(
      t.store.transaction(async (tx) => {
        await tx.run("INSERT INTO item (id, name) VALUES ($1, $2)", [3, "three"]);
        await tx.run("INSERT INTO item (id, name) VALUES ($1, $2)", [3, "duplicate key"]);
      }),
    );
    const count = await t.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM item");
    assert.equal(Number(count?.n), 0);
  });

  it("runs concurrent transactions without mixing their writes", async () => {
    await Promise.all(
      [10, 20, 30].map((base) =>
        t.store
          .transaction(async (tx) => {
            await tx.run("INSERT INTO item (id, name) VALUES ($1, $2)", [base, "x"]);
            await new Promise((resolve) => setTimeout(resolve, 5));
            if (base === 20) throw new Error("second fails");
            await tx.run("INSERT INTO item (id, name) VALUES ($1, $2)", [base + 1, "y"]);
          })
          .catch(() => undefined),
      ),
    );
    const rows = await t.store.all<{ id: number }>("SELECT id FROM item ORDER BY id");
    assert.deepEqual(
      rows.map((r) => Number(r.id)),
      [10, 11, 30, 31],
    );
  });
});

it("creates the SQLite file and its folder, and keeps data across reopen", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-store-"));
  try {
    const file = path.join(dir, "nested", "s.db");
    const first = await openStore({ sqlitePath: file }, { migrations });
    await first.run("INSERT INTO item (id, name) VALUES ($1, $2)", [7, "kept"]);
    await first.close();
    const second = await openStore({ sqlitePath: file }, { migrations });
    assert.equal((await second.get<{ name: string }>("SELECT name FROM item WHERE id = 7"))?.name, "kept");
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describeEachEngine("store insertMany", (engine) => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore(engine, migrations);
  });
  after(() => t.dispose());

  it("inserts many rows, skips conflicts, and returns the keys actually inserted", async () => {
    const columns = [
      { name: "id", type: "bigint" },
      { name: "name", type: "text" },
    ] as const;
    const rows = Array.from({ length: 7000 }, (_, i) => [
      i,
      `name ${i} with 'quotes', "commas" and {braces}`,
    ]);
    const first = await t.store.insertMany("item", columns, rows, { ignoreConflicts: true, returning: "id" });
    assert.equal(first.inserted, 7000);
    assert.equal(first.returned.length, 7000);
    const again = await t.store.insertMany(
      "item",
      columns,
      [
        [5, "x"],
        [7000, "new"],
      ],
      {
        ignoreConflicts: true,
        returning: "id",
      },
    );
    assert.deepEqual(again.returned.map(Number), [7000]);
    const row = await t.store.get<{ name: string }>("SELECT name FROM item WHERE id = 42");
    assert.equal(row?.name, `name 42 with 'quotes', "commas" and {braces}`);
  });

  it("fails on a conflict when conflicts are not ignored, and rejects bad identifiers", async () => {
    await assert.rejects(
      t.store.insertMany(
        "item",
        [
          { name: "id", type: "bigint" },
          { name: "name", type: "text" },
        ],
        [[1, "dup"]],
      ),
    );
    await assert.rejects(
      t.store.insertMany("item; DROP TABLE item", [{ name: "id", type: "bigint" }], [[1]]),
      (error: SerumsError) => error.code === "STORE",
    );
  });
});
