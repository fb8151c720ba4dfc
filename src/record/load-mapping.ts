/**
 * The mapping loader: YAML text (docs/mapping.md) → the compiled `Mapping` of mapping-types.ts.
 * Every field is checked; every error is SerumsError BAD_MAPPING naming the file, the line, the
 * path in the file (`events[0].start.type`) and the bad value, and saying what would be valid.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isScalar, type Node } from "yaml";
import { SerumsError, showValue } from "../errors/index.ts";
import { parseGazetteer } from "./gazetteer.ts";
import type {
  EventSpec,
  IdentifierSpec,
  LocationSpec,
  Mapping,
  ObjectSpec,
  PersonSpec,
  SatelliteSpec,
} from "./mapping-types.ts";
import { isTimeZone } from "./time-zones.ts";
import { PAD_FIELDS, UNIT_FIELDS, VALUE_FIELDS, ValueReader } from "./value-reader.ts";
import { child, describe, item, plain } from "./yaml-reader.ts";

/** The fields of each kind of map in a mapping file (the JSON Schema lists the same). */
export const MAPPING_FIELDS = {
  mapping: [
    "mapping",
    "name",
    "record_source",
    "source",
    "gazetteer",
    "codes",
    "person",
    "events",
    "objects",
  ],
  source: ["table", "time_zone"],
  person: ["identifiers", "match", "satellites", "locations"],
  identifier: ["system", "value"],
  satellite: ["name", "effective_from", "attributes"],
  location: ["role", "kind", "key", "latitude", "longitude", "altitude"],
  event: ["type", "key", "start", "end", "part_of", "satellites", "objects", "locations"],
  part_of: ["type", "key"],
  object: ["role", "type", "code_system", "code", "satellites"],
  value: VALUE_FIELDS,
  unit: UNIT_FIELDS,
  pad: PAD_FIELDS,
} as const;

export const LOCATION_KINDS = ["postcode", "site", "address", "coordinates"] as const;

/** The format versions this loader reads. */
export const MAPPING_VERSIONS = [1] as const;

export const DEFAULT_TIME_ZONE = "Europe/London";

/** The patterns names must match (the JSON Schema uses the same). */
export const NAME_PATTERNS = {
  /** The mapping's name and identifier systems. */
  name: "^[a-z0-9_-]+$",
  /** Event and object types, roles, satellite and attribute names. */
  identifier: "^[a-z0-9_]+$",
} as const;

const NAME = new RegExp(NAME_PATTERNS.name);
const IDENTIFIER = new RegExp(NAME_PATTERNS.identifier);
const NAME_RULE = "lower-case letters, digits, _ and - ([a-z0-9_-]+)";
const IDENTIFIER_RULE = "lower-case letters, digits and _ ([a-z0-9_]+)";

export { parseGazetteer, placeKey } from "./gazetteer.ts";

interface Compiled {
  mapping: Mapping;
  gazetteer?: { file: string; line: number | undefined };
}

class MappingReader extends ValueReader {
  constructor(text: string, file: string) {
    super(text, file, DEFAULT_TIME_ZONE);
  }

  // -------------------------------------------------------------------------------------------
  // Satellites, locations, objects, events, person

  satellites(node: Node | null, where: string, owner: string): SatelliteSpec[] {
    const seen = new Map<string, string>();
    return this.list(node, where, "satellites").map((entry, index) => {
      const at = item(where, index);
      const fields = this.fields(entry, at, "a satellite", MAPPING_FIELDS.satellite, ["name", "attributes"]);
      const nameNode = fields.get("name")!.value;
      const name = this.text(nameNode, child(at, "name"), "satellite name", {
        pattern: IDENTIFIER,
        rule: IDENTIFIER_RULE,
      });
      const first = seen.get(name);
      if (first !== undefined) {
        this.fail(
          child(at, "name"),
          nameNode,
          `${showValue(name)} is already the name of ${first}; satellite names are unique within ${owner}`,
          name,
        );
      }
      seen.set(name, at);
      const satellite: SatelliteSpec = { name, attributes: [] };
      const effective = fields.get("effective_from");
      if (effective !== undefined) {
        satellite.effectiveFrom = this.value(effective.value, child(at, "effective_from"), {
          what: "effective_from",
          types: ["date", "datetime"],
        });
      }
      const attributesAt = child(at, "attributes");
      const attributesNode = fields.get("attributes")!.value;
      if (attributesNode === null || !isMap(attributesNode)) {
        this.fail(
          attributesAt,
          attributesNode ?? entry,
          `expected attributes: a map of name: value; got ${describe(attributesNode)}`,
          plain(attributesNode),
        );
      }
      for (const pair of attributesNode.items) {
        const key = this.resolve(pair.key, attributesAt);
        const keyAt = key !== null && isScalar(key) ? child(attributesAt, String(key.value)) : attributesAt;
        const attribute = this.text(key, keyAt, "attribute name", {
          pattern: IDENTIFIER,
          rule: IDENTIFIER_RULE,
        });
        const valueAt = child(attributesAt, attribute);
        satellite.attributes.push([
          attribute,
          this.value(this.resolve(pair.value, valueAt), valueAt, { what: `attribute ${attribute}` }),
        ]);
      }
      if (satellite.attributes.length === 0)
        this.fail(attributesAt, attributesNode, "a satellite needs at least one attribute");
      satellite.attributes.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return satellite;
    });
  }

