/**
 * Assembles the smart patient record of one person as of a moment: as Serums knew it at a past
 * load time, and/or as things stood at an effective time. Six queries whatever the record's
 * size; the choice of the current satellite rows is made here, in memory.
 */
import { SerumsError } from "../errors/index.ts";
import type { Executor } from "../store/index.ts";
import { TIMELESS } from "./hash-keys.ts";
import type { PatientRecord, RecordEvent, RecordFact, RecordPlace } from "./record-schema.ts";
import { EVENT_TIME_SATELLITE, POSITION_SATELLITE } from "./row-facts.ts";

export interface AsOf {
  /** Only what had been loaded by this instant (epoch ms). */
  loadTime?: number;
  /** Only what was true at this instant (epoch ms). */
  effectiveTime?: number;
}

const END_OF_TIME = Number.MAX_SAFE_INTEGER;

interface SatelliteRow {
  parent_hash_key: string;
  name: string;
  record_source: string;
  effective_from: number;
  load_ts: number;
  attributes: string;
}

interface LinkRow {
  from_hash_key: string;
  link_type: string;
  role: string;
  to_hash_key: string;
  record_source: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Code-point order: fast, and the same on every machine (localeCompare is neither). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The current satellite rows: per (parent, name, source, effective_from) the newest load; then
 * per (parent, name, source) the latest effective_from not after the effective time.
 */
function currentFacts(rows: readonly SatelliteRow[], effectiveTime: number): Map<string, RecordFact[]> {
  const newest = new Map<string, SatelliteRow>();
  for (const row of rows) {
    if (row.effective_from > effectiveTime) continue;
    const key = `${row.parent_hash_key}\u0000${row.name}\u0000${row.record_source}`;
    const held = newest.get(key);
    if (
      !held ||
      row.effective_from > held.effective_from ||
      (row.effective_from === held.effective_from && row.load_ts > held.load_ts)
    ) {
      newest.set(key, row);
    }
  }
  const byParent = new Map<string, RecordFact[]>();
  for (const row of newest.values()) {
    let facts = byParent.get(row.parent_hash_key);
    if (!facts) {
      facts = [];
      byParent.set(row.parent_hash_key, facts);
    }
    facts.push({
      satellite: row.name,
      source: row.record_source,
      effectiveFrom: row.effective_from === TIMELESS ? null : iso(row.effective_from),
      loadedAt: iso(row.load_ts),
      attributes: JSON.parse(row.attributes),
    });
  }
  for (const facts of byParent.values()) {
    facts.sort((a, b) => cmp(a.satellite, b.satellite) || cmp(a.source, b.source));
  }
  return byParent;
}

function take(facts: RecordFact[] | undefined, satellite: string): RecordFact | undefined {
  return facts?.find((fact) => fact.satellite === satellite);
}

function without(facts: RecordFact[] | undefined, satellite: string): RecordFact[] {
  return (facts ?? []).filter((fact) => fact.satellite !== satellite);
}

export async function assembleRecord(
  db: Executor,
  serumsId: string,
  asOf: AsOf = {},
): Promise<PatientRecord> {
  const loadTime = asOf.loadTime ?? END_OF_TIME;
  const effectiveTime = asOf.effectiveTime ?? END_OF_TIME;
  const person = await db.get<{ hash_key: string }>(
    "SELECT hash_key FROM hub_person WHERE serums_id = $1 AND load_ts <= $2",
    [serumsId, loadTime],
  );
  if (!person) {
    throw new SerumsError(
      "NOT_FOUND",
      `no record with Serums ID ${serumsId}${asOf.loadTime === undefined ? "" : ` had been loaded by ${iso(loadTime)}`}; \`serums record list\` shows the records there are`,
      { value: serumsId },
    );
  }
  const p = person.hash_key;
  const [identifiers, personLinks, eventLinks] = await Promise.all([
    db.all<{ system: string; value: string; load_ts: number; record_source: string }>(
      "SELECT system, value, load_ts, record_source FROM person_identifier WHERE person_hash_key = $1 AND load_ts <= $2 ORDER BY system, value",
      [p, loadTime],
    ),
    db.all<LinkRow>(
      "SELECT from_hash_key, link_type, role, to_hash_key, record_source FROM link WHERE from_hash_key = $1 AND load_ts <= $2",
      [p, loadTime],
    ),
    db.all<LinkRow>(
      `SELECT l2.from_hash_key, l2.link_type, l2.role, l2.to_hash_key, l2.record_source
       FROM link l1 JOIN link l2 ON l2.from_hash_key = l1.to_hash_key
       WHERE l1.from_hash_key = $1 AND l1.link_type = 'person_event' AND l1.load_ts <= $2 AND l2.load_ts <= $2`,
      [p, loadTime],
    ),
  ]);
  const eventKeys = new Set<string>();
  const objectKeys = new Set<string>();
  const locationKeys = new Set<string>();
  for (const link of personLinks) {
    if (link.link_type === "person_event") eventKeys.add(link.to_hash_key);
    else if (link.link_type === "person_location") locationKeys.add(link.to_hash_key);
  }
  for (const link of eventLinks) {
    if (link.link_type === "event_object") objectKeys.add(link.to_hash_key);
    else if (link.link_type === "event_location") locationKeys.add(link.to_hash_key);
  }
  const parents = [p, ...eventKeys, ...objectKeys, ...locationKeys];
  const keyList = (keys: Iterable<string>) =>
    db.engine === "postgres" ? [...keys] : JSON.stringify([...keys]);
  const anyOf = (column: string, n: number) =>
    db.engine === "postgres"
      ? `${column} = ANY($${n}::text[])`
      : `${column} IN (SELECT value FROM json_each($${n}))`;
  const [satellites, eventHubs, objectHubs, locationHubs] = await Promise.all([
    db.all<SatelliteRow>(
      `SELECT parent_hash_key, name, record_source, effective_from, load_ts, attributes FROM satellite
       WHERE ${anyOf("parent_hash_key", 1)} AND load_ts <= $2`,
      [keyList(parents), loadTime],
    ),
    db.all<{ hash_key: string; a: string; b: string; record_source: string }>(
      `SELECT hash_key, event_type AS a, business_key AS b, record_source FROM hub_event WHERE ${anyOf("hash_key", 1)}`,
      [keyList(eventKeys)],
    ),
    db.all<{ hash_key: string; a: string; b: string; c: string; record_source: string }>(
      `SELECT hash_key, object_type AS a, code_system AS b, code AS c, record_source FROM hub_object WHERE ${anyOf("hash_key", 1)}`,
      [keyList(objectKeys)],
    ),
    db.all<{ hash_key: string; a: string; b: string; record_source: string }>(
      `SELECT hash_key, kind AS a, place_key AS b, record_source FROM hub_location WHERE ${anyOf("hash_key", 1)}`,
      [keyList(locationKeys)],
    ),
  ]);
  const hubs: {
    hash_key: string;
    hub: string;
    a: string;
    b: string;
    c: string | null;
    record_source: string;
  }[] = [
    ...eventHubs.map((h) => ({ ...h, hub: "event", c: null })),
    ...objectHubs.map((h) => ({ ...h, hub: "object" })),
    ...locationHubs.map((h) => ({ ...h, hub: "location", c: null })),
  ];

  const facts = currentFacts(satellites, effectiveTime);
  const hubByKey = new Map(hubs.map((hub) => [hub.hash_key, hub]));

  const place = (link: LinkRow): RecordPlace | undefined => {
    const hub = hubByKey.get(link.to_hash_key);
    if (!hub) return undefined;
    const position = take(facts.get(hub.hash_key), POSITION_SATELLITE)?.attributes;
    return {
      role: link.role,
      kind: hub.a,
      key: hub.b,
      latitude: (position?.latitude as number | null | undefined) ?? null,
      longitude: (position?.longitude as number | null | undefined) ?? null,
      altitude: (position?.altitude as number | null | undefined) ?? null,
      source: link.record_source,
    };
  };

  const events = new Map<string, RecordEvent>();
  for (const link of personLinks) {
    if (link.link_type !== "person_event") continue;
    const hub = hubByKey.get(link.to_hash_key);
    if (!hub || events.has(hub.hash_key)) continue;
    const own = facts.get(hub.hash_key);
    const time = take(own, EVENT_TIME_SATELLITE)?.attributes;
    events.set(hub.hash_key, {
      id: hub.hash_key,
      type: hub.a,
      start: (time?.start as string | undefined) ?? null,
      end: (time?.end as string | undefined) ?? null,
      startDerived: false,
      source: hub.record_source,
      partOf: null,
      facts: without(own, EVENT_TIME_SATELLITE),
      objects: [],
      locations: [],
    });
  }
  for (const link of eventLinks) {
    const event = events.get(link.from_hash_key);
    if (!event) continue;
    if (link.link_type === "event_event") event.partOf = link.to_hash_key;
    else if (link.link_type === "event_location") {
      const located = place(link);
      if (located) event.locations.push(located);
    } else if (link.link_type === "event_object") {
      const hub = hubByKey.get(link.to_hash_key);
      if (!hub) continue;
      event.objects.push({
        role: link.role,
        type: hub.a,
        codeSystem: hub.b === "" ? null : hub.b,
        code: hub.c ?? "",
        source: link.record_source,
        facts: facts.get(hub.hash_key) ?? [],
      });
    }
  }
  // An event known only as the parent of others (a regime) starts with its first part.
  for (const event of events.values()) {
    const parent = event.partOf ? events.get(event.partOf) : undefined;
    if (!parent || event.start === null) continue;
    if (parent.start === null || (parent.startDerived && event.start < parent.start)) {
      parent.start = event.start;
      parent.startDerived = true;
    }
  }
  const timeline = [...events.values()]
    .filter((event) => event.start !== null && Date.parse(event.start) <= effectiveTime)
    .sort(
      (a, b) =>
        cmp(a.start!, b.start!) ||
        Number(b.startDerived) - Number(a.startDerived) || // a regime before its first cycle
        cmp(a.type, b.type) ||
        cmp(a.id, b.id),
    );
  for (const event of timeline) {
    event.objects.sort((a, b) => cmp(a.role, b.role) || cmp(a.code, b.code));
    event.locations.sort((a, b) => cmp(a.role, b.role) || cmp(a.key, b.key));
  }
  const locations = personLinks
    .filter((link) => link.link_type === "person_location")
    .map(place)
    .filter((located): located is RecordPlace => located !== undefined)
    .sort((a, b) => cmp(a.role, b.role) || cmp(a.key, b.key));

  return {
    serumsId,
    asOf: {
      loadTime: asOf.loadTime === undefined ? null : iso(asOf.loadTime),
      effectiveTime: asOf.effectiveTime === undefined ? null : iso(asOf.effectiveTime),
    },
    identifiers: identifiers.map((row) => ({
      system: row.system,
      value: row.value,
      source: row.record_source,
      loadedAt: iso(row.load_ts),
    })),
    person: { facts: facts.get(p) ?? [] },
    locations,
    events: timeline,
  };
}
