/**
 * The MQTT writer (`mqtt://HOST:PORT/TOPIC?rate=N&qos=Q`, or `mqtts://`): one JSON message per
 * record — the same object a JSON Lines file holds — published on `TOPIC/<table>` (or on TOPIC
 * with `{table}` replaced, when it has that placeholder; or on a topic given in the options), at
 * `rate` messages per second across all tables (0, the default, is as fast as the broker takes
 * them), with QoS 0 or 1, as devices send.
 *
 * `write` returns a promise when it must wait: for the rate's next slot, or for the broker's
 * acknowledgements while `maxInFlight` messages are unacknowledged (QoS 1: PUBACK; QoS 0: written
 * to the socket). A table's `end` waits for all of its messages. `finish` disconnects cleanly;
 * `abort` stops at once and disconnects — what was already sent cannot be called back.
 */
import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { SerumsError, showValue } from "../../errors/index.ts";
import type { RowValues, TableSpec } from "../table-spec.ts";
import { jsonObjectEncoder } from "./json-format.ts";
import { type PacerClock, RatePacer } from "./rate-pacer.ts";
import { rowLengthError } from "./value-format.ts";
import { WriterTables } from "./writer-tables.ts";
import type { FabricationWriter, TableWriter, WriteSummary } from "./writer-types.ts";

export interface MqttTarget {
  /** mqtt://user:password@host:port, without the topic. */
  broker: string;
  /** The base topic, or a topic with `{table}`. */
  topic: string;
  rate: number;
  qos: 0 | 1;
}

export interface MqttWriterOptions {
  /** Every table's messages go to this topic (`{table}` is replaced by the table's name). */
  topic?: string;
  clock?: PacerClock;
  /** Unacknowledged messages allowed before `write` waits; 100 by default. */
  maxInFlight?: number;
  connectTimeoutMs?: number;
}

export const MQTT_SPEC_FORM = "mqtt://HOST:PORT/TOPIC?rate=N&qos=Q (or mqtts://)";

function badSpec(shown: string, problem: string): SerumsError {
  return new SerumsError("BAD_USAGE", `${showValue(shown, 200)}: ${problem}; write ${MQTT_SPEC_FORM}`, {
    value: shown,
  });
}

