/** The smart patient record as text for a terminal: the person, then the timeline. */
import type { PatientRecord, RecordFact } from "../record/index.ts";

function day(instant: string | null): string {
  if (instant === null) return "          ";
  return instant.endsWith("T00:00:00.000Z")
    ? instant.slice(0, 10)
    : `${instant.slice(0, 16).replace("T", " ")}Z`;
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

function factLine(fact: RecordFact): string {
  const effective = fact.effectiveFrom ? `, since ${day(fact.effectiveFrom)}` : "";
  return `${fact.satellite}: ${attributes(fact)}  [${fact.source}${effective}]`;
}

export function renderRecord(record: PatientRecord): string {
  const lines: string[] = [];
  const asOf = [
    record.asOf.loadTime ? `as loaded by ${record.asOf.loadTime}` : "",
    record.asOf.effectiveTime ? `as it stood at ${record.asOf.effectiveTime}` : "",
  ].filter(Boolean);
  lines.push(`Smart patient record ${record.serumsId}${asOf.length ? ` (${asOf.join(", ")})` : ""}`);
  lines.push("");
  lines.push("Identifiers");
  for (const id of record.identifiers) lines.push(`  ${id.system.padEnd(14)} ${id.value}  [${id.source}]`);
  lines.push("Person");
  for (const fact of record.person.facts) lines.push(`  ${factLine(fact)}`);
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
    for (const fact of event.facts) lines.push(`      ${factLine(fact)}`);
    for (const object of event.objects) {
      lines.push(
        `      ${object.role}: ${object.type} ${object.codeSystem ? `${object.codeSystem} ` : ""}${object.code}`,
      );
    }
    for (const place of event.locations) lines.push(`      ${place.role}: ${place.kind} ${place.key}`);
  }
  return `${lines.join("\n")}\n`;
}
