/**
 * Loads one source through one mapping into the vault, in one transaction: a bad row stops the
 * load and leaves the store exactly as it was (or, with a reject file, is set aside with its
 * reason while the rest loads); a killed process leaves the last committed state; loading the
 * same data again changes nothing.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { describeLocation, SerumsError } from "../errors/index.ts";
import type { SourceReader, SourceRow } from "../sources/index.ts";
import type { Executor, Store } from "../store/index.ts";
import type { Mapping } from "./mapping-types.ts";
import { mappingColumns, rowFacts } from "./row-facts.ts";
import { type BatchItem, VaultWriter } from "./vault-writer.ts";

export interface IngestOptions {
  /** Write each bad row with its reason to this file (JSON Lines) and load the rest. */
  rejectFile?: string;
  /** Rows per write batch. */
  batchSize?: number;
  /** Called after each batch with the rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /** The clock, for tests. */
  now?: () => number;
}

export interface IngestReport {
  loadId: string;
  /** The load time stamped on every row this load wrote (epoch ms, strictly after the previous load's). */
  loadTs: number;
  mapping: string;
  recordSource: string;
  source: string;
  rowsRead: number;
  /** Rows that added at least one hub, link, identifier or satellite row. */
  rowsChanged: number;
  rowsUnchanged: number;
  rowsRejected: number;
  newPersons: number;
  newHubs: number;
  newLinks: number;
  newSatellites: number;
  newIdentifiers: number;
  rejectFile?: string;
}

const DEFAULT_BATCH = 500;

/** A bad row's error, located in the source: "ndc_smr01.csv line 12, column admission_date: …". */
function locate(error: unknown, source: SourceReader, row: SourceRow): SerumsError {
  if (!(error instanceof SerumsError)) throw error;
  const where = { ...error.where, file: source.name, line: row.line };
  const detail = error.message.replace(/^line \d+: /, "");
  return new SerumsError(
    error.code,
    `${describeLocation({ file: where.file, line: where.line })}: ${detail}`,
    where,
    {
      cause: error,
    },
  );
}

class RejectLog {
  readonly #final: string;
  readonly #temporary: string;
  #stream: WriteStream | undefined;
  count = 0;

  constructor(file: string) {
    this.#final = file;
    this.#temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  }

  async add(row: SourceRow, error: SerumsError): Promise<void> {
    this.#stream ??= createWriteStream(this.#temporary, { mode: 0o600 });
    const entry = {
      line: row.line,
      code: error.code,
      reason: error.message,
      column: error.where.column,
      row: row.values,
    };
    if (!this.#stream.write(`${JSON.stringify(entry)}\n`)) await once(this.#stream, "drain");
    this.count++;
  }

  /** Publishes the reject file only when the load commits; an empty log leaves no file. */
  async finish(committed: boolean): Promise<void> {
    if (this.#stream) {
      this.#stream.end();
      await once(this.#stream, "close");
    }
    if (committed && this.count > 0) await rename(this.#temporary, this.#final);
    else await rm(this.#temporary, { force: true });
  }
}

async function nextLoadTs(tx: Executor, now: number): Promise<number> {
  // Loads are serialised, so every load has its own instant and as-of queries can tell them apart.
  if (tx.engine === "postgres") await tx.exec("LOCK TABLE load_log IN EXCLUSIVE MODE");
  const last = await tx.get<{ latest: number | null }>("SELECT MAX(load_ts) AS latest FROM load_log");
  return Math.max(now, Number(last?.latest ?? 0) + 1);
}

async function checkColumns(mapping: Mapping, source: SourceReader): Promise<void> {
  const available = new Set(await source.columns());
  const missing = [...mappingColumns(mapping)].filter((column) => !available.has(column));
  if (missing.length > 0) {
    throw new SerumsError(
      "BAD_MAPPING",
      `${mapping.file}: the source ${source.name} has no column ${missing.map((c) => JSON.stringify(c)).join(", ")}; its columns are ${[...available].join(", ")}`,
      { file: mapping.file, column: missing[0], value: missing[0] },
    );
  }
}

export async function ingest(
  store: Store,
  mapping: Mapping,
  source: SourceReader,
  options: IngestOptions = {},
): Promise<IngestReport> {
  await checkColumns(mapping, source);
  const rejects = options.rejectFile ? new RejectLog(options.rejectFile) : undefined;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let committed = false;
  try {
    const report = await store.transaction(async (tx) => {
      const loadTs = await nextLoadTs(tx, (options.now ?? Date.now)());
      const writer = new VaultWriter(tx, mapping, loadTs);
      let rowsRead = 0;
      let batch: BatchItem[] = [];
      const rows = new Map<number, SourceRow>();

      const reject = async (row: SourceRow, error: SerumsError) => {
        if (!rejects) throw error;
        await rejects.add(row, error);
      };
      const flush = async () => {
        const problems = await writer.write(batch);
        for (const problem of problems)
          await reject(rows.get(problem.line)!, locate(problem.error, source, rows.get(problem.line)!));
        batch = [];
        rows.clear();
        options.onProgress?.(rowsRead);
      };

      for await (const row of source.rows()) {
        rowsRead++;
        try {
          batch.push({ line: row.line, facts: rowFacts(mapping, row) });
          rows.set(row.line, row);
        } catch (error) {
          await reject(row, locate(error, source, row));
        }
        if (batch.length >= batchSize) await flush();
      }
      await flush();

      const counts = writer.counts;
      const result: IngestReport = {
        loadId: randomUUID(),
        loadTs,
        mapping: mapping.name,
        recordSource: mapping.recordSource,
        source: source.name,
        rowsRead,
        rowsChanged: counts.changedRows,
        rowsUnchanged: rowsRead - counts.changedRows - (rejects?.count ?? 0),
        rowsRejected: rejects?.count ?? 0,
        newPersons: counts.newPersons,
        newHubs: counts.newHubs,
        newLinks: counts.newLinks,
        newSatellites: counts.newSatellites,
        newIdentifiers: counts.newIdentifiers,
        ...(rejects && rejects.count > 0 ? { rejectFile: options.rejectFile } : {}),
      };
      await tx.run(
        `INSERT INTO load_log (load_id, mapping_name, record_source, source_name, load_ts, finished_at, rows_read,
           rows_changed, rows_unchanged, rows_rejected, new_hubs, new_links, new_satellites, new_identifiers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          result.loadId,
          result.mapping,
          result.recordSource,
          result.source,
          loadTs,
          Date.now(),
          result.rowsRead,
          result.rowsChanged,
          result.rowsUnchanged,
          result.rowsRejected,
          result.newHubs,
          result.newLinks,
          result.newSatellites,
          result.newIdentifiers,
        ],
      );
      return result;
    });
    committed = true;
    return report;
  } finally {
    await rejects?.finish(committed);
  }
}
