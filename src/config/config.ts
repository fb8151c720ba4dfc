/**
 * All configuration is read here, from the environment and flags, with defaults that run with no
 * configuration at all: the embedded SQLite store in ./data/serums.db, the ledger's consortium in
 * ./data/ledger.
 */
import path from "node:path";
import { SerumsError } from "../errors/index.ts";

export interface StoreConfig {
  /** A PostgreSQL URL; when set, PostgreSQL is used instead of the embedded SQLite file. */
  databaseUrl?: string;
  /** The SQLite file, or ":memory:". */
  sqlitePath: string;
}

export interface LedgerConfig {
  /** The consortium's folder: its config, keys, identities and (on SQLite) its peers' stores. */
  dir: string;
}

/** FlexPass: who signs tokens, for whom, and where the signing keys live. */
export interface AuthConfig {
  /** Folder of the token-signing keys (private keys are written with mode 0600). */
  keyDir: string;
  /** The `iss` of the tokens this site issues. */
  issuer: string;
  /** The `aud` the tokens are for. */
  audience: string;
  /** Where browsers reach this server (WebAuthn's origin; its host is the relying party id). */
  publicOrigin: string;
  /** This site's name, shown on the authenticator as where a login comes from. */
  site: string;
}

/** The HTTP server of `serums serve`. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Trust X-Forwarded-For (only behind a proxy you run). */
  trustProxy: boolean;
}

export interface Config {
  store: StoreConfig;
  ledger: LedgerConfig;
  /** The IANA time zone source times are in when a mapping does not say. */
  defaultTimeZone: string;
  auth: AuthConfig;
  server: ServerConfig;
}

export const DEFAULT_SQLITE_PATH = path.join("data", "serums.db");
export const DEFAULT_LEDGER_DIR = path.join("data", "ledger");
export const DEFAULT_AUTH_KEY_DIR = path.join("data", "auth-keys");

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the configuration; `flags.db` (a file path or a PostgreSQL URL) overrides DATABASE_URL and
 * SERUMS_DB, `flags.ledgerDir` (the ledger's --dir) overrides SERUMS_LEDGER_DIR.
 */
export function readConfig(
  env: NodeJS.ProcessEnv = process.env,
  flags: { db?: string; ledgerDir?: string } = {},
): Config {
  const defaultTimeZone = env.SERUMS_TIME_ZONE ?? "Europe/London";
  if (!isValidTimeZone(defaultTimeZone)) {
    throw new SerumsError(
      "BAD_CONFIG",
      `SERUMS_TIME_ZONE=${JSON.stringify(defaultTimeZone)} is not an IANA time zone; use a name such as "Europe/London" or "UTC"`,
      { path: "SERUMS_TIME_ZONE", value: defaultTimeZone },
    );
  }
  if (flags.db !== undefined && flags.db.trim() === "") {
    throw new SerumsError("BAD_USAGE", "--db is empty; give a file path or a postgres:// URL", {
      path: "--db",
    });
  }
  if (flags.ledgerDir !== undefined && flags.ledgerDir.trim() === "") {
    throw new SerumsError("BAD_USAGE", "--dir is empty; give the consortium's folder, such as data/ledger", {
      path: "--dir",
    });
  }
  // An empty variable (`DATABASE_URL= serums …`) means unset, as shells intend.
  const chosen = flags.db ?? (env.DATABASE_URL || undefined) ?? (env.SERUMS_DB || undefined);
  const store: StoreConfig =
    chosen && isPostgresUrl(chosen)
      ? { databaseUrl: chosen, sqlitePath: DEFAULT_SQLITE_PATH }
      : { sqlitePath: chosen ?? DEFAULT_SQLITE_PATH };
  const ledger = { dir: flags.ledgerDir ?? (env.SERUMS_LEDGER_DIR || undefined) ?? DEFAULT_LEDGER_DIR };
  return { store, ledger, defaultTimeZone, auth: readAuthConfig(env), server: readServerConfig(env) };
}

/** A whole number from the environment variable `name`, from `min` to `max`, or `fallback` when unset. */
export function wholeFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = env[name] || undefined;
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SerumsError(
      "BAD_CONFIG",
      `${name}=${JSON.stringify(text)} must be a whole number from ${min} to ${max}`,
      {
        path: name,
        value: text,
      },
    );
  }
  return n;
}

function readAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const publicOrigin = env.SERUMS_PUBLIC_ORIGIN || "http://localhost:8080";
  if (!/^https?:\/\/[^/]+$/.test(publicOrigin)) {
    throw new SerumsError(
      "BAD_CONFIG",
      `SERUMS_PUBLIC_ORIGIN=${JSON.stringify(publicOrigin)} is not an origin; use a scheme and host such as "https://serums.example.org"`,
      { path: "SERUMS_PUBLIC_ORIGIN", value: publicOrigin },
    );
  }
  return {
    keyDir: env.SERUMS_AUTH_KEY_DIR || DEFAULT_AUTH_KEY_DIR,
    issuer: env.SERUMS_JWT_ISSUER || "urn:serums:local",
    audience: env.SERUMS_JWT_AUDIENCE || "urn:serums",
    publicOrigin,
    site: env.SERUMS_SITE || "serums",
  };
}

function readServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  return {
    host: env.SERUMS_HOST || "127.0.0.1",
    port: wholeFromEnv(env, "SERUMS_PORT", 8080, 0, 65535),
    trustProxy: env.SERUMS_TRUST_PROXY === "1" || env.SERUMS_TRUST_PROXY === "true",
  };
}

/** A database location safe to print: the password of a URL is hidden. */
export function redactLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}
