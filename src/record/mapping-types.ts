/**
 * A mapping, compiled: how one source table becomes hubs, links and satellites of the T-P-O-L-E
 * vault. `loadMapping` (load-mapping.ts) builds it from the YAML file described in docs/mapping.md.
 */
import type { SourceValue } from "../sources/index.ts";

export type ValueType = "string" | "integer" | "decimal" | "boolean" | "date" | "datetime" | "code";

/** A converted value. Dates and datetimes are ISO-8601 UTC strings ("2014-03-05T00:00:00.000Z"). */
export type TypedValue = string | number | boolean | null;

/** How one value is taken from a row: a column with its transforms, or a constant. */
export interface ValueSpec {
  /** The source column, or undefined for a constant. */
  column?: string;
  type: ValueType;
  /** When true, null or empty input is a bad row. */
  required: boolean;
  /**
   * Converts the raw value of `column` (ignored for a constant). Empty strings and nulls become
   * null. Throws SerumsError code BAD_ROW whose `where` has `column` and `value`, and whose
   * message says what would be valid (e.g. 'expected a date like 2014-03-05 (format
   * YYYY-MM-DD)').
   */
  convert(raw: SourceValue): TypedValue;
}

export interface SatelliteSpec {
  /** Unique per parent kind within a mapping: "demographics", "episode". */
  name: string;
  /** When the facts became true; absent: timeless. Must be a date or datetime value. */
  effectiveFrom?: ValueSpec;
  /** Attribute name → value, in a stable (sorted) order. */
  attributes: [name: string, value: ValueSpec][];
}

export interface IdentifierSpec {
  /** The identifier system: "chi", "trak-hospital-number". */
  system: string;
  value: ValueSpec;
}

export interface LocationSpec {
  /** The link's role: "resides_at", "treated_at". */
  role: string;
  /** What the key is: "postcode", "site", "address", "coordinates". */
  kind: string;
  /** The business key: a postcode, a site name... */
  key: ValueSpec;
  latitude?: ValueSpec;
  longitude?: ValueSpec;
  altitude?: ValueSpec;
}

export interface ObjectSpec {
  /** The link's role: "main_condition", "drug". */
  role: string;
  /** What the object is: "condition", "procedure", "medicine", "organisation"... */
  type: string;
  /** The code system of `code`, e.g. "ICD-10", "OPCS-4"; part of the business key. */
  codeSystem?: string;
  /** The business key within type and code system; a null code means no object on this row. */
  code: ValueSpec;
  satellites: SatelliteSpec[];
}

export interface EventSpec {
  /** The event type: "hospital_admission", "chemotherapy_cycle". */
  type: string;
  /** The columns that identify one event of this type in this source. */
  key: ValueSpec[];
  /** When it happened (required; a date or datetime). */
  start: ValueSpec;
  end?: ValueSpec;
  satellites: SatelliteSpec[];
  objects: ObjectSpec[];
  locations: LocationSpec[];
  /** A parent event this one belongs to (a cycle of a regime), linked "part_of". */
  partOf?: { type: string; key: ValueSpec[] };
}

export interface PersonSpec {
  identifiers: IdentifierSpec[];
  /**
   * Identifier systems that identify a patient across sources, tried in order to find an
   * existing golden nominal. Every system listed is one of `identifiers`.
   */
  match: string[];
  satellites: SatelliteSpec[];
  locations: LocationSpec[];
}

export interface Coordinates {
  latitude: number;
  longitude: number;
  altitude: number | null;
}

export interface Mapping {
  /** The file it was read from (for messages). */
  file: string;
  name: string;
  /** Stored on every hub, link and satellite row this mapping loads. */
  recordSource: string;
  source: { table?: string; timeZone: string };
  person?: PersonSpec;
  events: EventSpec[];
  /** Objects not tied to an event (a catalogue of medicines). */
  objects: ObjectSpec[];
  /** Place key (as normalised by `placeKey`) → coordinates, from the mapping's gazetteer file. */
  gazetteer: Map<string, Coordinates>;
}
