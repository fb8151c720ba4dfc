import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { loadMapping } from "../../src/record/load-mapping.ts";
import type { Mapping } from "../../src/record/mapping-types.ts";
import { type RowFacts, rowFacts } from "../../src/record/row-facts.ts";
import { generateSample } from "./sample.ts";
import { ecdgTables } from "./schemas.ts";

const dir = path.join(import.meta.dirname, "mappings");
const sample = generateSample();

describe("ECDG mappings", () => {
  const mappings = new Map<string, Mapping>();
  const facts = new Map<string, RowFacts[]>();

  before(async () => {
    for (const table of ecdgTables) {
      const mapping = await loadMapping(path.join(dir, `${table.name}.yaml`));
      mappings.set(table.name, mapping);
      facts.set(
        table.name,
        sample[table.name]!.map((values, i) => rowFacts(mapping, { line: i + 2, values })),
      );
    }
  });

  it("all five load with loadMapping, one per table, each identifying the person by CHI", () => {
    assert.equal(mappings.size, 5);
    for (const [table, mapping] of mappings) {
      assert.equal(mapping.name, table);
      assert.equal(mapping.source.table, table);
      assert.equal(mapping.source.timeZone, "Europe/London");
      assert.deepEqual(mapping.person?.match, ["chi"]);
      assert.equal(mapping.events.length, 1);
    }
  });

  it("convert every row of the sample, giving each the padded ten-digit CHI", () => {
    for (const table of ecdgTables) {
      const rows = sample[table.name]!;
      const tableFacts = facts.get(table.name)!;
      assert.equal(tableFacts.length, rows.length);
      tableFacts.forEach((f, i) => {
        assert.deepEqual(f.identifiers, [
          { system: "chi", value: String(rows[i]!.upi_number).padStart(10, "0") },
        ]);
      });
    }
  });

  it("place every postcode and site by the gazetteer", () => {
    for (const table of ["ndc_smr01", "chemocare_treatment"]) {
      for (const f of facts.get(table)!) {
        const locations = f.hubs.filter((h) => h.table === "hub_location");
        assert.equal(locations.length, 1);
        const position = f.satellites.find(
          (s) => s.parent === locations[0]!.hashKey && s.name === "@position",
        );
        assert.ok(position, `${table}: no coordinates for ${locations[0]!.key.join(" ")}`);
      }
    }
  });

  it("make cycles and toxicity assessments of one regime parts of the same regime event", () => {
    const regimes = (table: string) =>
      new Set(
        facts
          .get(table)!
          .flatMap((f) => f.links.filter((l) => l.linkType === "event_event" && l.role === "part_of"))
          .map((l) => l.to),
      );
    const fromTreatment = regimes("chemocare_treatment");
    assert.equal(fromTreatment.size, new Set(sample.chemocare_treatment!.map((r) => r.regime_id)).size);
    assert.deepEqual(regimes("chemocare_toxicity"), fromTreatment);
  });

  it("make the drug rows of one cycle one event with the same time", () => {
    const times = new Map<string, string>();
    for (const f of facts.get("chemocare_treatment")!) {
      const event = f.hubs.find((h) => h.table === "hub_event" && h.key[0] === "chemotherapy_cycle")!;
      const time = f.satellites.find((s) => s.parent === event.hashKey && s.name === "@time")!;
      const earlier = times.get(event.hashKey);
      if (earlier !== undefined) assert.equal(time.hashdiff, earlier);
      times.set(event.hashKey, time.hashdiff);
    }
    assert.equal(
      times.size,
      new Set(sample.chemocare_treatment!.map((r) => `${r.regime_id}/${r.cycle_number}`)).size,
    );
  });

  it("link SMR01's operations and conditions as procedures and conditions, as the paper classifies them", () => {
    const objects = facts.get("ndc_smr01")!.flatMap((f) => f.hubs.filter((h) => h.table === "hub_object"));
    const types = new Set(objects.map((h) => `${h.key[0]} ${h.key[1]}`));
    assert.deepEqual([...types].sort(), ["condition ICD-10", "procedure OPCS-4"]);
  });
});
