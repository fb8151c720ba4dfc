export { CSV_DELIMITERS } from "./csv-scan.ts";
export { CsvSource, type CsvSourceOptions } from "./csv-source.ts";
export { JsonLinesSource, JsonSource } from "./json-source.ts";
export { MemorySource } from "./memory-source.ts";
export { openSource, SOURCE_KINDS } from "./open-source.ts";
export { PostgresSource, parseTableName, type TableName } from "./postgres-source.ts";
export {
  type ColumnProfile,
  type PatternMatch,
  type PatternName,
  type ProfiledType,
  type ProfileOptions,
  profileColumns,
} from "./profile-columns.ts";
export { SqliteSource } from "./sqlite-source.ts";
export type { OpenSourceOptions, SourceReader, SourceRow, SourceValue } from "./types.ts";
