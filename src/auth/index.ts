/**
 * FlexPass: one secret, typed or drawn, behind a second factor. Accounts and registration
 * (accounts/), keys and their strength (keys/), the image library (images/), second factors
 * (factors/), tokens (tokens/) and the login flow (login/). `authMigrations` creates every table.
 */
export * from "./accounts/index.ts";
export { authMigrations } from "./auth-migrations.ts";
export * from "./login/index.ts";
export * from "./tokens/index.ts";
