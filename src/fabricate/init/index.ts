/** Starting a data project from an existing database (`serums fabricate init --from DB`). */
export {
  type ExtractedTable,
  extractStructure,
  projectFromStructure,
  projectType,
} from "./extract-structure.ts";
export { renderProjectYaml } from "./render-project.ts";
