/**
 * SMS one-time codes: the user's phone number (sealed at rest, never logged), confirmed with a
 * first code; login codes of 6 digits, valid 5 minutes, 5 attempts, stored as keyed hashes bound
 * to the code's id, used once. A new code voids the user's earlier ones. At most 3 codes go to a
 * user in 10 minutes (SMS costs money and annoys); beyond that the request looks the same but
 * nothing is sent, so the answer never tells whether a login name exists.
 */
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { constantTimeEqual } from "./factor-keys.ts";
import { atomically, clock, type FactorOptions, newId, randomDigits } from "./factor-support.ts";
import type { SmsSender } from "./sms-sender.ts";

export const SMS_CODE_DIGITS = 6;
export const SMS_CODE_TTL_MS = 5 * 60_000;
export const SMS_MAX_ATTEMPTS = 5;
export const SMS_SEND_LIMIT = 3;
export const SMS_SEND_WINDOW_MS = 10 * 60_000;

const SEAL = "sms-phone";
const E164 = /^\+[1-9]\d{6,14}$/;

type Purpose = "confirm" | "login";

export interface SmsOptions extends FactorOptions {
  sender: SmsSender;
}

/** "+44 7700 900123" → "+447700900123"; BAD_REQUEST when it is not an E.164 number. */
export function normalizePhone(phone: string): string {
  const compact = phone.replace(/[\s().-]/g, "");
  if (!E164.test(compact)) {
    throw new SerumsError(
      "BAD_REQUEST",
      "phone must be an international number in E.164 form: + then country code and number, 8 to 15 digits (e.g. +447700900123)",
      { path: "phone" },
    );
  }
  return compact;
}

/** The last two digits, for showing which phone a code went to. */
function phoneHint(phone: string): string {
  return `…${phone.slice(-2)}`;
}

async function issueCode(
  db: Executor,
  serumsId: string,
  purpose: Purpose,
  phone: string,
  options: SmsOptions,
): Promise<number> {
  const now = clock(options);
  const expiresAt = now + SMS_CODE_TTL_MS;
  const recent = await db.get<{ n: number | string }>(
    "SELECT COUNT(*) AS n FROM auth_sms_code WHERE serums_id = $1 AND created_at > $2",
    [serumsId, now - SMS_SEND_WINDOW_MS],
  );
  if (Number(recent?.n ?? 0) >= SMS_SEND_LIMIT) return expiresAt;
  const id = newId();
  const code = randomDigits(SMS_CODE_DIGITS);
  await atomically(db, async (tx) => {
    await tx.run("UPDATE auth_sms_code SET used_at = $2 WHERE serums_id = $1 AND used_at IS NULL", [
      serumsId,
      now,
    ]);
    await tx.run(
      `INSERT INTO auth_sms_code (id, serums_id, purpose, code_mac, attempts, created_at, expires_at)
       VALUES ($1, $2, $3, $4, 0, $5, $6)`,
      [id, serumsId, purpose, options.keys.mac("sms-code", `${id}\u0000${code}`), now, expiresAt],
    );
  });
  await options.sender.send({
    to: phone,
    body: `${code} is your Serums code. It expires in ${SMS_CODE_TTL_MS / 60_000} minutes. Do not share it.`,
  });
  return expiresAt;
}

/**
 * Checks a code of `purpose`: the user's newest unused, unexpired code. The attempt is counted
 * before the comparison (a code stops working after 5 tries); a match uses the code up.
 */
async function checkCode(
  db: Executor,
  serumsId: string | null,
  purpose: Purpose,
  code: string,
  options: FactorOptions,
): Promise<boolean> {
  const now = clock(options);
  const row = serumsId
    ? await db.get<{ id: string; code_mac: string }>(
        `SELECT id, code_mac FROM auth_sms_code
         WHERE serums_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
         ORDER BY created_at DESC, id LIMIT 1`,
        [serumsId, purpose, now],
      )
    : undefined;
  const typed = String(code).trim();
  const wellFormed = new RegExp(`^\\d{${SMS_CODE_DIGITS}}$`).test(typed);
  const candidate = options.keys.mac("sms-code", `${row?.id ?? ""}\u0000${wellFormed ? typed : ""}`);
  if (!row) {
    constantTimeEqual(candidate, candidate);
    return false;
  }
  const counted = await db.run(
    "UPDATE auth_sms_code SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2 AND used_at IS NULL",
    [row.id, SMS_MAX_ATTEMPTS],
  );
  const equal = constantTimeEqual(candidate, row.code_mac);
  if (counted.changes !== 1 || !equal || !wellFormed) return false;
  const used = await db.run("UPDATE auth_sms_code SET used_at = $2 WHERE id = $1 AND used_at IS NULL", [
    row.id,
    now,
  ]);
  return used.changes === 1;
}

