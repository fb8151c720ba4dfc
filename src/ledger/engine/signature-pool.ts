/**
 * Ed25519 off the main thread: a small pool of worker threads (one per core) that verify and
 * sign in batches. Ed25519 is the dominant cost of endorsing and validating, and node:crypto's
 * one-shot calls are synchronous, so on the main thread they serialise with everything else.
 *
 * Calls are gathered for one turn of the event loop and then run as one batch split across the
 * workers — validating a block asks for every signature of the block at once, concurrent
 * endorsements share batches. A handful of operations is done in the calling thread instead (a
 * worker round trip costs more than a few signatures). The answers are node:crypto's, computed
 * on exactly the bytes given; a worker that fails has its batch redone in this thread.
 *
 * Idle workers do not keep the process alive; a worker with a batch in flight does.
 */
import type { KeyObject } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { runBatch, WORKER_ROLE, type WorkerAnswer, type WorkerBatch } from "./signature-worker.ts";

/** One Ed25519 verification: the raw 32-byte public key, the message and the raw 64-byte signature. */
export interface VerifyJob {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

interface PendingVerify {
  job: VerifyJob;
  resolve: (valid: boolean) => void;
}

interface PendingSign {
  key: KeyObject;
  message: Uint8Array;
  resolve: (signature: Buffer) => void;
  reject: (error: unknown) => void;
}

interface InFlight {
  batch: WorkerBatch;
  resolve: (answer: WorkerAnswer) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker?: Worker;
  inFlight: Map<number, InFlight>;
}

/** Fewer operations than this in one turn are done in the calling thread. */
export const INLINE_BELOW = 8;

function pack(messages: readonly Uint8Array[]): { messages: Uint8Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(messages.length + 1);
  let total = 0;
  messages.forEach((m, i) => {
    total += m.byteLength;
    offsets[i + 1] = total;
  });
  const packed = new Uint8Array(total);
  messages.forEach((m, i) => {
    packed.set(m, offsets[i]!);
  });
  return { messages: packed, offsets };
}

function fixed(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(parts.length * size);
  parts.forEach((part, i) => {
    if (part.byteLength === size) out.set(part, i * size);
  });
  return out;
}

/** Splits `items` into `n` contiguous runs of nearly equal length. */
function split<T>(items: readonly T[], n: number): T[][] {
  const runs: T[][] = [];
  for (let i = 0; i < n; i++)
    runs.push(items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
  return runs;
}

export class SignaturePool {
  /** Worker threads (0: everything runs in the calling thread). */
  readonly size: number;
  readonly #slots: Slot[];
  #verifies: PendingVerify[] = [];
  #signs: PendingSign[] = [];
  #scheduled = false;
  #nextId = 1;

  constructor(size = Math.max(1, availableParallelism())) {
    this.size = Math.max(0, Math.floor(size));
    this.#slots = Array.from({ length: this.size }, () => ({ inFlight: new Map() }));
  }

  /** Whether `job.signature` is the signature of `job.message` by `job.publicKey`; never rejects. */
  verify(job: VerifyJob): Promise<boolean> {
    if (job.publicKey.byteLength !== 32 || job.signature.byteLength !== 64) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#verifies.push({ job, resolve });
      this.#schedule();
    });
  }

  /** The Ed25519 signature of `message` by `key` (a private KeyObject), 64 raw bytes. */
  sign(key: KeyObject, message: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#signs.push({ key, message, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const verifies = this.#verifies;
    const signs = this.#signs;
    this.#verifies = [];
    this.#signs = [];
    const total = verifies.length + signs.length;
    if (total === 0) return;
    const runs =
      this.size === 0 || total < INLINE_BELOW ? 0 : Math.min(this.size, Math.ceil(total / INLINE_BELOW));
    if (runs === 0) {
      this.#settle(verifies, signs, (batch) => Promise.resolve(runBatch(batch)));
      return;
    }
    const verifyRuns = split(verifies, runs);
    const signRuns = split(signs, runs);
    for (let i = 0; i < runs; i++) {
      this.#settle(verifyRuns[i]!, signRuns[i]!, (batch) => this.#send(i, batch));
    }
  }

  /** Builds one batch, has `run` compute it (redoing it here if that fails), and answers the callers. */
  #settle(
    verifies: readonly PendingVerify[],
    signs: readonly PendingSign[],
    run: (batch: WorkerBatch) => Promise<WorkerAnswer>,
  ): void {
    if (verifies.length === 0 && signs.length === 0) return;
    const batch: WorkerBatch = { id: this.#nextId++ };
    if (verifies.length > 0) {
      batch.verify = {
        keys: fixed(
          verifies.map((v) => v.job.publicKey),
          32,
        ),
        signatures: fixed(
          verifies.map((v) => v.job.signature),
          64,
        ),
        ...pack(verifies.map((v) => v.job.message)),
      };
    }
    if (signs.length > 0) {
      const keys: KeyObject[] = [];
      const keyOf = new Uint16Array(signs.length);
      signs.forEach((s, i) => {
        let k = keys.indexOf(s.key);
        if (k < 0) k = keys.push(s.key) - 1;
        keyOf[i] = k;
      });
      batch.sign = { keys, keyOf, ...pack(signs.map((s) => s.message)) };
    }
    const answer = (result: WorkerAnswer) => {
      verifies.forEach((v, i) => {
        v.resolve(result.valid[i] === 1);
      });
      signs.forEach((s, i) => {
        s.resolve(Buffer.from(result.signatures.subarray(i * 64, i * 64 + 64)));
      });
    };
    const redoHere = () => {
      try {
        answer(runBatch(batch));
      } catch (error) {
        for (const s of signs) s.reject(error);
        for (const v of verifies) v.resolve(false);
      }
    };
    run(batch).then(answer, redoHere);
  }

  #worker(index: number): Worker {
    const slot = this.#slots[index]!;
    if (slot.worker) return slot.worker;
    const worker = new Worker(new URL("./signature-worker.ts", import.meta.url), {
      workerData: { role: WORKER_ROLE },
    });
    worker.unref();
    const fail = (error: unknown) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const pending = [...slot.inFlight.values()];
      slot.inFlight.clear();
      for (const p of pending) p.reject(error);
      void worker.terminate().catch(() => undefined);
    };
    worker.on("message", (answer: WorkerAnswer) => {
      const pending = slot.inFlight.get(answer.id);
      if (!pending) return;
      slot.inFlight.delete(answer.id);
      if (slot.inFlight.size === 0) worker.unref();
      pending.resolve(answer);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`a signature worker exited (code ${code})`)));
    slot.worker = worker;
    return worker;
  }

  #send(index: number, batch: WorkerBatch): Promise<WorkerAnswer> {
    return new Promise((resolve, reject) => {
      let worker: Worker;
      try {
        worker = this.#worker(index);
      } catch (error) {
        reject(error);
        return;
      }
      const slot = this.#slots[index]!;
      slot.inFlight.set(batch.id, { batch, resolve, reject });
      worker.ref();
      // Copied, not transferred: a batch whose worker fails is redone here from the same bytes.
      try {
        worker.postMessage(batch);
      } catch (error) {
        slot.inFlight.delete(batch.id);
        reject(error);
      }
    });
  }

  /** Stops the workers (batches in flight are redone in this thread). */
  async close(): Promise<void> {
    const workers = this.#slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

let shared: SignaturePool | undefined;

/** The process's pool, started on first use. */
export function sharedSignaturePool(): SignaturePool {
  shared ??= new SignaturePool();
  return shared;
}
