/**
 * The contracts' own tests, run again on the embedded engine: every suite of the files below is
 * re-registered under one suite per store engine, with test-fixtures.ts's ledger swapped for a
 * three-site EmbeddedNetwork (engine-ledger.ts). The same assertions that hold on the in-memory
 * double must hold on the engine: same results, same refusals, same writes and events.
 *
 * Each file is imported again under a query string, so its `describe` calls run inside our suite.
 */
import { after, afterEach, before, describe } from "node:test";
import { testEngines } from "../../store/test-engines.ts";
import { engineLedgerFactory } from "./engine-ledger.ts";
import { useLedgerFactory } from "./test-fixtures.ts";

const SUITES = [
  "./identity-contract.test.ts",
  "./rules-contract.test.ts",
  "./site-policy.test.ts",
  "./access-contract.test.ts",
  "./provenance-contract.test.ts",
  "./ledger-service.test.ts",
  "./ledger-data.test.ts",
  "./contract-arguments.test.ts",
  "./site-rule-reindex.test.ts",
];

for (const engine of testEngines()) {
  describe(`the contracts' tests on the embedded engine [${engine.engine}]`, async () => {
    const ledgers = engineLedgerFactory(engine);
    before(() => useLedgerFactory(ledgers.factory));
    afterEach(() => ledgers.closeAll());
    after(async () => {
      useLedgerFactory();
      await ledgers.closeAll();
    });
    for (const suite of SUITES) await import(`${suite}?engine=${engine.engine}`);
  });
}
