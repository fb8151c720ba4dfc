/**
 * The data project's syntax as zod schemas (strict: an unknown field is an error), the JSON
 * Schema exported from them, and the schemas of each rule kind alone (load-project.ts uses those
 * to explain a bad rule precisely rather than as "no option of the union matched").
 * Cross-field meaning (columns that exist, foreign keys that match) is checked in check-project.ts.
 */
import { z } from "zod";
import { COLUMN_TYPES } from "../table-spec.ts";
import { FORMATS, MODES, type Project, RULE_KINDS, type RuleKind } from "./project-types.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const name = (what: string) =>
  z
    .string({ error: `valid: ${what} (a name of letters, digits and _)` })
    .regex(NAME, { error: `valid: ${what}: a letter or _, then letters, digits or _` });

function object<Shape extends z.ZodRawShape>(what: string, shape: Shape) {
  const fields = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `valid fields of ${what}: ${fields}`
        : `valid: ${what} (a map with fields ${fields})`,
  });
}

const value = z.union([z.number(), z.string(), z.boolean()], {
  error: "valid: a number, a text (dates as YYYY-MM-DD) or true/false",
});
const finite = (what: string) => z.number({ error: `valid: ${what} (a number)` }).refine(Number.isFinite);
const positive = (what: string) => z.number({ error: `valid: ${what} (a number > 0)` }).positive();
const columnList = (what: string) =>
  z.array(name("a column"), { error: `valid: ${what}: a list of column names` }).min(1, {
    error: `valid: ${what}: at least one column`,
  });

export const columnSchema = object("a column", {
  type: z.enum(COLUMN_TYPES, { error: `valid types: ${COLUMN_TYPES.join(", ")}` }),
  nullable: z.boolean().optional(),
  precision: z.int().min(1).max(30).optional(),
  scale: z.int().min(0).max(20).optional(),
  categories: z
    .array(z.union([z.string(), z.number()]).transform(String), {
      error: "valid: a list of category values",
    })
    .min(1)
    .optional(),
  description: z.string().optional(),
});

export const foreignKeySchema = object("a foreign key", {
  columns: columnList("columns"),
  table: name("a table"),
  references: columnList("references"),
});

export const distributionSchema = z.discriminatedUnion(
  "kind",
  [
    object("a uniform distribution", { kind: z.literal("uniform"), min: value, max: value }),
    object("a normal distribution", { kind: z.literal("normal"), mean: value, sd: positive("sd") }),
    object("a truncated normal distribution", {
      kind: z.literal("truncated_normal"),
      mean: value,
      sd: positive("sd"),
      min: value,
      max: value,
    }),
    object("a log-normal distribution", {
      kind: z.literal("lognormal"),
      mu: finite("mu"),
      sigma: positive("sigma"),
      offset: value.optional(),
    }),
    object("an exponential distribution", {
      kind: z.literal("exponential"),
      rate: positive("rate").optional(),
      mean: positive("mean").optional(),
      offset: value.optional(),
    }),
    object("a histogram", {
      kind: z.literal("histogram"),
      edges: z.array(value).min(2, { error: "valid: at least two edges (one bin)" }),
      weights: z.array(z.number().min(0)).min(1),
    }),
  ],
  {
    error: "valid kinds: uniform, normal, truncated_normal, lognormal, exponential, histogram",
  },
);

const common = {
  id: z.string().min(1).optional(),
  when: z.string().min(1).optional(),
  soft: z.boolean().optional(),
  priority: z.int().optional(),
};

/** One schema per rule kind, each a strict map of the kind field and the common fields. */
export const ruleSchemas = {
  range: object("a range rule", {
    ...common,
    range: object("range", { column: name("a column"), min: value.optional(), max: value.optional() }),
  }),
  categories: object("a categories rule", {
    ...common,
    categories: object("categories", {
      column: name("a column"),
      values: z.array(value).min(1).optional(),
      weights: z.record(z.string(), z.number().min(0)).optional(),
    }),
  }),
  distribution: object("a distribution rule", {
    ...common,
    distribution: z.intersection(
      object("distribution", { column: name("a column") }).loose(),
      distributionSchema,
    ),
  }),
  pattern: object("a pattern rule", {
    ...common,
    pattern: object("pattern", {
      column: name("a column"),
      regex: z.string().min(1).optional(),
      format: z.enum(FORMATS, { error: `valid formats: ${FORMATS.join(", ")}` }).optional(),
    }),
  }),
  constraint: object("a constraint rule", { ...common, constraint: z.string().min(1) }),
  lookup: object("a lookup rule", {
    ...common,
    lookup: object("lookup", {
      table: name("a knowledge table"),
      columns: z.record(z.string(), z.string()),
      weight: z.string().optional(),
    }),
  }),
  unique: object("a unique rule", { ...common, unique: columnList("unique") }),
  nulls: object("a nulls rule", {
    ...common,
    nulls: object("nulls", { column: name("a column"), share: z.number().min(0).max(1) }),
  }),
} satisfies Record<RuleKind, z.ZodType>;

export const ruleSchema = z.union(RULE_KINDS.map((kind) => ruleSchemas[kind]));

export const tableSchema = object("a table", {
  columns: z.record(name("a column"), columnSchema),
  primary_key: columnList("primary_key").optional(),
  unique: z.array(columnList("a unique set")).optional(),
  foreign_keys: z.array(foreignKeySchema).optional(),
  rules: z.array(ruleSchema).optional(),
  description: z.string().optional(),
});

const countSchema = z.union([
  z.number().min(0),
  z.string().min(1, "an expression over the parent's columns, such as planned_cycles"),
  distributionSchema,
]);

export const rowsSchema = z.union([
  z.int().min(0),
  object("rows per parent", { per: name("a parent table"), count: countSchema }),
  object("rows as a ratio", { ratio: z.number().min(0), of: name("a table") }),
]);

export const fabricateSchema = object("a table's fabrication", {
  rows: rowsSchema.optional(),
  mode: z.enum(MODES, { error: `valid modes: ${MODES.join(", ")}` }).optional(),
  share: z.number().min(0).max(1).optional(),
  source_table: z.string().min(1).optional(),
});

export const projectSchema = object("a data project", {
  name: z.string().optional(),
  seed: z.int().min(0).max(0xffffffff).optional(),
  knowledge: z.record(name("a knowledge table"), z.string().min(1)).optional(),
  target: z.string().min(1).optional(),
  tables: z.record(name("a table"), tableSchema),
  fabricate: z.record(name("a table"), fabricateSchema),
});

// The schema's output must be the hand-written type (a compile-time check, no runtime cost).
type SameShape = z.output<typeof projectSchema> extends Project ? true : false;
const sameShape: SameShape = true;
void sameShape;

/** The JSON Schema of a data project (for editors and `serums fabricate schema`). */
export function projectJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://serums.example/schemas/fabrication-project.schema.json",
    title: "Serums data project (rule-guided fabrication)",
    ...z.toJSONSchema(projectSchema, { io: "input", unrepresentable: "any" }),
  };
}
