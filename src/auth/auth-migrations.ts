/**
 * Every FlexPass table, in order: accounts (auth/001), keys and images (auth/01x), factors
 * (auth/02x), sessions and refresh tokens (auth/030), login attempts, throttles, events and
 * activation codes (auth/04x). Every later table references `auth_user(serums_id)`.
 */
import type { Migration } from "../store/index.ts";
import { accountMigrations } from "./accounts/account-schema.ts";
import { factorMigrations } from "./factors/factor-schema.ts";
import { keyMigrations } from "./keys/key-schema.ts";
import { loginMigrations } from "./login/login-schema.ts";
import { tokenMigrations } from "./tokens/token-schema.ts";

export const authMigrations: readonly Migration[] = [
  ...accountMigrations,
  ...keyMigrations,
  ...factorMigrations,
  ...tokenMigrations,
  ...loginMigrations,
];
