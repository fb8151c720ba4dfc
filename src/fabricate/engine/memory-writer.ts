/**
 * A writer that keeps every row in memory, for tests and for checking a project's output in
 * code. Not for large runs: it is the opposite of streaming.
 */
import type { CellValue, TableSpec } from "../table-spec.ts";
import type { FabricationWriter, TableWriter, WriteSummary } from "../writers/writer-types.ts";

export class MemoryWriter implements FabricationWriter {
  readonly tables = new Map<string, TableSpec>();
  readonly rows = new Map<string, CellValue[][]>();
  /** The order tables were written in. */
  readonly order: string[] = [];
  aborted = false;
  finished = false;

  async begin(tables: readonly TableSpec[]): Promise<void> {
    for (const t of tables) {
      this.tables.set(t.name, t);
      this.rows.set(t.name, []);
    }
  }

  table(name: string): TableWriter {
    const rows = this.rows.get(name);
    if (!rows) throw new Error(`table ${name} was not announced in begin`);
    this.order.push(name);
    return {
      write: (row) => {
        rows.push([...row]);
      },
      end: async () => undefined,
    };
  }

  async finish(): Promise<WriteSummary> {
    this.finished = true;
    return { rows: Object.fromEntries([...this.rows].map(([k, v]) => [k, v.length])), location: "memory" };
  }

  async abort(): Promise<void> {
    this.aborted = true;
  }

  /** A table's rows as objects (column name → value). */
  objects(table: string): Record<string, CellValue>[] {
    const spec = this.tables.get(table)!;
    return (this.rows.get(table) ?? []).map((row) =>
      Object.fromEntries(spec.columns.map((c, i) => [c.name, row[i]!])),
    );
  }
}
