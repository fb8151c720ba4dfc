/**
 * The meaning of a data project beyond its syntax: columns named by keys, rules and foreign keys
 * exist; foreign keys reference a table's primary key or unique set with as many columns;
 * categorical columns have categories; rules suit their column's type; rule IDs are unique; the
 * fabrication configuration names tables that exist, and rows per parent name a parent. Values
 * and expressions are checked when the engine compiles the rules (engine/compile-table.ts), with
 * the same located errors.
 */
import type { ProjectSource } from "./load-project.ts";
import type { Project, RuleDef, TableDef } from "./project-types.ts";
import { RULE_KINDS } from "./project-types.ts";

/** The kind field of a rule. */
export function ruleKind(rule: RuleDef): (typeof RULE_KINDS)[number] {
  return RULE_KINDS.find((kind) => kind in rule)!;
}

/** The ID a rule is named by: its own, or its path. */
export function ruleId(table: string, index: number, rule: RuleDef): string {
  return rule.id ?? `tables.${table}.rules[${index}]`;
}

/** The columns a rule names directly (not those in its expressions). */
export function ruleColumns(rule: RuleDef): { column: string; field: string[] }[] {
  if ("range" in rule) return [{ column: rule.range.column, field: ["range", "column"] }];
  if ("categories" in rule) return [{ column: rule.categories.column, field: ["categories", "column"] }];
  if ("distribution" in rule)
    return [{ column: rule.distribution.column, field: ["distribution", "column"] }];
  if ("pattern" in rule) return [{ column: rule.pattern.column, field: ["pattern", "column"] }];
  if ("nulls" in rule) return [{ column: rule.nulls.column, field: ["nulls", "column"] }];
  if ("unique" in rule) return rule.unique.map((column, i) => ({ column, field: ["unique", String(i)] }));
  if ("lookup" in rule)
    return Object.keys(rule.lookup.columns).map((column) => ({
      column,
      field: ["lookup", "columns", column],
    }));
  return [];
}

const NUMERIC = new Set(["integer", "decimal", "date", "datetime"]);

function checkColumns(
  source: ProjectSource,
  table: TableDef,
  where: (string | number)[],
  columns: readonly string[],
  names: readonly string[],
): void {
  columns.forEach((column, i) => {
    if (!(column in table.columns)) {
      throw source.error(
        [...where, i],
        `no column ${JSON.stringify(column)} in this table; its columns: ${names.join(", ")}`,
        column,
      );
    }
  });
}

