import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { CertificateIdentity, createSigner, issueCertificate, verifyCertificate } from "./certificate.ts";
import { loadConsortiumConfig, parseConsortiumConfig, requiredEndorsements } from "./consortium-config.ts";
import { readConsortium, readSigner, writeConsortium, writeSigner } from "./consortium-keys.ts";
import { decodePublicKey, encodePublicKey, generateKeyPair } from "./keys.ts";
import { computeTxId, createProposal } from "./proposal.ts";
import { testConsortium, testSigner } from "./test-support.ts";

it("a certificate verifies against its site's CA only, and not once a field is changed", () => {
  const local = testConsortium();
  const signer = testSigner(local, "barcelona", "researcher");
  const ca = (site: string) => decodePublicKey(local.config.sites.find((s) => s.id === site)!.caPublicKey);
  assert.ok(verifyCertificate(signer.certificate, ca("barcelona")));
  assert.ok(!verifyCertificate(signer.certificate, ca("edinburgh")));
  assert.ok(!verifyCertificate({ ...signer.certificate, role: "admin" }, ca("barcelona")));
  const identity = new CertificateIdentity(signer.certificate);
  assert.equal(identity.getMSPID(), "barcelona");
  assert.equal(identity.getAttributeValue("role"), "researcher");
  assert.equal(identity.getAttributeValue("serums_id"), signer.certificate.serumsId);
  assert.equal(identity.getAttributeValue("unknown"), null);
});

it("a signer's private key must be its certificate's", () => {
  const local = testConsortium();
  const pair = generateKeyPair();
  const cert = issueCertificate(local.siteKeys.edinburgh!.caKey, {
    serumsId: "s1",
    site: "edinburgh",
    role: "doctor",
    publicKey: pair.publicKey,
  });
  assert.throws(
    () => createSigner(cert, generateKeyPair().privateKey),
    (e: SerumsError) => e.code === "BAD_REQUEST",
  );
  assert.equal(createSigner(cert, pair.privateKey).certificate, cert);
});

it("public keys travel as base64 of their raw 32 bytes", () => {
  const pair = generateKeyPair();
  const text = encodePublicKey(pair.publicKey);
  assert.equal(Buffer.from(text, "base64").length, 32);
  assert.equal(encodePublicKey(decodePublicKey(text)), text);
  assert.throws(
    () => decodePublicKey("AAAA", "sites[0].caPublicKey"),
    /sites\[0\]\.caPublicKey holds 3 bytes/,
  );
});

it("the transaction ID is SHA-256(nonce || creator): the same nonce gives the same ID", () => {
  const local = testConsortium();
  const signer = testSigner(local);
  const nonce = new Uint8Array(24).fill(7);
  const a = JSON.parse(createProposal(signer, "serums", "kv", "put", ["a", "1"], { nonce }).proposal);
  const b = JSON.parse(createProposal(signer, "serums", "kv", "put", ["b", "2"], { nonce }).proposal);
  assert.equal(a.txId, b.txId);
  assert.equal(a.txId, computeTxId(a.nonce, signer.certificate));
  const c = JSON.parse(createProposal(signer, "serums", "kv", "put", ["a", "1"]).proposal);
  assert.notEqual(c.txId, a.txId);
});

it("consortium config errors name the file and the field", () => {
  const local = testConsortium();
  const config = structuredClone(local.config) as unknown as Record<string, unknown>;
  assert.equal(requiredEndorsements(local.config), 2);
  assert.equal(requiredEndorsements({ ...local.config, endorsementPolicy: { n: 3 } }), 3);
  const sites = config.sites as Record<string, unknown>[];
  assert.throws(
    () =>
      parseConsortiumConfig(
        { ...config, sites: [sites[0], { ...sites[1], peerPublicKey: "nope" }] },
        "c.json",
      ),
    (e: SerumsError) => e.code === "BAD_CONFIG" && /^c\.json: sites\[1\]\.peerPublicKey: /.test(e.message),
  );
  assert.throws(
    () => parseConsortiumConfig({ ...config, sites: [sites[0], sites[0]] }, "c.json"),
    /c\.json: sites\[1\]\.id: site "edinburgh" is listed twice/,
  );
  assert.throws(
    () => parseConsortiumConfig({ ...config, endorsementPolicy: { n: 4 } }, "c.json"),
    /c\.json: endorsementPolicy\.n: 4 endorsements asked of 3 sites/,
  );
  assert.throws(
    () => parseConsortiumConfig({ ...config, sites: [{ ...sites[0], id: "Edinburgh" }] }, "c.json"),
    /c\.json: sites\[0\]\.id: /,
  );
  const dir = mkdtempSync(path.join(tmpdir(), "serums-config-"));
  try {
    const file = path.join(dir, "bad.json");
    writeFileSync(file, "{ not json");
    assert.throws(
      () => loadConsortiumConfig(file),
      (e: SerumsError) => e.code === "BAD_CONFIG" && e.message.startsWith(`${file}: not JSON`),
    );
    assert.throws(() => loadConsortiumConfig(path.join(dir, "missing.json")), /missing\.json: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("writes a local consortium and identities with private keys readable by the owner only", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "serums-keys-"));
  try {
    const local = testConsortium();
    writeConsortium(dir, local);
    const signer = testSigner(local, "zuyderland");
    writeSigner(dir, "alice", signer);
    for (const file of [
      "orderer.key",
      "sites/edinburgh/ca.key",
      "sites/barcelona/peer.key",
      "users/zuyderland/alice.key",
    ]) {
      assert.equal(statSync(path.join(dir, file)).mode & 0o777, 0o600, file);
    }
    const read = readConsortium(dir);
    assert.deepEqual(read.config, local.config);
    assert.equal(
      encodePublicKey(read.siteKeys.barcelona!.peerKey),
      encodePublicKey(local.siteKeys.barcelona!.peerKey),
    );
    const again = readSigner(dir, "zuyderland", "alice");
    assert.deepEqual(again.certificate, signer.certificate);
    assert.throws(
      () => readSigner(dir, "zuyderland", "../escape"),
      (e: SerumsError) => e.code === "BAD_REQUEST",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
