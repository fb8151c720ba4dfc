/**
 * Push approvals, the first step of every login: a pending challenge that says where the login
 * comes from and carries a two-digit number; the login page shows the number, the user's
 * authenticator shows the origin and asks the user to TYPE the number (number matching by entry:
 * a blind or fatigued approval succeeds 1 time in 90, not 1 in 3 as with picking among three,
 * and the number is never sent to the authenticator, so an approval proves the user saw the login
 * page). The authenticator signs its decision; a wrong number denies the challenge for good.
 *
 * States: pending → approved → used (consumed once by the login), or pending → denied. A challenge
 * can be decided only while pending and unexpired (2 minutes); an approval must be consumed within
 * 2 minutes of being given. Unknown users get a decoy challenge that looks the same and can never
 * be approved.
 *
 * Push bombing (a flood of login starts hoping for a tired "approve"): at most
 * `MAX_PENDING_PUSH` challenges of a user wait on the authenticator at once; one created beyond
 * that is held back — never listed, never approvable by push — while its answer looks exactly like
 * any other challenge's, a decoy's included, so the cap tells no one whether the user exists. The
 * user can still log in on it with another factor (TOTP, passkey, SMS, recovery code), and the
 * slots free up as the waiting challenges are decided or expire.
 */
import { randomInt } from "node:crypto";
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import {
  decisionMessage,
  type LoginOrigin,
  type PushDecision,
  verifyEd25519,
} from "./authenticator-protocol.ts";
import { type Authenticator, getAuthenticator } from "./authenticators.ts";
import { constantTimeEqual } from "./factor-keys.ts";
import { type ClockOption, clock, newId } from "./factor-support.ts";

/** How long a challenge waits for a decision. */
export const CHALLENGE_TTL_MS = 2 * 60_000;
/** How long an approval waits to be consumed by the login. */
export const APPROVAL_TTL_MS = 2 * 60_000;
/** Most challenges of one user waiting on the authenticator at once; more are held back. */
export const MAX_PENDING_PUSH = 3;

export interface PushChallenge {
  challengeId: string;
  /** The number the login page shows (two digits, 10–99); the user types it on the authenticator. */
  number: string;
  expiresAt: number;
}

export type PushStatus = "pending" | "approved" | "denied" | "expired" | "used";

interface ChallengeRow {
  id: string;
  serums_id: string | null;
  number_shown: string;
  origin_address: string;
  origin_user_agent: string;
  origin_site: string;
  origin_time: number;
  status: "pending" | "approved" | "denied" | "used";
  deny_reason: string | null;
  attempts: number;
  authenticator_id: string | null;
  decoy_tag: string | null;
  held_back: number;
  created_at: number;
  expires_at: number;
}

function clip(text: string, max: number): string {
  const clean = [...text]
    .map((c) => (c < " " || c === "\u007f" ? " " : c))
    .join("")
    .trim();
  return clean.length > max ? clean.slice(0, max) : clean;
}

function originOf(row: ChallengeRow): LoginOrigin {
  return {
    address: row.origin_address,
    userAgent: row.origin_user_agent,
    site: row.origin_site,
    time: Number(row.origin_time),
  };
}

/**
 * A pending push challenge for `serumsId`'s authenticators — or, when `serumsId` is null (an
 * unknown login name), a decoy with the same shape that no authenticator can approve. Beyond
 * `MAX_PENDING_PUSH` undecided challenges of the user, the new one is held back from the
 * authenticator (the answer is the same). The origin's text is cleaned of control characters and
 * shortened (user agent 200, others 100).
 */
