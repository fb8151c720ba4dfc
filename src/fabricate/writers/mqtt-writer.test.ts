/**
 * The MQTT writer against the local Mosquitto broker (SERUMS_TEST_MQTT_URL, by default
 * mqtt://127.0.0.1:1883): a subscriber receives what the writer publishes and compares it. The
 * rate is checked through an injected clock, not by timing. Skipped when no broker answers.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { formatDate, formatDateTime, type RowValues, type TableSpec } from "../table-spec.ts";
import { MqttWriter, parseMqttSpec } from "./mqtt-writer.ts";
import type { PacerClock } from "./rate-pacer.ts";
import {
  PATIENT_ROWS,
  PATIENTS,
  TABLES,
  TREATMENT_ROWS,
  TREATMENTS,
  writeFixtures,
} from "./writer-fixtures.ts";

const BROKER = process.env.SERUMS_TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";

async function brokerAvailable(): Promise<boolean> {
  try {
    const client = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0, connectTimeout: 2000 }, false);
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

function expectedObject(table: TableSpec, row: RowValues): Record<string, unknown> {
  return Object.fromEntries(
    table.columns.map((column, i) => {
      const value = row[i]!;
      if (value === null) return [column.name, null];
      if (column.type === "date") return [column.name, formatDate(value as number)];
      if (column.type === "datetime") return [column.name, formatDateTime(value as number)];
      if (column.type === "decimal")
        return [column.name, Number((value as number).toFixed(column.scale!)) + 0];
      return [column.name, value];
    }),
  );
}

interface Received {
  topic: string;
  body: unknown;
}

/** Subscribes to `filter` and collects messages until `count` have arrived. */
async function subscriber(
  filter: string,
): Promise<{ client: MqttClient; received: Received[]; until(count: number): Promise<void> }> {
  const client = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 }, false);
  const received: Received[] = [];
  let wake: (() => void) | undefined;
  client.on("message", (topic, payload) => {
    received.push({ topic, body: JSON.parse(payload.toString("utf8")) });
    wake?.();
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    client,
    received,
    async until(count) {
      const deadline = Date.now() + 10_000;
      while (received.length < count && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

const available = await brokerAvailable();

describe("MQTT writer against the local broker", {
  skip: available ? false : `no MQTT broker at ${BROKER}`,
}, () => {
  const clients: MqttClient[] = [];
  let base = "";
  before(() => {
    base = `serums-test/${randomBytes(6).toString("hex")}`;
  });
  after(async () => {
    for (const client of clients) await client.endAsync(true);
  });

  test("one JSON message per record on TOPIC/<table>, in order, QoS 1", async () => {
    const sub = await subscriber(`${base}/qos1/#`);
    clients.push(sub.client);
    const writer = new MqttWriter(parseMqttSpec(`${BROKER}/${base}/qos1?qos=1`));
    await writeFixtures(writer);
    const summary = await writer.finish();
    assert.deepEqual(summary.rows, { patients: PATIENT_ROWS.length, treatments: TREATMENT_ROWS.length });
    assert.equal(summary.location, `${BROKER}/${base}/qos1?qos=1`);
    const total = PATIENT_ROWS.length + TREATMENT_ROWS.length;
    await sub.until(total);
    assert.equal(sub.received.length, total);
    assert.deepEqual(sub.received, [
      ...PATIENT_ROWS.map((row) => ({ topic: `${base}/qos1/patients`, body: expectedObject(PATIENTS, row) })),
      ...TREATMENT_ROWS.map((row) => ({
        topic: `${base}/qos1/treatments`,
        body: expectedObject(TREATMENTS, row),
      })),
    ]);
  });

  test("paced at the rate through the clock; a {table} topic; QoS 0; a small in-flight window", async () => {
    const sub = await subscriber(`${base}/paced/#`);
    clients.push(sub.client);
    const sleeps: number[] = [];
    let now = 0;
    const clock: PacerClock = {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const writer = new MqttWriter(parseMqttSpec(`${BROKER}/${base}/paced/{table}/data?rate=50&qos=0`), {
      clock,
      maxInFlight: 2,
    });
    await writer.begin([TREATMENTS]);
    const target = writer.table("treatments");
    const rows: RowValues[] = Array.from({ length: 10 }, (_, i) => [i, 1, i, "FEC-T", 16000 + i]);
    for (const row of rows) await target.write(row);
    await target.end();
    await writer.finish();
    // Ten messages at 50/s: nine waits of 20 ms between them.
    assert.deepEqual(sleeps, Array(9).fill(20));
    await sub.until(10);
    assert.deepEqual(
      sub.received.map((m) => m.topic),
      Array(10).fill(`${base}/paced/treatments/data`),
    );
    assert.deepEqual(
      sub.received.map((m) => (m.body as { id: number }).id),
      rows.map((r) => r[0]),
    );
  });

  test("a topic given in the options takes every table's messages", async () => {
    const sub = await subscriber(`${base}/fixed`);
    clients.push(sub.client);
    const writer = new MqttWriter(parseMqttSpec(`${BROKER}/ignored`), { topic: `${base}/fixed` });
    assert.equal(writer.topicOf("patients"), `${base}/fixed`);
    await writeFixtures(writer);
    await writer.finish();
    await sub.until(PATIENT_ROWS.length + TREATMENT_ROWS.length);
    assert.equal(sub.received.length, PATIENT_ROWS.length + TREATMENT_ROWS.length);
  });

  test("abort stops at once: later writes fail, and the connection is closed", async () => {
    const writer = new MqttWriter(parseMqttSpec(`${BROKER}/${base}/aborted`));
    await writer.begin(TABLES);
    const patients = writer.table("patients");
    await patients.write(PATIENT_ROWS[0]!);
    await writer.abort();
    assert.throws(() => patients.write(PATIENT_ROWS[1]!), /aborted/);
    await assert.rejects(writer.finish(), /finish called while the writer is aborted/);
  });
});

test("an unreachable broker is a STORE error whose message hides the password", async () => {
  const writer = new MqttWriter(parseMqttSpec("mqtt://dev:hunter2@127.0.0.1:1/t"), {
    connectTimeoutMs: 2000,
  });
  await assert.rejects(
    writer.begin(TABLES),
    (e: Error & { code?: string }) =>
      e.code === "STORE" &&
      e.message.includes("mqtt://dev:***@127.0.0.1:1/t") &&
      !e.message.includes("hunter2"),
  );
});

test("MQTT specs: host, topic, rate and qos are read; bad ones are named", () => {
  assert.deepEqual(parseMqttSpec("mqtt://127.0.0.1:1883/devices/ward%201?rate=12.5&qos=1"), {
    broker: "mqtt://127.0.0.1:1883",
    topic: "devices/ward 1",
    rate: 12.5,
    qos: 1,
  });
  assert.deepEqual(parseMqttSpec("mqtts://u:p@broker.example/t"), {
    broker: "mqtts://u:p@broker.example",
    topic: "t",
    rate: 0,
    qos: 0,
  });
  const bad: [string, RegExp][] = [
    ["mqtt://127.0.0.1:1883", /no topic/],
    ["mqtt://127.0.0.1:1883/", /no topic/],
    ["mqtt://127.0.0.1:1883/a/+/b", /wildcard/],
    ["mqtt://127.0.0.1:1883/a?rate=fast", /rate=fast is not messages per second/],
    ["mqtt://127.0.0.1:1883/a?rate=-2", /rate=-2/],
    ["mqtt://127.0.0.1:1883/a?qos=2", /qos=2 is not 0 or 1/],
    ["mqtt://127.0.0.1:1883/a?retain=1", /unknown parameter "retain"/],
    ["mqtt://u:secret@127.0.0.1:1883/a?qos=9", /mqtt:\/\/u:\*\*\*@127\.0\.0\.1:1883\/a\?qos=9/],
  ];
  for (const [spec, message] of bad) {
    assert.throws(
      () => parseMqttSpec(spec),
      (e: Error & { code?: string }) =>
        e.code === "BAD_USAGE" &&
        message.test(e.message) &&
        e.message.includes("mqtt://HOST:PORT/TOPIC") &&
        !e.message.includes("secret"),
      spec,
    );
  }
});
