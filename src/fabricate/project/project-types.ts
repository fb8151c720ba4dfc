/**
 * A data project: what to fabricate, as read from its YAML file (see project-schema.ts for the
 * JSON Schema, and load-project.ts for reading it with located errors). Example:
 *
 * ```yaml
 * name: ecdg
 * seed: 20140101
 * knowledge:                        # CSV files, paths relative to the project file
 *   regimens: knowledge/regimens.csv
 * target: data/serums.db            # where `reuse`/`mixed` tables read existing rows (optional)
 * tables:
 *   patients:
 *     columns:
 *       patient_id: { type: integer }
 *       upi_number: { type: string }
 *       sex: { type: categorical, categories: ["1", "2"] }
 *       birth_date: { type: date }
 *       weight_kg: { type: decimal, precision: 5, scale: 1, nullable: true }
 *     primary_key: [patient_id]
 *     unique: [[upi_number]]
 *     rules:
 *       - { id: sex, categories: { column: sex, weights: { "2": 99, "1": 1 } } }
 *       - { id: born, range: { column: birth_date, min: "1925-01-01", max: "1990-12-31" } }
 *       - { id: chi, pattern: { column: upi_number, format: chi } }
 *       - id: weight
 *         distribution: { column: weight_kg, kind: truncated_normal, mean: 72, sd: 14, min: 35, max: 160 }
 *         soft: true
 *         priority: 2
 *   admissions:
 *     columns: { … admission_date: { type: date }, discharge_date: { type: date }, … }
 *     foreign_keys:
 *       - { columns: [patient_id], table: patients, references: [patient_id] }
 *     rules:
 *       - { id: after-birth, constraint: "admission_date > patients.birth_date" }
 *       - { id: stay, constraint: "length_of_stay = discharge_date - admission_date" }
 *       - { id: stay-range, range: { column: length_of_stay, min: 0, max: 60 } }
 *       - { id: pregnant, when: "sex = '2'", categories: { column: ward, values: [A, B] } }
 * fabricate:
 *   patients: { rows: 933 }
 *   admissions: { rows: { per: patients, count: { kind: uniform, min: 1, max: 5 } } }
 *   episodes: { rows: { ratio: 1.5, of: admissions } }
 * ```
 *
 * Values in the project are as written in YAML: dates as "YYYY-MM-DD", date-times ISO-8601,
 * numbers as numbers. The engine converts them to its own forms (table-spec.ts) when compiling.
 *
 * Rules: each has exactly one kind field (range, categories, distribution, pattern, constraint,
 * lookup, unique, nulls), an optional `id` (default: its path, `tables.admissions.rules[2]`), an
 * optional condition `when` (an expression; the rule applies to rows where it is true), and is
 * mandatory unless `soft: true`. Soft rules have a `priority` (higher is more important, default
 * 0); when soft rules conflict with the mandatory ones or with each other, the lowest priority is
 * dropped first (ties: the one written later).
 *
 * Expressions (constraint, when, lookup filters) are a small language: column names of the row,
 * `parent.column` for a column of a parent (the table a foreign key references), numbers,
 * 'text' (compared with a date column, 'YYYY-MM-DD' is a date), true, false, null; + - * /;
 * = != <> < <= > >=; and, or, not; `x in ('a', 'b')`; functions if(c, a, b), abs, min, max, floor,
 * ceil, round, year(date), age(birth_date, on_date) (whole years). A comparison with null is
 * unknown, and a constraint that is unknown holds (as SQL CHECK does). `column = expression` (or
 * `expression = column`) computes the column from the others.
 */

import type { ColumnType } from "../table-spec.ts";

/** A value as written in the project: a number, a text (dates as "YYYY-MM-DD"), a boolean. */
export type ProjectValue = number | string | boolean;

export interface Project {
  /** A name for messages and the summary. */
  name?: string;
  /** The default seed (a run's --seed wins). A 32-bit unsigned integer. */
  seed?: number;
  /** Knowledge tables by name: CSV files with a header, paths relative to the project file. */
  knowledge?: Record<string, string>;
  /** The database `reuse` and `mixed` tables read existing rows from (a run's --target wins). */
  target?: string;
  /** The structure and rules, per table, in the order written. */
  tables: Record<string, TableDef>;
  /** Which tables to fabricate, how many rows, and how. */
  fabricate: Record<string, FabricateDef>;
}

export interface ColumnDef {
  type: ColumnType;
  /** Default false. */
  nullable?: boolean;
  /** decimal: total digits (default 12) and digits after the point (default 2). */
  precision?: number;
  scale?: number;
  /** categorical: the allowed values (required for categorical). */
  categories?: string[];
  /** Free text for people; the engine ignores it. */
  description?: string;
}

export interface ForeignKeyDef {
  columns: string[];
  table: string;
  references: string[];
}

