/**
 * Everything the login, registration and session functions need, built once per server (or test):
 * the store, the clock, the signing keys, the token settings, the keyed hash of identifiers, and
 * the options KEYS and FACTORS take.
 */
import { createHmac } from "node:crypto";
import type { Store } from "../../store/index.ts";
import type { LoginFactorOptions } from "../factors/index.ts";
import type { KeyPolicy } from "../keys/key-policy.ts";
import type { KeyRing } from "../tokens/signing-keys.ts";

export interface LoginContext {
  store: Store;
  now: () => number;
  ring: KeyRing;
  issuer: string;
  audience: string;
  /** This site's name, shown on the authenticator as the login's origin. */
  site: string;
  /** The base URL authenticators talk to (goes into enrolment codes). */
  publicOrigin: string;
  /** FACTORS's options: factor keys, SMS sender, relying party (and the same clock). */
  factors: LoginFactorOptions;
  /** KEYS's policy (minimum strengths, grid shape, argon2 parameters). */
  keyPolicy: KeyPolicy;
}

/** A keyed hash (HMAC-SHA-256, hex) of an identifier, under the ring's address key. */
export function keyedHash(context: Pick<LoginContext, "ring">, label: string, value: string): string {
  return createHmac("sha256", context.ring.addressKey).update(`${label}\u0000${value}`).digest("hex");
}

/** The throttle and attempt key of a login name: its normalised form, hashed. */
export function subjectHash(context: Pick<LoginContext, "ring">, login: string): string {
  return keyedHash(context, "login", login.normalize("NFKC").trim().toLowerCase());
}
