import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import type { Gesture } from "./gesture-geometry.ts";
import { enrolGestureKey, gestureBackground, verifyGestureKey } from "./gesture-key.ts";
import { addUser, countingArgon2, openKeyStore, tableText } from "./key-test-fixtures.ts";
import { gestureCellCounts } from "./population.ts";

const BACKGROUND = "openmoji-1F3F0"; // castle
const R = 25;
const KEY: Gesture[] = [
  { kind: "tap", x: 313.37, y: 217.71 },
  { kind: "line", x: 101.13, y: 897.53, x2: 641.29, y2: 479.11 },
  { kind: "circle", x: 503.77, y: 611.19, radius: 123.41 },
];

function moved(dx: number, dy: number, dr = 0): Gesture[] {
  return [
    { kind: "tap", x: KEY[0]!.x + dx, y: KEY[0]!.y + dy },
    { kind: "line", x: 101.13 - dx, y: 897.53 + dy, x2: 641.29 + dx, y2: 479.11 - dy },
    { kind: "circle", x: 503.77 + dx, y: 611.19 - dy, radius: 123.41 + dr },
  ];
}

describeEachEngine("gesture key", (engine) => {
  let t: TestStore;
  let user: string;
  before(async () => {
    t = await openKeyStore(engine);
    user = await addUser(t.store);
    const { strength } = await enrolGestureKey(t.store, user, BACKGROUND, KEY, { gestureTolerance: R });
    assert.equal(strength.kind, "gesture");
  });
  after(() => t.dispose());

  it("verifies the same gestures and those within r on each axis", async () => {
    assert.equal(await verifyGestureKey(t.store, user, KEY), true);
    assert.equal(await verifyGestureKey(t.store, user, moved(24, -24, 24)), true);
    assert.equal(await verifyGestureKey(t.store, user, moved(-24.9, 24.9, -24.9)), true);
  });

  it("refuses gestures just outside r, in another order, of another kind or fewer", async () => {
    assert.equal(await verifyGestureKey(t.store, user, moved(25.5, 0)), false);
    assert.equal(await verifyGestureKey(t.store, user, moved(0, -26)), false);
    assert.equal(await verifyGestureKey(t.store, user, moved(0, 0, 26)), false);
    assert.equal(await verifyGestureKey(t.store, user, [KEY[1]!, KEY[0]!, KEY[2]!]), false);
    assert.equal(await verifyGestureKey(t.store, user, KEY.slice(0, 2)), false);
    assert.equal(await verifyGestureKey(t.store, user, [...KEY, { kind: "tap", x: 1, y: 1 }]), false);
    const asTap: Gesture[] = [KEY[0]!, KEY[1]!, { kind: "tap", x: 503.77, y: 611.19 }];
    assert.equal(await verifyGestureKey(t.store, user, asTap), false);
  });

  it("stores no point: only offsets, the tolerance, the background and a hash", async () => {
    const text = await tableText(t.store, "auth_gesture_key");
    for (const v of [
      "313.37",
      "217.71",
      "101.13",
      "897.53",
      "641.29",
      "479.11",
      "503.77",
      "611.19",
      "123.41",
    ]) {
      assert.ok(!text.includes(v), `coordinate ${v} is not stored`);
    }
    const row = await t.store.get<{ offsets: string; tolerance: number; background: string; hash: string }>(
      "SELECT offsets, tolerance, background, hash FROM auth_gesture_key WHERE serums_id = $1",
      [user],
    );
    const offsets = JSON.parse(row!.offsets) as number[];
    assert.equal(offsets.length, 12, "four slots per gesture, whatever the kind");
    assert.ok(offsets.every((d) => d >= 0 && d < 2 * R));
    assert.equal(Number(row!.tolerance), R);
    assert.equal(row!.background, BACKGROUND);
    assert.match(row!.hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await gestureBackground(t.store, user), BACKGROUND);
  });

  it("counts the points' cells on the background with no link to the user", async () => {
    const population = await gestureCellCounts(t.store, BACKGROUND);
    assert.equal(population.total, 4, "a tap, two line ends and a circle's centre");
    assert.equal(population.counts.get("6:4"), 1, "the tap at (313, 218) is in cell 6:4");
    const text = await tableText(t.store, "auth_gesture_cell_count");
    assert.ok(!text.includes(user));
    const columns = Object.keys((await t.store.get("SELECT * FROM auth_gesture_cell_count"))!);
    assert.deepEqual(columns.sort(), ["background", "cell", "chosen"]);
  });

  it("does one argon2id computation for malformed input and unknown users, answering false", async () => {
    const counting = countingArgon2();
    const options = { argon2: counting.argon2 };
    assert.equal(await verifyGestureKey(t.store, undefined, KEY, options), false);
    assert.equal(await verifyGestureKey(t.store, user, "not gestures", options), false);
    assert.equal(await verifyGestureKey(t.store, user, [{ kind: "tap", x: -5, y: 0 }], options), false);
    const noKey = await addUser(t.store);
    assert.equal(await verifyGestureKey(t.store, noKey, KEY, options), false);
    assert.equal(counting.calls.length, 4);
  });

  it("refuses a background outside the library and a key below the site's minimum", async () => {
    const other = await addUser(t.store);
    await assert.rejects(
      enrolGestureKey(t.store, other, "openmoji-NOPE", KEY),
      (e: SerumsError) => e.code === "BAD_REQUEST" && /background "openmoji-NOPE"/.test(e.message),
    );
    await assert.rejects(
      enrolGestureKey(t.store, other, BACKGROUND, [KEY[0]!, KEY[1]!]),
      (e: SerumsError) => e.code === "BAD_REQUEST" && /2 drawn; valid: 3 to 8/.test(e.message),
    );
    const sameSpot: Gesture[] = [1, 2, 3].map(() => ({ kind: "tap", x: 500, y: 500 }));
    await assert.rejects(
      enrolGestureKey(t.store, other, BACKGROUND, sameSpot, { minGraphicalScore: 2 }),
      (e: SerumsError) =>
        e.code === "BAD_REQUEST" &&
        /gesture key scores 1 of 4/.test(e.message) &&
        /at least 2/.test(e.message),
    );
    assert.equal(await gestureBackground(t.store, other), undefined);
  });
});
