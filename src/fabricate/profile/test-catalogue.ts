/** Tests' in-memory sources as a catalogue (tables of plain rows, optional foreign keys). */
import { MemorySource, type SourceValue } from "../../sources/index.ts";
import type { Catalogue, CatalogueForeignKey } from "./table-catalogue.ts";

export interface MemoryTable {
  name: string;
  columns: string[];
  rows: Record<string, SourceValue>[];
  primaryKey?: string[];
}

export function memoryCatalogue(tables: MemoryTable[], foreignKeys: CatalogueForeignKey[] = []): Catalogue {
  return {
    name: "memory",
    tables: tables.map((table) => ({
      name: table.name,
      primaryKey: table.primaryKey ?? [],
      open: async () => new MemorySource(table.name, table.columns, table.rows),
    })),
    foreignKeys,
  };
}
