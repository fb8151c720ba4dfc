/**
 * `serums fabricate derive PROFILE`: a data project whose rules reproduce a profile, as reviewable
 * YAML with a comment on every rule saying where it came from.
 *
 * Single-column rules: derive-columns.ts. Multi-column:
 * - date orderings become constraints (`admission_date <= discharge_date`);
 * - a difference `c = b − a` becomes the computation `b = a + c` (so that c keeps its own
 *   distribution and b follows; b's own value rules are dropped), equalities `b = a` likewise;
 *   a column is computed at most once and never from a computed column (no chains, no cycles);
 * - strong categorical associations (the profile's joint counts, cells of k or more rows only)
 *   become conditional rules on one column, one `when` per value of the other: functional
 *   dependencies first, conditioned on the determining column, mandatory; then the strongest
 *   other associations, on the earlier column, soft; no column conditioned twice or in a cycle;
 *   at most MAX_CONDITIONAL_RULES rules per table, conditions of at most MAX_CONDITION_VALUES
 *   values (cheap to solve, short to review);
 * - foreign keys become the structure's foreign keys (the child's key columns copied from the
 *   parent), and children-per-parent distributions the child's rows per parent (a histogram of
 *   the profile's bins).
 * Names that are not identifiers (letters, digits, _) are rewritten, the source's name in a comment.
 */
import { Document, isMap, isSeq, type Node } from "yaml";
import type { ForeignKeyProfile, PairProfile, Profile, Relation, TableProfile } from "../profile/index.ts";
import type { ColumnDef, FabricateDef, ForeignKeyDef, Project, RuleDef, TableDef } from "../project/index.ts";
import { type DerivedColumn, type DerivedRule, deriveColumn, discreteHistogram } from "./derive-columns.ts";

/** Conditional rules per table at most (each a `when` on one value of a condition column). */
export const MAX_CONDITIONAL_RULES = 120;
/** Values of a condition column at most (the profile publishes joint counts of up to 30 levels). */
export const MAX_CONDITION_VALUES = 30;

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

/** Has a path from `from` to `to` in the condition → target edges (so an edge to → from would close a cycle). */
function reaches(edges: Map<string, Set<string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const at = queue.pop()!;
    if (at === to) return true;
    if (seen.has(at)) continue;
    seen.add(at);
    for (const next of edges.get(at) ?? []) queue.push(next);
  }
  return false;
}

/**
 * Joint distributions of associated categorical columns, as conditional rules: the target's
 * common values weighted by the profile's joint counts (cells of k or more rows only) per common
 * value of the condition. Functional dependencies first, the determining column as the condition
 * (mandatory rules); then the strongest other associations, the earlier column as the condition
 * (soft rules). A column is conditioned once, never on a column it conditions (no cycles), and
 * never when it is computed or a key; at most MAX_CONDITIONAL_RULES rules per table.
 */
