/**
 * The `record:DB` writer: fabricated rows go into the smart patient record through the same
 * mappings that load real source data. Each table becomes a source (`fabricated:TABLE`) that the
 * record's `ingest` reads while the engine writes, so fabricated data is hashed, matched and
 * loaded exactly as a hospital extract would be — in one transaction per table, idempotently.
 *
 * Values reach the mapping in the form a source would hold them. Dates and date-times are the
 * only values whose text a mapping constrains (`format`, `time_zone`), and a compiled mapping
 * keeps only the parser, so the writer finds, once per column at `begin`, the rendering that the
 * column's every date value accepts: it renders two probe instants in each candidate form and
 * keeps the first form whose parse gives the probe back (ISO first, then common day-first and
 * month-first forms, local times in the mapping's zone or UTC).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { readConfig } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import {
  type IngestReport,
  ingest,
  loadMapping,
  type Mapping,
  recordMigrations,
} from "../../record/index.ts";
import { MemorySource, type SourceValue } from "../../sources/index.ts";
import { openStore, type Store } from "../../store/index.ts";
import type { ColumnSpec, RowValues, TableSpec } from "../table-spec.ts";
import type { FabricationWriter, TableWriter, WriteSummary } from "./writer-types.ts";

export interface RecordWriterOptions {
  /** The store holding the record (migrated with the record's migrations). */
  store: Store;
  /** Table name → its mapping, or a folder holding `TABLE.yaml` for each table. */
  mappings: ReadonlyMap<string, Mapping> | string;
  /** Close the store when the writer finishes or aborts (when the writer opened it). */
  closeStore?: boolean;
  /** Rows per ingest batch (the record's default when absent). */
  batchSize?: number;
  /** Rows buffered ahead of the ingest before `write` makes the engine wait. */
  highWater?: number;
  /**
   * A table with no mapping: "error" (the default) refuses it at `begin`; "skip" takes its rows
   * and loads nothing (a project's auxiliary tables, such as a patient list its tables share).
   */
  unmapped?: "error" | "skip";
}

type SourceRecord = Record<string, SourceValue>;
type Render = (value: number) => string;

// ---------------------------------------------------------------------------------------------
// Renderings of dates and date-times

const MS_PER_DAY = 86_400_000;
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
const four = (n: number) => String(n).padStart(4, "0");

interface Fields {
  y: number;
  m: number;
  d: number;
  hh: number;
  mi: number;
  ss: number;
}

function fieldsOf(ms: number): Fields {
  const t = new Date(ms);
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    hh: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    ss: t.getUTCSeconds(),
  };
}

/** Text forms of a calendar date, most usual first. */
const DATE_FORMS: readonly [name: string, (f: Fields) => string][] = [
  ["YYYY-MM-DD", (f) => `${four(f.y)}-${two(f.m)}-${two(f.d)}`],
  ["DD/MM/YYYY", (f) => `${two(f.d)}/${two(f.m)}/${four(f.y)}`],
  ["MM/DD/YYYY", (f) => `${two(f.m)}/${two(f.d)}/${four(f.y)}`],
  ["YYYYMMDD", (f) => `${four(f.y)}${two(f.m)}${two(f.d)}`],
  ["DD-MM-YYYY", (f) => `${two(f.d)}-${two(f.m)}-${four(f.y)}`],
  ["DD.MM.YYYY", (f) => `${two(f.d)}.${two(f.m)}.${four(f.y)}`],
  ["YYYY/MM/DD", (f) => `${four(f.y)}/${two(f.m)}/${two(f.d)}`],
];

/** Times of day appended to a date form, with seconds first so that none is lost when possible. */
const TIME_FORMS: readonly [name: string, separator: string, (f: Fields) => string][] = [
  ["HH:mm:ss", "T", (f) => `${two(f.hh)}:${two(f.mi)}:${two(f.ss)}`],
  ["HH:mm:ss", " ", (f) => `${two(f.hh)}:${two(f.mi)}:${two(f.ss)}`],
  ["HH:mm", "T", (f) => `${two(f.hh)}:${two(f.mi)}`],
  ["HH:mm", " ", (f) => `${two(f.hh)}:${two(f.mi)}`],
];

/** The offset of `zone` from UTC in ms at an instant, cached per quarter hour. */
function zoneOffset(zone: string): (ms: number) => number {
  if (zone === "UTC" || zone === "Etc/UTC") return () => 0;
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const cache = new Map<number, number>();
  return (ms) => {
    const bucket = Math.floor(ms / 900_000);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      const at = bucket * 900_000;
      const p: Record<string, number> = {};
      for (const part of format.formatToParts(at))
        if (part.type !== "literal") p[part.type] = Number(part.value);
      offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      if (cache.size > 50_000) cache.clear();
      cache.set(bucket, offset);
    }
    return offset;
  };
}

