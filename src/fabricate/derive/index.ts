/** From a profile to a data project that reproduces it (`serums fabricate derive`). */
export { type DerivedColumn, type DerivedRule, deriveColumn, shapeRegex } from "./derive-columns.ts";
export { type DerivedProject, type DeriveOptions, deriveProject, safeName } from "./derive-project.ts";
