/**
 * For the accounts, login and server tests: a store with every FlexPass table, a LoginContext on
 * it (memory signing keys, random factor keys, a memory SMS sender, a clock tests move), and a
 * software authenticator that enrols with a code and approves push challenges by signing.
 */

import type { Executor } from "../../store/index.ts";
import { type EngineUnderTest, openTestStore, type TestStore } from "../../store/test-engines.ts";
import { authMigrations } from "../auth-migrations.ts";
import { normalizeCode } from "../factors/factor-support.ts";
import {
  decidePushChallenge,
  decisionMessage,
  enrolAuthenticator,
  enrolMessage,
  generateAuthenticatorKeys,
  getAuthenticator,
  memorySmsSender,
  pendingPushChallenges,
  randomFactorKeys,
  relyingPartyFor,
  signEd25519,
} from "../factors/index.ts";
import { DEFAULT_KEY_POLICY } from "../keys/index.ts";
import { KeyRing } from "../tokens/index.ts";
import type { LoginContext } from "./login-context.ts";

export interface TestClock {
  now: () => number;
  advance(ms: number): void;
}

export function testClock(start = Date.UTC(2025, 0, 15, 9, 0, 0)): TestClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface AuthTestbed {
  t: TestStore;
  context: LoginContext;
  clock: TestClock;
  sms: ReturnType<typeof memorySmsSender>;
  dispose(): Promise<void>;
}

export async function authTestbed(engine: EngineUnderTest): Promise<AuthTestbed> {
  const t = await openTestStore(engine, authMigrations);
  const clock = testClock();
  const sms = memorySmsSender();
  const context: LoginContext = {
    store: t.store,
    now: clock.now,
    ring: await KeyRing.inMemory({ now: clock.now }),
    issuer: "urn:serums:test",
    audience: "urn:serums",
    site: "edinburgh",
    publicOrigin: "https://serums.example.org",
    factors: {
      now: clock.now,
      keys: randomFactorKeys(),
      sender: sms,
      rp: relyingPartyFor("https://serums.example.org"),
    },
    keyPolicy: { ...DEFAULT_KEY_POLICY },
  };
  return { t, context, clock, sms, dispose: () => t.dispose() };
}

/** A software authenticator: an Ed25519 key pair enrolled with a code, approving by signature. */
export class TestAuthenticator {
  readonly keys = generateAuthenticatorKeys();
  id = "";

  async enrol(db: Executor, context: Pick<LoginContext, "factors">, shownCode: string): Promise<void> {
    const signature = signEd25519(
      this.keys.privateKey,
      enrolMessage(normalizeCode(shownCode), this.keys.publicKey),
    );
    const enrolled = await enrolAuthenticator(
      db,
      { code: shownCode, publicKey: this.keys.publicKey, label: "test phone", signature },
      context.factors,
    );
    this.id = enrolled.id;
  }

  /** Approves the pending challenge `challengeId`, typing `number`. */
  async approve(
    db: Executor,
    context: Pick<LoginContext, "now">,
    challengeId: string,
    number: string,
  ): Promise<void> {
    const authenticator = (await getAuthenticator(db, this.id))!;
    const pending = await pendingPushChallenges(db, authenticator, { now: context.now });
    const challenge = pending.find((p) => p.challengeId === challengeId);
    if (!challenge) throw new Error(`challenge ${challengeId} is not pending for this authenticator`);
    const signature = signEd25519(
      this.keys.privateKey,
      decisionMessage(challengeId, number, "approve", challenge.origin),
    );
    await decidePushChallenge(
      db,
      { challengeId, authenticatorId: this.id, number, decision: "approve", signature },
      { now: context.now },
    );
  }
}

export const SECRET = "Places we visited in Europe with grandmother Ingrid";
export const TEXT_KEY = "PlacesWeVisitedInEuropeWithGrandmotherIngrid!";
