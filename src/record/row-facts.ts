/**
 * Pure: what one source row says, in vault terms — the person's identifiers and satellites, and
 * the event, object and location hubs, links and satellites, with their hash keys. Nothing here
 * touches the store; a bad value throws before anything of the row is written.
 */
import type { SourceRow, SourceValue } from "../sources/index.ts";
import { businessKeyText, hashDiff, hashKey, TIMELESS } from "./hash-keys.ts";
import { placeKey } from "./load-mapping.ts";
import type {
  LocationSpec,
  Mapping,
  ObjectSpec,
  SatelliteSpec,
  TypedValue,
  ValueSpec,
} from "./mapping-types.ts";

export const EVENT_TIME_SATELLITE = "@time";
export const POSITION_SATELLITE = "@position";

export type HubTable = "hub_object" | "hub_location" | "hub_event";

export interface HubFact {
  table: HubTable;
  hashKey: string;
  /** The business key columns of the table, in table order after hash_key. */
  key: [string, string] | [string, string, string];
}

export interface LinkFact {
  /** Undefined for links from the person: `linkHashKey` once the person is matched. */
  hashKey: string | undefined;
  linkType: "person_event" | "person_location" | "event_object" | "event_location" | "event_event";
  role: string;
  /** Undefined for links from the person, whose hash key is known only once matched. */
  from: string | undefined;
  to: string;
}

export interface SatelliteFact {
  /** Undefined for the person's satellites. */
  parent: string | undefined;
  name: string;
  effectiveFrom: number;
  attributes: [string, TypedValue][];
  hashdiff: string;
}

export interface RowFacts {
  identifiers: { system: string; value: string }[];
  hubs: HubFact[];
  links: LinkFact[];
  satellites: SatelliteFact[];
}

function readValue(spec: ValueSpec, row: SourceRow): TypedValue {
  const raw: SourceValue = spec.column === undefined ? null : (row.values[spec.column] ?? null);
  return spec.convert(raw);
}

function instantOf(value: TypedValue): number {
  return Date.parse(value as string);
}

function satelliteFacts(
  specs: readonly SatelliteSpec[],
  parent: string | undefined,
  row: SourceRow,
): SatelliteFact[] {
  const facts: SatelliteFact[] = [];
  for (const spec of specs) {
    const attributes: [string, TypedValue][] = spec.attributes.map(([name, value]) => [
      name,
      readValue(value, row),
    ]);
    const effective = spec.effectiveFrom ? readValue(spec.effectiveFrom, row) : null;
    facts.push({
      parent,
      name: spec.name,
      effectiveFrom: effective === null ? TIMELESS : instantOf(effective),
      attributes,
      hashdiff: hashDiff(attributes),
    });
  }
  return facts;
}

function locationFacts(
  mapping: Mapping,
  spec: LocationSpec,
  row: SourceRow,
  facts: RowFacts,
): string | undefined {
  const raw = readValue(spec.key, row);
  if (raw === null) return undefined;
  const place = placeKey(spec.kind, String(raw));
  const key = hashKey("LOCATION", [spec.kind, place]);
  facts.hubs.push({ table: "hub_location", hashKey: key, key: [spec.kind, place] });
  const latitude = spec.latitude ? readValue(spec.latitude, row) : null;
  const longitude = spec.longitude ? readValue(spec.longitude, row) : null;
  const known = mapping.gazetteer.get(place);
  const position: [string, TypedValue][] | undefined =
    latitude !== null && longitude !== null
      ? [
          ["altitude", spec.altitude ? readValue(spec.altitude, row) : null],
          ["latitude", latitude],
          ["longitude", longitude],
        ]
      : known
        ? [
            ["altitude", known.altitude],
            ["latitude", known.latitude],
            ["longitude", known.longitude],
          ]
        : undefined;
  if (position) {
    facts.satellites.push({
      parent: key,
      name: POSITION_SATELLITE,
      effectiveFrom: TIMELESS,
      attributes: position,
      hashdiff: hashDiff(position),
    });
  }
  return key;
}

function objectFacts(spec: ObjectSpec, row: SourceRow, facts: RowFacts): string | undefined {
  const code = readValue(spec.code, row);
  if (code === null) return undefined;
  const codeText = String(code).trim();
  const system = spec.codeSystem ?? "";
  const key = hashKey("OBJECT", [spec.type, system, codeText]);
  facts.hubs.push({ table: "hub_object", hashKey: key, key: [spec.type, system, codeText] });
  facts.satellites.push(...satelliteFacts(spec.satellites, key, row));
  return key;
}

