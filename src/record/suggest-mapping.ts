/**
 * Metadata extraction (`serums map suggest SOURCE`): from a profile of a source's columns, propose
 * a mapping (docs/mapping.md) — which column is Time, Person, Object, Location or Event, grouped
 * into satellites — as YAML with a comment per column giving its hub and the evidence. A proposal
 * to review, not a decision. Pure: the profile in, the proposal out; no value of the source is
 * written into it (the profile holds none).
 */
import { Document, isMap, isScalar, isSeq, type Node, type Scalar, visit } from "yaml";
import { SerumsError, showValue } from "../errors/serums-error.ts";
import type { ColumnProfile } from "../sources/profile-columns.ts";
import {
  type ColumnClass,
  classifyColumn,
  END_WORDS,
  type Hub,
  nameWords,
  percent,
  START_WORDS,
} from "./classify-column.ts";

export type { Hub } from "./classify-column.ts";

export interface SuggestedColumn {
  column: string;
  hub: Hub;
  /** identifier, attribute, start, end, duration, date, key, the object type, site... */
  role: string;
  /** The evidence, e.g. "name word 'admission' and 100% of values match date DD/MM/YYYY". */
  reason: string;
  /** The satellite the column goes to ("demographics", "episode"), or the object group ("procedures"). */
  satellite?: string;
}

export interface Suggestion {
  columns: SuggestedColumn[];
  yaml: string;
}

export interface SuggestOptions {
  /** The mapping's name: [a-z0-9_-]+. */
  name: string;
  /** The source table (database sources). */
  table?: string;
  /** IANA zone of the source's local times (default Europe/London). */
  timeZone?: string;
}

type Spec = Record<string, unknown> | string;

/** Where a column's comment goes in the document, and what else it says. */
interface Placement {
  path: (string | number)[];
  satellite?: string;
}

const DEFAULT_TIME_ZONE = "Europe/London";

