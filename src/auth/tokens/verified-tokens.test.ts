import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import { signAccessToken, type TokenSubject, verifyAccessToken } from "./access-token.ts";
import { KeyRing } from "./signing-keys.ts";
import { MAX_VERIFIED_TOKENS, recallVerified, rememberedCount, rememberVerified } from "./verified-tokens.ts";

const T0 = Date.UTC(2025, 0, 1, 9, 0, 0);
const settings = (now: number, audience = "urn:serums") => ({
  issuer: "urn:serums:edinburgh",
  audience,
  now: () => now,
});
const nurse: TokenSubject = {
  serumsId: "srm-7k3m-9qx2-hv4t-8dpa",
  role: "nurse",
  site: "edinburgh",
  department: "ward-3",
  country: "GB",
};
const unauthenticated = (pattern: RegExp) => (e: unknown) =>
  e instanceof SerumsError && e.code === "UNAUTHENTICATED" && pattern.test(e.message);

describe("the memory of verified tokens", () => {
  it("remembers a token verified in full, and still refuses it once expired", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { token } = await signAccessToken(ring, nurse, ["pwd", "swk"], "s", settings(T0));
    const first = await verifyAccessToken(ring, token, settings(T0));
    assert.equal(rememberedCount(ring), 1);
    const again = await verifyAccessToken(ring, token, settings(T0 + 60_000));
    assert.deepEqual(again, first);
    again.amr.push("otp");
    assert.deepEqual((await verifyAccessToken(ring, token, settings(T0))).amr, ["pwd", "swk"], "a copy");
    await assert.rejects(verifyAccessToken(ring, token, settings(T0 + 606_000)), unauthenticated(/expired/));
    await assert.rejects(verifyAccessToken(ring, token, settings(T0 - 10_000)), unauthenticated(/iat/));
  });

  it("never answers for other bytes, another audience or issuer", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { token } = await signAccessToken(ring, nurse, ["pwd", "swk"], "s", settings(T0));
    await verifyAccessToken(ring, token, settings(T0));
    const [h, p, s] = token.split(".") as [string, string, string];
    // One character in the middle: all six of its bits are signature bits (the last character's
    // low bits are padding, which a decoder may ignore, so changing it could change nothing).
    const tampered = `${h}.${p}.${s.slice(0, 40)}${s[40] === "A" ? "B" : "A"}${s.slice(41)}`;
    await assert.rejects(
      verifyAccessToken(ring, tampered, settings(T0)),
      unauthenticated(/signature|malformed/),
    );
    await assert.rejects(
      verifyAccessToken(ring, token, settings(T0, "urn:elsewhere")),
      unauthenticated(/aud/),
    );
    await assert.rejects(
      verifyAccessToken(ring, token, { ...settings(T0), issuer: "urn:serums:barcelona" }),
      unauthenticated(/iss/),
    );
  });

  it("forgets a token whose signing key was withdrawn from the ring", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "serums-verified-"));
    try {
      const ring = await KeyRing.open(dir, { now: () => T0 });
      const { token } = await signAccessToken(ring, nurse, ["pwd", "swk"], "s", settings(T0));
      await verifyAccessToken(ring, token, settings(T0));
      // Another process rotates, then the operator withdraws the old (compromised) key at once.
      const operator = await KeyRing.open(dir, { now: () => T0 });
      const fresh = await operator.rotate({ now: () => T0 + 1000 });
      const file = path.join(dir, "keyring.json");
      const ringFile = JSON.parse(readFileSync(file, "utf8")) as { keys: { kid: string }[] };
      ringFile.keys = ringFile.keys.filter((k) => k.kid === fresh);
      writeFileSync(file, JSON.stringify(ringFile));
      await ring.reloadIfChanged();
      await assert.rejects(verifyAccessToken(ring, token, settings(T0 + 2000)), unauthenticated(/no key/));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stays bounded: the oldest token goes first", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const claims = await verifyAccessToken(
      ring,
      (await signAccessToken(ring, nurse, ["pwd", "swk"], "s", settings(T0))).token,
      settings(T0),
    );
    const window = { validFrom: T0 - 5000, validUntil: T0 + 600_000 };
    for (let i = 0; i < MAX_VERIFIED_TOKENS + 5; i++) rememberVerified(ring, `t${i}`, "k", claims, window);
    assert.equal(rememberedCount(ring), MAX_VERIFIED_TOKENS);
    assert.equal(recallVerified(ring, "t0", "k", T0), undefined, "the oldest is gone");
    assert.ok(recallVerified(ring, `t${MAX_VERIFIED_TOKENS + 4}`, "k", T0));
    assert.equal(recallVerified(ring, `t${MAX_VERIFIED_TOKENS + 4}`, "other", T0), undefined);
  });
});
