/**
 * The ledger's production engine: Serums' contracts packaged as Hyperledger Fabric chaincode,
 * and a `LedgerClient` that runs the same calls through a Fabric Gateway peer. See
 * docs/fabric-deployment.md for the network these expect.
 */
export {
  buildChaincodePackage,
  CHAINCODE_ERROR_PREFIX,
  type ChaincodePackage,
  type ChaincodePackageOptions,
  DEFAULT_CHAINCODE_ENTRY,
  DEFAULT_CHAINCODE_EXPORT,
} from "./chaincode-package.ts";
export {
  DEFAULT_ALLOWED_FOLDERS,
  DEFAULT_ALLOWED_PACKAGES,
  DEFAULT_FORBIDDEN_FOLDERS,
} from "./chaincode-sources.ts";
export {
  type FabricPeerSettings,
  type FabricSettings,
  parseFabricProfile,
  readFabricProfile,
} from "./connection-profile.ts";
export {
  connectFabricGateway,
  DEFAULT_FABRIC_TIMEOUTS,
  FabricGatewayClient,
  type FabricGatewayClientOptions,
  type FabricTimeouts,
  type GatewayConnection,
  type GatewayContract,
  type GatewayNetwork,
} from "./fabric-gateway-client.ts";
export { decodeChaincodeError, toSerumsError } from "./gateway-errors.ts";
