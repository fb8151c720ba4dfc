import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { encodePhc, nodeArgon2id, OWASP_MINIMUM, parsePhc } from "./argon2-hash.ts";
import { assertStrength, scoreFromGuesses } from "./key-strength.ts";
import { addUser, countingArgon2, openKeyStore, tableText } from "./key-test-fixtures.ts";
import { enrolTextKey, proposeTextKey, secretWords, textKeyStrength, verifyTextKey } from "./text-key.ts";

describe("text key proposal", () => {
  it("capitalises each word and drops spaces and punctuation", () => {
    assert.equal(proposeTextKey("Places that we visited in Europe"), "PlacesThatWeVisitedInEurope");
    assert.equal(proposeTextKey("Places we visited in Europe"), "PlacesWeVisitedInEurope");
    assert.equal(proposeTextKey("  places, that we visited... in Europe!  "), "PlacesThatWeVisitedInEurope");
    assert.equal(proposeTextKey("Mum's garden (1998)"), "MumsGarden1998");
    assert.equal(proposeTextKey("our NHS nurse"), "OurNHSNurse");
  });

  it("keeps accents and other scripts, composed to NFC", () => {
    const decomposed = "cafe\u0301 in Zu\u0308rich";
    assert.equal(proposeTextKey(decomposed), "CaféInZürich");
    assert.equal(proposeTextKey(decomposed), proposeTextKey("café in Zürich"));
    assert.equal(proposeTextKey(decomposed).normalize("NFC"), proposeTextKey(decomposed));
    assert.equal(proposeTextKey("ελληνικά νησιά"), "ΕλληνικάΝησιά");
  });

  it("proposes nothing for a secret without words", () => {
    assert.equal(proposeTextKey("!!! ... ---"), "");
    assert.deepEqual(secretWords("Places we visited"), ["Places", "we", "visited"]);
  });
});

describe("text key strength", () => {
  it("scores with zxcvbn: a common password 0, a long proposal high", () => {
    assert.equal(textKeyStrength("password").score, 0);
    assert.ok(textKeyStrength("password").feedback.warning);
    const strong = textKeyStrength("PlacesThatWeVisitedInEurope", {
      secret: "Places that we visited in Europe",
    });
    assert.equal(strong.score, 4);
    assert.ok(strong.guesses > 1e10);
  });

  it("counts the secret's words as known to the attacker", () => {
    const without = textKeyStrength("MyCatFelix");
    const withSecret = textKeyStrength("MyCatFelix", { secret: "my cat Felix" });
    assert.ok(withSecret.guesses < without.guesses, `${withSecret.guesses} < ${without.guesses}`);
  });

  it("maps guesses to scores on zxcvbn's thresholds", () => {
    assert.deepEqual([999, 1e3 + 10, 1e6 + 10, 1e8 + 10, 1e10 + 10].map(scoreFromGuesses), [0, 1, 2, 3, 4]);
  });

  it("enforces a site's minimum with an error naming the score and the minimum", () => {
    const weak = textKeyStrength("password1");
    assert.throws(
      () => assertStrength(weak, 3),
      (e: SerumsError) =>
        e.code === "BAD_REQUEST" && /scores 0 of 4/.test(e.message) && /at least 3/.test(e.message),
    );
    assert.doesNotThrow(() => assertStrength(weak, 0));
    assert.throws(
      () => assertStrength(weak, 5),
      (e: SerumsError) => e.code === "BAD_CONFIG",
    );
  });
});

