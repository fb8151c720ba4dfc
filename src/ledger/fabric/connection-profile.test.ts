import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { SerumsError } from "../../errors/index.ts";
import { parseFabricProfile, readFabricProfile } from "./connection-profile.ts";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";

const YAML_PROFILE = `name: serums-edinburgh
version: 1.0.0
client:
  organization: Edinburgh
organizations:
  Edinburgh:
    mspid: EdinburghMSP
    peers:
      - peer0.edinburgh.serums.example
peers:
  peer0.edinburgh.serums.example:
    url: grpcs://localhost:7051
    tlsCACerts:
      path: tls/ca.pem
    grpcOptions:
      ssl-target-name-override: peer0.edinburgh.serums.example
serums:
  channel: serums
  chaincode: serums
  identity:
    certificate: users/lake/cert.pem
    privateKey: users/lake/key.pem
`;

describe("connection profiles", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "serums-profile-"));
    const files: Array<[string, string]> = [
      ["tls/ca.pem", CERT],
      ["users/lake/cert.pem", CERT],
      ["users/lake/key.pem", KEY],
      ["users/lake/not-a-key.pem", CERT],
    ];
    for (const [name, text] of files) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    await writeFile(path.join(dir, "fabric.yaml"), YAML_PROFILE);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a YAML profile: the client organisation's peer, TLS, MSP ID and identity", () => {
    const settings = readFabricProfile(path.join(dir, "fabric.yaml"));
    assert.equal(settings.channel, "serums");
    assert.equal(settings.chaincode, "serums");
    assert.equal(settings.mspId, "EdinburghMSP");
    assert.equal(settings.peer.name, "peer0.edinburgh.serums.example");
    assert.equal(settings.peer.endpoint, "localhost:7051");
    assert.equal(settings.peer.tls, true);
    assert.equal(settings.peer.serverNameOverride, "peer0.edinburgh.serums.example");
    assert.equal(settings.peer.tlsRootCertificate?.toString(), CERT);
    assert.equal(settings.certificate.toString(), CERT);
    assert.equal(settings.privateKey.toString(), KEY);
  });

  it("reads the same profile as JSON, with an inline PEM and an explicit peer and MSP ID", () => {
    const profile = {
      peers: {
        a: { url: "grpc://10.0.0.1:7051" },
        b: { url: "grpcs://10.0.0.2:9051", tlsCACerts: { pem: CERT } },
      },
      serums: {
        channel: "serums",
        chaincode: "serums",
        peer: "b",
        mspId: "BarcelonaMSP",
        identity: { certificate: "users/lake/cert.pem", privateKey: "users/lake/key.pem" },
      },
    };
    const settings = parseFabricProfile(JSON.stringify(profile), path.join(dir, "fabric.json"));
    assert.equal(settings.peer.name, "b");
    assert.equal(settings.peer.endpoint, "10.0.0.2:9051");
    assert.equal(settings.mspId, "BarcelonaMSP");
    assert.equal(settings.peer.serverNameOverride, undefined);
  });

  it("names the file, the field's path and the bad value", () => {
    const file = path.join(dir, "fabric.yaml");
    const cases: Array<[string, RegExp, string]> = [
      [
        YAML_PROFILE.replace("url: grpcs://localhost:7051", "url: https://localhost"),
        /at peers\.peer0\.edinburgh\.serums\.example\.url: expected grpcs:\/\/host:port .* \(found "https:\/\/localhost"\)/,
        "peers.peer0.edinburgh.serums.example.url",
      ],
      [
        YAML_PROFILE.replace("channel: serums", "channel: Serums Channel"),
        /at serums\.channel: expected a Fabric channel name .* \(found "Serums Channel"\)/,
        "serums.channel",
      ],
      [YAML_PROFILE.replace("  chaincode: serums\n", ""), /at serums\.chaincode: /, "serums.chaincode"],
      [
        YAML_PROFILE.replace("organization: Edinburgh", "organization: Zuyderland"),
        /at client\.organization: names no organisation under organizations \(found "Zuyderland"\)/,
        "client.organization",
      ],
      [
        `${YAML_PROFILE}  peer: peer9\n`,
        /at serums\.peer: names no peer under peers; the peers are peer0\.edinburgh\.serums\.example \(found "peer9"\)/,
        "serums.peer",
      ],
      [
        YAML_PROFILE.replace("path: tls/ca.pem", "path: tls/missing.pem"),
        /at peers\.peer0\.edinburgh\.serums\.example\.tlsCACerts\.path: the certificate file .*missing\.pem cannot be read/,
        "peers.peer0.edinburgh.serums.example.tlsCACerts.path",
      ],
      [
        YAML_PROFILE.replace("privateKey: users/lake/key.pem", "privateKey: users/lake/not-a-key.pem"),
        /at serums\.identity\.privateKey: .*not-a-key\.pem does not hold a PEM private key/,
        "serums.identity.privateKey",
      ],
      [
        YAML_PROFILE.replace("    tlsCACerts:\n      path: tls/ca.pem\n", ""),
        /a grpcs:\/\/ peer needs the TLS CA certificate/,
        "peers.peer0.edinburgh.serums.example.tlsCACerts",
      ],
    ];
    for (const [text, message, at] of cases) {
      assert.throws(
        () => parseFabricProfile(text, file),
        (e: unknown) => {
          assert.ok(e instanceof SerumsError);
          assert.equal(e.code, "BAD_CONFIG");
          assert.ok(e.message.startsWith(`${file}, at `), e.message);
          assert.match(e.message, message);
          assert.equal(e.where.path, at);
          return true;
        },
      );
    }
  });

  it("says when the file is missing or not JSON or YAML", () => {
    assert.throws(
      () => readFabricProfile(path.join(dir, "nope.yaml")),
      /the Fabric connection profile .*nope\.yaml cannot be read/,
    );
    assert.throws(() => parseFabricProfile("peers: [unclosed", "bad.yaml"), /bad\.yaml is not JSON or YAML/);
  });
});
