import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import pg from "pg";
import { profileSource } from "./profile-source.ts";
import { readCatalogue } from "./table-catalogue.ts";

const PG_URL = process.env.SERUMS_TEST_PG_URL;

/** The URL with search_path set to the schema, so that the catalogue lists that schema's tables. */
function inSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

describe("the catalogue of a PostgreSQL database", {
  skip: PG_URL ? false : "SERUMS_TEST_PG_URL is not set",
}, () => {
  it("lists the schema's tables with their keys, profiles them and the children per parent", async () => {
    const schema = `serums_profile_${randomBytes(4).toString("hex")}`;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(
        `CREATE TABLE ${schema}.regime (regime_id integer PRIMARY KEY, regimen text NOT NULL)`,
      );
      await client.query(
        `CREATE TABLE ${schema}.cycle (cycle_id serial PRIMARY KEY, regime_id integer NOT NULL REFERENCES ${schema}.regime (regime_id), given date)`,
      );
      await client.query(
        `INSERT INTO ${schema}.regime SELECT r, CASE WHEN r % 2 = 0 THEN 'FEC' ELSE 'AC' END FROM generate_series(1, 30) r`,
      );
      await client.query(
        `INSERT INTO ${schema}.cycle (regime_id, given)
           SELECT r, date '2015-01-01' + r * 7 + c FROM generate_series(1, 30) r, generate_series(1, CASE WHEN r <= 15 THEN 4 ELSE 6 END) c`,
      );
      const url = inSchema(PG_URL!, schema);
      const catalogue = await readCatalogue(url);
      assert.deepEqual(
        catalogue.tables.map((t) => [t.name, t.primaryKey]),
        [
          ["cycle", ["cycle_id"]],
          ["regime", ["regime_id"]],
        ],
      );
      assert.deepEqual(catalogue.foreignKeys, [
        { table: "cycle", columns: ["regime_id"], references: { table: "regime", columns: ["regime_id"] } },
      ]);
      assert.ok(!catalogue.name.includes("secret"));
      const profile = await profileSource(url, { k: 5 });
      assert.equal(profile.tables[0]!.rows, 150);
      assert.equal(profile.foreignKeys[0]!.children, 150);
      assert.deepEqual(
        profile.foreignKeys[0]!.childrenPerParent.bins.map((b) => [b.from, b.to, b.parents]),
        [
          [4, 4, 15],
          [6, undefined, 15],
        ],
      );
      const given = profile.tables[0]!.columns.find((c) => c.name === "given")!;
      assert.equal(given.type, "date");
      // One table of it, by #table.
      const one = await readCatalogue(`${url}#regime`);
      assert.deepEqual(
        one.tables.map((t) => t.name),
        ["regime"],
      );
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
