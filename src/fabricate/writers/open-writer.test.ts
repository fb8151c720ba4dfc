import assert from "node:assert/strict";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { FileWriter } from "./file-writer.ts";
import { MqttWriter } from "./mqtt-writer.ts";
import { OUTPUT_FORMS, openWriter, registerWriterKind } from "./open-writer.ts";
import { PostgresWriter } from "./postgres-writer.ts";
import { SqliteWriter } from "./sqlite-writer.ts";
import type { FabricationWriter } from "./writer-types.ts";

function location(writer: FabricationWriter): string {
  return (writer as unknown as { location: string }).location;
}

test("each output form resolves to its writer, whose location hides passwords", async () => {
  const cases: [string, new (...args: never[]) => FabricationWriter, string][] = [
    ["csv:out/csv", FileWriter, "csv:out/csv"],
    ["jsonl:out", FileWriter, "jsonl:out"],
    ["json:out", FileWriter, "json:out"],
    ["xml:out", FileWriter, "xml:out"],
    ["CSV:Out", FileWriter, "csv:Out"],
    ["sqlite:data/fab.db", SqliteWriter, "sqlite:data/fab.db"],
    ["postgres:postgres://u:pw@db:5432/x", PostgresWriter, "postgres:postgres://u:***@db:5432/x"],
    ["postgres:postgresql://u:pw@db/x#fab", PostgresWriter, "postgres:postgresql://u:***@db/x#fab"],
    ["postgres://u@db/x#fab", PostgresWriter, "postgres:postgres://u@db/x#fab"],
    [
      "mqtt://u:pw@127.0.0.1:1883/ward?rate=5&qos=1",
      MqttWriter,
      "mqtt://u:***@127.0.0.1:1883/ward?rate=5&qos=1",
    ],
    ["mqtts://broker.example:8883/ward", MqttWriter, "mqtts://broker.example:8883/ward?qos=0"],
  ];
  for (const [spec, kind, shown] of cases) {
    const writer = await openWriter(spec);
    assert.ok(writer instanceof kind, spec);
    assert.equal(location(writer), shown, spec);
  }
});

test("a spec of no known form is a BAD_USAGE error naming it (password hidden) and listing the forms", async () => {
  const cases: [string, RegExp][] = [
    ["", /no output given/],
    ["   ", /no output given/],
    ["out.csv", /no kind of output/],
    ["parquet:out", /"parquet" is not a kind of output/],
    ["csv:", /csv: needs a folder/],
    ["sqlite:", /sqlite: needs a database file/],
    ["postgres:db.example/x", /postgres: needs a postgres:\/\/ URL/],
    ["postgres:", /postgres: needs a postgres:\/\/ URL/],
    ["record:postgres://u:secret@h/db", /record: needs the mappings/],
    ["mqtt://u:secret@h", /no topic/],
  ];
  for (const [spec, problem] of cases) {
    await assert.rejects(
      openWriter(spec),
      (e: Error & { code?: string }) =>
        e.code === "BAD_USAGE" &&
        problem.test(e.message) &&
        !e.message.includes("secret") &&
        (e.message.includes(OUTPUT_FORMS) || e.message.includes("mqtt://HOST:PORT/TOPIC")),
      spec,
    );
  }
  await assert.rejects(
    openWriter("record:postgres://u:secret@h/db"),
    /--out "record:postgres:\/\/u:\*\*\*@h\/db"/,
  );
});

test("overwrite reaches the writer: an existing file is replaced only when asked", async () => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "serums-open-writer-"));
  try {
    fs.writeFileSync(path.join(dir, "t.csv"), "old");
    const table = {
      name: "t",
      columns: [{ name: "x", type: "integer" as const, nullable: false }],
      primaryKey: [],
      unique: [],
      foreignKeys: [],
    };
    await assert.rejects((await openWriter(`csv:${dir}`)).begin([table]), /already exists; pass --force/);
    const forced = await openWriter(`csv:${dir}`, { overwrite: true });
    await forced.begin([table]);
    forced.table("t").write([1]);
    await forced.finish();
    assert.equal(fs.readFileSync(path.join(dir, "t.csv"), "utf8"), "x\r\n1\r\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("record:DB opens the smart patient record's writer when mappings are given", async () => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "serums-open-writer-"));
  try {
    const writer = await openWriter(`record:${path.join(dir, "record.db")}`, { recordMappings: new Map() });
    assert.equal(writer.constructor.name, "RecordWriter");
    await writer.abort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("other kinds can be registered; the built-in ones cannot be replaced", async () => {
  const seen: string[] = [];
  registerWriterKind("memo", (target) => {
    seen.push(target);
    return new SqliteWriter(":memory:");
  });
  assert.ok((await openWriter("memo:abc")) instanceof SqliteWriter);
  assert.deepEqual(seen, ["abc"]);
  assert.throws(() => registerWriterKind("csv", () => new SqliteWriter(":memory:")), /cannot register/);
});
