import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  type ErrorDetail,
  type Gateway,
  GatewayError,
  StatusCode,
} from "@hyperledger/fabric-gateway";
import { SubmitError } from "@hyperledger/fabric-gateway/dist/submiterror.js";
import { SerumsError } from "../../errors/index.ts";
import type { FabricSettings } from "./connection-profile.ts";
import {
  connectFabricGateway,
  FabricGatewayClient,
  type GatewayConnection,
  type GatewayContract,
  type GatewayNetwork,
} from "./fabric-gateway-client.ts";

// A real Gateway fits the adapter's view of it (a compile-time check).
const fits: (gateway: Gateway) => GatewayConnection = (gateway) => gateway;
void fits;

interface Call {
  kind: "submit" | "evaluate";
  channel: string;
  chaincode: string;
  contract: string | undefined;
  fn: string;
  args: Array<string | Uint8Array>;
}

/** A gateway implementing the package's interfaces, answering with `answer` and recording calls. */
function fakeGateway(answer: (call: Call) => Uint8Array | Error) {
  const calls: Call[] = [];
  const contractsMade: string[] = [];
  let closed = 0;
  const gateway: GatewayConnection = {
    getNetwork(channel: string): GatewayNetwork {
      return {
        getContract(chaincode: string, contract?: string): GatewayContract {
          contractsMade.push(`${chaincode}/${contract}`);
          const run = async (kind: Call["kind"], fn: string, args: Array<string | Uint8Array>) => {
            const call = { kind, channel, chaincode, contract, fn, args };
            calls.push(call);
            const result = answer(call);
            if (result instanceof Error) throw result;
            return result;
          };
          return {
            submitTransaction: (fn, ...args) => run("submit", fn, args),
            evaluateTransaction: (fn, ...args) => run("evaluate", fn, args),
          };
        },
      };
    },
    close() {
      closed += 1;
    },
  };
  return { gateway, calls, contractsMade, closedCount: () => closed };
}

function serviceError(code: status, message: string): ServiceError {
  return Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
}

const PEERS: ErrorDetail[] = [
  { address: "peer0.edinburgh:7051", mspId: "EdinburghMSP", message: "chaincode response 500, boom" },
  { address: "peer0.barcelona:7051", mspId: "BarcelonaMSP", message: "chaincode response 500, boom" },
];

async function failureOf(error: Error): Promise<SerumsError> {
  const { gateway } = fakeGateway(() => error);
  const client = new FabricGatewayClient({ gateway, channel: "serums", chaincode: "serums" });
  try {
    await client.submit("rules", "publishSiteRule", ["{}"]);
  } catch (e) {
    assert.ok(e instanceof SerumsError, `not a SerumsError: ${e}`);
    return e;
  }
  assert.fail("the call should have failed");
}

