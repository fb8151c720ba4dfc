import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { recordJsonSchema, recordSchema } from "./record-schema.ts";

it("the published JSON Schema is the one generated from the record's zod schema", () => {
  const published = JSON.parse(
    readFileSync(new URL("../../schemas/record.schema.json", import.meta.url), "utf8"),
  );
  assert.deepEqual(published, recordJsonSchema(), "run `npm run schemas` after changing record-schema.ts");
});

it("the schema rejects a record with a missing or mistyped field", () => {
  const record = {
    serumsId: "srm-0000-0000-0000-0000",
    asOf: { loadTime: null, effectiveTime: null },
    identifiers: [],
    person: { facts: [] },
    locations: [],
    events: [],
  };
  assert.doesNotThrow(() => recordSchema.parse(record));
  assert.throws(() => recordSchema.parse({ ...record, events: undefined }));
  assert.throws(() => recordSchema.parse({ ...record, unexpected: 1 }));
  assert.throws(() => recordSchema.parse({ ...record, person: { facts: [{ satellite: "x" }] } }));
});
