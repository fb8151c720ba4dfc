/**
 * `serums fabricate validate PROJECT`: reads and compiles a project — syntax, meaning, every
 * rule's values and expressions, the table graph, the knowledge files, and whether propagation
 * finds a mandatory rule set unsatisfiable — without fabricating a row.
 */
import { SerumsError } from "../../errors/index.ts";
import { compileProject, loadProject } from "../../fabricate/index.ts";
import { parse } from "../args.ts";
import { printJson } from "../context.ts";

const USAGE = `Usage: serums fabricate validate PROJECT [--json]

Checks the data project PROJECT (YAML) and its rules without fabricating: exit 0 when valid,
2 with the file, line, path and bad value when not. Soft rules that conflict with higher ones
are listed (they would be dropped).`;

export async function fabricateValidate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {}, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new SerumsError("BAD_USAGE", `fabricate validate takes one PROJECT file\n\n${USAGE}`);
  }
  const { project, source } = loadProject(positionals[0]!);
  const compiled = compileProject(project, source);
  const report = {
    file: source.file,
    valid: true,
    tables: compiled.tables.map((t) => ({
      table: t.name,
      mode: t.mode,
      columns: t.shape.spec.columns.length,
      rules: t.shape.rules.length,
      droppedSoftRules: t.solver.droppedUpFront,
    })),
  };
  if (values.json) printJson(report);
  else {
    const lines = [
      `${source.file}: valid (${report.tables.length} tables, order ${report.tables.map((t) => t.table).join(" → ")})`,
    ];
    for (const t of report.tables) {
      lines.push(`  ${t.table}: ${t.columns} columns, ${t.rules} rules, mode ${t.mode}`);
      for (const d of t.droppedSoftRules) lines.push(`    soft rule ${d.rule} will be dropped: ${d.reason}`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return 0;
}
