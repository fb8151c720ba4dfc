/** The profiler: metadata about a source that shows no rare value (`serums profile`). */
export {
  type ColumnClass,
  type ColumnKind,
  classifyColumn,
  isKeyLikeName,
  type NumericUnit,
} from "./column-class.ts";
export {
  DEFAULT_K,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_SEED,
  type ProfileSettings,
  profileCatalogue,
  profileSource,
  profileTable,
} from "./profile-source.ts";
export {
  type ColumnProfile,
  type ForeignKeyProfile,
  type NumericStats,
  type PairProfile,
  PROFILE_VERSION,
  type Profile,
  profileJsonSchema,
  profileSchema,
  QUANTILE_LEVELS,
  QUANTILE_NAMES,
  type Relation,
  type TableProfile,
} from "./profile-types.ts";
export { hashText, Reservoir, sampleIndexes, seededRandom } from "./sampling.ts";
export * from "./statistics.ts";
export {
  type Catalogue,
  type CatalogueForeignKey,
  type CatalogueTable,
  parseForeignKey,
  readCatalogue,
} from "./table-catalogue.ts";
export { keyText, scanTable, type TableScan } from "./table-scan.ts";
export { binCodes, comparableText, levelCodes, type TypedColumn, typeColumns } from "./typed-table.ts";
export { shapeOf, valueText } from "./value-counter.ts";
export { booleanOf, numericParser } from "./value-parse.ts";
