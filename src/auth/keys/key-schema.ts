/**
 * The tables of FlexPass's keys and image library. Every secret is stored only as an argon2id PHC
 * string; nothing here says which of a grid's images are the user's, nor where a gesture was
 * drawn. The population model (what users tend to choose) is kept as counts only, with no link to
 * any user.
 */
import type { Migration } from "../../store/index.ts";

export const keyMigrations: readonly Migration[] = [
  {
    id: "auth/010-images",
    sql: {
      sqlite: `CREATE TABLE auth_image (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  source TEXT NOT NULL,
  owner TEXT REFERENCES auth_user(serums_id),
  title TEXT NOT NULL,
  tags TEXT NOT NULL,
  content_type TEXT NOT NULL,
  byte_size BIGINT NOT NULL,
  content BLOB NOT NULL,
  created_at BIGINT NOT NULL,
  CHECK (source IN ('site','upload')),
  CHECK ((source = 'upload') = (owner IS NOT NULL)),
  CHECK (content_type IN ('image/png','image/svg+xml'))
);
CREATE INDEX auth_image_owner ON auth_image (owner);`,
      postgres: `CREATE TABLE auth_image (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  source TEXT NOT NULL,
  owner TEXT REFERENCES auth_user(serums_id),
  title TEXT NOT NULL,
  tags TEXT NOT NULL,
  content_type TEXT NOT NULL,
  byte_size BIGINT NOT NULL,
  content BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  CHECK (source IN ('site','upload')),
  CHECK ((source = 'upload') = (owner IS NOT NULL)),
  CHECK (content_type IN ('image/png','image/svg+xml'))
);
CREATE INDEX auth_image_owner ON auth_image (owner);`,
    },
  },
  {
    id: "auth/011-keys",
    sql: `CREATE TABLE auth_text_key (
  serums_id TEXT PRIMARY KEY REFERENCES auth_user(serums_id),
  hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE auth_recognition_key (
  serums_id TEXT PRIMARY KEY REFERENCES auth_user(serums_id),
  grid TEXT NOT NULL,
  k BIGINT NOT NULL,
  hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE auth_gesture_key (
  serums_id TEXT PRIMARY KEY REFERENCES auth_user(serums_id),
  background TEXT NOT NULL,
  tolerance BIGINT NOT NULL,
  offsets TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE auth_key_setting (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);`,
  },
  {
    id: "auth/012-key-population",
    sql: `CREATE TABLE auth_image_choice_count (
  image_id TEXT PRIMARY KEY,
  chosen BIGINT NOT NULL
);
CREATE TABLE auth_gesture_cell_count (
  background TEXT NOT NULL,
  cell TEXT NOT NULL,
  chosen BIGINT NOT NULL,
  PRIMARY KEY (background, cell)
);`,
  },
];
