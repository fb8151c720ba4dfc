/**
 * The accounts every FlexPass table hangs from. A user is a person with a Serums ID: a patient
 * (who registers themselves) or a member of staff (enrolled by their site's administrator, and
 * then belonging to one site, department and country). The login name is what the user types;
 * the Serums ID is what tokens and the ledger carry.
 */
import type { Migration } from "../../store/index.ts";

/** The roles of DESIGN.md's users; the claim `role` of every token is one of them. */
export const ROLES = [
  "patient",
  "gp",
  "specialist",
  "nurse",
  "insurer",
  "researcher",
  "administrator",
] as const;
export type Role = (typeof ROLES)[number];

export const accountMigrations: readonly Migration[] = [
  {
    id: "auth/001-accounts",
    sql: `CREATE TABLE auth_user (
  serums_id TEXT PRIMARY KEY,
  login_name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  site TEXT,
  department TEXT,
  country TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  created_at BIGINT NOT NULL,
  CHECK (role IN ('patient','gp','specialist','nurse','insurer','researcher','administrator')),
  CHECK (status IN ('active','disabled')),
  CHECK (role = 'patient' OR (site IS NOT NULL AND department IS NOT NULL AND country IS NOT NULL))
);`,
  },
];