  locations(node: Node | null, where: string): LocationSpec[] {
    return this.list(node, where, "locations").map((entry, index) => {
      const at = item(where, index);
      const fields = this.fields(entry, at, "a location", MAPPING_FIELDS.location, ["role", "kind", "key"]);
      const location: LocationSpec = {
        role: this.text(fields.get("role")!.value, child(at, "role"), "role", {
          pattern: IDENTIFIER,
          rule: IDENTIFIER_RULE,
        }),
        kind: this.oneOf(fields.get("kind")!.value, child(at, "kind"), "a location kind", LOCATION_KINDS),
        key: this.value(fields.get("key")!.value, child(at, "key"), { what: "key" }),
      };
      const coordinate = { types: ["decimal", "integer"] as const, defaultType: "decimal" as const };
      for (const name of ["latitude", "longitude", "altitude"] as const) {
        const field = fields.get(name);
        if (field !== undefined)
          location[name] = this.value(field.value, child(at, name), { what: name, ...coordinate });
      }
      if ((location.latitude === undefined) !== (location.longitude === undefined)) {
        const missing = location.latitude === undefined ? "latitude" : "longitude";
        this.fail(child(at, missing), entry, `latitude and longitude go together: add ${missing}`);
      }
      if (location.altitude !== undefined && location.latitude === undefined) {
        this.fail(
          child(at, "altitude"),
          fields.get("altitude")!.key,
          "altitude needs latitude and longitude",
        );
      }
      return location;
    });
  }

  objects(node: Node | null, where: string, linked: boolean): ObjectSpec[] {
    return this.list(node, where, "objects").map((entry, index) => {
      const at = item(where, index);
      const fields = this.fields(
        entry,
        at,
        "an object",
        MAPPING_FIELDS.object,
        linked ? ["role", "type", "code"] : ["type", "code"],
      );
      const type = this.text(fields.get("type")!.value, child(at, "type"), "object type", {
        pattern: IDENTIFIER,
        rule: IDENTIFIER_RULE,
      });
      const role = fields.get("role");
      const object: ObjectSpec = {
        role:
          role === undefined
            ? type
            : this.text(role.value, child(at, "role"), "role", {
                pattern: IDENTIFIER,
                rule: IDENTIFIER_RULE,
              }),
        type,
        code: this.value(fields.get("code")!.value, child(at, "code"), { what: "code" }),
        satellites: [],
      };
      const system = fields.get("code_system");
      if (system !== undefined)
        object.codeSystem = this.text(system.value, child(at, "code_system"), "a code system");
      const satellites = fields.get("satellites");
      if (satellites !== undefined)
        object.satellites = this.satellites(satellites.value, child(at, "satellites"), "an object");
      return object;
    });
  }

