/**
 * What a Serums contract may use of its context: the part of Hyperledger Fabric's chaincode
 * stub and client identity that both the embedded engine and a Fabric peer provide. Contracts
 * are written against these types only, so the same code runs on both; Fabric's own `Context`
 * (`fabric-contract-api`) satisfies `LedgerContext` structurally.
 *
 * Values are bytes, as on Fabric; contracts store canonical JSON (canonical-json.ts) in them.
 * Times come from `getDateTimestamp()`, the proposal's timestamp, which every endorser sees
 * alike — never from the clock, which would make endorsements differ.
 */

export interface LedgerKV {
  key: string;
  value: Uint8Array;
}

export interface LedgerKeyModification {
  txId: string;
  value: Uint8Array;
  isDelete: boolean;
}

export interface LedgerStub {
  getTxID(): string;
  /** The channel (the consortium's ledger) the transaction runs on. */
  getChannelID(): string;
  /** The transaction proposal's timestamp. */
  getDateTimestamp(): Date;
  /** The value, or an empty array when the key has none (Fabric's convention). */
  getState(key: string): Promise<Uint8Array>;
  putState(key: string, value: Uint8Array): Promise<void>;
  deleteState(key: string): Promise<void>;
  /** Keys in [startKey, endKey) in byte order; Fabric returns a promise that is also async-iterable. */
  getStateByRange(startKey: string, endKey: string): AsyncIterable<LedgerKV>;
  getStateByPartialCompositeKey(objectType: string, attributes: string[]): AsyncIterable<LedgerKV>;
  /** Every committed change of the key, newest first (as Fabric's peers return it). */
  getHistoryForKey(key: string): AsyncIterable<LedgerKeyModification>;
  createCompositeKey(objectType: string, attributes: string[]): string;
  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] };
  setEvent(name: string, payload: Uint8Array): void;
}

/**
 * The caller of a transaction. On the embedded engine the MSP ID is the site's ID and the
 * attributes come from the registry of identities; on Fabric they come from the caller's
 * certificate, issued by the site's CA with the same attribute names:
 *   serums_id, role, department, country.
 */
export interface LedgerClientIdentity {
  getID(): string;
  getMSPID(): string;
  getAttributeValue(name: string): string | null;
}

export interface LedgerContext {
  stub: LedgerStub;
  clientIdentity: LedgerClientIdentity;
}