describe("FabricGatewayClient", () => {
  it("sends each call to the right channel, chaincode, contract, function and arguments, and decodes the text", async () => {
    const fake = fakeGateway((call) =>
      new TextEncoder().encode(`${call.kind}:${call.fn}:${call.args.join("|")} ✓`),
    );
    const client = new FabricGatewayClient({
      gateway: fake.gateway,
      channel: "serums",
      chaincode: "serums-cc",
    });
    assert.equal(
      await client.submit("rules", "publishSiteRule", ['{"id":"r1"}', "x"]),
      'submit:publishSiteRule:{"id":"r1"}|x ✓',
    );
    assert.equal(await client.evaluate("rules", "listRules", []), "evaluate:listRules: ✓");
    assert.equal(await client.evaluate("access", "accessHistory", ["p1"]), "evaluate:accessHistory:p1 ✓");
    assert.deepEqual(
      fake.calls.map((c) => [c.kind, c.channel, c.chaincode, c.contract, c.fn, c.args]),
      [
        ["submit", "serums", "serums-cc", "rules", "publishSiteRule", ['{"id":"r1"}', "x"]],
        ["evaluate", "serums", "serums-cc", "rules", "listRules", []],
        ["evaluate", "serums", "serums-cc", "access", "accessHistory", ["p1"]],
      ],
    );
    assert.deepEqual(
      fake.contractsMade,
      ["serums-cc/rules", "serums-cc/access"],
      "one Contract per contract name",
    );
  });

  it("refuses an answer that is not UTF-8", async () => {
    const { gateway } = fakeGateway(() => new Uint8Array([0xff, 0xfe]));
    const client = new FabricGatewayClient({ gateway, channel: "c", chaincode: "cc" });
    await assert.rejects(client.evaluate("rules", "listRules", []), (e: unknown) => {
      return (
        e instanceof SerumsError && e.code === "LEDGER" && /rules\.listRules .*not UTF-8/.test(e.message)
      );
    });
  });

  it("gives a contract's own SerumsError back with its code and message", async () => {
    const error = await failureOf(
      new EndorseError({
        code: status.ABORTED,
        transactionId: "tx-7",
        message: "10 ABORTED: failed to endorse transaction, see attached details for more info",
        details: [
          {
            address: "peer0.edinburgh:7051",
            mspId: "EdinburghMSP",
            message:
              "chaincode response 500, SerumsError FORBIDDEN: site barcelona may not publish for edinburgh",
          },
        ],
        cause: serviceError(status.ABORTED, "failed to endorse"),
      }),
    );
    assert.equal(error.code, "FORBIDDEN");
    assert.equal(error.message, "site barcelona may not publish for edinburgh");
    assert.equal(error.where.value, "tx-7");
  });

  it("maps an endorsement failure to ENDORSEMENT, naming the transaction and each peer's message", async () => {
    const error = await failureOf(
      new EndorseError({
        code: status.ABORTED,
        transactionId: "tx-8",
        message: "10 ABORTED: failed to endorse transaction",
        details: PEERS,
        cause: serviceError(status.ABORTED, "failed to endorse"),
      }),
    );
    assert.equal(error.code, "ENDORSEMENT");
    assert.match(error.message, /rules\.publishSiteRule: transaction tx-8 was not endorsed \(gRPC ABORTED\)/);
    assert.match(
      error.message,
      /EdinburghMSP peer0\.edinburgh:7051: chaincode response 500, boom; BarcelonaMSP/,
    );
  });

  it("maps an MVCC or phantom read conflict at commit to CONFLICT and a policy failure to ENDORSEMENT", async () => {
    for (const [code, expected, name] of [
      [StatusCode.MVCC_READ_CONFLICT, "CONFLICT", "MVCC_READ_CONFLICT"],
      [StatusCode.PHANTOM_READ_CONFLICT, "CONFLICT", "PHANTOM_READ_CONFLICT"],
      [StatusCode.ENDORSEMENT_POLICY_FAILURE, "ENDORSEMENT", "ENDORSEMENT_POLICY_FAILURE"],
      [StatusCode.DUPLICATE_TXID, "LEDGER", "DUPLICATE_TXID"],
    ] as const) {
      const error = await failureOf(
        new CommitError({ code, transactionId: "tx-9", message: "failed to commit" }),
      );
      assert.equal(error.code, expected, name);
      assert.match(
        error.message,
        new RegExp(`transaction tx-9 was invalidated at commit with status ${name}`),
      );
    }
  });

  it("maps ordering and commit-status failures and an unreachable gateway to LEDGER", async () => {
    const submit = await failureOf(
      new SubmitError({
        code: status.UNAVAILABLE,
        transactionId: "tx-10",
        details: [],
        message: "14 UNAVAILABLE: no orderer",
        cause: serviceError(status.UNAVAILABLE, "no orderer"),
      }),
    );
    assert.equal(submit.code, "LEDGER");
    assert.match(submit.message, /transaction tx-10 was endorsed but not ordered \(gRPC UNAVAILABLE\)/);

    const commitStatus = await failureOf(
      new CommitStatusError({
        code: status.DEADLINE_EXCEEDED,
        transactionId: "tx-11",
        details: [],
        message: "4 DEADLINE_EXCEEDED",
        cause: serviceError(status.DEADLINE_EXCEEDED, "deadline"),
      }),
    );
    assert.equal(commitStatus.code, "LEDGER");
    assert.match(
      commitStatus.message,
      /transaction tx-11 was submitted, but its commit status could not be read/,
    );

    const unreachable = await failureOf(
      new GatewayError({
        code: status.UNAVAILABLE,
        details: [],
        message: "14 UNAVAILABLE: No connection established",
        cause: serviceError(status.UNAVAILABLE, "No connection established"),
      }),
    );
    assert.equal(unreachable.code, "LEDGER");
    assert.match(unreachable.message, /the Fabric gateway peer did not answer \(gRPC UNAVAILABLE\)/);

    const unexpected = await failureOf(new TypeError("something else"));
    assert.equal(unexpected.code, "LEDGER");
    assert.match(unexpected.message, /rules\.publishSiteRule failed on the Fabric gateway: something else/);
  });

  it("close releases the gateway and the gRPC client once, and later calls fail clearly", async () => {
    const fake = fakeGateway(() => new Uint8Array());
    let grpcClosed = 0;
    const client = new FabricGatewayClient({
      gateway: fake.gateway,
      channel: "c",
      chaincode: "cc",
      grpcClient: { close: () => (grpcClosed += 1) },
    });
    client.close();
    client.close();
    assert.equal(fake.closedCount(), 1);
    assert.equal(grpcClosed, 1);
    await assert.rejects(client.submit("rules", "listRules", []), /the Fabric gateway connection is closed/);
  });
});

describe("connectFabricGateway", () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const settings: FabricSettings = {
    profileFile: "/etc/serums/fabric.yaml",
    channel: "serums",
    chaincode: "serums",
    mspId: "EdinburghMSP",
    peer: { name: "peer0.edinburgh", endpoint: "127.0.0.1:1", tls: false },
    certificate: Buffer.from("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"),
    privateKey: Buffer.from(privateKey.export({ type: "pkcs8", format: "pem" })),
  };

  it("fails with a clear error within the deadline when the peer's port is closed", async () => {
    const started = Date.now();
    await assert.rejects(connectFabricGateway(settings, { connectMs: 500 }), (e: unknown) => {
      assert.ok(e instanceof SerumsError);
      assert.equal(e.code, "LEDGER");
      assert.match(
        e.message,
        /cannot reach the Fabric peer peer0\.edinburgh at grpc:\/\/127\.0\.0\.1:1 within 500 ms/,
      );
      assert.equal(e.where.path, "peers.peer0.edinburgh.url");
      return true;
    });
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  });

  it("refuses a private key it cannot sign with, naming the profile field", async () => {
    await assert.rejects(
      connectFabricGateway({ ...settings, privateKey: Buffer.from("not a key") }, { connectMs: 100 }),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.code === "BAD_CONFIG" &&
        /at serums\.identity\.privateKey/.test(e.message),
    );
  });
});
