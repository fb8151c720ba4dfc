/**
 * Writes the facts of a batch of rows into the vault inside the load's transaction: matches each
 * row to its golden nominal, keeps only satellite rows whose hashdiff differs from the newest
 * one, and inserts hubs, links and identifiers that are new. Remembers what this load already
 * wrote, so a fact repeated across rows costs one lookup in memory.
 */
import { SerumsError } from "../errors/index.ts";
import type { ColumnDef, Executor, SqlValue } from "../store/index.ts";
import { hashKey } from "./hash-keys.ts";
import type { Mapping } from "./mapping-types.ts";
import { linkHashKey, type RowFacts, type SatelliteFact } from "./row-facts.ts";
import { newSerumsId } from "./serums-id.ts";
import {
  identifierId,
  lookupIdentifiers,
  lookupLatestHashdiffs,
  lookupPersonIdentifiers,
  type SatelliteKey,
  satelliteId,
} from "./vault-lookups.ts";

export interface BatchItem {
  line: number;
  facts: RowFacts;
}

/** A row-level problem found while writing: the row is rejected or the load stops. */
export interface RowProblem {
  line: number;
  error: SerumsError;
}

export interface WriteCounts {
  newPersons: number;
  newHubs: number;
  newLinks: number;
  newSatellites: number;
  newIdentifiers: number;
  changedRows: number;
}

const TEXT: ColumnDef["type"] = "text";
const BIGINT: ColumnDef["type"] = "bigint";
const col = (name: string, type: ColumnDef["type"]): ColumnDef => ({ name, type });

const HUB_COLUMNS: Record<string, ColumnDef[]> = {
  hub_object: [col("hash_key", TEXT), col("object_type", TEXT), col("code_system", TEXT), col("code", TEXT)],
  hub_location: [col("hash_key", TEXT), col("kind", TEXT), col("place_key", TEXT)],
  hub_event: [col("hash_key", TEXT), col("event_type", TEXT), col("business_key", TEXT)],
};
const STAMP = [col("load_ts", BIGINT), col("record_source", TEXT)];
const PERSON_COLUMNS = [col("hash_key", TEXT), col("serums_id", TEXT), ...STAMP];
const IDENTIFIER_COLUMNS = [col("system", TEXT), col("value", TEXT), col("person_hash_key", TEXT), ...STAMP];
const LINK_COLUMNS = [
  col("hash_key", TEXT),
  col("link_type", TEXT),
  col("role", TEXT),
  col("from_hash_key", TEXT),
  col("to_hash_key", TEXT),
  ...STAMP,
];
const SATELLITE_COLUMNS = [
  col("parent_hash_key", TEXT),
  col("name", TEXT),
  col("record_source", TEXT),
  col("effective_from", BIGINT),
  col("load_ts", BIGINT),
  col("hashdiff", TEXT),
  col("attributes", TEXT),
];

/** Identifier values are personal data: messages name the system and line, never the value. */
function identityConflict(line: number, system: string, otherSystem: string): SerumsError {
  return new SerumsError(
    "IDENTITY_CONFLICT",
    `line ${line}: the ${system} identifier belongs to one person and the ${otherSystem} identifier to another; fix the source or the matching rules (person.match) before loading this row`,
    { line, column: system },
  );
}

export class VaultWriter {
  readonly counts: WriteCounts = {
    newPersons: 0,
    newHubs: 0,
    newLinks: 0,
    newSatellites: 0,
    newIdentifiers: 0,
    changedRows: 0,
  };
  readonly #tx: Executor;
  readonly #mapping: Mapping;
  readonly #loadTs: number;
  /** Identifier → person hash key, for every identifier this load has seen or written. */
  readonly #persons = new Map<string, string>();
  /** Person hash key → identifier system → value, for every person this load has matched. */
  readonly #identitiesOf = new Map<string, Map<string, string>>();
  /** Hash keys of hubs and links this load has already ensured. */
  readonly #ensured = new Set<string>();
  /** Satellite key → [hashdiff, line] of what this load wrote or found newest. */
  readonly #satellites = new Map<string, { hashdiff: string; line: number }>();

  constructor(tx: Executor, mapping: Mapping, loadTs: number) {
    this.#tx = tx;
    this.#mapping = mapping;
    this.#loadTs = loadTs;
  }

