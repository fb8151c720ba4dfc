import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { formatDate } from "../table-spec.ts";
import { childrenPerParent } from "./children-per-parent.ts";
import { profileCatalogue, profileSource } from "./profile-source.ts";
import { profileSchema, type Relation } from "./profile-types.ts";
import { parseForeignKey } from "./table-catalogue.ts";
import { memoryCatalogue } from "./test-catalogue.ts";

const REGIMENS = [
  ["FEC", 21, "IV"],
  ["AC", 21, "IV"],
  ["PACLITAXEL", 7, "IV"],
  ["CAPECITABINE", 21, "PO"],
] as const;

function admissions(n: number, options: { breakOrder?: boolean; breakStay?: boolean } = {}) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const admitted = 16_000 + ((i * 37) % 700);
    const stay = (i * 7) % 9;
    const [regimen, cycle, route] = REGIMENS[i % REGIMENS.length]!;
    rows.push({
      admission_date: formatDate(admitted),
      discharge_date: formatDate(admitted + stay),
      length_of_stay: options.breakStay && i === n - 1 ? stay + 1 : stay,
      review_date: formatDate(admitted + stay + 3),
      regimen,
      cycle_length: cycle,
      route,
      weight: 50 + ((i * 13) % 40),
      dose: (50 + ((i * 13) % 40)) * 2,
      noise: (i * 31) % 17,
    });
  }
  if (options.breakOrder) {
    const last = rows[n - 1]!;
    last.discharge_date = formatDate(15_000);
  }
  return rows;
}

const COLUMNS = Object.keys(admissions(1)[0]!);

async function relationsOf(rows: Record<string, string | number>[], k = 5): Promise<Relation[]> {
  const profile = await profileCatalogue(memoryCatalogue([{ name: "a", columns: COLUMNS, rows }]), { k });
  return profile.tables[0]!.relations;
}

const has = (relations: Relation[], wanted: Partial<Relation>) =>
  relations.some((r) =>
    Object.entries(wanted).every(([key, value]) => (r as Record<string, unknown>)[key] === value),
  );

describe("relations that always hold", () => {
  it("finds date orderings, differences, equal-by-formula columns and dependencies", async () => {
    const relations = await relationsOf(admissions(120));
    assert.ok(
      has(relations, { kind: "order", left: "admission_date", right: "discharge_date", strict: false }),
    );
    assert.ok(has(relations, { kind: "order", left: "discharge_date", right: "review_date", strict: true }));
    // admission <= review follows from the two above: transitively reduced away.
    assert.ok(!has(relations, { kind: "order", left: "admission_date", right: "review_date" }));
    assert.ok(
      has(relations, {
        kind: "difference",
        target: "length_of_stay",
        minuend: "discharge_date",
        subtrahend: "admission_date",
        unit: "days",
      }),
    );
    assert.ok(has(relations, { kind: "determines", from: "regimen", to: "cycle_length" }));
    assert.ok(has(relations, { kind: "determines", from: "regimen", to: "route" }));
    // cycle_length (two values) does not determine the regimen (four).
    assert.ok(!has(relations, { kind: "determines", from: "cycle_length", to: "regimen" }));
    // Nothing ties the noise column to anything.
    assert.ok(!relations.some((r) => JSON.stringify(r).includes("noise")), JSON.stringify(relations));
  });

  it("does not report a relation one row breaks", async () => {
    const broken = await relationsOf(admissions(120, { breakOrder: true, breakStay: true }));
    assert.ok(!has(broken, { kind: "order", left: "admission_date", right: "discharge_date" }));
    assert.ok(!has(broken, { kind: "difference", target: "length_of_stay" }));
  });

  it("does not report relations without enough support", async () => {
    // Ten rows with k = 10: at most one row per regimen value on average, far from k.
    const relations = await relationsOf(admissions(12), 10);
    assert.deepEqual(relations, []);
  });
});

describe("pairs", () => {
  it("gives Pearson and Spearman for numbers, Cramér's V and joint counts for associated categories", async () => {
    const profile = await profileCatalogue(
      memoryCatalogue([{ name: "a", columns: COLUMNS, rows: admissions(200) }]),
      {
        k: 5,
      },
    );
    const pair = (a: string, b: string) => profile.tables[0]!.pairs.find((p) => p.a === a && p.b === b);
    assert.equal(pair("weight", "dose")!.pearson, 1);
    assert.equal(pair("weight", "dose")!.spearman, 1);
    const regimenRoute = pair("regimen", "route")!;
    assert.equal(regimenRoute.cramersV, 1);
    assert.deepEqual(regimenRoute.contingency!.cells.map((c) => `${c.a}/${c.b}`).sort(), [
      "AC/IV",
      "CAPECITABINE/PO",
      "FEC/IV",
      "PACLITAXEL/IV",
    ]);
    assert.ok(Math.abs(pair("weight", "noise")!.pearson!) < 0.3);
  });
});

