/**
 * `serums fabricate derive PROFILE`: a data project whose rules reproduce a profile, as reviewable
 * YAML with a comment on every rule saying where it came from.
 *
 * Single-column rules: derive-columns.ts. Multi-column:
 * - date orderings become constraints (`admission_date <= discharge_date`);
 * - a difference `c = b − a` becomes the computation `b = a + c` (so that c keeps its own
 *   distribution and b follows; b's own value rules are dropped), equalities `b = a` likewise;
 *   a column is computed at most once and never from a computed column (no chains, no cycles);
 * - strong categorical associations (the profile's joint counts) become conditional categories
 *   rules on the later column, one `when` per value of the earlier: mandatory when the profile
 *   found a functional dependency, else soft; at most MAX_CONDITIONAL pairs per table, conditions
 *   of at most MAX_CONDITION_VALUES values (cheap to solve, short to review);
 * - foreign keys become the structure's foreign keys (the child's key columns copied from the
 *   parent), and children-per-parent distributions the child's rows per parent (a histogram of
 *   the profile's bins).
 * Names that are not identifiers (letters, digits, _) are rewritten, the source's name in a comment.
 */
import { Document, isMap, isSeq, type Node } from "yaml";
import type { ForeignKeyProfile, PairProfile, Profile, Relation, TableProfile } from "../profile/index.ts";
import type { ColumnDef, FabricateDef, ForeignKeyDef, Project, RuleDef, TableDef } from "../project/index.ts";
import { type DerivedColumn, type DerivedRule, deriveColumn, discreteHistogram } from "./derive-columns.ts";

export const MAX_CONDITIONAL = 5;
export const MAX_CONDITION_VALUES = 12;

export interface DeriveOptions {
  name?: string;
  seed?: number;
}

export interface DerivedProject {
  project: Project;
  yaml: string;
}

/** A name the project accepts: letters, digits and _, not starting with a digit; unique in `taken`. */
export function safeName(name: string, taken: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  if (base === "") base = "column";
  if (/^[0-9]/.test(base)) base = `_${base}`;
  let out = base;
  for (let i = 2; taken.has(out); i++) out = `${base}_${i}`;
  taken.add(out);
  return out;
}

interface TableWork {
  profile: TableProfile;
  name: string;
  columns: Map<string, DerivedColumn>;
  /** Source column name → project column name. */
  names: Map<string, string>;
  rules: DerivedRule[];
  primaryKey: string[];
  unique: string[][];
  foreignKeys: ForeignKeyDef[];
  notes: string[];
}

const SAMPLER_KINDS = ["distribution", "categories", "pattern", "range"];

function literal(value: string, def: ColumnDef): string | undefined {
  if (def.type === "integer" || def.type === "decimal")
    return Number.isFinite(Number(value)) ? value : undefined;
  if (def.type === "boolean") {
    const word = value.toLowerCase();
    return ["true", "t", "yes", "y", "1"].includes(word)
      ? "true"
      : ["false", "f", "no", "n", "0"].includes(word)
        ? "false"
        : undefined;
  }
  return value.includes("'") ? undefined : `'${value}'`;
}

