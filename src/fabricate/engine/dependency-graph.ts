/**
 * The order tables are fabricated in: parents before children. Edges come from foreign keys,
 * rows per parent (`per`) and ratios (`of`: that table's count must be known first). A cycle is
 * rejected naming the tables around it (a table referencing itself included).
 */
import type { Project, ProjectSource } from "../project/index.ts";

export interface TableEdge {
  from: string;
  to: string;
  /** Why: "foreign key", "rows per parent", "ratio". */
  why: string;
}

export function tableEdges(project: Project): TableEdge[] {
  const edges: TableEdge[] = [];
  for (const name of Object.keys(project.fabricate)) {
    const table = project.tables[name]!;
    for (const fk of table.foreign_keys ?? []) edges.push({ from: fk.table, to: name, why: "foreign key" });
    const rows = project.fabricate[name]!.rows;
    if (rows !== undefined && typeof rows === "object") {
      if ("per" in rows) edges.push({ from: rows.per, to: name, why: "rows per parent" });
      else edges.push({ from: rows.of, to: name, why: "ratio" });
    }
  }
  return edges;
}

/** The fabricated tables, parents first (otherwise in the order written under fabricate). */
export function tableOrder(project: Project, source: ProjectSource): string[] {
  const names = Object.keys(project.fabricate);
  const edges = tableEdges(project);
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < names.length) {
    const ready = names.find((n) => !done.has(n) && edges.every((e) => e.to !== n || done.has(e.from)));
    if (ready === undefined) {
      const left = names.filter((n) => !done.has(n));
      const cycle = findCycle(left, edges);
      throw source.error(
        ["fabricate", cycle[0]!],
        `the tables depend on each other in a cycle: ${cycle.join(" → ")} (through ${describeEdges(cycle, edges)}); a table's parents must be made before it`,
        cycle,
      );
    }
    done.add(ready);
    order.push(ready);
  }
  return order;
}

function findCycle(left: string[], edges: TableEdge[]): string[] {
  const set = new Set(left);
  // Walk backwards along unfinished parents until a table repeats.
  const path: string[] = [left[0]!];
  for (;;) {
    const current = path[path.length - 1]!;
    const parent = edges.find((e) => e.to === current && set.has(e.from))!.from;
    const at = path.indexOf(parent);
    if (at >= 0) {
      const cycle = path.slice(at).reverse();
      return [...cycle, cycle[0]!];
    }
    path.push(parent);
  }
}

function describeEdges(cycle: string[], edges: TableEdge[]): string {
  const parts: string[] = [];
  for (let i = 0; i + 1 < cycle.length; i++) {
    const e = edges.find((x) => x.from === cycle[i] && x.to === cycle[i + 1]);
    if (e) parts.push(`${e.to}'s ${e.why} to ${e.from}`);
  }
  return parts.join(", ");
}
