import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { type CryptoKey, importJWK, type JWK, SignJWT } from "jose";
import { SerumsError } from "../../errors/index.ts";
import { signAccessToken, type TokenSubject, verifyAccessToken } from "./access-token.ts";
import { KeyRing } from "./signing-keys.ts";

const T0 = Date.UTC(2025, 0, 1, 9, 0, 0);
const settings = (now: number) => ({
  issuer: "urn:serums:edinburgh",
  audience: "urn:serums",
  now: () => now,
});
const doctor: TokenSubject = {
  serumsId: "srm-7k3m-9qx2-hv4t-8dpa",
  role: "specialist",
  site: "edinburgh",
  department: "oncology",
  country: "GB",
};

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function rejects(promise: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof SerumsError, String(e));
    assert.equal(e.code, "UNAUTHENTICATED");
    assert.match(e.message, pattern);
    return true;
  });
}

describe("access tokens", () => {
  it("carries the claims the rest of Serums relies on, and verifies", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { token, expiresAt } = await signAccessToken(ring, doctor, ["pwd", "swk"], "sess-1", settings(T0));
    assert.equal(expiresAt, T0 + 600_000);
    const [header] = token.split(".");
    const decoded = JSON.parse(Buffer.from(header!, "base64url").toString());
    assert.deepEqual(decoded, { alg: "EdDSA", kid: ring.active().kid, typ: "at+jwt" });
    const claims = await verifyAccessToken(ring, token, settings(T0 + 599_000));
    assert.equal(claims.serumsId, doctor.serumsId);
    assert.equal(claims.role, "specialist");
    assert.deepEqual([claims.site, claims.department, claims.country], ["edinburgh", "oncology", "GB"]);
    assert.deepEqual(claims.amr, ["pwd", "swk"]);
    assert.equal(claims.sessionId, "sess-1");
    assert.equal(claims.exp - claims.iat, 600);
    assert.equal(claims.kid, ring.active().kid);
  });

  it("refuses an expired token (beyond the small leeway)", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { token } = await signAccessToken(ring, doctor, ["pwd", "otp"], "s", settings(T0));
    await verifyAccessToken(ring, token, settings(T0 + 603_000)); // within 5 s of leeway
    await rejects(verifyAccessToken(ring, token, settings(T0 + 606_000)), /expired/);
  });

  it("refuses a forged signature and a tampered payload", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { token } = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", settings(T0));
    const [h, p, s] = token.split(".") as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
    await rejects(verifyAccessToken(ring, `${h}.${p}.${flipped}`, settings(T0)), /signature/);
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const promoted = b64({ ...payload, role: "administrator" });
    await rejects(verifyAccessToken(ring, `${h}.${promoted}.${s}`, settings(T0)), /signature/);
  });

  it("refuses alg none, even naming a real kid", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { token } = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", settings(T0));
    const payload = token.split(".")[1];
    const none = `${b64({ alg: "none", kid: ring.active().kid, typ: "at+jwt" })}.${payload}.`;
    await rejects(verifyAccessToken(ring, none, settings(T0)), /not accepted|malformed/);
  });

  it("refuses HS256 signed with the public key as the HMAC secret", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const kid = ring.active().kid;
    const jwks = ring.jwks(T0);
    const { token } = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", settings(T0));
    const payload = token.split(".")[1];
    for (const secret of [JSON.stringify(jwks.keys[0]), Buffer.from(jwks.keys[0]!.x!, "base64url")]) {
      const signingInput = `${b64({ alg: "HS256", kid, typ: "at+jwt" })}.${payload}`;
      const mac = createHmac("sha256", secret).update(signingInput).digest("base64url");
      await rejects(verifyAccessToken(ring, `${signingInput}.${mac}`, settings(T0)), /HS256 is not accepted/);
    }
  });

  it("refuses a wrong audience, a wrong issuer and a wrong type", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { token } = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", {
      ...settings(T0),
      audience: "urn:elsewhere",
    });
    await rejects(verifyAccessToken(ring, token, settings(T0)), /aud/);
    const other = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", {
      ...settings(T0),
      issuer: "urn:evil",
    });
    await rejects(verifyAccessToken(ring, other.token, settings(T0)), /iss/);
    const { privateKey, kid } = ring.active();
    const idToken = await new SignJWT({
      role: "patient",
      site: null,
      department: null,
      country: null,
      amr: ["pwd"],
      sid: "s",
    })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" })
      .setIssuer("urn:serums:edinburgh")
      .setAudience("urn:serums")
      .setSubject("x")
      .setJti("j")
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 600)
      .sign(privateKey);
    await rejects(verifyAccessToken(ring, idToken, settings(T0)), /typ/);
  });

  it("refuses a token signed by a key outside the JWKS, with a known or unknown kid", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { privateKey } = generateKeyPairSync("ed25519");
    const foreign = (await importJWK(privateKey.export({ format: "jwk" }) as JWK, "EdDSA")) as CryptoKey;
    for (const kid of [ring.active().kid, "unknown-kid"]) {
      const token = await new SignJWT({
        role: "administrator",
        site: "edinburgh",
        department: "it",
        country: "GB",
        amr: ["pwd", "swk"],
        sid: "s",
      })
        .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
        .setIssuer("urn:serums:edinburgh")
        .setAudience("urn:serums")
        .setSubject(doctor.serumsId)
        .setJti("j")
        .setIssuedAt(T0 / 1000)
        .setExpirationTime(T0 / 1000 + 600)
        .sign(foreign);
      await rejects(
        verifyAccessToken(ring, token, settings(T0)),
        kid === "unknown-kid" ? /no key/ : /signature/,
      );
    }
  });

  it("refuses a token whose lifetime is longer than ten minutes, and malformed claims", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const { privateKey, kid } = ring.active();
    const base = new SignJWT({
      role: "nurse",
      site: "edinburgh",
      department: "ward-3",
      country: "GB",
      amr: ["pwd", "swk"],
      sid: "s",
    })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
      .setIssuer("urn:serums:edinburgh")
      .setAudience("urn:serums")
      .setSubject(doctor.serumsId)
      .setJti("j")
      .setIssuedAt(T0 / 1000 - 3600)
      .setExpirationTime(T0 / 1000 + 3600);
    await rejects(verifyAccessToken(ring, await base.sign(privateKey), settings(T0)), /iat|age/);
    const badRole = await new SignJWT({
      role: "god",
      site: null,
      department: null,
      country: null,
      amr: ["pwd"],
      sid: "s",
    })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
      .setIssuer("urn:serums:edinburgh")
      .setAudience("urn:serums")
      .setSubject(doctor.serumsId)
      .setJti("j")
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 600)
      .sign(privateKey);
    await rejects(verifyAccessToken(ring, badRole, settings(T0)), /claims are malformed \(role\)/);
    await rejects(verifyAccessToken(ring, "not.a.jwt", settings(T0)), /malformed/);
  });
});

