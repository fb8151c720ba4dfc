/**
 * A Fabric connection profile (the common JSON or YAML format: `client.organization`,
 * `organizations` with `mspid` and `peers`, `peers` with `url`, `tlsCACerts` and `grpcOptions`)
 * plus Serums' own settings, in a `serums` section of the same file:
 *
 * ```yaml
 * serums:
 *   channel: serums
 *   chaincode: serums
 *   peer: peer0.edinburgh.serums.example   # default: the client organisation's first peer
 *   mspId: EdinburghMSP                    # default: the client organisation's mspid
 *   identity:
 *     certificate: users/lake/cert.pem     # paths are relative to the profile
 *     privateKey: users/lake/key.pem
 * ```
 *
 * Everything is checked when the profile is read; an error names the file, the field's path and
 * the bad value, and says what would be valid.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SerumsError, showValue } from "../../errors/index.ts";

const pemOrPath = z
  .object({ pem: z.string().optional(), path: z.string().optional() })
  .refine((v) => (v.pem === undefined) !== (v.path === undefined), {
    message: "give exactly one of pem (the certificate text) or path (a PEM file)",
  });

const peerSchema = z.object({
  url: z.string().regex(/^(grpcs?:\/\/)?[^\s/:]+:\d{1,5}$/, {
    message: "expected grpcs://host:port (TLS) or grpc://host:port",
  }),
  tlsCACerts: pemOrPath.optional(),
  grpcOptions: z.record(z.string(), z.unknown()).optional(),
});

const profileSchema = z.object({
  name: z.string().optional(),
  client: z.object({ organization: z.string().min(1) }).optional(),
  organizations: z
    .record(z.string(), z.object({ mspid: z.string().min(1), peers: z.array(z.string()).optional() }))
    .optional(),
  peers: z.record(z.string(), peerSchema).refine((peers) => Object.keys(peers).length > 0, {
    message: "list at least one peer",
  }),
  serums: z.object({
    channel: z.string().regex(/^[a-z][a-z0-9.-]*$/, {
      message: "expected a Fabric channel name (lower-case letters, digits, '.' and '-')",
    }),
    chaincode: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: "expected a chaincode name" }),
    peer: z.string().min(1).optional(),
    mspId: z.string().min(1).optional(),
    identity: z.object({ certificate: z.string().min(1), privateKey: z.string().min(1) }),
  }),
});

export interface FabricPeerSettings {
  /** The peer's name in the profile. */
  name: string;
  /** host:port for gRPC. */
  endpoint: string;
  tls: boolean;
  /** PEM of the CA that signed the peer's TLS certificate. */
  tlsRootCertificate?: Buffer;
  /** The TLS server name to expect (grpcOptions ssl-target-name-override or hostnameOverride). */
  serverNameOverride?: string;
}

export interface FabricSettings {
  profileFile: string;
  channel: string;
  chaincode: string;
  mspId: string;
  peer: FabricPeerSettings;
  /** PEM of the client's X.509 certificate (with the serums_id, role… attributes). */
  certificate: Buffer;
  /** PEM of the client's private key. */
  privateKey: Buffer;
}

function badProfile(file: string, at: string, message: string, value?: unknown): SerumsError {
  const shown = value === undefined ? "" : ` (found ${showValue(value)})`;
  return new SerumsError("BAD_CONFIG", `${file}, at ${at}: ${message}${shown}`, { file, path: at, value });
}

function valueAt(data: unknown, keys: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of keys) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function readPem(file: string, at: string, target: string, what: RegExp, kind: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(target);
  } catch (cause) {
    throw badProfile(file, at, `the ${kind} file ${target} cannot be read (${(cause as Error).message})`);
  }
  if (!what.test(bytes.toString("utf8"))) throw badProfile(file, at, `${target} does not hold a PEM ${kind}`);
  return bytes;
}

