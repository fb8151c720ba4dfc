/**
 * A peer's append-only event logs. Every event of a valid transaction whose name starts with
 * "log:" is appended, in block order, to the RFC 9162 Merkle log of that name (leaf =
 * leafHash(payload)). The entries are persisted with the block (peer-store.ts); here are the
 * in-memory trees rebuilt from them at start, which give sizes, roots and proofs.
 */
import { SerumsError } from "../../errors/index.ts";
import { type Checkpoint, leafHash, MerkleLog } from "../merkle/index.ts";
import { fromBase64 } from "./encoding.ts";
import type { LogRow } from "./validate-block.ts";

export class EventLogs {
  readonly #trees = new Map<string, MerkleLog>();
  /** txId → where its entries are */
  readonly #byTx = new Map<string, { name: string; index: number }[]>();

  /** Rebuilds the trees from the stored entries (ordered by name, then index). */
  static fromRows(rows: readonly (LogRow & { index: number })[]): EventLogs {
    const logs = new EventLogs();
    for (const row of rows) {
      const tree = logs.#tree(row.name);
      if (tree.size !== row.index) {
        throw new SerumsError("TAMPERED", `log ${row.name} skips from entry ${tree.size} to ${row.index}`);
      }
      logs.#append(row);
    }
    return logs;
  }

  #tree(name: string): MerkleLog {
    let tree = this.#trees.get(name);
    if (!tree) {
      tree = new MerkleLog();
      this.#trees.set(name, tree);
    }
    return tree;
  }

  #append(row: LogRow): number {
    const index = this.#tree(row.name).append(leafHash(fromBase64(row.payload, `log ${row.name} entry`)));
    const places = this.#byTx.get(row.txId) ?? [];
    places.push({ name: row.name, index });
    this.#byTx.set(row.txId, places);
    return index;
  }

  /** The indexes these entries will take, in order, without appending them. */
  plan(rows: readonly LogRow[]): number[] {
    const next = new Map<string, number>();
    return rows.map((row) => {
      const index = next.get(row.name) ?? this.#trees.get(row.name)?.size ?? 0;
      next.set(row.name, index + 1);
      return index;
    });
  }

  /** Appends committed entries. */
  apply(rows: readonly LogRow[]): void {
    for (const row of rows) this.#append(row);
  }

  get names(): string[] {
    return [...this.#trees.keys()].sort();
  }

  size(name: string): number {
    return this.#trees.get(name)?.size ?? 0;
  }

  root(name: string, size?: number): Uint8Array {
    return (this.#trees.get(name) ?? new MerkleLog()).root(size);
  }

  /** Where a transaction's entries are (empty when it logged nothing). */
  placesOf(txId: string): { name: string; index: number }[] {
    return this.#byTx.get(txId) ?? [];
  }

  inclusionProof(name: string, index: number, size?: number): Uint8Array[] {
    return this.#existing(name).inclusionProof(index, size);
  }

  consistencyProof(name: string, oldSize: number, newSize?: number): Uint8Array[] {
    return this.#existing(name).consistencyProof(oldSize, newSize);
  }

  /** The log's checkpoint (C2SP tlog-checkpoint): origin `${channel}/${name}`, size, root. */
  checkpoint(channel: string, name: string, size?: number): Checkpoint {
    const at = size ?? this.size(name);
    return { origin: `${channel}/${name}`, size: at, rootHash: this.root(name, at) };
  }

  #existing(name: string): MerkleLog {
    const tree = this.#trees.get(name);
    if (!tree) throw new SerumsError("NOT_FOUND", `no log named ${JSON.stringify(name)}`);
    return tree;
  }
}