export function suggestMapping(profile: ColumnProfile[], options: SuggestOptions): Suggestion {
  if (!/^[a-z0-9_-]+$/.test(options.name)) {
    throw new SerumsError(
      "BAD_USAGE",
      `mapping name ${showValue(options.name)} is not valid: use lower-case letters, digits, '_' and '-'`,
      { value: options.name },
    );
  }
  const classes = profile.map(classifyColumn);
  const placements = new Map<string, Placement>();
  const doc: Record<string, unknown> = { mapping: 1, name: options.name };
  doc.source = {
    ...(options.table === undefined ? {} : { table: options.table }),
    time_zone: options.timeZone ?? DEFAULT_TIME_ZONE,
  };

  // Person identifiers: national ones first.
  const identifiers = classes
    .filter((c) => c.identifier !== undefined)
    .sort((a, b) => Number(b.identifier!.national) - Number(a.identifier!.national));
  const personId = identifiers[0];

  // Time: the start and end of the event.
  const { start, end } = chooseStartEnd(classes);

  // The event.
  const tableWords = nameWords(options.table ?? options.name);
  const eventType = start === undefined ? undefined : chooseEventType(tableWords, classes);
  const eventSatellite = eventType === undefined ? undefined : (EVENT_SATELLITES[eventType] ?? "details");

  const person: Record<string, unknown> = {};
  const personAttributes: [ColumnClass, string][] = [];
  const eventAttributes: [ColumnClass, string][] = [];
  const unmapped: ColumnClass[] = [];
  for (const c of classes) {
    if (c.hub === "person" && c.role === "attribute") {
      if (personId !== undefined) personAttributes.push([c, "demographics"]);
      else if (eventSatellite !== undefined) {
        c.notes.push("no person identifier found: kept with the event");
        eventAttributes.push([c, eventSatellite]);
      } else unmapped.push(c);
    } else if ((c.hub === "time" && c.role !== "start" && c.role !== "end") || isEventAttribute(c)) {
      if (eventSatellite !== undefined) eventAttributes.push([c, eventSatellite]);
      else if (personId !== undefined) {
        c.notes.push("no event (no date column): kept with the person");
        personAttributes.push([c, "details"]);
      } else unmapped.push(c);
    }
  }

  if (personId !== undefined) {
    person.identifiers = identifiers.map((c, index) => {
      placements.set(c.column, { path: ["person", "identifiers", index] });
      return { system: c.identifier!.system, value: specOf(c) };
    });
    const national = [
      ...new Set(identifiers.filter((c) => c.identifier!.national).map((c) => c.identifier!.system)),
    ];
    if (national.length > 0) person.match = national;
    const satellites = groupSatellites(personAttributes, ["person", "satellites"], placements, start);
    if (satellites.length > 0) person.satellites = satellites;
    const locations = [
      ...classes
        .filter((c) => c.residence)
        .map((c) => ({
          role: "resides_at",
          kind: "postcode",
          key: { column: c.column, type: "string", case: "upper" },
        })),
      ...classes
        .filter((c) => c.location?.kind === "address")
        .map((c) => ({ role: "resides_at", kind: "address", key: specOf(c) })),
    ];
    locations.forEach((location, index) => {
      const column = (location.key as { column: string }).column;
      if (!placements.has(column)) placements.set(column, { path: ["person", "locations", index] });
    });
    if (locations.length > 0) person.locations = locations;
    doc.person = person;
  }

  const objects = classes.filter((c) => c.hub === "object");
  const keyColumns = classes.filter((c) => c.hub === "event" && c.role === "key");
  if (start !== undefined && eventType !== undefined) {
    const event: Record<string, unknown> = { type: eventType };
    const personKey = personId === undefined ? [] : [keySpec(personId)];
    event.key = [...personKey, keySpec(start), ...keyColumns.map(keySpec)];
    event.start = specOf(start);
    placements.set(start.column, { path: ["events", 0, "start"] });
    if (end !== undefined) {
      event.end = specOf(end);
      placements.set(end.column, { path: ["events", 0, "end"] });
    }
    for (const c of keyColumns) placements.set(c.column, { path: ["events", 0, "key"] });
    const parent = keyColumns.find((c) => c.keyKind === "parent");
    if (parent !== undefined && keyColumns.some((c) => c.keyKind === "cycle")) {
      const words = parent.words.filter((w) => w === "regime" || w === "regimen" || w === "course");
      event.part_of = {
        type: words.includes("course") ? "treatment_course" : "chemotherapy_regime",
        key: [...personKey, keySpec(parent)],
      };
      parent.role = "key, part_of";
      parent.notes.push(
        `also the key of the ${(event.part_of as { type: string }).type} the event is part of`,
      );
    }
    const satellites = groupSatellites(eventAttributes, ["events", 0, "satellites"], placements, undefined);
    if (satellites.length > 0) event.satellites = satellites;
    if (objects.length > 0) event.objects = objectEntries(objects, ["events", 0, "objects"], placements);
    const sites = classes.filter((c) => c.location?.kind === "site" || c.location?.kind === "coordinates");
    const locations = locationEntries(sites, placements);
    if (locations.length > 0) event.locations = locations;
    doc.events = [event];
  } else {
    if (objects.length > 0) doc.objects = objectEntries(objects, ["objects"], placements);
    for (const c of classes) {
      if (c.hub === "event" && c.role === "key") unmapped.push(c);
      if (c.location?.kind === "site" || c.location?.kind === "coordinates") unmapped.push(c);
      if (c.hub === "time" && (c.role === "start" || c.role === "end")) unmapped.push(c);
    }
  }
  if (personId === undefined) {
    for (const c of classes) if (c.location?.kind === "address") unmapped.push(c);
  }

  const columns: SuggestedColumn[] = classes.map((c) => {
    const placement = placements.get(c.column);
    const suggested: SuggestedColumn = {
      column: c.column,
      hub: c.hub,
      role: c.role,
      reason: [joinEvidence(c.evidence), ...c.notes].join("; "),
    };
    if (placement?.satellite !== undefined) suggested.satellite = placement.satellite;
    return suggested;
  });
  const yaml = renderYaml(doc, columns, placements, unmapped, options);
  return { columns, yaml };
}

