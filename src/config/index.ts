export {
  type Config,
  DEFAULT_LEDGER_DIR,
  DEFAULT_SQLITE_PATH,
  isPostgresUrl,
  isValidTimeZone,
  type LedgerConfig,
  readConfig,
  redactLocation,
  type StoreConfig,
} from "./config.ts";
