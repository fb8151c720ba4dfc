/** Privacy against real data: the row key exact copies are judged by, and the copy filter of `fabricate run --avoid-copies-of`. */
export {
  buildCopyFilter,
  CopyFilter,
  type CopyFilterOptions,
  type CopyFilterTable,
  type CopyTest,
} from "./copy-filter.ts";
export {
  columnNamed,
  copyColumns,
  isCompared,
  type KeyColumn,
  rowKey,
  specKeyColumn,
  valueKey,
} from "./row-key.ts";
