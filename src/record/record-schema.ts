/**
 * The smart patient record as `serums record show --json` gives it. This zod schema is the one
 * definition; `schemas/record.schema.json` is generated from it (`npm run schemas`) and a test
 * keeps the two equal.
 */
import { z } from "zod";

const instant = z.string().describe("A UTC instant, ISO-8601 with milliseconds");
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const factSchema = z
  .object({
    satellite: z.string().describe("The satellite the facts are grouped in"),
    source: z.string().describe("The record source that said it"),
    effectiveFrom: instant.nullable().describe("When it became true; null when the source does not say"),
    loadedAt: instant.describe("When Serums learned it"),
    attributes: z.record(z.string(), attributeValue),
  })
  .strict();

export const placeSchema = z
  .object({
    role: z.string(),
    kind: z.string(),
    key: z.string(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    altitude: z.number().nullable(),
    source: z.string(),
  })
  .strict();

export const objectRefSchema = z
  .object({
    role: z.string(),
    type: z.string(),
    codeSystem: z.string().nullable(),
    code: z.string(),
    source: z.string(),
    facts: z.array(factSchema),
  })
  .strict();

export const eventSchema = z
  .object({
    id: z.string().describe("The event's hash key"),
    type: z.string(),
    start: instant.nullable(),
    end: instant.nullable(),
    startDerived: z
      .boolean()
      .describe("True when the start is the earliest start of the events that are part of it"),
    source: z.string(),
    partOf: z.string().nullable().describe("The id of the event this one is part of"),
    facts: z.array(factSchema),
    objects: z.array(objectRefSchema),
    locations: z.array(placeSchema),
  })
  .strict();

export const recordSchema = z
  .object({
    serumsId: z.string(),
    asOf: z.object({ loadTime: instant.nullable(), effectiveTime: instant.nullable() }).strict(),
    identifiers: z.array(
      z.object({ system: z.string(), value: z.string(), source: z.string(), loadedAt: instant }).strict(),
    ),
    person: z.object({ facts: z.array(factSchema) }).strict(),
    locations: z.array(placeSchema),
    events: z.array(eventSchema).describe("The timeline, earliest first"),
  })
  .strict()
  .describe("A Serums smart patient record (T-P-O-L-E data vault), assembled as of a moment");

export type PatientRecord = z.infer<typeof recordSchema>;
export type RecordEvent = z.infer<typeof eventSchema>;
export type RecordFact = z.infer<typeof factSchema>;
export type RecordPlace = z.infer<typeof placeSchema>;

export function recordJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(recordSchema, { target: "draft-2020-12" }),
    title: "Serums smart patient record",
  };
}
