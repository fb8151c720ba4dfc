/**
 * The report's mandatory-rule section: the synthetic data read back and checked against the data
 * project it was made from, by the independent checker (src/fabricate/check). What it shows of
 * the data are synthetic values at fault, never real ones.
 */
import { checkOutput } from "../check/index.ts";
import { loadProject } from "../project/index.ts";
import type { RuleCheckSection } from "./report-types.ts";

export async function checkProjectRules(
  projectFile: string,
  syntheticSpec: string,
): Promise<RuleCheckSection> {
  const { project, source } = loadProject(projectFile);
  const summary = await checkOutput(project, source, syntheticSpec);
  return {
    checked: true,
    project: projectFile,
    violations: summary.violations,
    rows: summary.rows,
    byRule: summary.byRule,
    examples: summary.examples,
    soft: summary.soft,
    notChecked: summary.notChecked,
  };
}
