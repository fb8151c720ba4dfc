/** `serums record show|list|schema`: the smart patient record. */

import { readConfig } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import {
  assembleRecord,
  countRecords,
  listRecords,
  recordJsonSchema,
  resolveSerumsId,
} from "../../record/index.ts";
import { parse, parseCount, parseInstant } from "../args.ts";
import { printJson, withStore } from "../context.ts";
import { renderRecord } from "../render-record.ts";

export const RECORD_USAGE = `Usage: serums record <show|list|schema> [options]

  serums record show ID [--as-of T] [--effective T] [--json]
      The smart patient record: the person, the timeline of events with their objects and
      locations, and the source of each fact. ID is a Serums ID (srm-…) or a source
      identifier written system:value (chi:0101561234).
      --as-of T       as Serums knew it at T (a past load time)
      --effective T   as things stood at T (facts effective by then, events up to then)
  serums record list [--limit N] [--offset N] [--json]
      The records there are, oldest first (default 20 at a time).
  serums record schema
      The JSON Schema of \`record show --json\`.

  --db PATH|URL   the store (default ./data/serums.db, or DATABASE_URL)`;

export async function recordCommand(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parse(
    rest,
    {
      "as-of": { type: "string" },
      effective: { type: "string" },
      limit: { type: "string" },
      offset: { type: "string" },
    },
    RECORD_USAGE,
  );
  if (values.help || verb === undefined || verb === "--help" || verb === "-h") {
    process.stdout.write(`${RECORD_USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  switch (verb) {
    case "show": {
      if (positionals.length !== 1) {
        throw new SerumsError(
          "BAD_USAGE",
          `record show takes one ID, got ${positionals.length}\n\n${RECORD_USAGE}`,
        );
      }
      const loadTime = parseInstant("as-of", values["as-of"]);
      const effectiveTime = parseInstant("effective", values.effective);
      const record = await withStore(values, async (store) =>
        assembleRecord(store, await resolveSerumsId(store, positionals[0]!), {
          ...(loadTime === undefined ? {} : { loadTime }),
          ...(effectiveTime === undefined ? {} : { effectiveTime }),
        }),
      );
      if (values.json) printJson(record);
      else process.stdout.write(renderRecord(record, readConfig().defaultTimeZone));
      return 0;
    }
    case "list": {
      const limit = parseCount("limit", values.limit, 20, 10_000);
      const offset = parseCount("offset", values.offset, 0, Number.MAX_SAFE_INTEGER);
      const { total, records } = await withStore(values, async (store) => ({
        total: await countRecords(store),
        records: await listRecords(store, { limit, offset }),
      }));
      if (values.json) {
        printJson({ total, offset, records });
        return 0;
      }
      const lines = [
        `${total} records${total > records.length ? ` (showing ${offset + 1}–${offset + records.length})` : ""}`,
      ];
      for (const r of records) {
        const span = r.firstEvent
          ? `${r.firstEvent.slice(0, 10)} … ${r.lastEvent?.slice(0, 10)}`
          : "no events";
        lines.push(
          `  ${r.serumsId}  ${String(r.events).padStart(4)} events  ${span}  ${r.sources.join(", ")}`,
        );
      }
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    }
    case "schema":
      printJson(recordJsonSchema());
      return 0;
    default:
      throw new SerumsError(
        "BAD_USAGE",
        `unknown command "record ${verb}"; valid: show, list, schema\n\n${RECORD_USAGE}`,
      );
  }
}