/** The URL with its password hidden. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = "***";
  return copy.href;
}

/** Parses `mqtt[s]://[user[:password]@]HOST[:PORT]/TOPIC[?rate=N][&qos=Q]`. */
export function parseMqttSpec(spec: string): MqttTarget {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw badSpec("(an unparseable URL)", "not a URL");
  }
  const shown = redactUrl(url);
  if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:")
    throw badSpec(shown, "not an mqtt:// or mqtts:// URL");
  if (url.hostname === "") throw badSpec(shown, "no broker host");
  const topic = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (topic === "") throw badSpec(shown, "no topic");
  if (/[+#\0]/.test(topic)) throw badSpec(shown, `topic ${JSON.stringify(topic)} holds a wildcard (+ or #)`);
  let rate = 0;
  let qos: 0 | 1 = 0;
  for (const [key, value] of url.searchParams) {
    if (key === "rate") {
      rate = Number(value);
      if (value.trim() === "" || !Number.isFinite(rate) || rate < 0) {
        throw badSpec(shown, `rate=${value} is not messages per second ≥ 0`);
      }
    } else if (key === "qos") {
      if (value !== "0" && value !== "1") throw badSpec(shown, `qos=${value} is not 0 or 1`);
      qos = value === "1" ? 1 : 0;
    } else {
      throw badSpec(shown, `unknown parameter ${JSON.stringify(key)} (the parameters are rate and qos)`);
    }
  }
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
  return { broker: `${url.protocol}//${auth}${url.host}`, topic, rate, qos };
}

/** Shared by the writer's tables: the client, the pacing, the in-flight window, a failure. */
class Publisher {
  readonly client: MqttClient;
  readonly pacer: RatePacer;
  readonly qos: 0 | 1;
  readonly maxInFlight: number;
  inFlight = 0;
  failure: Error | undefined;
  closing = false;
  #waiters: (() => void)[] = [];

  constructor(client: MqttClient, pacer: RatePacer, qos: 0 | 1, maxInFlight: number) {
    this.client = client;
    this.pacer = pacer;
    this.qos = qos;
    this.maxInFlight = maxInFlight;
    client.on("close", () => {
      if (!this.closing) this.fail(new Error("the broker closed the connection"));
    });
    client.on("error", (error) => this.fail(error));
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.#wake();
  }

  check(): void {
    if (this.failure) {
      throw new SerumsError("STORE", `mqtt writer: ${this.failure.message}`, {}, { cause: this.failure });
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #settled = (error?: Error) => {
    this.inFlight--;
    if (error) this.failure ??= error;
    this.#wake();
  };

  publish(topic: string, message: string): void | Promise<void> {
    this.check();
    this.inFlight++;
    this.client.publish(topic, message, { qos: this.qos }, this.#settled);
    if (this.inFlight >= this.maxInFlight) return this.until(() => this.inFlight < this.maxInFlight);
  }

  /** Resolves when `ready()` holds, rejects on a failure. */
  async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      this.check();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    this.check();
  }
}

class MqttTable implements TableWriter {
  rows = 0;
  ended = false;
  readonly #spec: TableSpec;
  readonly #topic: string;
  readonly #publisher: Publisher;
  readonly #encode: (values: RowValues) => string;
  readonly #width: number;

  constructor(spec: TableSpec, topic: string, publisher: Publisher) {
    this.#spec = spec;
    this.#topic = topic;
    this.#publisher = publisher;
    this.#encode = jsonObjectEncoder(spec);
    this.#width = spec.columns.length;
  }

  get topic(): string {
    return this.#topic;
  }

  write(row: RowValues): void | Promise<void> {
    if (row.length !== this.#width || this.ended) {
      throw this.ended
        ? new SerumsError("BAD_USAGE", `mqtt writer: table ${this.#spec.name} was written after it ended`)
        : rowLengthError(this.#spec, row.length);
    }
    const message = this.#encode(row);
    this.rows++;
    const wait = this.#publisher.pacer.wait();
    if (wait) return wait.then(() => this.#publisher.publish(this.#topic, message));
    return this.#publisher.publish(this.#topic, message);
  }

  async end(): Promise<void> {
    this.ended = true;
    await this.#publisher.until(() => this.#publisher.inFlight === 0);
  }
}

export class MqttWriter implements FabricationWriter {
  readonly #target: MqttTarget;
  readonly #options: MqttWriterOptions;
  readonly #tables = new WriterTables<MqttTable>("mqtt");
  readonly #location: string;
  #publisher: Publisher | undefined;

  constructor(target: MqttTarget, options: MqttWriterOptions = {}) {
    const maxInFlight = options.maxInFlight ?? 100;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new SerumsError("BAD_USAGE", `mqtt: maxInFlight ${maxInFlight} is not a whole number ≥ 1`);
    }
    this.#target = target;
    this.#options = options;
    const url = new URL(target.broker);
    url.pathname = `/${options.topic ?? target.topic}`;
    if (target.rate !== 0) url.searchParams.set("rate", String(target.rate));
    url.searchParams.set("qos", String(target.qos));
    this.#location = decodeURI(redactUrl(url));
  }

  get location(): string {
    return this.#location;
  }

  /** Where a table's messages go. */
  topicOf(table: string): string {
    const topic = this.#options.topic ?? this.#target.topic;
    if (topic.includes("{table}")) return topic.replaceAll("{table}", table);
    return this.#options.topic !== undefined ? topic : `${topic}/${table}`;
  }

  async begin(tables: readonly TableSpec[]): Promise<void> {
    this.#tables.begin(tables);
    const pacer = new RatePacer(this.#target.rate, this.#options.clock);
    let client: MqttClient;
    try {
      client = await mqtt.connectAsync(
        this.#target.broker,
        {
          clientId: `serums-fabricate-${randomBytes(6).toString("hex")}`,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: this.#options.connectTimeoutMs ?? 10_000,
        },
        false,
      );
    } catch (error) {
      throw new SerumsError(
        "STORE",
        `${this.location}: cannot connect to the broker: ${(error as Error).message}`,
        {},
        {
          cause: error,
        },
      );
    }
    this.#publisher = new Publisher(client, pacer, this.#target.qos, this.#options.maxInFlight ?? 100);
    this.#tables.phase = "open";
  }

  table(name: string): TableWriter {
    return this.#tables.writer(
      name,
      (spec) => new MqttTable(spec, this.topicOf(spec.name), this.#publisher!),
    );
  }

  async finish(): Promise<WriteSummary> {
    this.#tables.close("finished");
    const publisher = this.#publisher!;
    try {
      for (const table of this.#tables.writers) await table.end();
      publisher.closing = true;
      await publisher.client.endAsync();
    } catch (error) {
      this.#tables.phase = "open";
      await this.abort();
      throw error;
    }
    return { rows: this.#tables.summaryRows((t) => t.rows), location: this.location };
  }

  async abort(): Promise<void> {
    if (!this.#tables.close("aborted")) return;
    const publisher = this.#publisher;
    this.#publisher = undefined;
    if (!publisher) return;
    publisher.closing = true;
    publisher.fail(new Error("the fabrication was aborted"));
    await publisher.client.endAsync(true).catch(() => undefined);
  }
}
