import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { loadImageLibrary, uploadImage } from "../images/index.ts";
import { NEAR_DUPLICATE } from "./decoys.ts";
import { decoyChallenge, graphicalChallenge, keyStatus } from "./graphical-challenge.ts";
import { addUser, countingArgon2, openKeyStore, tableText, tinyPng } from "./key-test-fixtures.ts";
import {
  canonicalSelection,
  enrolRecognitionKey,
  recognitionGrid,
  verifyRecognitionKey,
} from "./recognition-key.ts";

/** Beach with umbrella, palm tree, spiral shell, water wave, sunrise. */
const OWN = ["openmoji-1F3D6", "openmoji-1F334", "openmoji-1F41A", "openmoji-1F30A", "openmoji-1F305"];

describeEachEngine("recognition key", (engine) => {
  let t: TestStore;
  let user: string;
  let grid: string[];
  before(async () => {
    t = await openKeyStore(engine);
    user = await addUser(t.store, "alice");
    const enrolment = await enrolRecognitionKey(t.store, user, OWN);
    grid = enrolment.grid;
    assert.equal(enrolment.strength.kind, "recognition");
  });
  after(() => t.dispose());

  it("builds a grid of the user's images and close, distinct decoys", async () => {
    assert.equal(grid.length, 36);
    assert.equal(new Set(grid).size, 36, "no image twice");
    for (const id of OWN) assert.ok(grid.includes(id), id);
    const library = await loadImageLibrary(t.store);
    const decoys = grid.filter((id) => !OWN.includes(id));
    for (const d of decoys) {
      assert.ok(library.has(d), d);
      for (const o of OWN)
        assert.ok(library.similarity(d, o) < NEAR_DUPLICATE, `${d} is not a near-duplicate of ${o}`);
    }
    const close = decoys.filter((d) => OWN.some((o) => library.similarity(d, o) > 0.1)).length;
    assert.ok(close >= 25, `most decoys are close to the user's images (${close} of 31)`);
    assert.notDeepEqual(grid.slice(0, 5), OWN, "shuffled");
  });

  it("verifies the right images in any order", async () => {
    assert.equal(await verifyRecognitionKey(t.store, user, OWN), true);
    assert.equal(await verifyRecognitionKey(t.store, user, [...OWN].reverse()), true);
  });

  it("refuses a wrong set, k − 1 images, a decoy in place of one, duplicates and images off the grid", async () => {
    const decoys = grid.filter((id) => !OWN.includes(id));
    assert.equal(await verifyRecognitionKey(t.store, user, decoys.slice(0, 5)), false);
    assert.equal(await verifyRecognitionKey(t.store, user, OWN.slice(0, 4)), false);
    assert.equal(await verifyRecognitionKey(t.store, user, [...OWN.slice(0, 4), decoys[0]!]), false);
    assert.equal(await verifyRecognitionKey(t.store, user, [...OWN, decoys[0]!]), false);
    assert.equal(await verifyRecognitionKey(t.store, user, [...OWN.slice(0, 4), OWN[0]!]), false);
    assert.equal(await verifyRecognitionKey(t.store, user, [...OWN.slice(0, 4), "openmoji-1F600"]), false);
    assert.equal(await verifyRecognitionKey(t.store, user, "openmoji-1F3D6" as unknown as string[]), false);
  });

  it("shows the same grid at every login: observation reveals nothing new", async () => {
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await graphicalChallenge(t.store, user, "alice"));
    for (const challenge of seen) assert.deepEqual(challenge, { kind: "recognition", grid, k: 5 });
    assert.deepEqual(await recognitionGrid(t.store, user), { grid, k: 5 });
  });

  it("stores the grid and a hash only — nothing says which images are the user's", async () => {
    const row = (await t.store.get<Record<string, unknown>>(
      "SELECT * FROM auth_recognition_key WHERE serums_id = $1",
      [user],
    ))!;
    assert.deepEqual(Object.keys(row).sort(), ["created_at", "grid", "hash", "k", "serums_id", "updated_at"]);
    assert.match(String(row.hash), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.deepEqual(JSON.parse(String(row.grid)), grid);
    assert.ok(!String(row.hash).includes("openmoji"));
    assert.equal(canonicalSelection([...OWN].reverse()), canonicalSelection(OWN));
  });

  it("counts choices per image only, with no user in the population table", async () => {
    const rows = await t.store.all<Record<string, unknown>>(
      "SELECT * FROM auth_image_choice_count ORDER BY image_id",
    );
    assert.deepEqual(Object.keys(rows[0]!).sort(), ["chosen", "image_id"]);
    assert.deepEqual(
      rows.map((r) => r.image_id),
      [...OWN].sort(),
      "only the chosen images are counted, never the decoys",
    );
    assert.ok(rows.every((r) => Number(r.chosen) === 1));
    assert.ok(!(await tableText(t.store, "auth_image_choice_count")).includes(user));
  });

  it("does one argon2id computation for unknown users, users without the key and bad picks", async () => {
    const counting = countingArgon2();
    const options = { argon2: counting.argon2 };
    const noKey = await addUser(t.store);
    assert.equal(await verifyRecognitionKey(t.store, undefined, OWN, options), false);
    assert.equal(await verifyRecognitionKey(t.store, noKey, OWN, options), false);
    assert.equal(await verifyRecognitionKey(t.store, user, OWN.slice(0, 2), options), false);
    assert.equal(await verifyRecognitionKey(t.store, user, OWN, options), true);
    assert.equal(counting.calls.length, 4);
  });

  it("shows unknown login names a stable decoy grid of the same shape", async () => {
    const first = await graphicalChallenge(t.store, undefined, "mallory");
    const again = await graphicalChallenge(t.store, undefined, "Mallory ");
    assert.deepEqual(again, first, "stable for the name (trimmed, case-folded)");
    const names = ["bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"];
    const challenges = await Promise.all(names.map((n) => decoyChallenge(t.store, n)));
    const grids = challenges.filter((c) => c.kind === "recognition");
    assert.ok(grids.length >= 3, "most decoy challenges are grids");
    for (const g of grids) {
      assert.equal(g.grid.length, 36);
      assert.equal(g.k, 5);
      assert.equal(new Set(g.grid).size, 36);
    }
    assert.notDeepEqual(grids[0], grids[1], "different names, different grids");
    const noKey = await addUser(t.store, "judy");
    assert.deepEqual(await graphicalChallenge(t.store, noKey, "judy"), await decoyChallenge(t.store, "judy"));
    assert.deepEqual(await keyStatus(t.store, user), { text: false, graphical: "recognition" });
  });

  it("refuses a wrong number of images, duplicates and images outside the library", async () => {
    const other = await addUser(t.store);
    await assert.rejects(enrolRecognitionKey(t.store, other, OWN.slice(0, 4)), (e: SerumsError) =>
      /4 chosen; valid: exactly 5/.test(e.message),
    );
    await assert.rejects(
      enrolRecognitionKey(t.store, other, [...OWN.slice(0, 4), OWN[0]!]),
      (e: SerumsError) => e.code === "BAD_REQUEST" && /images\[4\].*chosen twice/.test(e.message),
    );
    await assert.rejects(
      enrolRecognitionKey(t.store, other, [...OWN.slice(0, 4), "openmoji-NOPE"]),
      (e: SerumsError) => e.code === "BAD_REQUEST" && /images\[4\] "openmoji-NOPE"/.test(e.message),
    );
    assert.equal(await recognitionGrid(t.store, other), undefined);
  });

  it("lets a user choose their own upload, never someone else's, and never uses uploads as decoys", async () => {
    const owner = await addUser(t.store);
    const stranger = await addUser(t.store);
    const { image } = await uploadImage(t.store, owner, {
      name: "holiday.png",
      bytes: tinyPng("holiday"),
      tags: ["beach", "holiday"],
    });
    await assert.rejects(
      enrolRecognitionKey(t.store, stranger, [...OWN.slice(0, 4), image.id]),
      (e: SerumsError) => e.code === "BAD_REQUEST" && /images\[4\]/.test(e.message),
    );
    const { grid: ownerGrid, strength } = await enrolRecognitionKey(
      t.store,
      owner,
      [...OWN.slice(0, 4), image.id],
      {
        minGraphicalScore: 0,
      },
    );
    assert.ok(ownerGrid.includes(image.id));
    assert.ok(strength.guesses <= 52_360, "the upload stands out: at most C(35, 4) selections remain");
    assert.ok(strength.feedback.warning);
    const { grid: strangerGrid } = await enrolRecognitionKey(t.store, stranger, OWN);
    assert.ok(!strangerGrid.includes(image.id), "an upload is never someone else's decoy");
  });
});
