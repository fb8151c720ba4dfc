/**
 * Key tooling for a local consortium: site CA and peer keys, the orderer key, users'
 * certificates, and their files. Layout under a folder (data/ledger/ by default for the CLI):
 *
 *   consortium.json                the config (public keys only)
 *   orderer.key                    PKCS#8 PEM, mode 0600
 *   sites/<site>/ca.key            the site CA's private key, 0600
 *   sites/<site>/peer.key          the site peer's private key, 0600
 *   users/<site>/<name>.cert.json  a certificate; users/<site>/<name>.key its private key, 0600
 *
 * Private keys are only ever written to those files; nothing here logs.
 */
import type { KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SerumsError } from "../../errors/index.ts";
import {
  type Certificate,
  checkCertificate,
  createSigner,
  issueCertificate,
  type Signer,
} from "./certificate.ts";
import {
  type BatchConfig,
  type ConsortiumConfig,
  DEFAULT_BATCH,
  type EndorsementPolicy,
  loadConsortiumConfig,
  parseConsortiumConfig,
} from "./consortium-config.ts";
import { decodePrivateKey, encodePrivateKey, encodePublicKey, generateKeyPair } from "./keys.ts";

export interface SiteKeys {
  caKey: KeyObject;
  peerKey: KeyObject;
}

/** A consortium with its private keys: what one machine running every site holds. */
export interface LocalConsortium {
  config: ConsortiumConfig;
  ordererKey: KeyObject;
  siteKeys: Record<string, SiteKeys>;
}

export interface NewConsortium {
  channel?: string;
  sites: { id: string; name: string; country: string }[];
  endorsementPolicy?: EndorsementPolicy;
  batch?: Partial<BatchConfig>;
}

/** Generates every key and the config of a new consortium (in memory). */
export function createConsortium(request: NewConsortium): LocalConsortium {
  const ordererKey = generateKeyPair().privateKey;
  const siteKeys: Record<string, SiteKeys> = {};
  const sites = request.sites.map((site) => {
    const keys = { caKey: generateKeyPair().privateKey, peerKey: generateKeyPair().privateKey };
    siteKeys[site.id] = keys;
    return {
      ...site,
      caPublicKey: encodePublicKey(keys.caKey),
      peerPublicKey: encodePublicKey(keys.peerKey),
    };
  });
  const config = parseConsortiumConfig({
    channel: request.channel ?? "serums",
    ordererPublicKey: encodePublicKey(ordererKey),
    sites,
    endorsementPolicy: request.endorsementPolicy ?? "majority",
    batch: { ...DEFAULT_BATCH, ...request.batch },
  });
  return { config, ordererKey, siteKeys };
}

/** Issues a new user or service identity at a site: a fresh key pair and a CA-signed certificate. */
export function issueIdentity(
  caKey: KeyObject,
  request: {
    serumsId: string;
    site: string;
    role: string;
    department?: string;
    country?: string;
    issuedAt?: Date;
    expiresAt?: Date;
  },
): Signer {
  const pair = generateKeyPair();
  return createSigner(issueCertificate(caKey, { ...request, publicKey: pair.publicKey }), pair.privateKey);
}

function writeSecret(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (error) {
    throw new SerumsError(
      "BAD_CONFIG",
      `${file}: cannot read the key (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      {
        file,
      },
    );
  }
  return decodePrivateKey(pem, file);
}

export function writeConsortium(dir: string, consortium: LocalConsortium): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, "consortium.json"), `${JSON.stringify(consortium.config, null, 2)}\n`);
  writeSecret(path.join(dir, "orderer.key"), encodePrivateKey(consortium.ordererKey));
  for (const [site, keys] of Object.entries(consortium.siteKeys)) {
    writeSecret(path.join(dir, "sites", site, "ca.key"), encodePrivateKey(keys.caKey));
    writeSecret(path.join(dir, "sites", site, "peer.key"), encodePrivateKey(keys.peerKey));
  }
}

export function readConsortium(dir: string): LocalConsortium {
  const config = loadConsortiumConfig(path.join(dir, "consortium.json"));
  const siteKeys: Record<string, SiteKeys> = {};
  for (const site of config.sites) {
    siteKeys[site.id] = {
      caKey: readKey(path.join(dir, "sites", site.id, "ca.key")),
      peerKey: readKey(path.join(dir, "sites", site.id, "peer.key")),
    };
  }
  return { config, ordererKey: readKey(path.join(dir, "orderer.key")), siteKeys };
}

function signerFiles(dir: string, site: string, name: string): { cert: string; key: string } {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith(".")) {
    throw new SerumsError(
      "BAD_REQUEST",
      `identity file name ${JSON.stringify(name)} must match [A-Za-z0-9._-]+`,
    );
  }
  const base = path.join(dir, "users", site, name);
  return { cert: `${base}.cert.json`, key: `${base}.key` };
}

export function writeSigner(dir: string, name: string, signer: Signer): void {
  const files = signerFiles(dir, signer.certificate.site, name);
  mkdirSync(path.dirname(files.cert), { recursive: true, mode: 0o700 });
  writeFileSync(files.cert, `${JSON.stringify(signer.certificate, null, 2)}\n`);
  writeSecret(files.key, encodePrivateKey(signer.privateKey));
}

export function readSigner(dir: string, site: string, name: string): Signer {
  const files = signerFiles(dir, site, name);
  let cert: Certificate;
  try {
    cert = checkCertificate(JSON.parse(readFileSync(files.cert, "utf8")), files.cert);
  } catch (error) {
    if (error instanceof SerumsError) throw error;
    throw new SerumsError(
      "BAD_CONFIG",
      `${files.cert}: cannot read the certificate (${(error as Error).message})`,
      {
        file: files.cert,
      },
    );
  }
  return createSigner(cert, readKey(files.key));
}
