/** For the key and image tests: a migrated store, accounts, and an argon2id that counts its calls. */

import type { Executor } from "../../store/index.ts";
import { type EngineUnderTest, openTestStore, type TestStore } from "../../store/test-engines.ts";
import { accountMigrations } from "../accounts/account-schema.ts";
import { type Argon2Function, nodeArgon2id } from "./argon2-hash.ts";
import { keyMigrations } from "./key-schema.ts";

export function openKeyStore(engine: EngineUnderTest): Promise<TestStore> {
  return openTestStore(engine, [...accountMigrations, ...keyMigrations]);
}

let counter = 0;

/** A new patient account; returns its Serums ID (test IDs, not real ones). */
export async function addUser(db: Executor, loginName?: string): Promise<string> {
  counter++;
  const serumsId = `srm-test-${String(counter).padStart(4, "0")}-${Math.random().toString(36).slice(2, 6)}`;
  await db.run(
    "INSERT INTO auth_user (serums_id, login_name, role, created_at) VALUES ($1, $2, 'patient', 0)",
    [serumsId, loginName ?? `user-${serumsId}`],
  );
  return serumsId;
}

/** The real argon2id, counting calls and remembering each call's parameters. */
export function countingArgon2(): { argon2: Argon2Function; calls: { memory: number; passes: number }[] } {
  const calls: { memory: number; passes: number }[] = [];
  return {
    calls,
    argon2: (input) => {
      calls.push({ memory: input.memory, passes: input.passes });
      return nodeArgon2id(input);
    },
  };
}

/** Every value of every row of `table`, as text (to check nothing secret is stored). */
export async function tableText(db: Executor, table: string): Promise<string> {
  const rows = await db.all(`SELECT * FROM ${table}`);
  return JSON.stringify(rows, (_, v) =>
    v instanceof Uint8Array ? "[bytes]" : typeof v === "bigint" ? Number(v) : v,
  );
}

/** A small well-formed PNG header (1×1); `seed` makes the bytes unique. */
export function tinyPng(seed: string, width = 1, height = 1): Uint8Array {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write("IHDR", 4, "latin1");
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.set([8, 2, 0, 0, 0], 16);
  const text = Buffer.from(`seed\0${seed}`, "latin1");
  const chunk = Buffer.alloc(12 + text.length);
  chunk.writeUInt32BE(text.length, 0);
  chunk.write("tEXt", 4, "latin1");
  text.copy(chunk, 8);
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, chunk]),
  );
}
