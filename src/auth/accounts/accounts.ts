/**
 * Accounts: create, find, list, disable. A login name is normalised (Unicode NFKC, trimmed,
 * lower-case) before it is stored or looked up, so "Alice" and "alice " are one account. Staff
 * must name a site, department and country; patients name none.
 */
import { SerumsError, showValue } from "../../errors/index.ts";
import { newSerumsId } from "../../record/index.ts";
import type { Executor } from "../../store/index.ts";
import { ROLES, type Role } from "./account-schema.ts";

export type AccountStatus = "active" | "disabled";

export interface Account {
  serumsId: string;
  loginName: string;
  role: Role;
  site: string | null;
  department: string | null;
  country: string | null;
  status: AccountStatus;
  createdAt: number;
}

export interface NewAccount {
  login: string;
  role: Role;
  site?: string | null;
  department?: string | null;
  country?: string | null;
}

const LOGIN_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._@+-]{2,63}$/u;
const UNIT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;

/** The stored form of a login name, or a BAD_REQUEST naming the field. */
export function normalizeLoginName(text: string, field = "login"): string {
  const login = text.normalize("NFKC").trim().toLowerCase();
  if (!LOGIN_PATTERN.test(login)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${field} ${showValue(text)} is not a login name: use 3 to 64 letters, digits or . _ @ + -, starting with a letter or digit`,
      { path: field },
    );
  }
  return login;
}

function checkUnit(field: "site" | "department", value: string): string {
  if (!UNIT_PATTERN.test(value)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `${field} ${showValue(value)} is not valid: use 1 to 64 letters, digits, spaces or . _ -`,
      { path: field, value },
    );
  }
  return value;
}

/** Checks a new account's fields: the role is known, staff name site/department/country. */
export function checkNewAccount(input: NewAccount): Required<NewAccount> {
  const login = normalizeLoginName(input.login);
  if (!ROLES.includes(input.role)) {
    throw new SerumsError("BAD_REQUEST", `role ${showValue(input.role)} is not one of ${ROLES.join(", ")}`, {
      path: "role",
      value: input.role,
    });
  }
  if (input.role === "patient") {
    if (input.site || input.department || input.country) {
      throw new SerumsError("BAD_REQUEST", "a patient belongs to no site, department or country", {
        path: "site",
      });
    }
    return { login, role: input.role, site: null, department: null, country: null };
  }
  for (const field of ["site", "department", "country"] as const) {
    if (!input[field]) {
      throw new SerumsError("BAD_REQUEST", `${field} is required for the role ${input.role}`, {
        path: field,
      });
    }
  }
  const country = input.country!.toUpperCase();
  if (!COUNTRY_PATTERN.test(country)) {
    throw new SerumsError(
      "BAD_REQUEST",
      `country ${showValue(input.country)} is not an ISO 3166-1 alpha-2 code such as GB, ES or NL`,
      { path: "country", value: input.country },
    );
  }
  return {
    login,
    role: input.role,
    site: checkUnit("site", input.site!),
    department: checkUnit("department", input.department!),
    country,
  };
}

interface AccountRow {
  serums_id: string;
  login_name: string;
  role: Role;
  site: string | null;
  department: string | null;
  country: string | null;
  status: AccountStatus;
  created_at: number | string;
}

function fromRow(row: AccountRow): Account {
  return {
    serumsId: row.serums_id,
    loginName: row.login_name,
    role: row.role,
    site: row.site,
    department: row.department,
    country: row.country,
    status: row.status,
    createdAt: Number(row.created_at),
  };
}

/** Creates an account with a new Serums ID; CONFLICT when the login name is taken. */
export async function createAccount(
  ex: Executor,
  input: NewAccount,
  options: { now?: () => number } = {},
): Promise<Account> {
  const a = checkNewAccount(input);
  const now = (options.now ?? Date.now)();
  const serumsId = newSerumsId();
  const { changes } = await ex.run(
    `INSERT INTO auth_user (serums_id, login_name, role, site, department, country, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) ON CONFLICT (login_name) DO NOTHING`,
    [serumsId, a.login, a.role, a.site, a.department, a.country, now],
  );
  if (changes !== 1) {
    throw new SerumsError("CONFLICT", `the login name ${showValue(a.login)} is taken; choose another`, {
      path: "login",
    });
  }
  return {
    serumsId,
    loginName: a.login,
    role: a.role,
    site: a.site,
    department: a.department,
    country: a.country,
    status: "active",
    createdAt: now,
  };
}

export async function getAccount(ex: Executor, serumsId: string): Promise<Account | undefined> {
  const row = await ex.get<AccountRow>("SELECT * FROM auth_user WHERE serums_id = $1", [serumsId]);
  return row ? fromRow(row) : undefined;
}

/** The account of a login name (normalised first), or undefined — also for malformed names. */
export async function findAccountByLogin(ex: Executor, login: string): Promise<Account | undefined> {
  const name = login.normalize("NFKC").trim().toLowerCase();
  const row = await ex.get<AccountRow>("SELECT * FROM auth_user WHERE login_name = $1", [name]);
  return row ? fromRow(row) : undefined;
}

/** Accounts, oldest first, optionally of one site and/or role. */
export async function listAccounts(
  ex: Executor,
  filter: { site?: string; role?: Role; limit?: number } = {},
): Promise<Account[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.site !== undefined) {
    params.push(filter.site);
    where.push(`site = $${params.length}`);
  }
  if (filter.role !== undefined) {
    params.push(filter.role);
    where.push(`role = $${params.length}`);
  }
  const rows = await ex.all<AccountRow>(
    `SELECT * FROM auth_user ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, serums_id LIMIT ${Math.max(1, Math.min(filter.limit ?? 1000, 10_000))}`,
    params,
  );
  return rows.map(fromRow);
}

/** Sets an account's status; NOT_FOUND when there is no such account. */
export async function setAccountStatus(ex: Executor, serumsId: string, status: AccountStatus): Promise<void> {
  const { changes } = await ex.run("UPDATE auth_user SET status = $1 WHERE serums_id = $2", [
    status,
    serumsId,
  ]);
  if (changes !== 1) {
    throw new SerumsError("NOT_FOUND", `no account has the Serums ID ${showValue(serumsId)}`, {
      path: "serumsId",
    });
  }
}