function relationRules(work: TableWork): void {
  const computed = new Set<string>();
  const col = (source: string) => work.names.get(source);
  const dropValueRules = (name: string, why: string) => {
    const column = work.columns.get(name)!;
    const dropped = column.rules.filter((r) => SAMPLER_KINDS.some((k) => k in r.rule));
    column.rules = column.rules.filter((r) => !dropped.includes(r));
    if (dropped.length > 0)
      column.comment += `; computed (${why}), so its own ${dropped.map((r) => Object.keys(r.rule).find((k) => SAMPLER_KINDS.includes(k))).join(", ")} rule(s) are left out`;
  };
  const compute = (target: string, reads: string[]): boolean => {
    if (computed.has(target) || reads.some((r) => computed.has(r))) return false;
    const def = work.columns.get(target)!;
    if (
      work.primaryKey.includes(target) ||
      work.foreignKeys.some((fk) => fk.columns.includes(target)) ||
      def.rules.some((r) => "lookup" in r.rule)
    )
      return false;
    computed.add(target);
    return true;
  };
  for (const relation of work.profile.relations) {
    const support = `held in all ${relation.support} sampled rows`;
    if (relation.kind === "order") {
      const left = col(relation.left);
      const right = col(relation.right);
      if (!left || !right) continue;
      work.rules.push({
        rule: {
          id: `${left}-${relation.strict ? "before" : "not-after"}-${right}`,
          constraint: `${left} ${relation.strict ? "<" : "<="} ${right}`,
        },
        comment: `ordering ${support}`,
      });
    } else if (relation.kind === "equal") {
      const left = col(relation.left);
      const right = col(relation.right);
      if (!left || !right || !compute(right, [left])) continue;
      dropValueRules(right, `equal to ${left}`);
      work.rules.push({
        rule: { id: `${right}-equals-${left}`, constraint: `${right} = ${left}` },
        comment: `equality ${support}`,
      });
    } else if (relation.kind === "difference") {
      const target = col(relation.target);
      const minuend = col(relation.minuend);
      const subtrahend = col(relation.subtrahend);
      if (!target || !minuend || !subtrahend) continue;
      const scaled =
        relation.unit === "days" &&
        work.profile.columns.find((c) => c.name === relation.minuend)?.type === "datetime"
          ? `${target} * 86400`
          : target;
      if (compute(minuend, [subtrahend, target])) {
        dropValueRules(minuend, `${subtrahend} + ${target}`);
        work.rules.push({
          rule: { id: `${minuend}-from-${target}`, constraint: `${minuend} = ${subtrahend} + ${scaled}` },
          comment: `${relation.target} = ${relation.minuend} − ${relation.subtrahend} ${support}; computed this way round so that ${target} keeps its distribution`,
        });
      } else {
        work.notes.push(
          `${target} = ${minuend} − ${subtrahend} held too, but ${minuend} is already computed: left out`,
        );
      }
    }
  }
}

/** Columns a constraint of the table computes (`column = …`). */
function computedColumns(work: TableWork): Set<string> {
  const out = new Set<string>();
  for (const { rule } of work.rules)
    if ("constraint" in rule) out.add(rule.constraint.split(" = ")[0]!.trim());
  return out;
}

function conditionalRules(work: TableWork): void {
  const dependencies = work.profile.relations.filter(
    (r): r is Extract<Relation, { kind: "determines" }> => r.kind === "determines",
  );
  const order = work.profile.columns.map((c) => c.name);
  const conditioned = new Set<string>();
  const candidates = work.profile.pairs
    .filter(
      (p): p is PairProfile & { contingency: NonNullable<PairProfile["contingency"]> } =>
        p.contingency !== undefined,
    )
    .sort((a, b) => (b.cramersV ?? 0) - (a.cramersV ?? 0));
  let made = 0;
  for (const pair of candidates) {
    if (made >= MAX_CONDITIONAL) break;
    const [first, second] =
      order.indexOf(pair.a) < order.indexOf(pair.b) ? [pair.a, pair.b] : [pair.b, pair.a];
    const condition = work.names.get(first);
    const target = work.names.get(second);
    if (!condition || !target || conditioned.has(target)) continue;
    const targetColumn = work.columns.get(target)!;
    const conditionColumn = work.columns.get(condition)!;
    if (!targetColumn.discrete || !conditionColumn.discrete) continue;
    if (computedColumns(work).has(target)) continue;
    const cells = pair.contingency.cells.map((c) =>
      first === pair.a
        ? { when: c.a, value: c.b, count: c.count }
        : { when: c.b, value: c.a, count: c.count },
    );
    const groups = Map.groupBy(cells, (c) => c.when);
    if (groups.size > MAX_CONDITION_VALUES) continue;
    const fd = dependencies.some((d) => d.from === first && d.to === second);
    let index = 0;
    for (const [value, group] of groups) {
      const text = literal(value, conditionColumn.def);
      if (text === undefined) continue;
      const rule: RuleDef = {
        id: `${target}-when-${condition}-${index++}`,
        when: `${condition} = ${text}`,
        ...(targetColumn.def.type === "integer"
          ? {
              distribution: {
                column: target,
                ...discreteHistogram(group.map((c) => ({ x: Number(c.value), count: c.count }))),
              },
            }
          : {
              categories: {
                column: target,
                weights: Object.fromEntries(group.map((c) => [c.value, c.count])),
              },
            }),
        ...(fd ? {} : { soft: true, priority: 1 }),
      };
      work.rules.push({
        rule,
        comment: fd
          ? `${first} determines ${second} in every row (functional dependency); the joint counts of ${first} = ${value}`
          : `Cramér's V ${pair.cramersV} between ${first} and ${second}: joint counts seen at least k times where ${first} = ${value}`,
      });
    }
    conditioned.add(target);
    made++;
  }
}