function isEventAttribute(c: ColumnClass): boolean {
  return c.hub === "event" && c.role === "attribute";
}

function joinEvidence(evidence: string[]): string {
  if (evidence.length <= 1) return evidence[0] ?? "";
  return `${evidence.slice(0, -1).join(", ")} and ${evidence.at(-1)}`;
}

/** Start: a date column named as a start (admission, treatment…), else the earliest; end: one named as an end. */
function chooseStartEnd(classes: ColumnClass[]): { start?: ColumnClass; end?: ColumnClass } {
  const dates = classes.filter((c) => c.hub === "time" && c.role === "date");
  if (dates.length === 0) return {};
  const named = (c: ColumnClass, words: Set<string>) => c.words.some((w) => words.has(w));
  const earliest = (list: ColumnClass[]) =>
    [...list].sort((a, b) => {
      const am = typeof a.profile.min === "string" ? a.profile.min : "~";
      const bm = typeof b.profile.min === "string" ? b.profile.min : "~";
      return am < bm ? -1 : am > bm ? 1 : a.profile.missingRate - b.profile.missingRate;
    })[0];
  const ends = dates.filter((c) => named(c, END_WORDS) && !named(c, START_WORDS));
  const others = dates.filter((c) => !ends.includes(c));
  const startNamed = others.filter((c) => named(c, START_WORDS));
  let start: ColumnClass | undefined;
  if (startNamed.length > 0) {
    start = earliest(startNamed);
    start!.notes.push("the event start (named as a start)");
  } else if (others.length > 0) {
    start = earliest(others);
    start!.notes.push(others.length > 1 ? "the event start (the earliest date column)" : "the event start");
  } else {
    start = earliest(ends);
    start!.notes.push("the event start, though named as an end: review");
  }
  start!.role = "start";
  if (start!.profile.missingRate > 0) {
    start!.notes.push(`${percent(start!.profile.missingRate)} of rows empty: those rows would be rejected`);
  }
  const end = ends.find((c) => c !== start);
  if (end !== undefined) {
    end.role = "end";
    end.notes.push("the event end (named as an end)");
    const startMin = start!.profile.min;
    const endMin = end.profile.min;
    if (typeof startMin === "string" && typeof endMin === "string" && endMin < startMin) {
      end.notes.push("its earliest value precedes the start column's: review");
    }
  }
  return { start, end };
}

const EVENT_SATELLITES: Record<string, string> = {
  hospital_admission: "episode",
  toxicity_report: "toxicity",
  chemotherapy_cycle: "cycle",
  treatment: "treatment",
  comorbidity_assessment: "comorbidities",
  cancer_registration: "tumour",
  visit: "visit",
  observation: "observation",
};

function chooseEventType(tableWords: string[], classes: ColumnClass[]): string {
  const columnWords = new Set(classes.flatMap((c) => c.words));
  const table = new Set(tableWords);
  const any = (words: string) => words.split(" ").some((w) => table.has(w) || columnWords.has(w));
  const inTable = (words: string) => words.split(" ").some((w) => table.has(w));
  if (any("toxicity toxicities adverse")) return "toxicity_report";
  const hasCycle = classes.some((c) => c.keyKind === "cycle");
  const medicines = classes.some((c) => c.object?.type === "medicine");
  if (hasCycle && (medicines || inTable("treatment treatments chemo chemotherapy chemocare regime"))) {
    return "chemotherapy_cycle";
  }
  if (inTable("treatment treatments chemo chemotherapy") || medicines) return "treatment";
  if (any("admission admissions discharge smr01") || inTable("smr01")) return "hospital_admission";
  if (any("charlson comorbidity comorbidities")) return "comorbidity_assessment";
  if (any("incidence tumour tumor registry registration smr06 cancer")) return "cancer_registration";
  if (any("visit visits appointment attendance clinic")) return "visit";
  if (any("lab test result results observation observations")) return "observation";
  const fallback = tableWords.join("_").replace(/[^a-z0-9_]/g, "_");
  return fallback === "" ? "record" : fallback;
}

