/** A project as YAML, in the compact style people write: one line per column, key lists in [ ]. */
import { Document, isMap, isSeq, type Node } from "yaml";
import type { Project } from "../project/project-types.ts";

export function renderProjectYaml(project: Project, header: readonly string[] = []): string {
  const doc = new Document(project);
  const flow = (node: unknown) => {
    if (isMap(node) || isSeq(node)) (node as { flow?: boolean }).flow = true;
  };
  const tables = doc.get("tables", true) as Node | undefined;
  if (isMap(tables)) {
    for (const pair of tables.items) {
      const table = pair.value;
      if (!isMap(table)) continue;
      const columns = table.get("columns", true);
      if (isMap(columns)) for (const c of columns.items) flow(c.value);
      flow(table.get("primary_key", true));
      const unique = table.get("unique", true);
      if (isSeq(unique)) for (const u of unique.items) flow(u);
      const fks = table.get("foreign_keys", true);
      if (isSeq(fks)) for (const fk of fks.items) flow(fk);
    }
  }
  const fabricate = doc.get("fabricate", true);
  if (isMap(fabricate)) for (const f of fabricate.items) flow(f.value);
  const comment = header.map((line) => `# ${line}`).join("\n");
  return `${comment === "" ? "" : `${comment}\n`}${doc.toString({ lineWidth: 120 })}`;
}