export function checkProject(project: Project, source: ProjectSource): void {
  const tableNames = Object.keys(project.tables);
  const ids = new Map<string, string>();
  for (const [name, table] of Object.entries(project.tables)) {
    const at = ["tables", name];
    const names = Object.keys(table.columns);
    if (names.length === 0) throw source.error([...at, "columns"], "a table needs at least one column");
    for (const [column, def] of Object.entries(table.columns)) {
      const cat = [...at, "columns", column];
      if (def.type === "categorical" && (def.categories === undefined || def.categories.length === 0)) {
        throw source.error(
          [...cat, "categories"],
          "a categorical column needs its categories (a list of values)",
        );
      }
      if (def.type !== "categorical" && def.categories !== undefined) {
        throw source.error(
          [...cat, "categories"],
          `categories belong to a categorical column; this one is ${def.type}`,
        );
      }
      if (def.categories && new Set(def.categories).size !== def.categories.length) {
        throw source.error([...cat, "categories"], "categories must not repeat", def.categories);
      }
      if ((def.precision !== undefined || def.scale !== undefined) && def.type !== "decimal") {
        throw source.error(cat, `precision and scale belong to a decimal column; this one is ${def.type}`);
      }
      if ((def.scale ?? 2) > (def.precision ?? 12)) {
        throw source.error(
          [...cat, "scale"],
          `scale must not exceed precision (${def.precision ?? 12})`,
          def.scale,
        );
      }
    }
    if (table.primary_key) checkColumns(source, table, [...at, "primary_key"], table.primary_key, names);
    (table.unique ?? []).forEach((set, i) => {
      checkColumns(source, table, [...at, "unique", i], set, names);
    });
    (table.foreign_keys ?? []).forEach((fk, i) => {
      const fat = [...at, "foreign_keys", i];
      checkColumns(source, table, [...fat, "columns"], fk.columns, names);
      const parent = project.tables[fk.table];
      if (!parent) {
        throw source.error(
          [...fat, "table"],
          `no table ${JSON.stringify(fk.table)}; tables: ${tableNames.join(", ")}`,
          fk.table,
        );
      }
      checkColumns(source, parent, [...fat, "references"], fk.references, Object.keys(parent.columns));
      if (fk.columns.length !== fk.references.length) {
        throw source.error(
          fat,
          `columns (${fk.columns.length}) and references (${fk.references.length}) must pair up one to one`,
        );
      }
      const keys = [parent.primary_key ?? [], ...(parent.unique ?? [])].map((set) =>
        [...set].sort().join(","),
      );
      if (!keys.includes([...fk.references].sort().join(","))) {
        throw source.error(
          [...fat, "references"],
          `a foreign key references the primary key or a unique set of ${fk.table}; [${fk.references.join(", ")}] is neither`,
          fk.references,
        );
      }
      fk.columns.forEach((column, k) => {
        const mine = table.columns[column]!;
        const theirs = parent.columns[fk.references[k]!]!;
        if (mine.type !== theirs.type) {
          throw source.error(
            [...fat, "columns", k],
            `${column} is ${mine.type} but ${fk.table}.${fk.references[k]} is ${theirs.type}; a foreign key's columns have their references' types`,
          );
        }
      });
    });
    (table.rules ?? []).forEach((rule, i) => {
      const rat = [...at, "rules", i];
      const id = ruleId(name, i, rule);
      const previous = ids.get(id);
      if (previous !== undefined)
        throw source.error([...rat, "id"], `rule ID ${JSON.stringify(id)} is also used at ${previous}`, id);
      ids.set(id, `tables.${name}.rules[${i}]`);
      for (const { column, field } of ruleColumns(rule)) {
        const def = table.columns[column];
        if (!def) {
          throw source.error(
            [...rat, ...field],
            `no column ${JSON.stringify(column)} in ${name}; its columns: ${names.join(", ")}`,
            column,
          );
        }
        const kind = ruleKind(rule);
        if ((kind === "range" || kind === "distribution") && !NUMERIC.has(def.type)) {
          throw source.error(
            [...rat, ...field],
            `a ${kind} rule needs a number or date column; ${column} is ${def.type}`,
            column,
          );
        }
        if (kind === "pattern" && def.type !== "string") {
          throw source.error(
            [...rat, ...field],
            `a pattern rule needs a string column; ${column} is ${def.type}`,
            column,
          );
        }
        if (kind === "nulls" && !def.nullable) {
          throw source.error(
            [...rat, ...field],
            `${column} is not nullable; add nullable: true to the column to give it nulls`,
            column,
          );
        }
      }
      if (rule.priority !== undefined && !rule.soft) {
        throw source.error(
          [...rat, "priority"],
          "a priority belongs to a soft rule (add soft: true); mandatory rules always hold",
          rule.priority,
        );
      }
      if ("pattern" in rule && (rule.pattern.regex === undefined) === (rule.pattern.format === undefined)) {
        throw source.error([...rat, "pattern"], "give exactly one of regex and format");
      }
      if (
        "categories" in rule &&
        (rule.categories.values === undefined) === (rule.categories.weights === undefined)
      ) {
        throw source.error(
          [...rat, "categories"],
          "give exactly one of values (equal weights) and weights (value: weight)",
        );
      }
      if ("distribution" in rule && rule.distribution.kind === "exponential") {
        const d = rule.distribution;
        if ((d.rate === undefined) === (d.mean === undefined))
          throw source.error([...rat, "distribution"], "give exactly one of rate and mean");
      }
      if ("distribution" in rule && rule.distribution.kind === "histogram") {
        const d = rule.distribution;
        if (d.weights.length !== d.edges.length - 1) {
          throw source.error(
            [...rat, "distribution", "weights"],
            `a histogram has one weight per bin: ${d.edges.length - 1} for ${d.edges.length} edges`,
            d.weights.length,
          );
        }
      }
      if ("lookup" in rule) {
        const known = Object.keys(project.knowledge ?? {});
        if (!known.includes(rule.lookup.table)) {
          throw source.error(
            [...rat, "lookup", "table"],
            `no knowledge table ${JSON.stringify(rule.lookup.table)}; declare it under knowledge (${known.length === 0 ? "there are none" : `there are: ${known.join(", ")}`})`,
            rule.lookup.table,
          );
        }
        if (Object.keys(rule.lookup.columns).length === 0)
          throw source.error([...rat, "lookup", "columns"], "map at least one column");
      }
    });
  }
  const fabricated = Object.keys(project.fabricate);
  if (fabricated.length === 0) throw source.error(["fabricate"], "name at least one table to fabricate");
  for (const [name, def] of Object.entries(project.fabricate)) {
    const at = ["fabricate", name];
    const table = project.tables[name];
    if (!table)
      throw source.error(
        at,
        `no table ${JSON.stringify(name)} under tables; tables: ${tableNames.join(", ")}`,
        name,
      );
    const mode = def.mode ?? "new";
    if (mode !== "reuse" && def.rows === undefined)
      throw source.error([...at, "rows"], `required for mode ${mode}: a number, {per, count} or {ratio, of}`);
    if ((def.share !== undefined) !== (mode === "mixed")) {
      throw source.error(
        [...at, "share"],
        mode === "mixed"
          ? "mode mixed needs share (0..1): the share of existing rows"
          : "share belongs to mode mixed",
      );
    }
    const rows = def.rows;
    if (rows !== undefined && typeof rows === "object" && "per" in rows) {
      const parents = (table.foreign_keys ?? []).map((fk) => fk.table);
      if (!parents.includes(rows.per)) {
        throw source.error(
          [...at, "rows", "per"],
          parents.length === 0
            ? `rows per parent need a parent, but ${name} has no foreign key; give a number of rows instead`
            : `${name} has no foreign key to ${rows.per}; its parents: ${parents.join(", ")}`,
          rows.per,
        );
      }
      if (!(rows.per in project.fabricate)) {
        throw source.error(
          [...at, "rows", "per"],
          `${rows.per} is not under fabricate; add it (mode reuse takes its existing rows)`,
          rows.per,
        );
      }
    }
    if (
      rows !== undefined &&
      typeof rows === "object" &&
      "ratio" in rows &&
      !(rows.of in project.fabricate)
    ) {
      throw source.error(
        [...at, "rows", "of"],
        `${rows.of} is not under fabricate; fabricated: ${fabricated.join(", ")}`,
        rows.of,
      );
    }
    for (const fk of table.foreign_keys ?? []) {
      if (!(fk.table in project.fabricate)) {
        throw source.error(
          at,
          `${name} references ${fk.table}, which is not under fabricate; add ${fk.table} (mode reuse takes its existing rows)`,
        );
      }
    }
  }
}