  /** Writes what is new in `items`; returns the rows that could not be written, with why. */
  async write(items: readonly BatchItem[]): Promise<RowProblem[]> {
    const problems: RowProblem[] = [];
    const source = this.#mapping.recordSource;
    const stamp = [this.#loadTs, source];
    await this.#prefetchIdentifiers(items);
    await this.#prefetchSatellites(items);

    const persons: SqlValue[][] = [];
    const identifiers: SqlValue[][] = [];
    const hubs = new Map<string, SqlValue[][]>();
    const links: SqlValue[][] = [];
    const satellites: SqlValue[][] = [];
    // Which row first asked for a hub or link, so the inserted ones count that row as changed.
    const claims = new Map<string, number>();
    const changed = new Set<number>();

    for (let index = 0; index < items.length; index++) {
      const { line, facts } = items[index]!;
      const matched = this.#matchPerson(line, facts);
      if (matched instanceof SerumsError) {
        problems.push({ line, error: matched });
        continue;
      }
      const resolved = facts.satellites.map((s) =>
        s.parent === undefined ? { ...s, parent: matched.person } : s,
      );
      const ids = resolved.map((satellite) => satelliteId(satellite as SatelliteKey));
      const conflict = this.#satelliteConflict(line, resolved, ids);
      if (conflict) {
        problems.push({ line, error: conflict });
        continue;
      }
      // The row is consistent: stage everything it adds.
      if (matched.serumsId !== undefined) {
        persons.push([matched.person, matched.serumsId, ...stamp]);
        changed.add(index);
      }
      for (const identifier of matched.newIdentifiers) {
        identifiers.push([identifier.system, identifier.value, matched.person, ...stamp]);
        this.#persons.set(identifierId(identifier), matched.person);
        this.#identities(matched.person).set(identifier.system, identifier.value);
        changed.add(index);
      }
      for (const hub of facts.hubs) {
        if (this.#ensured.has(hub.hashKey)) continue;
        this.#ensured.add(hub.hashKey);
        claims.set(hub.hashKey, index);
        let rows = hubs.get(hub.table);
        if (!rows) {
          rows = [];
          hubs.set(hub.table, rows);
        }
        rows.push([hub.hashKey, ...hub.key, ...stamp]);
      }
      for (const link of facts.links) {
        const from = link.from ?? matched.person;
        const key = link.hashKey ?? linkHashKey(link.linkType, link.role, from, link.to);
        if (this.#ensured.has(key)) continue;
        this.#ensured.add(key);
        claims.set(key, index);
        links.push([key, link.linkType, link.role, from, link.to, ...stamp]);
      }
      for (const [i, satellite] of resolved.entries()) {
        const id = ids[i]!;
        const known = this.#satellites.get(id);
        if (known?.hashdiff === satellite.hashdiff) continue;
        this.#satellites.set(id, { hashdiff: satellite.hashdiff, line });
        satellites.push([
          satellite.parent!,
          satellite.name,
          source,
          satellite.effectiveFrom,
          this.#loadTs,
          satellite.hashdiff,
          JSON.stringify(Object.fromEntries(satellite.attributes)),
        ]);
        changed.add(index);
      }
    }

    const tx = this.#tx;
    const claimed = (keys: SqlValue[]) => {
      for (const key of keys) changed.add(claims.get(key as string)!);
    };
    if (persons.length > 0) {
      const inserted = (await tx.insertMany("hub_person", PERSON_COLUMNS, persons)).inserted;
      this.counts.newPersons += inserted;
      this.counts.newHubs += inserted;
    }
    for (const [table, rows] of hubs) {
      const result = await tx.insertMany(table, [...HUB_COLUMNS[table]!, ...STAMP], rows, {
        ignoreConflicts: true,
        returning: "hash_key",
      });
      this.counts.newHubs += result.inserted;
      claimed(result.returned);
    }
    if (identifiers.length > 0) {
      this.counts.newIdentifiers += (
        await tx.insertMany("person_identifier", IDENTIFIER_COLUMNS, identifiers)
      ).inserted;
    }
    if (links.length > 0) {
      const result = await tx.insertMany("link", LINK_COLUMNS, links, {
        ignoreConflicts: true,
        returning: "hash_key",
      });
      this.counts.newLinks += result.inserted;
      claimed(result.returned);
    }
    if (satellites.length > 0) {
      this.counts.newSatellites += (await tx.insertMany("satellite", SATELLITE_COLUMNS, satellites)).inserted;
    }
    this.counts.changedRows += changed.size;
    return problems;
  }

  async #prefetchIdentifiers(items: readonly BatchItem[]): Promise<void> {
    const wanted = new Map<string, { system: string; value: string }>();
    for (const { facts } of items) {
      for (const identifier of facts.identifiers) {
        const id = identifierId(identifier);
        if (!this.#persons.has(id)) wanted.set(id, identifier);
      }
    }
    const found = await lookupIdentifiers(this.#tx, [...wanted.values()]);
    for (const [id, person] of found) this.#persons.set(id, person);
    const unknown = [...new Set(found.values())].filter((person) => !this.#identitiesOf.has(person));
    for (const row of await lookupPersonIdentifiers(this.#tx, unknown)) {
      this.#identities(row.person_hash_key).set(row.system, row.value);
    }
  }

  #identities(person: string): Map<string, string> {
    let identities = this.#identitiesOf.get(person);
    if (!identities) {
      identities = new Map();
      this.#identitiesOf.set(person, identities);
    }
    return identities;
  }

  /** Newest hashdiffs of the non-person satellites this batch touches (person ones once matched). */
  async #prefetchSatellites(items: readonly BatchItem[]): Promise<void> {
    const wanted = new Map<string, SatelliteKey>();
    for (const { facts } of items) {
      const person = this.#knownPerson(facts);
      for (const satellite of facts.satellites) {
        const parent = satellite.parent ?? person;
        if (parent === undefined) continue;
        const key = { parent, name: satellite.name, effectiveFrom: satellite.effectiveFrom };
        const id = satelliteId(key);
        if (!this.#satellites.has(id)) wanted.set(id, key);
      }
    }
    const found = await lookupLatestHashdiffs(this.#tx, this.#mapping.recordSource, [...wanted.values()]);
    for (const [id, hashdiff] of found) this.#satellites.set(id, { hashdiff, line: 0 });
  }

  #knownPerson(facts: RowFacts): string | undefined {
    for (const identifier of facts.identifiers) {
      const person = this.#persons.get(identifierId(identifier));
      if (person) return person;
    }
    return undefined;
  }

  /**
   * The golden nominal of a row: the person an identifier already belongs to, tried in the
   * mapping's match order, else a new person. Two identifiers of one row that belong to two
   * different people are a conflict.
   */
  #matchPerson(
    line: number,
    facts: RowFacts,
  ):
    | { person: string; serumsId?: string; newIdentifiers: { system: string; value: string }[] }
    | SerumsError {
    const spec = this.#mapping.person;
    if (!spec) return { person: "", newIdentifiers: [] };
    if (facts.identifiers.length === 0) {
      return new SerumsError(
        "BAD_ROW",
        `line ${line}: no identifier of the person is present (columns ${spec.identifiers.map((i) => i.value.column ?? "(constant)").join(", ")} are all empty); a row about a patient needs at least one`,
        { line },
      );
    }
    const order = [
      ...spec.match,
      ...spec.identifiers.map((i) => i.system).filter((s) => !spec.match.includes(s)),
    ];
    let person: string | undefined;
    let bySystem = "";
    for (const system of order) {
      for (const identifier of facts.identifiers) {
        if (identifier.system !== system) continue;
        const owner = this.#persons.get(identifierId(identifier));
        if (owner === undefined) continue;
        if (person === undefined) {
          person = owner;
          bySystem = system;
        } else if (owner !== person) {
          return identityConflict(line, bySystem, system);
        }
      }
    }
    const newIdentifiers = facts.identifiers.filter(
      (identifier) => !this.#persons.has(identifierId(identifier)),
    );
    if (person !== undefined) {
      const held = this.#identitiesOf.get(person);
      for (const identifier of newIdentifiers) {
        if (held?.has(identifier.system)) {
          return new SerumsError(
            "IDENTITY_CONFLICT",
            `line ${line}: the ${bySystem} identifier matches a person who already has a different ${identifier.system} identifier; one person has one ${identifier.system} — fix the source or the matching rules (person.match) before loading this row`,
            { line, column: identifier.system },
          );
        }
      }
      return { person, newIdentifiers };
    }
    const serumsId = newSerumsId();
    return { person: hashKey("PERSON", [serumsId]), serumsId, newIdentifiers };
  }

  #satelliteConflict(
    line: number,
    satellites: readonly SatelliteFact[],
    ids: readonly string[],
  ): SerumsError | undefined {
    for (const [i, satellite] of satellites.entries()) {
      const known = this.#satellites.get(ids[i]!);
      if (known && known.line > 0 && known.hashdiff !== satellite.hashdiff) {
        return new SerumsError(
          "BAD_ROW",
          `line ${line}: satellite ${satellite.name} of the same ${satellite.name.startsWith("@") ? "entity" : "hub"} at the same effective time has different values at line ${known.line}; one load cannot say two things at once — map the differing columns to a finer-grained event or give the satellite an effective_from`,
          { line, path: satellite.name },
        );
      }
    }
    return undefined;
  }
}