interface Candidate {
  /** "DD/MM/YYYY HH:mm in Europe/London", for messages. */
  name: string;
  render: Render;
}

function dateCandidates(): Candidate[] {
  return DATE_FORMS.map(([name, form]) => ({ name, render: (days) => form(fieldsOf(days * MS_PER_DAY)) }));
}

function dateTimeCandidates(zones: readonly string[]): Candidate[] {
  const candidates: Candidate[] = [
    {
      name: "YYYY-MM-DDTHH:mm:ssZ",
      render: (s) => {
        const f = fieldsOf(s * 1000);
        return `${four(f.y)}-${two(f.m)}-${two(f.d)}T${two(f.hh)}:${two(f.mi)}:${two(f.ss)}Z`;
      },
    },
  ];
  for (const zone of zones) {
    const offset = zoneOffset(zone);
    for (const [dateName, date] of DATE_FORMS) {
      for (const [timeName, separator, time] of TIME_FORMS) {
        if (separator === "T" && dateName !== "YYYY-MM-DD") continue;
        candidates.push({
          name: `${dateName}${separator}${timeName} in ${zone}`,
          render: (s) => {
            const f = fieldsOf(s * 1000 + offset(s * 1000));
            return `${date(f)}${separator}${time(f)}`;
          },
        });
      }
    }
  }
  return candidates;
}

/** Probe values: a winter and a summer instant, days after the 12th so day and month differ. */
const PROBE_DAYS = [Date.UTC(2014, 2, 25) / MS_PER_DAY, Date.UTC(2015, 6, 17) / MS_PER_DAY];
const PROBE_SECONDS = [Date.UTC(2014, 2, 25, 14, 37) / 1000, Date.UTC(2015, 6, 17, 9, 5) / 1000];

interface DateRead {
  type: "date" | "datetime";
  convert(raw: SourceValue): unknown;
}