function childrenHistogram(fk: ForeignKeyProfile): { edges: number[]; weights: number[] } {
  const edges: number[] = [];
  const weights: number[] = [];
  for (const bin of fk.childrenPerParent.bins) {
    const to = bin.to ?? Math.max(bin.from, Math.round(2 * bin.mean - bin.from));
    const lo = bin.from - 0.5;
    const hi = to + 0.5;
    if (edges.length > 0 && edges[edges.length - 1]! < lo) {
      weights.push(0);
      edges.push(lo);
    } else if (edges.length === 0) edges.push(lo);
    edges.push(hi);
    weights.push(bin.parents);
  }
  return { edges, weights };
}

export function deriveProject(profile: Profile, options: DeriveOptions = {}): DerivedProject {
  const tableNames = new Set<string>();
  const works: TableWork[] = profile.tables.map((table) => {
    const taken = new Set<string>();
    const names = new Map(table.columns.map((c) => [c.name, safeName(c.name, taken)]));
    const columns = new Map(
      table.columns.map((c) => [names.get(c.name)!, deriveColumn(c, names.get(c.name)!)]),
    );
    return {
      profile: table,
      name: safeName(table.name, tableNames),
      columns,
      names,
      rules: [],
      primaryKey: table.primaryKey.map((c) => names.get(c)!).filter(Boolean),
      unique: [],
      foreignKeys: [],
      notes: [],
    };
  });
  const byName = new Map(works.map((w) => [w.profile.name, w]));

  // Keys first: they decide which columns are copied or sequenced rather than drawn.
  const fabricate: Record<string, FabricateDef> = {};
  const rowComments = new Map<string, string>();
  for (const work of works) {
    fabricate[work.name] = { rows: work.profile.rows };
    rowComments.set(work.name, `${work.profile.rows} rows, as in the profile`);
  }
  for (const fk of profile.foreignKeys) {
    const child = byName.get(fk.table);
    const parent = byName.get(fk.references.table);
    if (!child || !parent) continue;
    const columns = fk.columns.map((c) => child.names.get(c)!);
    const references = fk.references.columns.map((c) => parent.names.get(c)!);
    if (columns.some((c) => c === undefined) || references.some((c) => c === undefined)) continue;
    if (parent.primaryKey.length === 0) parent.primaryKey = references;
    const isKey = [parent.primaryKey, ...parent.unique].some(
      (set) => [...set].sort().join() === [...references].sort().join(),
    );
    if (!isKey) parent.unique.push(references);
    columns.forEach((c, i) => {
      const mine = child.columns.get(c)!;
      const theirs = parent.columns.get(references[i]!)!;
      mine.def = { ...theirs.def, ...(mine.def.nullable ? { nullable: true } : {}) };
      mine.rules = mine.rules.filter((r) => "nulls" in r.rule);
      mine.unique = false;
      mine.comment = `copied from ${parent.name}.${references[i]} (foreign key)`;
    });
    child.foreignKeys.push({ columns, table: parent.name, references });
    if (!child.foreignKeys.slice(0, -1).length && fk.childrenPerParent.bins.length > 0) {
      const histogram = childrenHistogram(fk);
      fabricate[child.name] = { rows: { per: parent.name, count: { kind: "histogram", ...histogram } } };
      rowComments.set(
        child.name,
        `children per ${parent.name}: the profile's bins (each of at least k parents; mean ${fk.childrenPerParent.mean})${fk.orphans > 0 ? `; ${fk.orphans} orphan rows not reproduced` : ""}`,
      );
    }
  }
  for (const work of works) {
    // A single integer primary key with no rule is numbered by the engine.
    if (work.primaryKey.length === 1) {
      const key = work.columns.get(work.primaryKey[0]!)!;
      if (key.def.type === "integer") key.rules = [];
      key.unique = false;
    }
    for (const column of work.columns.values())
      if (column.unique && !work.primaryKey.includes(column.name)) work.unique.push([column.name]);
    relationRules(work);
    conditionalRules(work);
  }

  const project: Project = {
    name: options.name ?? "derived",
    seed: options.seed ?? profile.settings.seed,
    tables: {},
    fabricate,
  };
  const columnComments = new Map<string, string>();
  const ruleComments: { table: string; index: number; comment: string }[] = [];
  for (const work of works) {
    const table: TableDef = { columns: {} };
    const rules: RuleDef[] = [];
    for (const column of work.columns.values()) {
      table.columns[column.name] = column.def;
      columnComments.set(`${work.name}\u0000${column.name}`, column.comment);
      for (const r of [...column.rules]) {
        ruleComments.push({ table: work.name, index: rules.length, comment: r.comment });
        rules.push(r.rule.id === undefined ? r.rule : { ...r.rule, id: `${work.name}.${r.rule.id}` });
      }
    }
    for (const r of work.rules) {
      ruleComments.push({ table: work.name, index: rules.length, comment: r.comment });
      rules.push(r.rule.id === undefined ? r.rule : { ...r.rule, id: `${work.name}.${r.rule.id}` });
    }
    if (work.primaryKey.length > 0) table.primary_key = work.primaryKey;
    if (work.unique.length > 0) table.unique = work.unique;
    if (work.foreignKeys.length > 0) table.foreign_keys = work.foreignKeys;
    if (rules.length > 0) table.rules = rules;
    const renamed = work.name === work.profile.name ? "" : ` (source table "${work.profile.name}")`;
    table.description = `Derived from the profile of ${work.profile.rows} rows${renamed}`;
    project.tables[work.name] = table;
  }
  return { project, yaml: render(project, profile, works, columnComments, ruleComments, rowComments) };
}

