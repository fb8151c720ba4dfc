/**
 * Resolves an output spec (`serums fabricate run … --out SPEC`) to a writer:
 *
 *   csv:DIR  jsonl:DIR  json:DIR  xml:DIR    one file per table in DIR
 *   sqlite:FILE                              a SQLite database file
 *   postgres:URL[#schema]                    PostgreSQL via COPY (a bare postgres:// URL too)
 *   mqtt://HOST:PORT/TOPIC?rate=N&qos=Q      one JSON message per record (mqtts:// too)
 *   record:DB                                into the smart patient record through mappings
 *                                            (DB a SQLite file or a postgres:// URL; empty for
 *                                            the configured store)
 *
 * Nothing is opened or connected here: the writer does that in `begin`. A spec of no known form
 * is a BAD_USAGE error naming it (password hidden) and listing the forms.
 */
import { isPostgresUrl, redactLocation } from "../../config/index.ts";
import { SerumsError, showValue } from "../../errors/index.ts";
import type { Mapping } from "../../record/index.ts";
import { CSV_FORMAT } from "./csv-format.ts";
import { FileWriter } from "./file-writer.ts";
import { JSON_FORMAT, JSON_LINES_FORMAT } from "./json-format.ts";
import { MqttWriter, type MqttWriterOptions, parseMqttSpec, redactUrl } from "./mqtt-writer.ts";
import { PostgresWriter, splitSchema } from "./postgres-writer.ts";
import { SqliteWriter } from "./sqlite-writer.ts";
import type { FabricationWriter } from "./writer-types.ts";
import { XML_FORMAT } from "./xml-format.ts";

export const OUTPUT_FORMS =
  "csv:DIR, jsonl:DIR, json:DIR, xml:DIR, sqlite:FILE, postgres:URL (optionally postgres:URL#schema), mqtt://HOST:PORT/TOPIC?rate=N&qos=Q (or mqtts://), record:DB";

export interface OpenWriterOptions {
  /** Replace existing output files and tables (the CLI's --force). */
  overwrite?: boolean;
  /** Databases: insert into tables that exist already (reuse mode). */
  append?: boolean;
  /** MQTT: a fixed topic, a clock, the in-flight window, the connect timeout. */
  mqtt?: MqttWriterOptions;
  /** record:DB — the mappings, as a folder of TABLE.yaml or the mappings themselves. */
  recordMappings?: ReadonlyMap<string, Mapping> | string;
  /** record:DB — rows per ingest batch. */
  recordBatchSize?: number;
}

/** A writer kind registered from outside this folder, keyed by its prefix (without the colon). */
export type WriterFactory = (
  target: string,
  options: OpenWriterOptions,
) => FabricationWriter | Promise<FabricationWriter>;

const registered = new Map<string, WriterFactory>();

/** Adds (or replaces) an output kind `prefix:TARGET`; the built-in kinds cannot be replaced. */
export function registerWriterKind(prefix: string, factory: WriterFactory): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(prefix) || BUILT_IN.has(prefix)) {
    throw new SerumsError("BAD_USAGE", `cannot register the output kind ${JSON.stringify(prefix)}`);
  }
  registered.set(prefix, factory);
}

const BUILT_IN = new Set([
  "csv",
  "jsonl",
  "json",
  "xml",
  "sqlite",
  "postgres",
  "postgresql",
  "mqtt",
  "mqtts",
]);

/** The spec safe to print: any URL's password hidden. */
function shownSpec(spec: string): string {
  const url = spec.replace(/^(postgres|record):(?=[a-z][a-z0-9+.-]*:\/\/)/i, "");
  const prefix = spec.slice(0, spec.length - url.length);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return spec;
  if (isPostgresUrl(url)) return prefix + redactLocation(url);
  try {
    return prefix + redactUrl(new URL(url));
  } catch {
    return `${prefix}(an unparseable URL)`;
  }
}

function badSpec(spec: string, problem: string): SerumsError {
  const shown = shownSpec(spec);
  return new SerumsError(
    "BAD_USAGE",
    `--out ${showValue(shown, 200)}: ${problem}; give one of ${OUTPUT_FORMS}`,
    {
      path: "--out",
      value: shown,
    },
  );
}

function needTarget(spec: string, kind: string, target: string, what: string): string {
  if (target.trim() === "") throw badSpec(spec, `${kind}: needs ${what} after "${kind}:"`);
  return target;
}

export async function openWriter(spec: string, options: OpenWriterOptions = {}): Promise<FabricationWriter> {
  if (spec.trim() === "") throw badSpec(spec, "no output given");
  if (/^mqtts?:\/\//i.test(spec)) return new MqttWriter(parseMqttSpec(spec), options.mqtt);
  if (isPostgresUrl(spec)) return openPostgres(spec, options);
  const colon = spec.indexOf(":");
  const kind = colon === -1 ? "" : spec.slice(0, colon).toLowerCase();
  const target = spec.slice(colon + 1);
  const files = { overwrite: options.overwrite ?? false };
  const database = { overwrite: options.overwrite ?? false, append: options.append ?? false };
  switch (kind) {
    case "csv":
      return new FileWriter(CSV_FORMAT, needTarget(spec, kind, target, "a folder"), files);
    case "jsonl":
      return new FileWriter(JSON_LINES_FORMAT, needTarget(spec, kind, target, "a folder"), files);
    case "json":
      return new FileWriter(JSON_FORMAT, needTarget(spec, kind, target, "a folder"), files);
    case "xml":
      return new FileWriter(XML_FORMAT, needTarget(spec, kind, target, "a folder"), files);
    case "sqlite":
      return new SqliteWriter(needTarget(spec, kind, target, "a database file"), database);
    case "postgres":
    case "postgresql":
      if (!isPostgresUrl(target)) throw badSpec(spec, "postgres: needs a postgres:// URL");
      return openPostgres(target, options);
    case "record":
      return openRecord(spec, target, options);
  }
  const factory = registered.get(kind);
  if (factory) return factory(target, options);
  if (colon === -1) throw badSpec(spec, "no kind of output (a prefix such as csv:)");
  throw badSpec(spec, `${JSON.stringify(kind)} is not a kind of output`);
}

function openPostgres(spec: string, options: OpenWriterOptions): FabricationWriter {
  const { url, schema } = splitSchema(spec);
  return new PostgresWriter(url, schema, {
    overwrite: options.overwrite ?? false,
    append: options.append ?? false,
  });
}

async function openRecord(
  spec: string,
  target: string,
  options: OpenWriterOptions,
): Promise<FabricationWriter> {
  if (options.recordMappings === undefined) {
    throw badSpec(
      spec,
      "record: needs the mappings that load each fabricated table (a folder of TABLE.yaml)",
    );
  }
  let module: typeof import("./record-writer.ts");
  try {
    module = await import("./record-writer.ts");
  } catch (error) {
    throw new SerumsError(
      "BAD_USAGE",
      `--out ${showValue(shownSpec(spec), 200)}: the record writer is not available`,
      {
        path: "--out",
      },
      { cause: error },
    );
  }
  return module.openRecordWriter(
    target,
    options.recordMappings,
    options.recordBatchSize === undefined ? {} : { batchSize: options.recordBatchSize },
  );
}