/** A value of the mapping for a column: `{ column, type, format?, pad?, case? }`. */
function specOf(c: ColumnClass): Spec {
  const spec: Record<string, unknown> = { column: c.column, type: c.valueType };
  if (c.format !== undefined) spec.format = c.format;
  if (c.identifier?.pad) spec.pad = { length: 10, with: "0" };
  if (c.hub === "object") spec.case = "upper";
  return spec;
}

/** In an event key, a plain string column is written as its name. */
function keySpec(c: ColumnClass): Spec {
  const spec = specOf(c) as Record<string, unknown>;
  if (Object.keys(spec).length === 2 && (spec.type === "string" || spec.type === "integer")) return c.column;
  const { column, type, format, pad } = spec;
  return { column, type, ...(format === undefined ? {} : { format }), ...(pad === undefined ? {} : { pad }) };
}

/** A name for the mapping ([a-z0-9_]+): the column's own when it is one, else its words joined. */
function identifierName(column: string): string {
  return /^[a-z0-9_]+$/.test(column) ? column : nameWords(column).join("_");
}

function attributeName(column: string, taken: Set<string>): string {
  const base = identifierName(column) || "value";
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

function groupSatellites(
  members: [ColumnClass, string][],
  path: (string | number)[],
  placements: Map<string, Placement>,
  effectiveFrom: ColumnClass | undefined,
): Record<string, unknown>[] {
  const names = [...new Set(members.map(([, name]) => name))];
  return names.map((name, index) => {
    const attributes: Record<string, Spec> = {};
    const taken = new Set<string>();
    for (const [c, satellite] of members) {
      if (satellite !== name) continue;
      const attribute = attributeName(c.column, taken);
      attributes[attribute] = specOf(c);
      placements.set(c.column, { path: [...path, index, "attributes", attribute], satellite: name });
    }
    return {
      name,
      ...(effectiveFrom === undefined ? {} : { effective_from: specOf(effectiveFrom) }),
      attributes,
    };
  });
}

const OBJECT_GROUPS: Record<string, string> = {
  procedure: "procedures",
  condition: "conditions",
  medicine: "medicines",
  morphology: "morphologies",
};

function objectEntries(
  objects: ColumnClass[],
  path: (string | number)[],
  placements: Map<string, Placement>,
): Record<string, unknown>[] {
  // Columns sharing a stem (main_condition, other_condition_1…) are objects of one type and system.
  const stems = new Map<string, ColumnClass[]>();
  for (const c of objects) stems.set(c.object!.stem, [...(stems.get(c.object!.stem) ?? []), c]);
  for (const members of stems.values()) {
    const typed = members.find((c) => c.object!.codeSystem !== undefined) ?? members[0]!;
    for (const c of members) {
      if (c.object!.type !== typed.object!.type || c.object!.codeSystem === typed.object!.codeSystem)
        continue;
      if (typed.object!.codeSystem === undefined) continue;
      c.object = { ...c.object!, type: typed.object!.type, codeSystem: typed.object!.codeSystem };
      c.notes.push(`same stem as ${typed.column}: ${typed.object!.codeSystem}`);
    }
  }
  return objects.map((c, index) => {
    const group = OBJECT_GROUPS[c.object!.type] ?? `${c.object!.type}s`;
    placements.set(c.column, { path: [...path, index], satellite: group });
    return {
      role: identifierName(c.column) || "object",
      type: c.object!.type,
      ...(c.object!.codeSystem === undefined ? {} : { code_system: c.object!.codeSystem }),
      code: specOf(c),
    };
  });
}

function locationEntries(
  sites: ColumnClass[],
  placements: Map<string, Placement>,
): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  const named = sites.filter((c) => c.location!.kind === "site");
  named.forEach((c, index) => {
    placements.set(c.column, { path: ["events", 0, "locations", entries.length] });
    entries.push({
      role: index === 0 ? "treated_at" : `${identifierName(c.column)}_at`,
      kind: "site",
      key: specOf(c),
    });
  });
  const axes = sites.filter((c) => c.location!.kind === "coordinates");
  const latitude = axes.find((c) => c.location!.axis === "latitude");
  const longitude = axes.find((c) => c.location!.axis === "longitude");
  if (latitude !== undefined && longitude !== undefined) {
    const altitude = axes.find((c) => c.location!.axis === "altitude");
    const at = entries.length;
    for (const c of axes) placements.set(c.column, { path: ["events", 0, "locations", at] });
    entries.push({
      role: "occurred_at",
      kind: "coordinates",
      key: named[0] === undefined ? specOf(latitude) : specOf(named[0]),
      latitude: specOf(latitude),
      longitude: specOf(longitude),
      ...(altitude === undefined ? {} : { altitude: specOf(altitude) }),
    });
  }
  return entries;
}

