/**
 * The T-P-O-L-E vault's tables. Hubs hold business keys only; links relate hubs; every
 * attribute lives in a satellite row keyed by its parent, its name, its source, when it became
 * true (effective_from) and when we learned it (load_ts). Rows are only ever inserted.
 * Times are UTC instants in epoch milliseconds.
 *
 * A link's primary key is its business key, from-hub first: the hash key is derived from the
 * same four parts, and the record is read outward from the person, so one clustered B-tree
 * serves both uniqueness and every read.
 */
import type { Migration } from "../store/index.ts";

/** `WITHOUT ROWID` on SQLite: a table keyed by hash keys is one B-tree instead of a table plus an index. */
const vault = (clustered: string) => `
CREATE TABLE hub_person (
  hash_key TEXT PRIMARY KEY,
  serums_id TEXT NOT NULL UNIQUE,
  load_ts BIGINT NOT NULL,
  record_source TEXT NOT NULL
)${clustered};
CREATE TABLE person_identifier (
  system TEXT NOT NULL,
  value TEXT NOT NULL,
  person_hash_key TEXT NOT NULL REFERENCES hub_person (hash_key),
  load_ts BIGINT NOT NULL,
  record_source TEXT NOT NULL,
  PRIMARY KEY (system, value)
)${clustered};
CREATE INDEX person_identifier_person ON person_identifier (person_hash_key);
CREATE TABLE hub_object (
  hash_key TEXT PRIMARY KEY,
  object_type TEXT NOT NULL,
  code_system TEXT NOT NULL,
  code TEXT NOT NULL,
  load_ts BIGINT NOT NULL,
  record_source TEXT NOT NULL
)${clustered};
CREATE TABLE hub_location (
  hash_key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  place_key TEXT NOT NULL,
  load_ts BIGINT NOT NULL,
  record_source TEXT NOT NULL
)${clustered};
CREATE TABLE hub_event (
  hash_key TEXT PRIMARY KEY,
  event_type TEXT NOT NULL,
  business_key TEXT NOT NULL,
  load_ts BIGINT NOT NULL,
  record_source TEXT NOT NULL
)${clustered};
CREATE TABLE link (
  hash_key TEXT NOT NULL,
  link_type TEXT NOT NULL,
  role TEXT NOT NULL,
  from_hash_key TEXT NOT NULL,
  to_hash_key TEXT NOT NULL,
  load_ts BIGINT NOT NULL,
  record_source TEXT NOT NULL,
  PRIMARY KEY (from_hash_key, link_type, role, to_hash_key)
)${clustered};
CREATE TABLE satellite (
  parent_hash_key TEXT NOT NULL,
  name TEXT NOT NULL,
  record_source TEXT NOT NULL,
  effective_from BIGINT NOT NULL,
  load_ts BIGINT NOT NULL,
  hashdiff TEXT NOT NULL,
  attributes TEXT NOT NULL,
  PRIMARY KEY (parent_hash_key, name, record_source, effective_from, load_ts)
)${clustered};
CREATE TABLE load_log (
  load_id TEXT PRIMARY KEY,
  mapping_name TEXT NOT NULL,
  record_source TEXT NOT NULL,
  source_name TEXT NOT NULL,
  load_ts BIGINT NOT NULL UNIQUE,
  finished_at BIGINT NOT NULL,
  rows_read BIGINT NOT NULL,
  rows_changed BIGINT NOT NULL,
  rows_unchanged BIGINT NOT NULL,
  rows_rejected BIGINT NOT NULL,
  new_hubs BIGINT NOT NULL,
  new_links BIGINT NOT NULL,
  new_satellites BIGINT NOT NULL,
  new_identifiers BIGINT NOT NULL
);
`;

export const recordMigrations: Migration[] = [
  { id: "record/001-vault", sql: { sqlite: vault(" WITHOUT ROWID"), postgres: vault("") } },
];
