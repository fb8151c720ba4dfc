/** `serums fabricate schema`: the JSON Schema of a data project, for editors and checks. */
import { projectJsonSchema } from "../../fabricate/index.ts";
import { parse } from "../args.ts";
import { printJson } from "../context.ts";

const USAGE = `Usage: serums fabricate schema

Prints the JSON Schema of a data project (schemas/fabrication-project.schema.json).`;

export async function fabricateSchema(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {}, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`serums: fabricate schema takes no argument\n\n${USAGE}\n`);
    return 2;
  }
  printJson(projectJsonSchema());
  return 0;
}
