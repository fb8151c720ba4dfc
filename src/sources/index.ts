export type { OpenSourceOptions, SourceReader, SourceRow, SourceValue } from "./types.ts";