/** Parses and checks the profile's text; `file` names it in errors and anchors relative paths. */
export function parseFabricProfile(text: string, file: string): FabricSettings {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    throw new SerumsError(
      "BAD_CONFIG",
      `${file} is not JSON or YAML: ${(cause as Error).message}`,
      { file },
      { cause },
    );
  }
  const parsed = profileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
    throw badProfile(file, at, issue.message, valueAt(data, issue.path));
  }
  const profile = parsed.data;
  const base = path.dirname(path.resolve(file));
  const organization = profile.client?.organization;
  const org = organization ? profile.organizations?.[organization] : undefined;
  if (organization && !org) {
    throw badProfile(file, "client.organization", "names no organisation under organizations", organization);
  }

  const peerName = profile.serums.peer ?? org?.peers?.[0];
  if (!peerName) {
    throw badProfile(
      file,
      "serums.peer",
      "name the peer to connect to (or list peers under the client's organisation)",
    );
  }
  const peer = profile.peers[peerName];
  if (!peer) {
    throw badProfile(
      file,
      profile.serums.peer ? "serums.peer" : `organizations.${organization}.peers`,
      `names no peer under peers; the peers are ${Object.keys(profile.peers).join(", ")}`,
      peerName,
    );
  }
  const mspId = profile.serums.mspId ?? org?.mspid;
  if (!mspId) throw badProfile(file, "serums.mspId", "give the client's MSP ID (or client.organization)");

  const match = /^(?:(grpcs?):\/\/)?(.+)$/.exec(peer.url)!;
  const tls = match[1] ? match[1] === "grpcs" : peer.tlsCACerts !== undefined;
  let tlsRootCertificate: Buffer | undefined;
  const ca = peer.tlsCACerts;
  if (ca?.pem !== undefined) {
    if (!/-----BEGIN CERTIFICATE-----/.test(ca.pem)) {
      throw badProfile(file, `peers.${peerName}.tlsCACerts.pem`, "is not a PEM certificate", ca.pem);
    }
    tlsRootCertificate = Buffer.from(ca.pem);
  } else if (ca?.path !== undefined) {
    tlsRootCertificate = readPem(
      file,
      `peers.${peerName}.tlsCACerts.path`,
      path.resolve(base, ca.path),
      /-----BEGIN CERTIFICATE-----/,
      "certificate",
    );
  }
  if (tls && !tlsRootCertificate) {
    throw badProfile(
      file,
      `peers.${peerName}.tlsCACerts`,
      "a grpcs:// peer needs the TLS CA certificate (pem or path)",
    );
  }
  const override = peer.grpcOptions?.["ssl-target-name-override"] ?? peer.grpcOptions?.hostnameOverride;
  if (override !== undefined && typeof override !== "string") {
    throw badProfile(
      file,
      `peers.${peerName}.grpcOptions.ssl-target-name-override`,
      "expected a host name",
      override,
    );
  }

  const identity = profile.serums.identity;
  return {
    profileFile: path.resolve(file),
    channel: profile.serums.channel,
    chaincode: profile.serums.chaincode,
    mspId,
    peer: {
      name: peerName,
      endpoint: match[2]!,
      tls,
      ...(tlsRootCertificate ? { tlsRootCertificate } : {}),
      ...(override ? { serverNameOverride: override } : {}),
    },
    certificate: readPem(
      file,
      "serums.identity.certificate",
      path.resolve(base, identity.certificate),
      /-----BEGIN CERTIFICATE-----/,
      "certificate",
    ),
    privateKey: readPem(
      file,
      "serums.identity.privateKey",
      path.resolve(base, identity.privateKey),
      /-----BEGIN (EC )?PRIVATE KEY-----/,
      "private key",
    ),
  };
}

/** Reads a connection profile file (JSON or YAML). */
export function readFabricProfile(file: string): FabricSettings {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new SerumsError(
      "BAD_CONFIG",
      `the Fabric connection profile ${file} cannot be read: ${(cause as Error).message}`,
      { file },
      { cause },
    );
  }
  return parseFabricProfile(text, file);
}
