/**
 * One worker thread of the signature pool (signature-pool.ts): verifies and signs Ed25519 with
 * node:crypto, a batch per message. A batch arrives packed — raw 32-byte public keys, raw 64-byte
 * signatures, and the messages end to end with their offsets — and the answer goes back packed
 * too: one byte per verification (1 = valid) and 64 bytes per signature made. Public keys are
 * turned into KeyObjects once; private keys arrive as KeyObjects (which cross threads).
 */
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

export interface WorkerBatch {
  id: number;
  verify?: { keys: Uint8Array; signatures: Uint8Array; messages: Uint8Array; offsets: Uint32Array };
  sign?: { keys: KeyObject[]; keyOf: Uint16Array; messages: Uint8Array; offsets: Uint32Array };
}

export interface WorkerAnswer {
  id: number;
  valid: Uint8Array;
  signatures: Uint8Array;
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows. */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const publicKeys = new Map<string, KeyObject>();

function publicKey(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString("base64");
  let key = publicKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
    if (publicKeys.size > 10_000) publicKeys.clear();
    publicKeys.set(id, key);
  }
  return key;
}

/** Runs one batch; exported so the pool can run a batch in its own thread when a worker fails. */
export function runBatch(batch: WorkerBatch): WorkerAnswer {
  const v = batch.verify;
  const count = v ? v.offsets.length - 1 : 0;
  const valid = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const message = v!.messages.subarray(v!.offsets[i]!, v!.offsets[i + 1]!);
    try {
      const key = publicKey(v!.keys.subarray(i * 32, i * 32 + 32));
      valid[i] = verify(null, message, key, v!.signatures.subarray(i * 64, i * 64 + 64)) ? 1 : 0;
    } catch {
      valid[i] = 0;
    }
  }
  const s = batch.sign;
  const made = s ? s.offsets.length - 1 : 0;
  const signatures = new Uint8Array(made * 64);
  for (let i = 0; i < made; i++) {
    const message = s!.messages.subarray(s!.offsets[i]!, s!.offsets[i + 1]!);
    signatures.set(sign(null, message, s!.keys[s!.keyOf[i]!]!), i * 64);
  }
  return { id: batch.id, valid, signatures };
}

/** What the pool passes as workerData, so that importing this module elsewhere starts nothing. */
export const WORKER_ROLE = "serums-signature-worker";

if (parentPort && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  port.on("message", (batch: WorkerBatch) => {
    const answer = runBatch(batch);
    port.postMessage(answer, [answer.valid.buffer, answer.signatures.buffer] as ArrayBuffer[]);
  });
}