/** A link's hash key: over the same four parts that are its primary key. */
export function linkHashKey(linkType: LinkFact["linkType"], role: string, from: string, to: string): string {
  return hashKey("LINK", [linkType, role, from, to]);
}

function link(linkType: LinkFact["linkType"], role: string, from: string | undefined, to: string): LinkFact {
  return {
    hashKey: from === undefined ? undefined : linkHashKey(linkType, role, from, to),
    linkType,
    role,
    from,
    to,
  };
}

/** Everything `row` says under `mapping`; throws SerumsError BAD_ROW on a bad value. */
export function rowFacts(mapping: Mapping, row: SourceRow): RowFacts {
  const facts: RowFacts = { identifiers: [], hubs: [], links: [], satellites: [] };
  const person = mapping.person;
  if (person) {
    for (const identifier of person.identifiers) {
      const value = readValue(identifier.value, row);
      if (value !== null) facts.identifiers.push({ system: identifier.system, value: String(value).trim() });
    }
    facts.satellites.push(...satelliteFacts(person.satellites, undefined, row));
    for (const spec of person.locations) {
      const location = locationFacts(mapping, spec, row, facts);
      if (location) facts.links.push(link("person_location", spec.role, undefined, location));
    }
  }
  for (const spec of mapping.events) {
    const keyValues = spec.key.map((value) => readValue(value, row));
    const event = hashKey("EVENT", [spec.type, ...keyValues]);
    facts.hubs.push({ table: "hub_event", hashKey: event, key: [spec.type, businessKeyText(keyValues)] });
    const start = readValue(spec.start, row);
    const end = spec.end ? readValue(spec.end, row) : null;
    const time: [string, TypedValue][] = [
      ["end", end],
      ["start", start],
    ];
    facts.satellites.push({
      parent: event,
      name: EVENT_TIME_SATELLITE,
      effectiveFrom: TIMELESS,
      attributes: time,
      hashdiff: hashDiff(time),
    });
    facts.satellites.push(...satelliteFacts(spec.satellites, event, row));
    if (person) facts.links.push(link("person_event", "subject", undefined, event));
    if (spec.partOf) {
      const parentValues = spec.partOf.key.map((value) => readValue(value, row));
      const parent = hashKey("EVENT", [spec.partOf.type, ...parentValues]);
      facts.hubs.push({
        table: "hub_event",
        hashKey: parent,
        key: [spec.partOf.type, businessKeyText(parentValues)],
      });
      facts.links.push(link("event_event", "part_of", event, parent));
      if (person) facts.links.push(link("person_event", "subject", undefined, parent));
    }
    for (const objectSpec of spec.objects) {
      const object = objectFacts(objectSpec, row, facts);
      if (object) facts.links.push(link("event_object", objectSpec.role, event, object));
    }
    for (const locationSpec of spec.locations) {
      const location = locationFacts(mapping, locationSpec, row, facts);
      if (location) facts.links.push(link("event_location", locationSpec.role, event, location));
    }
  }
  for (const objectSpec of mapping.objects) objectFacts(objectSpec, row, facts);
  return facts;
}

/** The columns a mapping reads, to check against a source's header before loading. */
export function mappingColumns(mapping: Mapping): Set<string> {
  const columns = new Set<string>();
  const add = (value: ValueSpec | undefined) => {
    if (value?.column !== undefined) columns.add(value.column);
  };
  const addSatellites = (satellites: readonly SatelliteSpec[]) => {
    for (const satellite of satellites) {
      add(satellite.effectiveFrom);
      for (const [, value] of satellite.attributes) add(value);
    }
  };
  const addLocation = (location: LocationSpec) => {
    add(location.key);
    add(location.latitude);
    add(location.longitude);
    add(location.altitude);
  };
  const addObject = (object: ObjectSpec) => {
    add(object.code);
    addSatellites(object.satellites);
  };
  if (mapping.person) {
    for (const identifier of mapping.person.identifiers) add(identifier.value);
    addSatellites(mapping.person.satellites);
    mapping.person.locations.forEach(addLocation);
  }
  for (const event of mapping.events) {
    event.key.forEach(add);
    add(event.start);
    add(event.end);
    event.partOf?.key.forEach(add);
    addSatellites(event.satellites);
    event.objects.forEach(addObject);
    event.locations.forEach(addLocation);
  }
  mapping.objects.forEach(addObject);
  return columns;
}
