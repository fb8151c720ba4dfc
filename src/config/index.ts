export {
  type AuthConfig,
  type Config,
  DEFAULT_AUTH_KEY_DIR,
  DEFAULT_LEDGER_DIR,
  DEFAULT_SQLITE_PATH,
  isPostgresUrl,
  isValidTimeZone,
  type LedgerConfig,
  readConfig,
  redactLocation,
  type ServerConfig,
  type StoreConfig,
} from "./config.ts";