function conditionalRules(work: TableWork): void {
  const dependencies = work.profile.relations.filter(
    (r): r is Extract<Relation, { kind: "determines" }> => r.kind === "determines",
  );
  const determines = (from: string, to: string) => dependencies.some((d) => d.from === from && d.to === to);
  const order = work.profile.columns.map((c) => c.name);
  const keyColumns = new Set([...work.primaryKey, ...work.foreignKeys.flatMap((fk) => fk.columns)]);
  const computed = computedColumns(work);
  const valued = (source: string) => {
    const name = work.names.get(source);
    const column = name === undefined ? undefined : work.columns.get(name);
    const profile = work.profile.columns.find((c) => c.name === source);
    return (
      column !== undefined &&
      (column.discrete || ((profile?.values?.top.length ?? 0) > 0 && column.def.type === "integer"))
    );
  };
  const conditioned = new Set<string>();
  const edges = new Map<string, Set<string>>();
  const candidates = work.profile.pairs
    .filter(
      (p): p is PairProfile & { contingency: NonNullable<PairProfile["contingency"]> } =>
        p.contingency !== undefined && p.contingency.cells.length > 0,
    )
    .map((pair) => {
      const fd = determines(pair.a, pair.b) || determines(pair.b, pair.a);
      // The determining column conditions; for an association (or both ways), the earlier one.
      const earlier = order.indexOf(pair.a) < order.indexOf(pair.b);
      const aFirst =
        determines(pair.a, pair.b) && determines(pair.b, pair.a)
          ? earlier
          : fd
            ? determines(pair.a, pair.b)
            : earlier;
      return { pair, fd, aFirst };
    })
    .sort((x, y) => Number(y.fd) - Number(x.fd) || (y.pair.cramersV ?? 0) - (x.pair.cramersV ?? 0));
  let made = 0;
  for (const { pair, fd, aFirst } of candidates) {
    const [first, second] = aFirst ? [pair.a, pair.b] : [pair.b, pair.a];
    const condition = work.names.get(first);
    const target = work.names.get(second);
    if (!condition || !target || conditioned.has(target)) continue;
    if (!valued(first) || !work.columns.get(target)!.discrete) continue;
    if (computed.has(target) || keyColumns.has(target)) continue;
    if (reaches(edges, target, condition)) continue;
    const targetColumn = work.columns.get(target)!;
    const conditionColumn = work.columns.get(condition)!;
    const cells = pair.contingency.cells.map((c) =>
      first === pair.a
        ? { when: c.a, value: c.b, count: c.count }
        : { when: c.b, value: c.a, count: c.count },
    );
    const groups = Map.groupBy(cells, (c) => c.when);
    if (groups.size > MAX_CONDITION_VALUES || made + groups.size > MAX_CONDITIONAL_RULES) continue;
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
      made++;
    }
    conditioned.add(target);
    const out = edges.get(condition) ?? new Set<string>();
    out.add(target);
    edges.set(condition, out);
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

/** Tables `table` reaches by following foreign keys upward (its ancestors), not itself. */
function ancestors(table: string, foreignKeys: readonly ForeignKeyProfile[]): Set<string> {
  const out = new Set<string>();
  const queue = [table];
  while (queue.length > 0) {
    const at = queue.pop()!;
    for (const fk of foreignKeys)
      if (fk.table === at && fk.references.table !== table && !out.has(fk.references.table)) {
        out.add(fk.references.table);
        queue.push(fk.references.table);
      }
  }
  return out;
}

/**
 * The foreign key a child's rows are made per: of its foreign keys, the most specific parent —
 * the one whose table has the others' tables as ancestors (a treatment per toxicity assessment,
 * not per regime, when the assessment is itself per regime); between unrelated parents, the key
 * with the most columns (a key that includes another's columns names a narrower parent); then the
 * first. Self-references are left out (a table is not made per itself).
 */
export function perParent(
  candidates: readonly ForeignKeyProfile[],
  all: readonly ForeignKeyProfile[],
): ForeignKeyProfile | undefined {
  let best: ForeignKeyProfile | undefined;
  for (const fk of candidates) {
    if (fk.references.table === fk.table) continue;
    if (!best) {
      best = fk;
      continue;
    }
    const below = ancestors(fk.references.table, all).has(best.references.table);
    const above = ancestors(best.references.table, all).has(fk.references.table);
    if (below && !above) best = fk;
    else if (!below && !above && fk.columns.length > best.columns.length) best = fk;
  }
  return best;
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
  const usable: ForeignKeyProfile[] = [];
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
    usable.push(fk);
  }
  // Rows per parent: of a child's foreign keys, the most specific parent's.
  for (const work of works) {
    const fk = perParent(
      usable.filter((f) => f.table === work.profile.name && f.childrenPerParent.bins.length > 0),
      profile.foreignKeys,
    );
    if (!fk) continue;
    const parent = byName.get(fk.references.table)!;
    const others = usable.filter((f) => f.table === work.profile.name && f !== fk);
    // The driving key first: the others then take the parent matching the columns it shares
    // (the treatment's regime is its cycle's regime), as a hand-written project would list them.
    const driving = work.foreignKeys.findIndex(
      (f) => f.table === parent.name && f.columns.join() === fk.columns.map((c) => work.names.get(c)).join(),
    );
    if (driving > 0) work.foreignKeys.unshift(...work.foreignKeys.splice(driving, 1));
    const histogram = childrenHistogram(fk);
    fabricate[work.name] = { rows: { per: parent.name, count: { kind: "histogram", ...histogram } } };
    rowComments.set(
      work.name,
      `children per ${parent.name}: the profile's bins (each of at least k parents; mean ${fk.childrenPerParent.mean})${fk.orphans > 0 ? `; ${fk.orphans} orphan rows not reproduced` : ""}${others.length > 0 ? `; the most specific of its ${others.length + 1} parents (${others.map((o) => o.references.table).join(", ")} ${others.length === 1 ? "is" : "are"} less specific)` : ""}`,
    );
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
