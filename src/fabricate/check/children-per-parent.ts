/**
 * Children per parent, as `rows: { per, count }` allows them: a fixed number, the span of a
 * distribution, or exactly what an expression over the parent row gives (rounded, at least 0,
 * 0 when null). Checked at a table's end against every parent key (rule-checker.ts). Shares only
 * the expression parser and compiler with the engine.
 */
import type { DistributionDef, Project } from "../project/index.ts";
import { compileExpr, type ResolveVar } from "../rules/compile-expression.ts";
import { type Expr, parseExpression } from "../rules/expression.ts";
import type { CellValue } from "../table-spec.ts";

/** The counts a parent row allows: [lo, hi], and how to say where they come from. */
export type ChildBounds = (parentRow: readonly CellValue[]) => [number, number];

/** The counts a number or a distribution allows. */
export function countBounds(count: number | DistributionDef): [number, number] {
  if (typeof count === "number") {
    const n = Math.max(0, Math.round(count));
    return [n, n];
  }
  const num = (x: unknown, fallback: number) => (typeof x === "number" ? x : fallback);
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  if (count.kind === "uniform" || count.kind === "truncated_normal") {
    lo = num(count.min, lo);
    hi = num(count.max, hi);
  } else if (count.kind === "histogram") {
    lo = num(count.edges[0], lo);
    hi = num(count.edges[count.edges.length - 1], hi);
  } else if (count.kind !== "normal") lo = num(count.offset, 0);
  return [Math.max(0, Math.ceil(lo)), Math.min(1e9, Math.floor(hi))];
}

/** The parent columns a count expression reads (unqualified, or qualified by the parent). */
export function countColumns(text: string): string[] {
  const out: string[] = [];
  const visit = (e: Expr): void => {
    switch (e.k) {
      case "col":
        if (!out.includes(e.name)) out.push(e.name);
        return;
      case "neg":
      case "not":
        visit(e.a);
        return;
      case "bin":
        visit(e.a);
        visit(e.b);
        return;
      case "in":
        visit(e.a);
        for (const x of e.list) visit(x);
        return;
      case "call":
        for (const x of e.args) visit(x);
        return;
      default:
        return;
    }
  };
  visit(parseExpression(text));
  return out;
}

/**
 * The bounds of children per parent row. `kept` names the parent columns its kept rows hold, in
 * their order (they include what `countColumns` returned).
 */
export function childBounds(
  project: Project,
  rows: { per: string; count: number | string | DistributionDef },
  kept: readonly string[],
): ChildBounds {
  if (typeof rows.count !== "string") {
    const bounds = countBounds(rows.count);
    return () => bounds;
  }
  const parent = project.tables[rows.per]!;
  const resolve: ResolveVar = (name, _table, _at) => ({
    index: kept.indexOf(name),
    type: parent.columns[name]!.type,
  });
  const fn = compileExpr(parseExpression(rows.count), resolve).fn;
  return (parentRow) => {
    const x = fn(parentRow as CellValue[]);
    const n = typeof x === "number" && Number.isFinite(x) ? Math.min(1e9, Math.max(0, Math.round(x))) : 0;
    return [n, n];
  };
}
