/**
 * The permissioned ledger's public face: the contracts (rules, identities, access log,
 * provenance) and their typed client, the embedded execute–order–validate engine, the RFC 9162
 * Merkle log with its cosigned checkpoints and receipts, and the Fabric production engine.
 */
export * from "./canonical-json.ts";
export * from "./composite-key.ts";
export type * from "./contract-context.ts";
export * from "./contracts/index.ts";
export * from "./engine/index.ts";
export * from "./fabric/index.ts";
export * from "./merkle/index.ts";
