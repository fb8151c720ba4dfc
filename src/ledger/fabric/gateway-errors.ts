/**
 * Fabric Gateway's failures as SerumsErrors, so a caller of the ledger sees the same codes on
 * Fabric as on the embedded engine:
 *
 * - a contract's own SerumsError (carried in the peers' messages by the chaincode's index.js as
 *   "SerumsError CODE: message") keeps its code and message;
 * - an endorsement that fails otherwise (peers disagree, the policy cannot be met, the chaincode
 *   fails) is ENDORSEMENT, naming each peer's message;
 * - a transaction invalidated at commit by an MVCC or phantom read conflict is CONFLICT (the
 *   caller may retry); by the endorsement policy, ENDORSEMENT;
 * - everything else (ordering, commit status, an unreachable gateway) is LEDGER.
 *
 * Every message names the contract function and, when known, the transaction ID.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { type ErrorDetail, StatusCode } from "@hyperledger/fabric-gateway";
import { type ErrorCode, SerumsError } from "../../errors/index.ts";
import { CHAINCODE_ERROR_PREFIX } from "./chaincode-package.ts";

/** The codes a contract may throw with; anything else in a peer's message is not ours. */
const CONTRACT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "BAD_REQUEST",
  "BAD_SIGNATURE",
  "FORBIDDEN",
  "NOT_FOUND",
  "ENDORSEMENT",
  "CONFLICT",
  "TAMPERED",
  "LEDGER",
  "IDENTITY_CONFLICT",
]);

const CODED = new RegExp(`${CHAINCODE_ERROR_PREFIX}([A-Z_]+): ([\\s\\S]*)$`);

/** A contract's SerumsError read back from a peer's message, if the message carries one. */
export function decodeChaincodeError(message: string): { code: ErrorCode; message: string } | undefined {
  const match = CODED.exec(message);
  if (!match || !CONTRACT_CODES.has(match[1] as ErrorCode)) return undefined;
  return { code: match[1] as ErrorCode, message: match[2]! };
}

/** The call being made, for the messages. */
export interface GatewayCall {
  contract: string;
  fn: string;
}

interface GatewayErrorShape extends Error {
  code: number;
  details?: ErrorDetail[];
  transactionId?: string;
}

function grpcStatusName(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? String(code);
}

function txStatusName(code: number): string {
  const entry = Object.entries(StatusCode).find(([, value]) => value === code);
  return entry ? entry[0] : String(code);
}

function peersSaid(details: readonly ErrorDetail[] | undefined): string {
  if (!details || details.length === 0) return "";
  return details.map((d) => `${d.mspId || "?"} ${d.address || "?"}: ${d.message}`).join("; ");
}

function isGatewayError(error: unknown): error is GatewayErrorShape {
  return (
    error instanceof Error &&
    ["GatewayError", "EndorseError", "SubmitError", "CommitStatusError", "CommitError"].includes(
      error.name,
    ) &&
    typeof (error as { code?: unknown }).code === "number"
  );
}

export function toSerumsError(error: unknown, call: GatewayCall): SerumsError {
  if (error instanceof SerumsError) return error;
  const what = `${call.contract}.${call.fn}`;
  const where = { path: what };
  if (!isGatewayError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new SerumsError("LEDGER", `${what} failed on the Fabric gateway: ${message}`, where, {
      cause: error,
    });
  }
  const tx = error.transactionId ? `transaction ${error.transactionId}` : "the transaction";
  const txWhere = error.transactionId ? { ...where, value: error.transactionId } : where;

  if (error.name === "CommitError") {
    const status = txStatusName(error.code);
    const code: ErrorCode =
      error.code === StatusCode.MVCC_READ_CONFLICT || error.code === StatusCode.PHANTOM_READ_CONFLICT
        ? "CONFLICT"
        : error.code === StatusCode.ENDORSEMENT_POLICY_FAILURE
          ? "ENDORSEMENT"
          : "LEDGER";
    const advice =
      code === "CONFLICT"
        ? "; another transaction changed what it read first, so it may be retried"
        : code === "ENDORSEMENT"
          ? "; its endorsements do not satisfy the chaincode's endorsement policy"
          : "";
    return new SerumsError(
      code,
      `${what}: ${tx} was invalidated at commit with status ${status}${advice}`,
      txWhere,
      {
        cause: error,
      },
    );
  }

  // A contract's own error, as one of the peers reported it.
  for (const text of [...(error.details ?? []).map((d) => d.message), error.message]) {
    const decoded = decodeChaincodeError(text);
    if (decoded) return new SerumsError(decoded.code, decoded.message, txWhere, { cause: error });
  }

  const grpc = grpcStatusName(error.code);
  const peers = peersSaid(error.details);
  const said = peers ? ` Peers said: ${peers}` : ` (${error.message})`;
  const unreachable = error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.DEADLINE_EXCEEDED;
  switch (error.name) {
    case "EndorseError":
      return new SerumsError(
        unreachable ? "LEDGER" : "ENDORSEMENT",
        `${what}: ${tx} was not endorsed (gRPC ${grpc}).${said}`,
        txWhere,
        { cause: error },
      );
    case "SubmitError":
      return new SerumsError(
        "LEDGER",
        `${what}: ${tx} was endorsed but not ordered (gRPC ${grpc}).${said}`,
        txWhere,
        {
          cause: error,
        },
      );
    case "CommitStatusError":
      return new SerumsError(
        "LEDGER",
        `${what}: ${tx} was submitted, but its commit status could not be read (gRPC ${grpc}); it may still commit.${said}`,
        txWhere,
        { cause: error },
      );
    default:
      return new SerumsError(
        "LEDGER",
        unreachable
          ? `${what}: the Fabric gateway peer did not answer (gRPC ${grpc}).${said}`
          : `${what} failed on the Fabric gateway (gRPC ${grpc}).${said}`,
        txWhere,
        { cause: error },
      );
  }
}
