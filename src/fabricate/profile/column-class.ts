/**
 * What a column is, from its streamed profile: the type a data project would give it, how its
 * values are measured, and whether it is identifier-like (then no value of it is ever shown).
 */
import type { ColumnProfile as BaseColumnProfile, ProfiledType } from "../../sources/index.ts";
import type { ColumnType } from "../table-spec.ts";

export type ColumnKind = "numeric" | "temporal" | "boolean" | "categorical" | "text" | "empty";
export type NumericUnit = "number" | "days" | "seconds";

export interface ColumnClass {
  name: string;
  index: number;
  type: ColumnType;
  inferred: ProfiledType;
  format: string | undefined;
  kind: ColumnKind;
  /** For numeric and temporal columns. */
  unit: NumericUnit | undefined;
  identifier: boolean;
  identifierReasons: string[];
  /** Numeric columns with few distinct values (grades, counts): also treated as categories. */
  discrete: boolean;
  /** The column profiler's view of it. */
  base: BaseColumnProfile;
}

/** Most distinct values a string column may have to be categorical (and at most half its rows). */
export const MAX_CATEGORIES = 200;
/** Most distinct values a numeric column may have to count as discrete. */
export const MAX_DISCRETE = 20;
/** Distinct / non-empty at or above which a text or integer column is identifier-like. */
export const IDENTIFIER_UNIQUENESS = 0.9;

/**
 * Names that mark keys and identifiers: id, uuid, guid, key, chi, nhs, mrn, upi or ref as a word
 * of the name (snake_case, kebab-case, spaces, or a camelCase "Id"). Such a column is identifier-
 * like whatever its values. Names ending in no / number / num (cycle_number, hospital_no) are only
 * when most of their values are distinct.
 */
const KEY_NAME = /(^|[_\s.-])(id|uuid|guid|key|chi|nhs|mrn|upi|ref)([_\s.-]|$)|[a-z](Id|ID|Key|Ref)$/;
const NUMBER_NAME = /(^|[_\s-])(no|number|num)$|[a-z](No|Number|Num)$/;

export function isKeyLikeName(name: string): boolean {
  return KEY_NAME.test(name) || KEY_NAME.test(name.toLowerCase());
}

export function isNumberLikeName(name: string): boolean {
  return NUMBER_NAME.test(name) || NUMBER_NAME.test(name.toLowerCase());
}

export interface ClassifyOptions {
  k: number;
  /** Declared keys of the table (primary key, foreign keys, unique columns). */
  declaredKeys?: ReadonlySet<string>;
}

export function classifyColumn(
  base: BaseColumnProfile,
  index: number,
  options: ClassifyOptions,
): ColumnClass {
  const reasons: string[] = [];
  const uniqueness = base.nonEmpty === 0 ? 0 : base.distinct / base.nonEmpty;
  if (base.identifierLike) reasons.push("pattern: CHI, NHS or long numeric identifiers");
  if (options.declaredKeys?.has(base.column)) reasons.push("declared key of the table");
  if (isKeyLikeName(base.column)) reasons.push("key-like name");
  else if (isNumberLikeName(base.column) && uniqueness >= 0.5)
    reasons.push("number-like name with mostly distinct values");
  const textual = base.type === "string" || base.type === "integer";
  if (textual && base.nonEmpty >= 2 * options.k && uniqueness >= IDENTIFIER_UNIQUENESS)
    reasons.push(`${Math.round(uniqueness * 100)}% of its values are distinct`);
  const identifier = reasons.length > 0;

  let type: ColumnType;
  let kind: ColumnKind;
  let unit: NumericUnit | undefined;
  switch (base.type) {
    case "integer":
    case "decimal":
      type = base.type;
      kind = "numeric";
      unit = "number";
      break;
    case "date":
      type = "date";
      kind = "temporal";
      unit = "days";
      break;
    case "datetime":
      type = "datetime";
      kind = "temporal";
      unit = "seconds";
      break;
    case "boolean":
      type = "boolean";
      kind = "boolean";
      break;
    case "empty":
      type = "string";
      kind = "empty";
      break;
    default: {
      const categorical =
        !identifier && base.distinct <= MAX_CATEGORIES && base.distinct * 2 <= base.nonEmpty;
      type = categorical ? "categorical" : "string";
      kind = categorical ? "categorical" : "text";
    }
  }
  return {
    name: base.column,
    index,
    type,
    inferred: base.type,
    format: base.format,
    kind,
    unit,
    identifier,
    identifierReasons: reasons,
    discrete: kind === "numeric" && base.distinct <= MAX_DISCRETE,
    base,
  };
}
