/**
 * The consortium: its sites (each with a CA key that issues its users' certificates and a peer
 * key that signs endorsements), the orderer's key, the channel, the endorsement policy and the
 * ordering service's batch settings. The genesis block carries it, so its hash anchors the chain.
 */

import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SerumsError } from "../../errors/index.ts";
import { decodePublicKey } from "./keys.ts";
import { DEFAULT_MAX_CLOCK_SKEW_MS } from "./timestamps.ts";

export const SITE_ID = /^[a-z0-9-]+$/;

export interface SiteConfig {
  /** Also the site's MSP ID. */
  id: string;
  name: string;
  country: string;
  /** base64 raw Ed25519 public key of the site's certificate authority */
  caPublicKey: string;
  /** base64 raw Ed25519 public key of the site's ledger peer */
  peerPublicKey: string;
}

/** "majority" of sites (the default), or at least `n` distinct sites. */
export type EndorsementPolicy = "majority" | { n: number };

export interface BatchConfig {
  maxTransactions: number;
  maxWaitMs: number;
}

export interface ConsortiumConfig {
  channel: string;
  ordererPublicKey: string;
  sites: SiteConfig[];
  endorsementPolicy: EndorsementPolicy;
  batch: BatchConfig;
  /**
   * The bound on |a transaction's timestamp − its block's time| every validator applies, and the
   * endorsers' default bound against their clocks (default DEFAULT_MAX_CLOCK_SKEW_MS, 5 minutes).
   */
  maxClockSkewMs?: number;
}

export const DEFAULT_BATCH: BatchConfig = { maxTransactions: 500, maxWaitMs: 20 };

const publicKey = z.string().refine(
  (text) => {
    try {
      decodePublicKey(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected the base64 of a raw 32-byte Ed25519 public key" },
);

const siteSchema = z
  .object({
    id: z.string().regex(SITE_ID, { message: "expected lower-case letters, digits and '-'" }),
    name: z.string().min(1),
    country: z.string().min(1),
    caPublicKey: publicKey,
    peerPublicKey: publicKey,
  })
  .strict();

const configSchema = z
  .object({
    channel: z.string().regex(/^[a-z][a-z0-9.-]*$/, { message: "expected a Fabric channel name" }),
    ordererPublicKey: publicKey,
    sites: z.array(siteSchema).min(1),
    endorsementPolicy: z
      .union([z.literal("majority"), z.object({ n: z.number().int().min(1) }).strict()])
      .default("majority"),
    batch: z
      .object({
        maxTransactions: z.number().int().min(1).max(100_000),
        maxWaitMs: z.number().int().min(0).max(60_000),
      })
      .strict()
      .default(DEFAULT_BATCH),
    maxClockSkewMs: z.number().int().min(1_000).max(86_400_000).optional(),
  })
  .strict();

function fail(source: string, path: string, message: string): never {
  throw new SerumsError("BAD_CONFIG", `${source}: ${path}: ${message}`, { file: source, path });
}

/** Checks a consortium config; errors name `source` (a file) and the field. */
export function parseConsortiumConfig(value: unknown, source = "consortium config"): ConsortiumConfig {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length
      ? issue.path
          .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
          .join("")
          .replace(/^\./, "")
      : "(root)";
    fail(source, path, issue.message);
  }
  const config = parsed.data as ConsortiumConfig;
  const seen = new Set<string>();
  config.sites.forEach((site, i) => {
    if (seen.has(site.id)) fail(source, `sites[${i}].id`, `site ${JSON.stringify(site.id)} is listed twice`);
    seen.add(site.id);
  });
  const policy = config.endorsementPolicy;
  if (policy !== "majority" && policy.n > config.sites.length) {
    fail(source, "endorsementPolicy.n", `${policy.n} endorsements asked of ${config.sites.length} sites`);
  }
  return config;
}

export function loadConsortiumConfig(file: string): ConsortiumConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SerumsError(
      "BAD_CONFIG",
      `${file}: cannot read the consortium config (${(error as Error).message})`,
      {
        file,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SerumsError("BAD_CONFIG", `${file}: not JSON (${(error as Error).message})`, { file });
  }
  return parseConsortiumConfig(value, file);
}

/** The config with its keys decoded once, as peers and validators use it. */
export interface Consortium {
  config: ConsortiumConfig;
  channel: string;
  sites: ReadonlyMap<string, { config: SiteConfig; caKey: KeyObject; peerKey: KeyObject }>;
  ordererKey: KeyObject;
  /** Distinct member endorsements a transaction needs. */
  requiredEndorsements: number;
  /** The bound on |transaction timestamp − block time| (config.maxClockSkewMs or the default). */
  maxClockSkewMs: number;
}

export function requiredEndorsements(config: ConsortiumConfig): number {
  const policy = config.endorsementPolicy;
  return policy === "majority" ? Math.floor(config.sites.length / 2) + 1 : policy.n;
}

export function compileConsortium(config: ConsortiumConfig): Consortium {
  const sites = new Map<string, { config: SiteConfig; caKey: KeyObject; peerKey: KeyObject }>();
  for (const site of config.sites) {
    sites.set(site.id, {
      config: site,
      caKey: decodePublicKey(site.caPublicKey, `sites.${site.id}.caPublicKey`),
      peerKey: decodePublicKey(site.peerPublicKey, `sites.${site.id}.peerPublicKey`),
    });
  }
  return {
    config,
    channel: config.channel,
    sites,
    ordererKey: decodePublicKey(config.ordererPublicKey, "ordererPublicKey"),
    requiredEndorsements: requiredEndorsements(config),
    maxClockSkewMs: config.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
  };
}
