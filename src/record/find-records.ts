/** Finding records: by Serums ID, by a source identifier ("chi:0101561234"), or a page of all. */
import { SerumsError } from "../errors/index.ts";
import type { Executor } from "../store/index.ts";
import { isSerumsId } from "./serums-id.ts";

export interface RecordSummary {
  serumsId: string;
  firstLoadedAt: string;
  identifierSystems: string[];
  events: number;
  sources: string[];
  firstEvent: string | null;
  lastEvent: string | null;
}

/**
 * The Serums ID a reference names: a Serums ID itself, or `system:value` of a source identifier.
 * Identifier values are personal data, so a miss names the system only.
 */
export async function resolveSerumsId(db: Executor, reference: string): Promise<string> {
  const ref = reference.trim();
  if (isSerumsId(ref)) return ref;
  const colon = ref.indexOf(":");
  if (colon <= 0 || colon === ref.length - 1) {
    throw new SerumsError(
      "BAD_USAGE",
      `${JSON.stringify(ref.length > 24 ? `${ref.slice(0, 24)}…` : ref)} is neither a Serums ID (srm-xxxx-xxxx-xxxx-xxxx) nor an identifier written system:value (e.g. chi:0101561234)`,
      { path: "ID" },
    );
  }
  const system = ref.slice(0, colon);
  const row = await db.get<{ serums_id: string }>(
    `SELECT p.serums_id FROM person_identifier i JOIN hub_person p ON p.hash_key = i.person_hash_key
     WHERE i.system = $1 AND i.value = $2`,
    [system, ref.slice(colon + 1)],
  );
  if (!row) {
    const systems = await db.all<{ system: string }>(
      "SELECT DISTINCT system FROM person_identifier ORDER BY system",
    );
    throw new SerumsError(
      "NOT_FOUND",
      `no record has that ${system} identifier; identifier systems loaded: ${systems.map((s) => s.system).join(", ") || "(none — load a source first)"}`,
      { column: system },
    );
  }
  return row.serums_id;
}

export async function listRecords(
  db: Executor,
  page: { limit: number; offset: number },
): Promise<RecordSummary[]> {
  const persons = await db.all<{ hash_key: string; serums_id: string; load_ts: number }>(
    "SELECT hash_key, serums_id, load_ts FROM hub_person ORDER BY load_ts, serums_id LIMIT $1 OFFSET $2",
    [page.limit, page.offset],
  );
  const summaries: RecordSummary[] = [];
  for (const person of persons) {
    const [systems, events] = await Promise.all([
      db.all<{ system: string }>(
        "SELECT DISTINCT system FROM person_identifier WHERE person_hash_key = $1 ORDER BY system",
        [person.hash_key],
      ),
      db.all<{ record_source: string; n: number }>(
        `SELECT l.record_source, COUNT(*) AS n
         FROM link l WHERE l.from_hash_key = $1 AND l.link_type = 'person_event' GROUP BY l.record_source`,
        [person.hash_key],
      ),
    ]);
    const times = await db.all<{ attributes: string }>(
      `SELECT s.attributes FROM link l JOIN satellite s ON s.parent_hash_key = l.to_hash_key AND s.name = '@time'
       WHERE l.from_hash_key = $1 AND l.link_type = 'person_event'`,
      [person.hash_key],
    );
    const starts = times.map((t) => JSON.parse(t.attributes).start as string).sort();
    summaries.push({
      serumsId: person.serums_id,
      firstLoadedAt: new Date(person.load_ts).toISOString(),
      identifierSystems: systems.map((s) => s.system),
      events: events.reduce((sum, e) => sum + Number(e.n), 0),
      sources: events.map((e) => e.record_source).sort(),
      firstEvent: starts[0] ?? null,
      lastEvent: starts.at(-1) ?? null,
    });
  }
  return summaries;
}

export async function countRecords(db: Executor): Promise<number> {
  const row = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM hub_person");
  return Number(row?.n ?? 0);
}