export interface TableDef {
  columns: Record<string, ColumnDef>;
  primary_key?: string[];
  /** Each entry one unique set of columns. */
  unique?: string[][];
  foreign_keys?: ForeignKeyDef[];
  rules?: RuleDef[];
  description?: string;
}

// ---------------------------------------------------------------------------------------------
// Rules

export interface RuleCommon {
  /** Names the rule in messages and summaries; default its path in the project. */
  id?: string;
  /** An expression: the rule applies only to rows where it is true. */
  when?: string;
  /** A soft rule may be dropped when it conflicts; default false (mandatory). */
  soft?: boolean;
  /** Soft rules: higher is more important; default 0. */
  priority?: number;
}

/** The column's values lie in [min, max] (numbers, or dates/date-times as text). */
export interface RangeRule extends RuleCommon {
  range: { column: string; min?: ProjectValue; max?: ProjectValue };
}

/**
 * The column's values are drawn from these values: `values` (equal weights) or `weights` (value →
 * relative weight). For a boolean column the values are true and false.
 */
export interface CategoriesRule extends RuleCommon {
  categories: { column: string; values?: ProjectValue[]; weights?: Record<string, number> };
}

export type DistributionDef =
  | { kind: "uniform"; min: ProjectValue; max: ProjectValue }
  | { kind: "normal"; mean: ProjectValue; sd: number }
  | { kind: "truncated_normal"; mean: ProjectValue; sd: number; min: ProjectValue; max: ProjectValue }
  /** exp(N(mu, sigma)) plus `offset` (default 0). */
  | { kind: "lognormal"; mu: number; sigma: number; offset?: ProjectValue }
  /** `offset` (default 0) plus an exponential of the given rate (or mean = 1/rate). */
  | { kind: "exponential"; rate?: number; mean?: number; offset?: ProjectValue }
  /** Bins [edges[i], edges[i+1]) with relative weights[i]; uniform within a bin. */
  | { kind: "histogram"; edges: ProjectValue[]; weights: number[] };

export type DistributionKind = DistributionDef["kind"];

/** The column's values follow a distribution (dates: in days; date-times: in seconds). */
export interface DistributionRule extends RuleCommon {
  distribution: { column: string } & DistributionDef;
}

export const FORMATS = ["uk_postcode", "uk_postcode_district", "chi", "nhs_number", "uuid"] as const;
export type FormatName = (typeof FORMATS)[number];

/** The column's text matches a regular expression (a generable subset) or a named format. */
export interface PatternRule extends RuleCommon {
  pattern: { column: string; regex?: string; format?: FormatName };
}

/** A relation between columns of a row (and its parents' columns) that must hold. */
export interface ConstraintRule extends RuleCommon {
  constraint: string;
}

/**
 * Columns drawn together from one row of a knowledge table: `columns` maps this table's column
 * → the knowledge table's column. `weight` names a knowledge column of relative weights. Columns
 * already fixed (by a parent, a computation) select among the knowledge rows that match them.
 */
export interface LookupRule extends RuleCommon {
  lookup: { table: string; columns: Record<string, string>; weight?: string };
}

/** These columns are unique together (like `unique` in the structure). */
export interface UniqueRule extends RuleCommon {
  unique: string[];
}

/** The share of rows (0..1) where a nullable column is null. */
export interface NullsRule extends RuleCommon {
  nulls: { column: string; share: number };
}

export type RuleDef =
  | RangeRule
  | CategoriesRule
  | DistributionRule
  | PatternRule
  | ConstraintRule
  | LookupRule
  | UniqueRule
  | NullsRule;

export const RULE_KINDS = [
  "range",
  "categories",
  "distribution",
  "pattern",
  "constraint",
  "lookup",
  "unique",
  "nulls",
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

// ---------------------------------------------------------------------------------------------
// The fabrication configuration

/**
 * How many rows: a total; per row of a parent (`per` names the parent table, `count` a number,
 * a distribution of the children each parent gets, or an expression over the parent row's
 * columns such as `"planned_cycles"` or `"min(planned_cycles + 2, 60)"` — rounded, at least 0, 0
 * when null); or a ratio of another
 * table's row count (`ratio` × rows of `of`, rounded).
 */
export type RowsDef =
  | number
  | { per: string; count: number | string | DistributionDef }
  | { ratio: number; of: string };

/**
 * new: fabricate every row (default). reuse: write nothing; take the existing rows of the table
 * from the target database (for children to reference). mixed: take round(share × rows) existing
 * rows, fabricate the rest.
 */
export const MODES = ["new", "reuse", "mixed"] as const;
export type Mode = (typeof MODES)[number];

export interface FabricateDef {
  /** Required for new and mixed; for reuse, the rows read (default all). */
  rows?: RowsDef;
  mode?: Mode;
  /** mixed: the share of existing rows, 0..1. */
  share?: number;
  /** reuse/mixed: the table in the target database when its name differs. */
  source_table?: string;
}