describe("children per parent", () => {
  it("bins the counts so that each bin has at least k parents, the last one open", () => {
    const parents = new Map(Array.from({ length: 30 }, (_, i) => [`p${i}`, 1]));
    const children = new Map<string, number>();
    for (let i = 0; i < 30; i++) if (i % 3 !== 0) children.set(`p${i}`, i < 20 ? 2 : 50 + i);
    children.set("ghost", 4);
    const result = childrenPerParent(parents, children, 5);
    assert.equal(result.parents, 30);
    assert.equal(result.orphans, 4);
    assert.equal(result.childrenPerParent.bins[0]!.from, 0);
    for (const bin of result.childrenPerParent.bins) assert.ok(bin.parents >= 5);
    const last = result.childrenPerParent.bins.at(-1)!;
    assert.equal(last.to, undefined, "the largest family size is not shown");
    assert.ok(!JSON.stringify(result).includes("79"));
    assert.equal(
      result.childrenPerParent.bins.reduce((sum, bin) => sum + bin.parents, 0),
      30,
    );
  });
});

describe("sources with several tables", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-profile-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("profiles every table of a SQLite file and the children per parent of its foreign keys", async () => {
    const file = path.join(dir, "regimes.db");
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE regime (regime_id INTEGER PRIMARY KEY, regimen TEXT NOT NULL);
             CREATE TABLE cycle (cycle_id INTEGER PRIMARY KEY, regime_id INTEGER NOT NULL REFERENCES regime(regime_id), n INTEGER);`);
    const insertRegime = db.prepare("INSERT INTO regime VALUES (?, ?)");
    const insertCycle = db.prepare("INSERT INTO cycle (regime_id, n) VALUES (?, ?)");
    db.exec("BEGIN");
    for (let r = 1; r <= 40; r++) {
      insertRegime.run(r, r % 2 === 0 ? "FEC" : "AC");
      const cycles = r <= 10 ? 0 : r <= 30 ? 6 : 4;
      for (let c = 1; c <= cycles; c++) insertCycle.run(r, c);
    }
    db.exec("COMMIT");
    db.close();
    const profile = await profileSource(file, { k: 5 });
    profileSchema.parse(profile);
    assert.deepEqual(
      profile.tables.map((t) => [t.name, t.rows, t.primaryKey]),
      [
        ["cycle", 160, ["cycle_id"]],
        ["regime", 40, ["regime_id"]],
      ],
    );
    const fk = profile.foreignKeys[0]!;
    assert.deepEqual(
      [fk.table, fk.columns, fk.references],
      ["cycle", ["regime_id"], { table: "regime", columns: ["regime_id"] }],
    );
    assert.equal(fk.parents, 40);
    assert.equal(fk.children, 160);
    assert.deepEqual(
      fk.childrenPerParent.bins.map((b) => [b.from, b.to, b.parents]),
      [
        [0, 0, 10],
        [4, 4, 10],
        [6, undefined, 20],
      ],
    );
    // Declared keys are identifiers: their values are not shown.
    const regimeId = profile.tables[1]!.columns.find((c) => c.name === "regime_id")!;
    assert.equal(regimeId.identifier, true);
    assert.equal(regimeId.values, undefined);
  });

  it("takes extra foreign keys, and names a table or column they lack", async () => {
    assert.deepEqual(parseForeignKey("cycle.regime_id=regime.regime_id"), {
      table: "cycle",
      columns: ["regime_id"],
      references: { table: "regime", columns: ["regime_id"] },
    });
    assert.throws(() => parseForeignKey("cycle=regime"), /is not a foreign key/);
    const catalogue = memoryCatalogue(
      [
        { name: "p", columns: ["id"], rows: [{ id: 1 }] },
        { name: "c", columns: ["pid"], rows: [{ pid: 1 }] },
      ],
      [parseForeignKey("c.pid=q.id")],
    );
    await assert.rejects(profileCatalogue(catalogue), /names table "q"/);
    const badColumn = memoryCatalogue(
      [
        { name: "p", columns: ["id"], rows: [{ id: 1 }] },
        { name: "c", columns: ["pid"], rows: [{ pid: 1 }] },
      ],
      [parseForeignKey("c.parent=p.id")],
    );
    await assert.rejects(profileCatalogue(badColumn), /table c has no column "parent"/);
  });

  it("names a missing source", async () => {
    await assert.rejects(profileSource(path.join(dir, "nothing.csv")), { code: "NOT_FOUND" });
  });
});