function renderYaml(
  content: Record<string, unknown>,
  columns: SuggestedColumn[],
  placements: Map<string, Placement>,
  unmapped: ColumnClass[],
  options: SuggestOptions,
): string {
  const doc = new Document(content, { aliasDuplicateObjects: false });
  // Values and keys in flow style, as in docs/mapping.md.
  visit(doc, {
    Map(_, node) {
      if (node.has("column") || node.has("constant") || node.has("length")) node.flow = true;
    },
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  const byHub = (hub: Hub) =>
    columns
      .filter((c) => c.hub === hub)
      .map((c) => `${c.column} (${c.role})`)
      .join(", ") || "-";
  const unmappedNames = new Set(unmapped.map((c) => c.column));
  const header = [
    ` Proposed by \`serums map suggest\` from a profile of ${options.table ?? options.name} (${columns.length} columns).`,
    " A proposal, not a reviewed mapping: check every choice below (hubs, types, formats, code",
    " systems, the event and its key) before loading with it.",
    "",
    ` time:     ${byHub("time")}`,
    ` person:   ${byHub("person")}`,
    ` object:   ${byHub("object")}`,
    ` location: ${byHub("location")}`,
    ` event:    ${byHub("event")}`,
  ];
  if (content.person === undefined && content.events === undefined && content.objects === undefined) {
    header.push(
      "",
      " Nothing could be placed: no person identifier, no event date, no object code was found.",
      " Complete the mapping by hand (person, events or objects) before loading with it.",
    );
  }
  if (unmappedNames.size > 0) {
    header.push("", " Not placed in the mapping (no person identifier or no event date to attach them to):");
    for (const c of columns) {
      if (unmappedNames.has(c.column)) header.push(`   ${c.column}: ${c.hub} (${c.role}) — ${c.reason}`);
    }
  }
  doc.commentBefore = header.join("\n");
  for (const c of columns) {
    const placement = placements.get(c.column);
    if (placement === undefined || unmappedNames.has(c.column)) continue;
    addCommentBefore(doc, placement.path, ` ${c.column}: ${c.hub} (${c.role}) — ${c.reason}`);
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function addCommentBefore(doc: Document, path: (string | number)[], comment: string): void {
  const parent = doc.getIn(path.slice(0, -1), true);
  const last = path.at(-1);
  let target: Node | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
    target = pair?.key as Scalar | undefined;
  } else if (isSeq(parent) && typeof last === "number") {
    target = parent.items[last] as Node | undefined;
  }
  if (target === undefined) return;
  target.commentBefore = target.commentBefore ? `${target.commentBefore}\n${comment}` : comment;
}
