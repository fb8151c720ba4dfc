/** For the factor modules' tests: a store with the account and factor tables, users, a movable clock. */
import { newSerumsId } from "../../record/serums-id.ts";
import type { Executor } from "../../store/index.ts";
import { type EngineUnderTest, openTestStore, type TestStore } from "../../store/test-engines.ts";
import { accountMigrations } from "../accounts/account-schema.ts";
import { factorMigrations } from "./factor-schema.ts";

export function openFactorStore(engine: EngineUnderTest): Promise<TestStore> {
  return openTestStore(engine, [...accountMigrations, ...factorMigrations]);
}

/** Adds a patient with a fresh Serums ID; returns the ID. */
export async function addUser(
  db: Executor,
  login = `user-${Math.random().toString(36).slice(2)}`,
): Promise<string> {
  const serumsId = newSerumsId();
  await db.run(
    "INSERT INTO auth_user (serums_id, login_name, role, created_at) VALUES ($1, $2, 'patient', $3)",
    [serumsId, login, 0],
  );
  return serumsId;
}

/** A clock tests move by hand. */
export function testClock(start = Date.UTC(2025, 0, 15, 9, 0, 0)): {
  now: () => number;
  advance(ms: number): void;
} {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}
