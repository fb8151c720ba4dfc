/** Where fabricated rows go: files, databases, an MQTT topic, the smart patient record. */
export { CSV_FORMAT, csvEncoder, csvField } from "./csv-format.ts";
export { type FileFormat, FileWriter, type FileWriterOptions, type TableEncoder } from "./file-writer.ts";
export { JSON_FORMAT, JSON_LINES_FORMAT, jsonObjectEncoder } from "./json-format.ts";
export {
  MQTT_SPEC_FORM,
  type MqttTarget,
  MqttWriter,
  type MqttWriterOptions,
  parseMqttSpec,
} from "./mqtt-writer.ts";
export {
  type OpenWriterOptions,
  OUTPUT_FORMS,
  openWriter,
  registerWriterKind,
  type WriterFactory,
} from "./open-writer.ts";
export { copyRowEncoder, PostgresWriter, splitSchema } from "./postgres-writer.ts";
export { type PacerClock, RatePacer, systemClock } from "./rate-pacer.ts";
export { columnType, createTableSql, type SqlDialect } from "./sql-tables.ts";
export { type DatabaseWriterOptions, SqliteWriter } from "./sqlite-writer.ts";
export { dateText, dateTimeText, decimalFormatter } from "./value-format.ts";
export type { FabricationWriter, TableWriter, WriteSummary } from "./writer-types.ts";
export { XML_FORMAT, xmlName, xmlText } from "./xml-format.ts";