/**
 * Registers (or replaces) the user's phone number, pending until confirmed with the code sent to
 * it now. An active number stays in force until then.
 */
export async function startSmsEnrolment(
  db: Executor,
  serumsId: string,
  phone: string,
  options: SmsOptions,
): Promise<{ phoneHint: string; expiresAt: number }> {
  const now = clock(options);
  const normalized = normalizePhone(phone);
  await atomically(db, async (tx) => {
    await tx.run("DELETE FROM auth_sms_phone WHERE serums_id = $1 AND status = 'pending'", [serumsId]);
    await tx.run(
      "INSERT INTO auth_sms_phone (serums_id, status, phone_sealed, created_at) VALUES ($1, 'pending', $2, $3)",
      [serumsId, options.keys.seal(SEAL, serumsId, normalized), now],
    );
  });
  const expiresAt = await issueCode(db, serumsId, "confirm", normalized, options);
  return { phoneHint: phoneHint(normalized), expiresAt };
}

/** Confirms the pending number with the code sent to it; it replaces any earlier number. */
export async function confirmSmsEnrolment(
  db: Executor,
  serumsId: string,
  code: string,
  options: FactorOptions,
): Promise<boolean> {
  if (!(await checkCode(db, serumsId, "confirm", code, options))) return false;
  return atomically(db, async (tx) => {
    const pending = await tx.get(
      "SELECT 1 AS x FROM auth_sms_phone WHERE serums_id = $1 AND status = 'pending'",
      [serumsId],
    );
    if (!pending) return false;
    await tx.run("DELETE FROM auth_sms_phone WHERE serums_id = $1 AND status = 'active'", [serumsId]);
    await tx.run(
      "UPDATE auth_sms_phone SET status = 'active', confirmed_at = $2 WHERE serums_id = $1 AND status = 'pending'",
      [serumsId, clock(options)],
    );
    return true;
  });
}

/**
 * Sends a login code to the user's confirmed number. For an unknown user (null) or one without a
 * confirmed number, nothing is sent but the answer has the same shape.
 */
export async function sendLoginSmsCode(
  db: Executor,
  serumsId: string | null,
  options: SmsOptions,
): Promise<{ expiresAt: number }> {
  const row = serumsId
    ? await db.get<{ phone_sealed: string }>(
        "SELECT phone_sealed FROM auth_sms_phone WHERE serums_id = $1 AND status = 'active'",
        [serumsId],
      )
    : undefined;
  if (!row || !serumsId) return { expiresAt: clock(options) + SMS_CODE_TTL_MS };
  const phone = options.keys.open(SEAL, serumsId, row.phone_sealed);
  return { expiresAt: await issueCode(db, serumsId, "login", phone, options) };
}

/** Checks a login code sent by SMS (used once, 5 attempts, 5 minutes). */
export function verifySmsCode(
  db: Executor,
  serumsId: string | null,
  code: string,
  options: FactorOptions,
): Promise<boolean> {
  return checkCode(db, serumsId, "login", code, options);
}

/** The hint of the user's confirmed number ("…23"), or undefined. */
export async function smsPhoneHint(
  db: Executor,
  serumsId: string,
  options: FactorOptions,
): Promise<string | undefined> {
  const row = await db.get<{ phone_sealed: string }>(
    "SELECT phone_sealed FROM auth_sms_phone WHERE serums_id = $1 AND status = 'active'",
    [serumsId],
  );
  return row ? phoneHint(options.keys.open(SEAL, serumsId, row.phone_sealed)) : undefined;
}

/** Removes the user's number and outstanding codes; true when there was a number. */
export async function removeSmsPhone(db: Executor, serumsId: string): Promise<boolean> {
  return atomically(db, async (tx) => {
    await tx.run("DELETE FROM auth_sms_code WHERE serums_id = $1", [serumsId]);
    const { changes } = await tx.run("DELETE FROM auth_sms_phone WHERE serums_id = $1", [serumsId]);
    return changes > 0;
  });
}