/** True when every date value reading the column gives the probe back from the rendering. */
function accepts(render: Render, reads: readonly DateRead[], columnType: "date" | "datetime"): boolean {
  const probes = columnType === "date" ? PROBE_DAYS : PROBE_SECONDS;
  for (const probe of probes) {
    const expected = columnType === "date" ? probe * MS_PER_DAY : probe * 1000;
    for (const read of reads) {
      let result: unknown;
      try {
        result = read.convert(render(probe));
      } catch {
        return false;
      }
      const got = typeof result === "string" ? Date.parse(result) : Number.NaN;
      // A date is the start of its day in the mapping's zone: within 14 hours of UTC midnight.
      const tolerance = columnType === "datetime" && read.type === "datetime" ? 0 : 14 * 3_600_000;
      if (!(Math.abs(got - expected) <= tolerance)) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// From the engine's values to a source's

type ColumnRender = (value: Exclude<RowValues[number], null>) => SourceValue;

/** Every value definition of a mapping: identifiers, keys, times, attributes, codes, places. */
function mappingValues(
  mapping: Mapping,
): { column?: string; type: string; convert(raw: SourceValue): unknown }[] {
  const out: { column?: string; type: string; convert(raw: SourceValue): unknown }[] = [];
  type Sat = Mapping["events"][number]["satellites"][number];
  type Obj = Mapping["objects"][number];
  type Loc = Mapping["events"][number]["locations"][number];
  const sats = (list: readonly Sat[]) => {
    for (const s of list) {
      if (s.effectiveFrom) out.push(s.effectiveFrom);
      for (const [, value] of s.attributes) out.push(value);
    }
  };
  const objects = (list: readonly Obj[]) => {
    for (const o of list) {
      out.push(o.code);
      sats(o.satellites);
    }
  };
  const locations = (list: readonly Loc[]) => {
    for (const l of list) for (const v of [l.key, l.latitude, l.longitude, l.altitude]) if (v) out.push(v);
  };
  if (mapping.person) {
    for (const id of mapping.person.identifiers) out.push(id.value);
    sats(mapping.person.satellites);
    locations(mapping.person.locations);
  }
  for (const e of mapping.events) {
    out.push(...e.key, e.start);
    if (e.end) out.push(e.end);
    if (e.partOf) out.push(...e.partOf.key);
    sats(e.satellites);
    objects(e.objects);
    locations(e.locations);
  }
  objects(mapping.objects);
  return out;
}

/** How each column of the table reaches the mapping; checks the mapping reads only its columns. */
function columnRenders(table: TableSpec, mapping: Mapping): ColumnRender[] {
  const values = mappingValues(mapping);
  const names = new Set(table.columns.map((c) => c.name));
  for (const value of values) {
    if (value.column !== undefined && !names.has(value.column)) {
      throw new SerumsError(
        "BAD_MAPPING",
        `${mapping.file}: the fabricated table ${table.name} has no column ${JSON.stringify(value.column)}; its columns are ${[...names].join(", ")}`,
        { file: mapping.file, column: value.column, value: value.column },
      );
    }
  }
  return table.columns.map((column) => renderFor(column, table, mapping, values));
}

function renderFor(
  column: ColumnSpec,
  table: TableSpec,
  mapping: Mapping,
  values: ReturnType<typeof mappingValues>,
): ColumnRender {
  switch (column.type) {
    case "decimal": {
      if (column.scale === undefined) return (v) => v as number;
      const factor = 10 ** column.scale;
      return (v) => Math.round((v as number) * factor) / factor;
    }
    case "date":
    case "datetime": {
      const type = column.type;
      const reads = values.filter(
        (v): v is DateRead & { column: string } =>
          v.column === column.name && (v.type === "date" || v.type === "datetime"),
      );
      const candidates =
        type === "date"
          ? dateCandidates()
          : dateTimeCandidates([...new Set([mapping.source.timeZone, "UTC"])]);
      const found =
        reads.length === 0 ? candidates[0]! : candidates.find((c) => accepts(c.render, reads, type));
      if (!found) {
        throw new SerumsError(
          "BAD_MAPPING",
          `${mapping.file}: cannot write fabricated ${column.type}s of ${table.name}.${column.name} in a form its mapping reads; tried ${candidates
            .slice(0, 8)
            .map((c) => c.name)
            .join(", ")}, … — give the value an ISO-8601 format or one of these`,
          { file: mapping.file, column: column.name },
        );
      }
      return (v) => found.render(v as number);
    }
    default:
      return (v) => v;
  }
}

// ---------------------------------------------------------------------------------------------
// Rows handed from the engine (push) to the ingest (pull), with back-pressure

class RowQueue {
  #items: SourceRecord[] = [];
  #closed = false;
  #failure: { error: unknown } | undefined;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;
  readonly #highWater: number;

  constructor(highWater: number) {
    this.#highWater = highWater;
  }

  push(item: SourceRecord): void | Promise<void> {
    this.#items.push(item);
    this.#wake();
    if (this.#items.length < this.#highWater) return;
    return new Promise((resolve) => {
      this.#wakeProducer = resolve;
    });
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** Makes the consumer throw `error` at its next read. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#wake();
    this.#releaseProducer();
  }

  /** Releases a producer waiting on a consumer that will not read any more. */
  #releaseProducer(): void {
    const wake = this.#wakeProducer;
    this.#wakeProducer = undefined;
    wake?.();
  }

  #wake(): void {
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }

  async *drain(): AsyncGenerator<SourceRecord> {
    try {
      for (;;) {
        if (this.#failure) throw this.#failure.error;
        if (this.#items.length > 0) {
          const chunk = this.#items;
          this.#items = [];
          this.#releaseProducer();
          for (const item of chunk) yield item;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          this.#wakeConsumer = resolve;
        });
      }
    } finally {
      // The ingest stopped reading (done or failed): never leave the engine waiting.
      this.#closed = true;
      this.#releaseProducer();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The writer

interface TableState {
  spec: TableSpec;
  mapping: Mapping;
  renders: ColumnRender[];
  rows: number;
  queue?: RowQueue;
  load?: Promise<IngestReport>;
  failure?: { error: unknown };
  report?: IngestReport;
}

export class RecordWriter implements FabricationWriter {
  readonly #options: RecordWriterOptions;
  readonly #tables = new Map<string, TableState>();
  readonly #order: string[] = [];
  readonly #skipped: string[] = [];
  #finished = false;

  constructor(options: RecordWriterOptions) {
    this.#options = options;
  }

  /** What each table's load did, in the order the tables were written. */
  get reports(): IngestReport[] {
    return this.#order.map((name) => this.#tables.get(name)!.report).filter((r) => r !== undefined);
  }

  /** The tables begun without a mapping and not loaded (with `unmapped: "skip"`). */
  get skipped(): readonly string[] {
    return this.#skipped;
  }

  async begin(tables: readonly TableSpec[]): Promise<void> {
    const mappings = this.#options.mappings;
    const skip = this.#options.unmapped === "skip";
    for (const spec of tables) {
      let mapping: Mapping | undefined;
      if (typeof mappings === "string") {
        const file = path.join(mappings, `${spec.name}.yaml`);
        if (!existsSync(file) && skip) {
          this.#skipped.push(spec.name);
          continue;
        }
        if (!existsSync(file)) {
          throw new SerumsError(
            "BAD_USAGE",
            `no mapping for the fabricated table ${spec.name}: ${file} does not exist (a folder of mappings holds TABLE.yaml for each table)`,
            { file, value: spec.name },
          );
        }
        mapping = await loadMapping(file);
      } else {
        mapping = mappings.get(spec.name);
        if (!mapping && skip) {
          this.#skipped.push(spec.name);
          continue;
        }
        if (!mapping) {
          throw new SerumsError(
            "BAD_USAGE",
            `no mapping for the fabricated table ${spec.name}; mappings are given for ${[...mappings.keys()].join(", ") || "no table"}`,
            { value: spec.name },
          );
        }
      }
      this.#tables.set(spec.name, { spec, mapping, renders: columnRenders(spec, mapping), rows: 0 });
    }
    if (skip && this.#tables.size === 0 && tables.length > 0) {
      const where = typeof mappings === "string" ? `in ${mappings}` : "among the mappings given";
      throw new SerumsError(
        "BAD_USAGE",
        `no fabricated table has a mapping ${where} (tables: ${tables.map((t) => t.name).join(", ")}); nothing would be loaded`,
        { value: tables.map((t) => t.name).join(", ") },
      );
    }
  }

  table(name: string): TableWriter {
    const state = this.#tables.get(name);
    if (!state && this.#skipped.includes(name)) return { write() {}, end: async () => {} };
    if (!state) {
      throw new SerumsError(
        "BAD_USAGE",
        `the record writer was not begun with table ${name}; it has ${[...this.#tables.keys()].join(", ")}`,
        { value: name },
      );
    }
    const start = (): RowQueue => {
      if (state.queue) return state.queue;
      const queue = new RowQueue(this.#options.highWater ?? 2_000);
      state.queue = queue;
      this.#order.push(name);
      const columns = state.spec.columns.map((c) => c.name);
      const source = new MemorySource(`fabricated:${name}`, columns, queue.drain());
      state.load = ingest(this.#options.store, state.mapping, source, {
        ...(this.#options.batchSize === undefined ? {} : { batchSize: this.#options.batchSize }),
      });
      state.load.then(
        (report) => {
          state.report = report;
        },
        (error: unknown) => {
          state.failure = { error };
        },
      );
      return queue;
    };
    const { renders, spec } = state;
    const columns = spec.columns.map((c) => c.name);
    return {
      write(row: RowValues): void | Promise<void> {
        if (state.failure) throw state.failure.error;
        const queue = start();
        const record: SourceRecord = {};
        for (let i = 0; i < columns.length; i++) {
          const value = row[i] ?? null;
          record[columns[i]!] = value === null ? null : renders[i]!(value);
        }
        state.rows++;
        return queue.push(record);
      },
      async end(): Promise<void> {
        start().close();
        await state.load;
      },
    };
  }

  async finish(): Promise<WriteSummary> {
    const rows: Record<string, number> = {};
    try {
      for (const name of this.#order) {
        const state = this.#tables.get(name)!;
        state.queue!.close();
        await state.load;
        rows[name] = state.rows;
      }
    } finally {
      await this.#close();
    }
    return { rows, location: `record:${this.#options.store.location}` };
  }

  /** Rolls back the table being loaded; tables whose load has committed stay loaded. */
  async abort(): Promise<void> {
    try {
      for (const name of this.#order) {
        const state = this.#tables.get(name)!;
        if (state.report || state.failure) continue;
        state.queue!.fail(new SerumsError("BAD_USAGE", `fabrication of ${name} was aborted`));
        await state.load!.catch(() => undefined);
      }
    } finally {
      await this.#close();
    }
  }

  async #close(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#options.closeStore) await this.#options.store.close();
  }
}

/**
 * The writer for `--out record:DB`: opens DB (a SQLite file or a PostgreSQL URL; the configured
 * store when empty), brings the record's schema up to date, and loads each table through
 * `mappings` (a folder of TABLE.yaml, or the mappings themselves). The store closes with the writer.
 * A table with no mapping is skipped by default (a project's auxiliary tables, such as the ECDG
 * project's patients and regimes, exist only for other tables to reference); the writer refuses
 * to begin when no table at all has one. `unmapped: "error"` refuses any unmapped table.
 */
export async function openRecordWriter(
  db: string,
  mappings: RecordWriterOptions["mappings"],
  options: Pick<RecordWriterOptions, "batchSize" | "highWater" | "unmapped"> = {},
): Promise<RecordWriter> {
  const config = readConfig(process.env, db === "" ? {} : { db });
  const store = await openStore(config.store, { migrations: recordMigrations });
  return new RecordWriter({ unmapped: "skip", ...options, store, mappings, closeStore: true });
}
