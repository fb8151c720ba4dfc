import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { randomFactorKeys } from "./factor-keys.ts";
import {
  confirmSmsEnrolment,
  normalizePhone,
  removeSmsPhone,
  SMS_CODE_TTL_MS,
  SMS_MAX_ATTEMPTS,
  SMS_SEND_WINDOW_MS,
  sendLoginSmsCode,
  smsPhoneHint,
  startSmsEnrolment,
  verifySmsCode,
} from "./sms-codes.ts";
import { memorySmsSender, outboxSmsSender } from "./sms-sender.ts";
import { addUser, openFactorStore, testClock } from "./test-support.ts";

const keys = randomFactorKeys();
const PHONE = "+447700900123";

function lastCode(sender: ReturnType<typeof memorySmsSender>): string {
  const body = sender.sent.at(-1)?.body ?? "";
  return /\b(\d{6})\b/.exec(body)?.[1] ?? assert.fail(`no code in ${JSON.stringify(body)}`);
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

async function enrolled(db: Executor, now: () => number) {
  const sender = memorySmsSender();
  const user = await addUser(db);
  await startSmsEnrolment(db, user, "+44 7700 900123", { keys, now, sender });
  assert.equal(await confirmSmsEnrolment(db, user, lastCode(sender), { keys, now }), true);
  return { user, sender };
}

describe("SMS senders and numbers", () => {
  it("normalises E.164 numbers and refuses others", () => {
    assert.equal(normalizePhone("+44 (7700) 900-123"), PHONE);
    for (const bad of ["07700900123", "+0123456789", "+12", "+44770090012345678", "call me"]) {
      assert.throws(
        () => normalizePhone(bad),
        (e) => e instanceof SerumsError && e.code === "BAD_REQUEST",
      );
    }
  });

  it("writes the outbox as JSON lines, mode 0600", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "serums-sms-"));
    try {
      const file = path.join(dir, "nested", "outbox.jsonl");
      const sender = outboxSmsSender(file, () => 0);
      await sender.send({ to: PHONE, body: "123456 is your Serums code." });
      await sender.send({ to: PHONE, body: "654321 is your Serums code." });
      const lines = readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      assert.deepEqual(lines[1], {
        at: "1970-01-01T00:00:00.000Z",
        to: PHONE,
        body: "654321 is your Serums code.",
      });
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeEachEngine("SMS codes", (engine) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openFactorStore(engine);
  });
  afterEach(() => t.dispose());

  it("confirms the number with a first code, then logs in with a single-use code, hashed and sealed at rest", async () => {
    const clock = testClock();
    const { user, sender } = await enrolled(t.store, clock.now);
    assert.equal(sender.sent[0]!.to, PHONE);
    assert.equal(await smsPhoneHint(t.store, user, { keys }), "…23");
    await sendLoginSmsCode(t.store, user, { keys, now: clock.now, sender });
    const code = lastCode(sender);
    const atRest = JSON.stringify([
      await t.store.all("SELECT code_mac FROM auth_sms_code"),
      await t.store.all("SELECT phone_sealed FROM auth_sms_phone"),
    ]);
    assert.ok(!atRest.includes(code) && !atRest.includes("7700900123"), "neither code nor number in clear");
    assert.equal(await verifySmsCode(t.store, user, code, { keys, now: clock.now }), true);
    assert.equal(await verifySmsCode(t.store, user, code, { keys, now: clock.now }), false, "single use");
  });

  it("expires codes, limits attempts, and voids an older code when a new one is sent", async () => {
    const clock = testClock();
    const { user, sender } = await enrolled(t.store, clock.now);
    await sendLoginSmsCode(t.store, user, { keys, now: clock.now, sender });
    const expired = lastCode(sender);
    clock.advance(SMS_CODE_TTL_MS);
    assert.equal(await verifySmsCode(t.store, user, expired, { keys, now: clock.now }), false);

    await sendLoginSmsCode(t.store, user, { keys, now: clock.now, sender });
    const code = lastCode(sender);
    for (let i = 0; i < SMS_MAX_ATTEMPTS; i++) {
      assert.equal(await verifySmsCode(t.store, user, otherCode(code), { keys, now: clock.now }), false);
    }
    assert.equal(
      await verifySmsCode(t.store, user, code, { keys, now: clock.now }),
      false,
      "attempts used up",
    );

    clock.advance(SMS_SEND_WINDOW_MS);
    await sendLoginSmsCode(t.store, user, { keys, now: clock.now, sender });
    const older = lastCode(sender);
    await sendLoginSmsCode(t.store, user, { keys, now: clock.now, sender });
    const newer = lastCode(sender);
    assert.equal(await verifySmsCode(t.store, user, older, { keys, now: clock.now }), older === newer);
    assert.equal(await verifySmsCode(t.store, user, newer, { keys, now: clock.now }), older !== newer);
  });

  it("sends at most 3 codes in 10 minutes, and nothing for unknown users or users without a number", async () => {
    const clock = testClock();
    const { user, sender } = await enrolled(t.store, clock.now);
    const before = sender.sent.length;
    for (let i = 0; i < 5; i++) await sendLoginSmsCode(t.store, user, { keys, now: clock.now, sender });
    assert.equal(sender.sent.length - before, 2, "the confirmation counted as one of the three");
    const withoutPhone = await addUser(t.store);
    const shapes = [
      await sendLoginSmsCode(t.store, null, { keys, now: clock.now, sender }),
      await sendLoginSmsCode(t.store, withoutPhone, { keys, now: clock.now, sender }),
      await sendLoginSmsCode(t.store, user, { keys, now: clock.now, sender }),
    ];
    assert.deepEqual(shapes[0], shapes[1]);
    assert.deepEqual(shapes[0], shapes[2]);
    assert.equal(sender.sent.length - before, 2);
    assert.equal(await verifySmsCode(t.store, null, "123456", { keys, now: clock.now }), false);
  });

  it("keeps the confirmed number until a new one is confirmed; refuses a wrong confirmation; removes", async () => {
    const clock = testClock();
    const { user, sender } = await enrolled(t.store, clock.now);
    await startSmsEnrolment(t.store, user, "+33612345678", { keys, now: clock.now, sender });
    assert.equal(sender.sent.at(-1)!.to, "+33612345678");
    const confirm = lastCode(sender);
    assert.equal(
      await confirmSmsEnrolment(t.store, user, otherCode(confirm), { keys, now: clock.now }),
      false,
    );
    assert.equal(await smsPhoneHint(t.store, user, { keys }), "…23", "old number in force");
    assert.equal(
      await verifySmsCode(t.store, user, confirm, { keys, now: clock.now }),
      false,
      "a confirm code is no login code",
    );
    assert.equal(await confirmSmsEnrolment(t.store, user, confirm, { keys, now: clock.now }), true);
    assert.equal(await smsPhoneHint(t.store, user, { keys }), "…78");
    assert.equal(await removeSmsPhone(t.store, user), true);
    assert.equal(await smsPhoneHint(t.store, user, { keys }), undefined);
  });
});