  events(node: Node | null, where: string): EventSpec[] {
    return this.list(node, where, "events").map((entry, index) => {
      const at = item(where, index);
      const fields = this.fields(entry, at, "an event", MAPPING_FIELDS.event, ["type", "key", "start"]);
      const keyOptions = { what: "an event key", forceRequired: true };
      const event: EventSpec = {
        type: this.text(fields.get("type")!.value, child(at, "type"), "event type", {
          pattern: IDENTIFIER,
          rule: IDENTIFIER_RULE,
        }),
        key: this.values(
          fields.get("key")!.value,
          child(at, "key"),
          keyOptions,
          "[upi_number, admission_date]",
        ),
        start: this.value(fields.get("start")!.value, child(at, "start"), {
          what: "start",
          forceRequired: true,
          types: ["date", "datetime"],
        }),
        satellites: [],
        objects: [],
        locations: [],
      };
      const end = fields.get("end");
      if (end !== undefined)
        event.end = this.value(end.value, child(at, "end"), { what: "end", types: ["date", "datetime"] });
      const partOf = fields.get("part_of");
      if (partOf !== undefined) {
        const partAt = child(at, "part_of");
        const part = this.fields(
          partOf.value,
          partAt,
          "part_of",
          MAPPING_FIELDS.part_of,
          MAPPING_FIELDS.part_of,
        );
        event.partOf = {
          type: this.text(part.get("type")!.value, child(partAt, "type"), "event type", {
            pattern: IDENTIFIER,
            rule: IDENTIFIER_RULE,
          }),
          key: this.values(
            part.get("key")!.value,
            child(partAt, "key"),
            { what: "a part_of key" },
            "[upi_number, regime_id]",
          ),
        };
      }
      const satellites = fields.get("satellites");
      if (satellites !== undefined)
        event.satellites = this.satellites(satellites.value, child(at, "satellites"), "an event");
      const objects = fields.get("objects");
      if (objects !== undefined) event.objects = this.objects(objects.value, child(at, "objects"), true);
      const locations = fields.get("locations");
      if (locations !== undefined) event.locations = this.locations(locations.value, child(at, "locations"));
      return event;
    });
  }

  person(node: Node | null, where: string): PersonSpec {
    const fields = this.fields(node, where, "person", MAPPING_FIELDS.person, ["identifiers"]);
    const identifiersAt = child(where, "identifiers");
    const identifiersNode = fields.get("identifiers")!.value;
    const systems = new Map<string, string>();
    const identifiers: IdentifierSpec[] = this.list(identifiersNode, identifiersAt, "identifiers").map(
      (entry, index) => {
        const at = item(identifiersAt, index);
        const identifier = this.fields(
          entry,
          at,
          "an identifier",
          MAPPING_FIELDS.identifier,
          MAPPING_FIELDS.identifier,
        );
        const systemNode = identifier.get("system")!.value;
        const system = this.text(systemNode, child(at, "system"), "identifier system", {
          pattern: NAME,
          rule: NAME_RULE,
        });
        const first = systems.get(system);
        if (first !== undefined)
          this.fail(
            child(at, "system"),
            systemNode,
            `${showValue(system)} is already the system of ${first}`,
            system,
          );
        systems.set(system, at);
        return {
          system,
          value: this.value(identifier.get("value")!.value, child(at, "value"), {
            what: "an identifier value",
          }),
        };
      },
    );
    if (identifiers.length === 0)
      this.fail(identifiersAt, identifiersNode, "person needs at least one identifier", []);
    const person: PersonSpec = { identifiers, match: [...systems.keys()], satellites: [], locations: [] };
    const match = fields.get("match");
    if (match !== undefined) {
      const matchAt = child(where, "match");
      const known = [...systems.keys()];
      person.match = this.list(match.value, matchAt, "identifier systems", "[chi]").map((entry, index) => {
        const system = this.text(entry, item(matchAt, index), "identifier system");
        if (!systems.has(system)) {
          this.fail(
            item(matchAt, index),
            entry,
            `${showValue(system)} is not one of the identifier systems; valid: ${known.join(", ")}`,
            system,
          );
        }
        return system;
      });
      const twice = person.match.findIndex((system, index) => person.match.indexOf(system) !== index);
      if (twice >= 0)
        this.fail(
          item(matchAt, twice),
          match.value,
          `${showValue(person.match[twice])} is listed twice`,
          person.match[twice],
        );
    }
    const satellites = fields.get("satellites");
    if (satellites !== undefined)
      person.satellites = this.satellites(satellites.value, child(where, "satellites"), "person");
    const locations = fields.get("locations");
    if (locations !== undefined)
      person.locations = this.locations(locations.value, child(where, "locations"));
    return person;
  }

  // -------------------------------------------------------------------------------------------
  // The whole file

