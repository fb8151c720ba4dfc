export { type AsOf, assembleRecord } from "./assemble-record.ts";
export { countRecords, listRecords, type RecordSummary, resolveSerumsId } from "./find-records.ts";
export { type IngestOptions, type IngestReport, ingest } from "./ingest.ts";
export { loadMapping, parseMapping, placeKey } from "./load-mapping.ts";
export type { Mapping } from "./mapping-types.ts";
export {
  type PatientRecord,
  type RecordEvent,
  type RecordFact,
  recordJsonSchema,
  recordSchema,
} from "./record-schema.ts";
export { isSerumsId, newSerumsId } from "./serums-id.ts";
export { type Suggestion, suggestMapping } from "./suggest-mapping.ts";
export { recordMigrations } from "./vault-schema.ts";
