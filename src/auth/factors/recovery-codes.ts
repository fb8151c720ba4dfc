/**
 * Recovery codes: ten codes shown once, each used once, stored only as keyed hashes; generating
 * a new set voids the old one.
 *
 * Why a fast keyed hash (HMAC-SHA-256 under the site's factor key) and not argon2id: a code has
 * 50 random bits, so there is no dictionary to try — argon2id's slowness protects low-entropy
 * secrets people choose, and buys nothing here but login latency. With the key, even a stolen
 * table cannot be searched offline at all; without it, 2^50 guesses per code would remain. The
 * hash covers the Serums ID too, so equal codes of two users look different at rest.
 */
import type { Executor } from "../../store/index.ts";
import { constantTimeEqual } from "./factor-keys.ts";
import {
  atomically,
  clock,
  type FactorOptions,
  groupCode,
  isBase32Code,
  newId,
  normalizeCode,
  randomBase32,
} from "./factor-support.ts";

export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 10;

function codeMac(options: FactorOptions, serumsId: string, code: string): string {
  return options.keys.mac("recovery-code", `${serumsId}\u0000${code}`);
}

/**
 * A new set of ten codes ("7k3m9-qx2hv"), replacing any earlier set in one transaction. The
 * codes are returned once and cannot be read back.
 */
export async function generateRecoveryCodes(
  db: Executor,
  serumsId: string,
  options: FactorOptions,
): Promise<string[]> {
  const now = clock(options);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => randomBase32(CODE_LENGTH));
  await atomically(db, async (tx) => {
    await tx.run("DELETE FROM auth_recovery_code WHERE serums_id = $1", [serumsId]);
    for (const code of codes) {
      await tx.run(
        "INSERT INTO auth_recovery_code (id, serums_id, code_mac, created_at) VALUES ($1, $2, $3, $4)",
        [newId(), serumsId, codeMac(options, serumsId, code), now],
      );
    }
  });
  return codes.map((code) => groupCode(code, 5));
}

/**
 * Uses one recovery code: true when it is one of the user's unused codes (it is used up, in a
 * conditional UPDATE, so two uses cannot both succeed). Every unused code is compared, in
 * constant time, whatever matches; unknown users (null) get false.
 */
export async function useRecoveryCode(
  db: Executor,
  serumsId: string | null,
  code: string,
  options: FactorOptions,
): Promise<boolean> {
  const now = clock(options);
  const normalized = normalizeCode(String(code));
  const candidate = codeMac(options, serumsId ?? "", isBase32Code(normalized, CODE_LENGTH) ? normalized : "");
  const rows = serumsId
    ? await db.all<{ id: string; code_mac: string }>(
        "SELECT id, code_mac FROM auth_recovery_code WHERE serums_id = $1 AND used_at IS NULL",
        [serumsId],
      )
    : [];
  let matched: string | undefined;
  for (const row of rows) if (constantTimeEqual(row.code_mac, candidate)) matched = row.id;
  if (matched === undefined || !isBase32Code(normalized, CODE_LENGTH)) return false;
  const { changes } = await db.run(
    "UPDATE auth_recovery_code SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
    [matched, now],
  );
  return changes === 1;
}

/** How many unused recovery codes the user has. */
export async function remainingRecoveryCodes(db: Executor, serumsId: string): Promise<number> {
  const row = await db.get<{ n: number | string }>(
    "SELECT COUNT(*) AS n FROM auth_recovery_code WHERE serums_id = $1 AND used_at IS NULL",
    [serumsId],
  );
  return Number(row?.n ?? 0);
}