describeEachEngine("text key storage", (engine) => {
  let t: TestStore;
  before(async () => {
    t = await openKeyStore(engine);
  });
  after(() => t.dispose());

  it("stores only an argon2id hash, and verifies the right key only", async () => {
    const id = await addUser(t.store);
    const strength = await enrolTextKey(t.store, id, "PlacesThatWeVisitedInEurope", {
      secret: "Places that we visited in Europe",
    });
    assert.equal(strength.score, 4);
    const stored = await tableText(t.store, "auth_text_key");
    assert.ok(!stored.includes("Places"), "no secret in the table");
    assert.ok(!stored.includes("Europe"));
    const row = await t.store.get<{ hash: string }>("SELECT hash FROM auth_text_key WHERE serums_id = $1", [
      id,
    ]);
    assert.deepEqual(parsePhc(row!.hash)!.params, OWASP_MINIMUM);
    assert.equal(await verifyTextKey(t.store, id, "PlacesThatWeVisitedInEurope"), true);
    assert.equal(await verifyTextKey(t.store, id, "placesthatwevisitedineurope"), false);
    assert.equal(await verifyTextKey(t.store, id, "PlacesThatWeVisitedInEurope "), false);
    assert.equal(await verifyTextKey(t.store, id, ""), false);
  });

  it("compares in NFC: a decomposed accent is the same key", async () => {
    const id = await addUser(t.store);
    await enrolTextKey(t.store, id, "CaféInZürichWithGrandma", { minTextScore: 0 });
    assert.equal(await verifyTextKey(t.store, id, "Cafe\u0301InZu\u0308richWithGrandma"), true);
  });

  it("refuses a weak key, a short one, and an unknown account — storing nothing", async () => {
    const id = await addUser(t.store);
    await assert.rejects(
      enrolTextKey(t.store, id, "password123", { minTextScore: 3 }),
      (e: SerumsError) =>
        e.code === "BAD_REQUEST" && /scores \d of 4/.test(e.message) && /at least 3/.test(e.message),
    );
    await assert.rejects(enrolTextKey(t.store, id, "Abc12!", { minTextScore: 0 }), (e: SerumsError) =>
      /6 characters; valid: 8 to 256/.test(e.message),
    );
    await assert.rejects(
      enrolTextKey(t.store, "srm-nobody", "PlacesThatWeVisitedInEurope"),
      (e: SerumsError) => e.code === "NOT_FOUND",
    );
    const row = await t.store.get("SELECT hash FROM auth_text_key WHERE serums_id = $1", [id]);
    assert.equal(row, undefined);
  });

  it("does the same argon2id work for an unknown user, a user without a key, and a wrong key", async () => {
    const id = await addUser(t.store);
    const noKey = await addUser(t.store);
    await enrolTextKey(t.store, id, "GrandmasKitchenInNaples", { minTextScore: 0 });
    const counting = countingArgon2();
    const options = { argon2: counting.argon2 };
    assert.equal(await verifyTextKey(t.store, undefined, "GrandmasKitchenInNaples", options), false);
    assert.equal(await verifyTextKey(t.store, noKey, "GrandmasKitchenInNaples", options), false);
    assert.equal(await verifyTextKey(t.store, id, "GrandpasKitchenInNaples", options), false);
    assert.equal(await verifyTextKey(t.store, id, "GrandmasKitchenInNaples", options), true);
    assert.equal(counting.calls.length, 4, "one argon2id computation per attempt, whoever it is");
    assert.ok(
      counting.calls.every((c) => c.memory === OWASP_MINIMUM.memory && c.passes === OWASP_MINIMUM.passes),
    );
  });

  it("rehashes a right key stored with weaker parameters on login, and keeps a wrong one out", async () => {
    const id = await addUser(t.store);
    const salt = Buffer.alloc(16, 3);
    const message = "OldSiteOldKey2019";
    const tag = await nodeArgon2id({
      message: Buffer.from(message),
      nonce: salt,
      memory: 4096,
      passes: 1,
      parallelism: 1,
      tagLength: 32,
    });
    const legacy = encodePhc({ params: { memory: 4096, passes: 1, parallelism: 1 }, salt, tag });
    await t.store.run(
      "INSERT INTO auth_text_key (serums_id, hash, created_at, updated_at) VALUES ($1, $2, 0, 0)",
      [id, legacy],
    );
    assert.equal(await verifyTextKey(t.store, id, "OldSiteOldKey2018"), false);
    const unchanged = await t.store.get<{ hash: string }>(
      "SELECT hash FROM auth_text_key WHERE serums_id = $1",
      [id],
    );
    assert.equal(unchanged!.hash, legacy, "a wrong key does not rehash");
    assert.equal(await verifyTextKey(t.store, id, message, { now: () => 1234 }), true);
    const row = await t.store.get<{ hash: string; updated_at: number }>(
      "SELECT hash, updated_at FROM auth_text_key WHERE serums_id = $1",
      [id],
    );
    assert.notEqual(row!.hash, legacy);
    assert.deepEqual(parsePhc(row!.hash)!.params, OWASP_MINIMUM);
    assert.equal(Number(row!.updated_at), 1234);
    assert.equal(await verifyTextKey(t.store, id, message), true, "the new hash verifies");
  });

  it("replaces a key on re-enrolment", async () => {
    const id = await addUser(t.store);
    await enrolTextKey(t.store, id, "FirstKeyFromTheSeaside", { minTextScore: 0 });
    await enrolTextKey(t.store, id, "SecondKeyFromTheMountains", { minTextScore: 0 });
    assert.equal(await verifyTextKey(t.store, id, "FirstKeyFromTheSeaside"), false);
    assert.equal(await verifyTextKey(t.store, id, "SecondKeyFromTheMountains"), true);
  });
});
