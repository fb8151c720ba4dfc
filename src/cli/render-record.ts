/** The smart patient record as text for a terminal: the person, then the timeline. */
import type { PatientRecord, RecordFact } from "../record/index.ts";

/** Instants are stored in UTC; people read them in their own zone: a local midnight is a date. */
function localTime(zone: string): (instant: string | null) => string {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return (instant) => {
    if (instant === null) return "          ";
    const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
    const date = `${parts.year}-${parts.month}-${parts.day}`;
    return parts.hour === "00" && parts.minute === "00" ? date : `${date} ${parts.hour}:${parts.minute}`;
  };
}

function attributes(fact: RecordFact): string {
  return Object.entries(fact.attributes)
    .filter(([, value]) => value !== null)
    .map(
      ([name, value]) =>
        `${name}=${typeof value === "string" && /\s/.test(value) ? JSON.stringify(value) : value}`,
    )
    .join(" ");
}

function factLine(fact: RecordFact, day: (instant: string | null) => string): string {
  const effective = fact.effectiveFrom ? `, since ${day(fact.effectiveFrom)}` : "";
  return `${fact.satellite}: ${attributes(fact)}  [${fact.source}${effective}]`;
}

/** The record as text, times shown in `zone` (the JSON form keeps UTC). */
export function renderRecord(record: PatientRecord, zone: string): string {
  const day = localTime(zone);
  const lines: string[] = [];
  const asOf = [
    record.asOf.loadTime ? `as loaded by ${record.asOf.loadTime}` : "",
    record.asOf.effectiveTime ? `as it stood at ${record.asOf.effectiveTime}` : "",
  ].filter(Boolean);
  lines.push(`Smart patient record ${record.serumsId}${asOf.length ? ` (${asOf.join(", ")})` : ""}`);
  lines.push(`Times in ${zone}; sources in [brackets].`);
  lines.push("");
  lines.push("Identifiers");
  for (const id of record.identifiers) lines.push(`  ${id.system.padEnd(14)} ${id.value}  [${id.source}]`);
  lines.push("Person");
  for (const fact of record.person.facts) lines.push(`  ${factLine(fact, day)}`);
  if (record.locations.length > 0) {
    lines.push("Locations");
    for (const place of record.locations) {
      const at = place.latitude === null ? "" : ` (${place.latitude}, ${place.longitude})`;
      lines.push(`  ${place.role}: ${place.kind} ${place.key}${at}  [${place.source}]`);
    }
  }
  lines.push(`Timeline (${record.events.length} events)`);
  for (const event of record.events) {
    const end = event.end ? ` → ${day(event.end)}` : "";
    const part = event.partOf ? "  (part of an earlier entry)" : "";
    lines.push(
      `  ${day(event.start)}${event.startDerived ? "~" : " "} ${event.type}${end}  [${event.source}]${part}`,
    );
    for (const fact of event.facts) lines.push(`      ${factLine(fact, day)}`);
    for (const object of event.objects) {
      lines.push(
        `      ${object.role}: ${object.type} ${object.codeSystem ? `${object.codeSystem} ` : ""}${object.code}`,
      );
    }
    for (const place of event.locations) lines.push(`      ${place.role}: ${place.kind} ${place.key}`);
  }
  return `${lines.join("\n")}\n`;
}