export async function createPushChallenge(
  db: Executor,
  serumsId: string | null,
  origin: Omit<LoginOrigin, "time"> & { time?: number },
  options: ClockOption & {
    /**
     * For a decoy: an opaque tag of the login name typed (a keyed hash, never the name), from
     * which the decoy's made-up passkey credential is derived, so that asking twice for the same
     * unknown name gives the same answer, as for a real user.
     */
    decoyTag?: string;
  } = {},
): Promise<PushChallenge> {
  const now = clock(options);
  const challenge: PushChallenge = {
    challengeId: newId(),
    number: String(randomInt(10, 100)),
    expiresAt: now + CHALLENGE_TTL_MS,
  };
  await db.run(
    `INSERT INTO auth_push_challenge (id, serums_id, number_shown, origin_address, origin_user_agent, origin_site,
       origin_time, status, created_at, expires_at, decoy_tag, held_back)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10,
       (SELECT CASE WHEN COUNT(*) >= $11 THEN 1 ELSE 0 END FROM auth_push_challenge
        WHERE serums_id = $2 AND status = 'pending' AND held_back = 0 AND expires_at > $8))`,
    [
      challenge.challengeId,
      serumsId,
      challenge.number,
      clip(origin.address, 100),
      clip(origin.userAgent, 200),
      clip(origin.site, 100),
      origin.time ?? now,
      now,
      challenge.expiresAt,
      serumsId === null ? (options.decoyTag ?? null) : null,
      MAX_PENDING_PUSH,
    ],
  );
  return challenge;
}

async function loadChallenge(db: Executor, challengeId: string): Promise<ChallengeRow | undefined> {
  return db.get<ChallengeRow>("SELECT * FROM auth_push_challenge WHERE id = $1", [challengeId]);
}

/** Where a challenge stands; undefined when there is no such challenge. */
export async function pushChallengeStatus(
  db: Executor,
  challengeId: string,
  options: ClockOption = {},
): Promise<PushStatus | undefined> {
  const row = await loadChallenge(db, challengeId);
  if (!row) return undefined;
  if ((row.status === "pending" || row.status === "approved") && Number(row.expires_at) <= clock(options)) {
    return "expired";
  }
  return row.status;
}

export interface PendingChallenge {
  challengeId: string;
  origin: LoginOrigin;
  expiresAt: number;
}

/** The pending, unexpired challenges of the authenticator's user (not held back), newest first. */
export async function pendingPushChallenges(
  db: Executor,
  authenticator: Authenticator,
  options: ClockOption = {},
): Promise<PendingChallenge[]> {
  const rows = await db.all<ChallengeRow>(
    `SELECT * FROM auth_push_challenge
     WHERE serums_id = $1 AND status = 'pending' AND held_back = 0 AND expires_at > $2
     ORDER BY created_at DESC, id LIMIT 20`,
    [authenticator.serumsId, clock(options)],
  );
  return rows.map((row) => ({
    challengeId: row.id,
    origin: originOf(row),
    expiresAt: Number(row.expires_at),
  }));
}

export interface DecisionRequest {
  challengeId: string;
  authenticatorId: string;
  /** The number the user typed (approve); anything, e.g. "", for deny. */
  number: string;
  decision: PushDecision;
  /** Signature of `decisionMessage(challengeId, number, decision, origin)` by the authenticator. */
  signature: string;
}

export interface DecisionResult {
  status: "approved" | "denied";
  /** Why a challenge was denied: the user said no, or typed another number. */
  reason?: "denied_by_user" | "wrong_number";
}

/**
 * The authenticator's signed decision. Refused with no change when the authenticator is not
 * active (UNAUTHENTICATED), the signature does not verify over the stored challenge
 * (BAD_SIGNATURE), or the challenge is another user's or held back (FORBIDDEN); CONFLICT when it is
 * no longer pending or has expired. An approval with the wrong number denies the challenge.
 */
