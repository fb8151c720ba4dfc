/**
 * The contracts a peer runs, addressed by name (fabric-contract-api's getName(), or a `name`
 * property). Callable functions are the own methods of the contract's class prototype, except
 * the constructor and names starting with "_" — Fabric's rule.
 */
import { SerumsError } from "../../errors/index.ts";
import type { LedgerContext } from "../contract-context.ts";

export type ContractFunction = (ctx: LedgerContext, ...args: string[]) => Promise<unknown>;

function contractName(instance: object): string {
  const named = instance as { getName?: () => unknown; name?: unknown };
  const name = typeof named.getName === "function" ? named.getName() : named.name;
  if (typeof name !== "string" || name === "") {
    throw new SerumsError("LEDGER", `a contract of class ${instance.constructor?.name ?? "?"} has no name`);
  }
  return name;
}

export class ContractRegistry {
  readonly #contracts = new Map<string, Map<string, ContractFunction>>();

  constructor(instances: readonly object[]) {
    for (const instance of instances) {
      const name = contractName(instance);
      if (this.#contracts.has(name))
        throw new SerumsError("LEDGER", `two contracts are named ${JSON.stringify(name)}`);
      const functions = new Map<string, ContractFunction>();
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const fn of Object.getOwnPropertyNames(prototype)) {
        if (fn === "constructor" || fn.startsWith("_")) continue;
        const descriptor = Object.getOwnPropertyDescriptor(prototype, fn);
        if (typeof descriptor?.value !== "function") continue;
        functions.set(fn, (descriptor.value as ContractFunction).bind(instance));
      }
      this.#contracts.set(name, functions);
    }
  }

  get names(): string[] {
    return [...this.#contracts.keys()];
  }

  resolve(contract: string, fn: string): ContractFunction {
    const functions = this.#contracts.get(contract);
    if (!functions) {
      throw new SerumsError(
        "NOT_FOUND",
        `no contract ${JSON.stringify(contract)}; the peer runs ${this.names.map((n) => JSON.stringify(n)).join(", ") || "none"}`,
      );
    }
    const found = functions.get(fn);
    if (!found) {
      throw new SerumsError(
        "NOT_FOUND",
        `contract ${contract} has no function ${JSON.stringify(fn)}; it has ${[...functions.keys()].join(", ")}`,
      );
    }
    return found;
  }
}

/** A contract function's return value as the transaction's result text. */
export function resultText(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  throw new SerumsError("LEDGER", `${where} returned a ${typeof value}; contract functions return text`);
}
