/**
 * The production engine's client: the same `LedgerClient` calls the embedded engine serves, run
 * against a Hyperledger Fabric network through the Fabric Gateway (`@hyperledger/fabric-gateway`)
 * of one peer. `submit` endorses, orders and waits for the commit; `evaluate` queries one peer.
 * Results are the contracts' UTF-8 text; failures are SerumsErrors (gateway-errors.ts).
 *
 * The gateway is injected: `connectFabricGateway` builds one from a connection profile (gRPC
 * with the profile's TLS, the X.509 identity and a private-key signer), and tests hand in an
 * object implementing the package's `Gateway` / `Network` / `Contract` interfaces.
 */
import { createPrivateKey } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { type Contract, connect, type Gateway, signers } from "@hyperledger/fabric-gateway";
import { SerumsError } from "../../errors/index.ts";
import type { LedgerClient } from "../contracts/ledger-service.ts";
import type { FabricSettings } from "./connection-profile.ts";
import { toSerumsError } from "./gateway-errors.ts";

/** What the adapter uses of a Fabric `Contract`. */
export type GatewayContract = Pick<Contract, "submitTransaction" | "evaluateTransaction">;

/** What the adapter uses of a Fabric `Network`. */
export interface GatewayNetwork {
  getContract(chaincodeName: string, contractName?: string): GatewayContract;
}

/** What the adapter uses of a Fabric `Gateway`; a real `Gateway` is one. */
export interface GatewayConnection {
  getNetwork(channelName: string): GatewayNetwork;
  close(): void;
}

export interface FabricGatewayClientOptions {
  gateway: GatewayConnection;
  channel: string;
  /** The chaincode name the contracts are deployed under. */
  chaincode: string;
  /** The gRPC connection under the gateway, closed after it. */
  grpcClient?: { close(): void };
}

export interface FabricTimeouts {
  /** To reach the peer at all. */
  connectMs: number;
  evaluateMs: number;
  endorseMs: number;
  submitMs: number;
  commitStatusMs: number;
}

export const DEFAULT_FABRIC_TIMEOUTS: FabricTimeouts = {
  connectMs: 10_000,
  evaluateMs: 5_000,
  endorseMs: 15_000,
  submitMs: 5_000,
  commitStatusMs: 60_000,
};

const UTF8 = new TextDecoder("utf-8", { fatal: true });

export class FabricGatewayClient implements LedgerClient, Disposable {
  readonly #gateway: GatewayConnection;
  readonly #network: GatewayNetwork;
  readonly #chaincode: string;
  readonly #grpcClient: { close(): void } | undefined;
  readonly #contracts = new Map<string, GatewayContract>();
  #closed = false;

  constructor(options: FabricGatewayClientOptions) {
    this.#gateway = options.gateway;
    this.#network = options.gateway.getNetwork(options.channel);
    this.#chaincode = options.chaincode;
    this.#grpcClient = options.grpcClient;
  }

  #contract(name: string, fn: string): GatewayContract {
    if (this.#closed) {
      throw new SerumsError("LEDGER", `${name}.${fn}: the Fabric gateway connection is closed`, {
        path: `${name}.${fn}`,
      });
    }
    let contract = this.#contracts.get(name);
    if (!contract) {
      contract = this.#network.getContract(this.#chaincode, name);
      this.#contracts.set(name, contract);
    }
    return contract;
  }

  async #call(
    kind: "submitTransaction" | "evaluateTransaction",
    contract: string,
    fn: string,
    args: string[],
  ) {
    const target = this.#contract(contract, fn);
    let bytes: Uint8Array;
    try {
      bytes = await target[kind](fn, ...args);
    } catch (error) {
      throw toSerumsError(error, { contract, fn });
    }
    try {
      return UTF8.decode(bytes);
    } catch (cause) {
      throw new SerumsError(
        "LEDGER",
        `${contract}.${fn} answered with bytes that are not UTF-8 text`,
        {
          path: `${contract}.${fn}`,
        },
        { cause },
      );
    }
  }

  submit(contract: string, fn: string, args: string[]): Promise<string> {
    return this.#call("submitTransaction", contract, fn, args);
  }

  evaluate(contract: string, fn: string, args: string[]): Promise<string> {
    return this.#call("evaluateTransaction", contract, fn, args);
  }

  /** Closes the gateway, then the gRPC connection under it. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#gateway.close();
    } finally {
      this.#grpcClient?.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The gRPC client to the profile's peer, with its TLS settings. */
export function newGrpcClient(settings: FabricSettings): grpc.Client {
  const { peer } = settings;
  const credentials = peer.tls
    ? grpc.credentials.createSsl(peer.tlsRootCertificate)
    : grpc.credentials.createInsecure();
  const options: grpc.ChannelOptions = peer.serverNameOverride
    ? {
        "grpc.ssl_target_name_override": peer.serverNameOverride,
        "grpc.default_authority": peer.serverNameOverride,
      }
    : {};
  return new grpc.Client(peer.endpoint, credentials, options);
}

function waitForReady(client: grpc.Client, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + ms, (error) => (error ? reject(error) : resolve()));
  });
}

/** Connects to the profile's peer and returns the client; fails within `connectMs` if it cannot. */
export async function connectFabricGateway(
  settings: FabricSettings,
  timeouts: Partial<FabricTimeouts> = {},
): Promise<FabricGatewayClient> {
  const t = { ...DEFAULT_FABRIC_TIMEOUTS, ...timeouts };
  let signer: ReturnType<typeof signers.newPrivateKeySigner>;
  try {
    signer = signers.newPrivateKeySigner(createPrivateKey(settings.privateKey));
  } catch (cause) {
    throw new SerumsError(
      "BAD_CONFIG",
      `${settings.profileFile}, at serums.identity.privateKey: the key cannot be used to sign (${(cause as Error).message})`,
      { file: settings.profileFile, path: "serums.identity.privateKey" },
      { cause },
    );
  }
  const client = newGrpcClient(settings);
  try {
    await waitForReady(client, t.connectMs);
  } catch (cause) {
    client.close();
    const { name, endpoint, tls } = settings.peer;
    throw new SerumsError(
      "LEDGER",
      `cannot reach the Fabric peer ${name} at ${tls ? "grpcs" : "grpc"}://${endpoint} within ${t.connectMs} ms ` +
        `(${(cause as Error).message}); check that the peer runs and that ${settings.profileFile} names it correctly`,
      { file: settings.profileFile, path: `peers.${name}.url`, value: endpoint },
      { cause },
    );
  }
  const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
  const gateway: Gateway = connect({
    client,
    identity: { mspId: settings.mspId, credentials: settings.certificate },
    signer,
    evaluateOptions: deadline(t.evaluateMs),
    endorseOptions: deadline(t.endorseMs),
    submitOptions: deadline(t.submitMs),
    commitStatusOptions: deadline(t.commitStatusMs),
  });
  return new FabricGatewayClient({
    gateway,
    channel: settings.channel,
    chaincode: settings.chaincode,
    grpcClient: client,
  });
}