function render(
  project: Project,
  profile: Profile,
  works: TableWork[],
  columnComments: Map<string, string>,
  ruleComments: { table: string; index: number; comment: string }[],
  rowComments: Map<string, string>,
): string {
  const doc = new Document(project);
  doc.commentBefore = [
    ` A data project derived by \`serums fabricate derive\` from the profile of ${profile.source}`,
    ` (k = ${profile.settings.k}: values seen fewer than k times were never in the profile, so they are not here).`,
    " Every rule says where it came from. Review it, adjust it, then run it with serums fabricate run.",
  ].join("\n");
  for (const work of works) {
    const columns = doc.getIn(["tables", work.name, "columns"], true);
    if (isMap(columns)) {
      for (const item of columns.items) {
        const key = String((item.key as { value?: unknown }).value ?? item.key);
        const node = item.value as Node & { flow?: boolean };
        if (node && isMap(node)) node.flow = true;
        const comment = columnComments.get(`${work.name}\u0000${key}`);
        if (comment && node) node.comment = ` ${comment}`;
      }
    }
    const fks = doc.getIn(["tables", work.name, "foreign_keys"], true);
    if (isSeq(fks)) for (const item of fks.items) if (isMap(item)) item.flow = true;
    for (const key of ["primary_key", "unique"]) {
      const node = doc.getIn(["tables", work.name, key], true);
      if (isSeq(node)) node.flow = true;
    }
    if (work.notes.length > 0) {
      const table = doc.getIn(["tables", work.name], true) as Node | undefined;
      if (table) table.commentBefore = work.notes.map((n) => ` ${n}`).join("\n");
    }
  }
  for (const { table, index, comment } of ruleComments) {
    const node = doc.getIn(["tables", table, "rules", index], true) as Node | undefined;
    if (node) node.commentBefore = ` ${comment}`;
    const kindNode =
      node && isMap(node)
        ? node.items.find((i) =>
            ["categories", "distribution", "range", "pattern", "nulls"].includes(
              String((i.key as { value?: unknown }).value),
            ),
          )
        : undefined;
    const value = kindNode?.value as (Node & { flow?: boolean }) | undefined;
    if (value && isMap(value)) value.flow = true;
  }
  for (const [table, comment] of rowComments) {
    const node = doc.getIn(["fabricate", table], true) as (Node & { flow?: boolean }) | undefined;
    if (node) {
      node.comment = ` ${comment}`;
      if (isMap(node)) node.flow = true;
    }
  }
  return doc.toString({ lineWidth: 110 });
}
