/**
 * The independent checker of a project's mandatory rules over fabricated rows (in memory, read
 * back from an output, or as written), apart from the solver so that a solver bug cannot hide.
 */
export { checkingWriter, checkOutput, checkRows } from "./check-output.ts";
export type { CheckSummary, TableCheckSummary, Violation } from "./check-types.ts";
export { RuleChecker, TableCheck } from "./rule-checker.ts";