  mapping(): Compiled {
    const root = this.root;
    if (root === null || (isScalar(root) && root.value === null)) {
      this.fail("", root, "the file holds no mapping; it needs at least mapping: 1 and name");
    }
    const fields = this.fields(root, "", "a mapping file", MAPPING_FIELDS.mapping, ["mapping", "name"]);
    const versionNode = fields.get("mapping")!.value;
    if (
      versionNode === null ||
      !isScalar(versionNode) ||
      !(MAPPING_VERSIONS as readonly unknown[]).includes(versionNode.value)
    ) {
      this.fail(
        "mapping",
        versionNode ?? root,
        `${describe(versionNode)} is not a mapping format version this Serums reads; valid: ${MAPPING_VERSIONS.join(", ")}`,
        plain(versionNode),
      );
    }
    const name = this.text(fields.get("name")!.value, "name", "mapping name", {
      pattern: NAME,
      rule: NAME_RULE,
    });
    const recordSource = fields.get("record_source");
    const mapping: Mapping = {
      file: this.file,
      name,
      recordSource:
        recordSource === undefined ? name : this.text(recordSource.value, "record_source", "record source"),
      source: { timeZone: DEFAULT_TIME_ZONE },
      events: [],
      objects: [],
      gazetteer: new Map(),
    };
    const source = fields.get("source");
    if (source !== undefined) {
      const sourceFields = this.fields(source.value, "source", "source", MAPPING_FIELDS.source);
      const table = sourceFields.get("table");
      if (table !== undefined) mapping.source.table = this.text(table.value, "source.table", "a table name");
      const zone = sourceFields.get("time_zone");
      if (zone !== undefined) {
        const timeZone = this.text(zone.value, "source.time_zone", "a time zone");
        if (!isTimeZone(timeZone)) {
          this.fail(
            "source.time_zone",
            zone.value,
            `${showValue(timeZone)} is not an IANA time zone (e.g. Europe/London, Europe/Madrid, UTC)`,
            timeZone,
          );
        }
        mapping.source.timeZone = timeZone;
      }
    }
    this.timeZone = mapping.source.timeZone;
    const compiled: Compiled = { mapping };
    const gazetteer = fields.get("gazetteer");
    if (gazetteer !== undefined) {
      compiled.gazetteer = {
        file: this.text(gazetteer.value, "gazetteer", "a gazetteer file"),
        line: this.line(gazetteer.value),
      };
    }
    const codes = fields.get("codes");
    if (codes !== undefined) {
      if (codes.value === null || !isMap(codes.value)) {
        this.fail(
          "codes",
          codes.value ?? codes.key,
          `expected code lists: a map of name: { code: label }; got ${describe(codes.value)}`,
          plain(codes.value),
        );
      }
      for (const pair of codes.value.items) {
        const key = this.resolve(pair.key, "codes");
        const listName = this.text(key, "codes", "a code list name");
        const at = child("codes", listName);
        this.codeLists.set(listName, this.codeList(this.resolve(pair.value, at), at, listName));
      }
    }
    const person = fields.get("person");
    if (person !== undefined) mapping.person = this.person(person.value, "person");
    const events = fields.get("events");
    if (events !== undefined) mapping.events = this.events(events.value, "events");
    const objects = fields.get("objects");
    if (objects !== undefined) mapping.objects = this.objects(objects.value, "objects", false);
    if (mapping.person === undefined && mapping.events.length === 0 && mapping.objects.length === 0) {
      this.fail("", root, "the mapping loads nothing: give person, events or objects");
    }
    return compiled;
  }
}

/**
 * Compiles the text of a mapping file; `file` names it in messages. The gazetteer is not read
 * (the compiled mapping's is empty): `loadMapping` reads it.
 */
export function parseMapping(text: string, file: string): Mapping {
  return new MappingReader(text, file).mapping().mapping;
}

/** Reads and compiles a mapping file, and its gazetteer (a path relative to the file). */
export async function loadMapping(file: string): Promise<Mapping> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new SerumsError(
      "BAD_MAPPING",
      `${file}: cannot read the mapping file: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  const { mapping, gazetteer } = new MappingReader(text, file).mapping();
  if (gazetteer !== undefined) {
    const gazetteerFile = path.join(path.dirname(file), gazetteer.file);
    let csv: string;
    try {
      csv = await readFile(gazetteerFile, "utf8");
    } catch (error) {
      const line = gazetteer.line;
      throw new SerumsError(
        "BAD_MAPPING",
        `${file} line ${line}, at gazetteer: cannot read ${gazetteerFile}: ${(error as Error).message}`,
        { file, line, path: "gazetteer", value: gazetteer.file },
        { cause: error },
      );
    }
    mapping.gazetteer = parseGazetteer(csv, gazetteerFile);
  }
  return mapping;
}