describe("signing keys", () => {
  it("rotates: the new kid signs, the old one verifies until its tokens expire, then leaves the JWKS", async () => {
    const ring = await KeyRing.inMemory({ now: () => T0 });
    const oldKid = ring.active().kid;
    const old = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", settings(T0));
    const newKid = await ring.rotate({ now: () => T0 + 60_000 });
    assert.notEqual(newKid, oldKid);
    const fresh = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", settings(T0 + 60_000));
    assert.equal(JSON.parse(Buffer.from(fresh.token.split(".")[0]!, "base64url").toString()).kid, newKid);
    assert.deepEqual(
      ring.jwks(T0 + 120_000).keys.map((k) => k.kid),
      [newKid, oldKid],
    );
    await verifyAccessToken(ring, old.token, settings(T0 + 120_000));
    // Ten minutes (and the leeway) after the rotation the old key is gone.
    const later = T0 + 60_000 + 606_000;
    assert.deepEqual(
      ring.jwks(later).keys.map((k) => k.kid),
      [newKid],
    );
    assert.equal(ring.verificationKey(oldKid, later), undefined);
    for (const key of ring.jwks(T0).keys) assert.equal(key.d, undefined, "no private part in the JWKS");
  });

  it("keeps keys in a folder: private keys 0600, reopened by another process, refused when readable by others", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "serums-keys-"));
    try {
      const keyDir = path.join(dir, "keys");
      const ring = await KeyRing.open(keyDir, { now: () => T0 });
      const kid = ring.active().kid;
      assert.equal(statSync(keyDir).mode & 0o777, 0o700);
      const files = readdirSync(keyDir).sort();
      assert.deepEqual(files, ["address-hash.key", `${kid}.private.jwk`, "keyring.json"].sort());
      assert.equal(statSync(path.join(keyDir, `${kid}.private.jwk`)).mode & 0o777, 0o600);
      assert.doesNotMatch(readFileSync(path.join(keyDir, "keyring.json"), "utf8"), /"d"/);
      const { token } = await signAccessToken(ring, doctor, ["pwd", "swk"], "s", settings(T0));
      const again = await KeyRing.open(keyDir, { now: () => T0 });
      assert.equal(again.active().kid, kid);
      assert.deepEqual(again.addressKey, ring.addressKey);
      await verifyAccessToken(again, token, settings(T0));
      // A rotation by another process is picked up.
      const rotated = await again.rotate({ now: () => T0 + 1000 });
      await ring.reloadIfChanged();
      assert.equal(ring.active().kid, rotated);
      chmodSync(path.join(keyDir, `${rotated}.private.jwk`), 0o644);
      await assert.rejects(
        KeyRing.open(keyDir),
        (e: SerumsError) => e.code === "BAD_CONFIG" && /chmod 600/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
