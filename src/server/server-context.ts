/**
 * Builds the FlexPass context a server (or a test, or the CLI) works with: the store, the clock,
 * the site's signing keys, KEYS's policy and FACTORS's options, from the configuration, each
 * replaceable (tests pass memory keys, a memory SMS sender, a moving clock).
 */
import {
  type FactorKeys,
  type LoginFactorOptions,
  loadFactorKeys,
  outboxSmsSender,
  relyingPartyFor,
  type SmsSender,
  smsOutboxPath,
} from "../auth/factors/index.ts";
import { type KeyPolicy, readKeyPolicy } from "../auth/keys/index.ts";
import type { LoginContext } from "../auth/login/index.ts";
import { KeyRing } from "../auth/tokens/index.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../store/index.ts";

export interface ContextOptions {
  store: Store;
  config: Config;
  now?: () => number;
  ring?: KeyRing;
  factorKeys?: FactorKeys;
  smsSender?: SmsSender;
  keyPolicy?: KeyPolicy;
  env?: NodeJS.ProcessEnv;
}

export async function createLoginContext(options: ContextOptions): Promise<LoginContext> {
  const { store, config } = options;
  const now = options.now ?? Date.now;
  const env = options.env ?? process.env;
  const ring = options.ring ?? (await KeyRing.open(config.auth.keyDir, { now }));
  const factors: LoginFactorOptions = {
    now,
    keys: options.factorKeys ?? loadFactorKeys(config.auth.keyDir, env),
    sender: options.smsSender ?? outboxSmsSender(smsOutboxPath(env), now),
    rp: relyingPartyFor(config.auth.publicOrigin),
  };
  return {
    store,
    now,
    ring,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    site: config.auth.site,
    publicOrigin: config.auth.publicOrigin,
    factors,
    keyPolicy: options.keyPolicy ?? readKeyPolicy(env),
  };
}