export async function decidePushChallenge(
  db: Executor,
  request: DecisionRequest,
  options: ClockOption = {},
): Promise<DecisionResult> {
  const now = clock(options);
  const authenticator = await getAuthenticator(db, request.authenticatorId);
  if (authenticator?.status !== "active") {
    throw new SerumsError("UNAUTHENTICATED", "no active authenticator has this id", {
      path: "authenticatorId",
    });
  }
  const row = await loadChallenge(db, request.challengeId);
  if (!row) throw new SerumsError("NOT_FOUND", "no such push challenge", { path: "challengeId" });
  if (request.decision !== "approve" && request.decision !== "deny") {
    throw new SerumsError("BAD_REQUEST", `decision must be "approve" or "deny"`, {
      path: "decision",
      value: request.decision,
    });
  }
  const message = decisionMessage(row.id, request.number, request.decision, originOf(row));
  if (!verifyEd25519(authenticator.publicKey, message, request.signature)) {
    throw new SerumsError(
      "BAD_SIGNATURE",
      "the decision's signature does not verify with this authenticator's key",
      {
        path: "signature",
      },
    );
  }
  if (row.serums_id === null || row.serums_id !== authenticator.serumsId) {
    throw new SerumsError("FORBIDDEN", "this challenge is not for this authenticator's user", {
      path: "challengeId",
    });
  }
  if (Number(row.held_back) !== 0) {
    throw new SerumsError(
      "FORBIDDEN",
      `this login was held back: ${MAX_PENDING_PUSH} others were already waiting; it cannot be approved by push`,
      { path: "challengeId" },
    );
  }
  const numberMatches = constantTimeEqual(String(request.number).trim(), row.number_shown);
  const approve = request.decision === "approve" && numberMatches;
  const reason = request.decision === "deny" ? "denied_by_user" : "wrong_number";
  const { changes } = approve
    ? await db.run(
        `UPDATE auth_push_challenge SET status = 'approved', authenticator_id = $2, decided_at = $3, expires_at = $4
         WHERE id = $1 AND status = 'pending' AND expires_at > $3`,
        [row.id, authenticator.id, now, now + APPROVAL_TTL_MS],
      )
    : await db.run(
        `UPDATE auth_push_challenge SET status = 'denied', deny_reason = $4, authenticator_id = $2, decided_at = $3
         WHERE id = $1 AND status = 'pending' AND expires_at > $3`,
        [row.id, authenticator.id, now, reason],
      );
  if (changes !== 1) {
    throw new SerumsError("CONFLICT", "this challenge is no longer pending (already decided, or expired)", {
      path: "challengeId",
    });
  }
  return approve ? { status: "approved" } : { status: "denied", reason };
}

export interface ConsumedApproval {
  serumsId: string;
  authenticatorId: string;
}

/**
 * Uses an approval once: atomically flips approved → used in one UPDATE, so of two consumers at
 * most one succeeds. Returns whose it was, or undefined when the challenge is unknown, pending,
 * denied, already used or expired.
 */
export async function consumeApproval(
  db: Executor,
  challengeId: string,
  options: ClockOption = {},
): Promise<ConsumedApproval | undefined> {
  const now = clock(options);
  const [row] = await db.all<{ serums_id: string; authenticator_id: string }>(
    `UPDATE auth_push_challenge SET status = 'used', used_at = $2
     WHERE id = $1 AND status = 'approved' AND expires_at > $2 RETURNING serums_id, authenticator_id`,
    [challengeId, now],
  );
  return row ? { serumsId: row.serums_id, authenticatorId: row.authenticator_id } : undefined;
}

/** The challenge's user (null for a decoy) while it is pending and unexpired; else undefined. */
export async function pendingChallengeOwner(
  db: Executor,
  challengeId: string,
  options: ClockOption = {},
): Promise<{ serumsId: string | null; attempts: number; decoyTag: string } | undefined> {
  const row = await loadChallenge(db, challengeId);
  if (row?.status !== "pending" || Number(row.expires_at) <= clock(options)) return undefined;
  return { serumsId: row.serums_id, attempts: Number(row.attempts), decoyTag: row.decoy_tag ?? row.id };
}
