/**
 * The reads a load needs, batched: which source identifiers already belong to a person, and the
 * newest hashdiff of each satellite key. SQLite answers each key from its index in microseconds;
 * PostgreSQL gets one statement per batch, joining against `unnest` arrays.
 */
import type { Executor } from "../store/index.ts";

export interface IdentifierKey {
  system: string;
  value: string;
}

export async function lookupIdentifiers(
  tx: Executor,
  keys: readonly IdentifierKey[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (keys.length === 0) return found;
  if (tx.engine === "sqlite") {
    for (const key of keys) {
      const row = await tx.get<{ person_hash_key: string }>(
        "SELECT person_hash_key FROM person_identifier WHERE system = $1 AND value = $2",
        [key.system, key.value],
      );
      if (row) found.set(identifierId(key), row.person_hash_key);
    }
    return found;
  }
  const rows = await tx.all<{ system: string; value: string; person_hash_key: string }>(
    `SELECT p.system, p.value, p.person_hash_key FROM person_identifier p
     JOIN unnest($1::text[], $2::text[]) AS k(system, value) ON p.system = k.system AND p.value = k.value`,
    [keys.map((k) => k.system), keys.map((k) => k.value)],
  );
  for (const row of rows) found.set(identifierId(row), row.person_hash_key);
  return found;
}

export function identifierId(key: IdentifierKey): string {
  return `${key.system}\u0000${key.value}`;
}

export interface SatelliteKey {
  parent: string;
  name: string;
  effectiveFrom: number;
}

export function satelliteId(key: SatelliteKey): string {
  return `${key.parent}\u0000${key.name}\u0000${key.effectiveFrom}`;
}

/** The newest hashdiff per satellite key, for this record source. Missing keys have none. */
export async function lookupLatestHashdiffs(
  tx: Executor,
  recordSource: string,
  keys: readonly SatelliteKey[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (keys.length === 0) return found;
  if (tx.engine === "sqlite") {
    for (const key of keys) {
      const row = await tx.get<{ hashdiff: string }>(
        `SELECT hashdiff FROM satellite
         WHERE parent_hash_key = $1 AND name = $2 AND record_source = $3 AND effective_from = $4
         ORDER BY load_ts DESC LIMIT 1`,
        [key.parent, key.name, recordSource, key.effectiveFrom],
      );
      if (row) found.set(satelliteId(key), row.hashdiff);
    }
    return found;
  }
  const rows = await tx.all<{
    parent_hash_key: string;
    name: string;
    effective_from: number;
    hashdiff: string;
  }>(
    `SELECT k.parent AS parent_hash_key, k.name, k.effective_from, s.hashdiff
     FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(parent, name, effective_from)
     CROSS JOIN LATERAL (
       SELECT hashdiff FROM satellite s
       WHERE s.parent_hash_key = k.parent AND s.name = k.name AND s.record_source = $4
         AND s.effective_from = k.effective_from
       ORDER BY s.load_ts DESC LIMIT 1) s`,
    [keys.map((k) => k.parent), keys.map((k) => k.name), keys.map((k) => k.effectiveFrom), recordSource],
  );
  for (const row of rows) {
    found.set(
      satelliteId({ parent: row.parent_hash_key, name: row.name, effectiveFrom: row.effective_from }),
      row.hashdiff,
    );
  }
  return found;
}

/** Every identifier of the given persons: to catch a row giving a known person a second CHI. */
export async function lookupPersonIdentifiers(
  tx: Executor,
  persons: readonly string[],
): Promise<{ system: string; value: string; person_hash_key: string }[]> {
  if (persons.length === 0) return [];
  if (tx.engine === "sqlite") {
    const rows: { system: string; value: string; person_hash_key: string }[] = [];
    for (const person of persons) {
      rows.push(
        ...(await tx.all<{ system: string; value: string; person_hash_key: string }>(
          "SELECT system, value, person_hash_key FROM person_identifier WHERE person_hash_key = $1",
          [person],
        )),
      );
    }
    return rows;
  }
  return tx.all<{ system: string; value: string; person_hash_key: string }>(
    "SELECT system, value, person_hash_key FROM person_identifier WHERE person_hash_key = ANY($1::text[])",
    [persons],
  );
}
