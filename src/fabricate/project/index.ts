/** Data projects: their types, their schema (zod and JSON Schema), and reading them from YAML. */
export { checkProject, ruleColumns, ruleId, ruleKind } from "./check-project.ts";
export { formatPath, loadProject, type PathPart, ProjectSource, parseProject } from "./load-project.ts";
export {
  columnSchema,
  distributionSchema,
  projectJsonSchema,
  projectSchema,
  ruleSchema,
  ruleSchemas,
} from "./project-schema.ts";
export * from "./project-types.ts";
