export {
  type Config,
  DEFAULT_SQLITE_PATH,
  isPostgresUrl,
  isValidTimeZone,
  readConfig,
  redactLocation,
  type StoreConfig,
} from "./config.ts";
