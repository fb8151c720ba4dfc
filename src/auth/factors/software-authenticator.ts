/**
 * For tests and benchmarks: a software WebAuthn authenticator. It creates a P-256 (ES256) or
 * Ed25519 (EdDSA) credential and answers registration (attestation "none") and authentication
 * the way a browser and platform authenticator would, byte for byte: client data JSON, CBOR
 * authenticator data with the RP ID hash, flags and counter, a COSE public key, and signatures
 * over authenticator data ‖ SHA-256(client data). The library verifies them for real.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoCBOR } from "@simplewebauthn/server/helpers";

export type SoftwareAlgorithm = "ES256" | "EdDSA";

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16);
  readonly algorithm: SoftwareAlgorithm;
  readonly origin: string;
  /** The signature counter; tests set it back to play a cloned authenticator. */
  counter = 0;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;

  constructor(origin: string, algorithm: SoftwareAlgorithm = "ES256") {
    this.origin = origin;
    this.algorithm = algorithm;
    const pair =
      algorithm === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("ed25519");
    this.#privateKey = pair.privateKey;
    this.#publicKey = pair.publicKey;
  }

  get id(): string {
    return this.credentialId.toString("base64url");
  }

  #cosePublicKey(): Uint8Array {
    const jwk = this.#publicKey.export({ format: "jwk" });
    const map = new Map<number, number | Uint8Array>();
    if (this.algorithm === "ES256") {
      map.set(1, 2).set(3, -7).set(-1, 1);
      map.set(-2, Buffer.from(jwk.x!, "base64url")).set(-3, Buffer.from(jwk.y!, "base64url"));
    } else {
      map.set(1, 1).set(3, -8).set(-1, 6).set(-2, Buffer.from(jwk.x!, "base64url"));
    }
    return isoCBOR.encode(map);
  }

  #authData(rpId: string, flags: number, attested?: Uint8Array): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const parts = [createHash("sha256").update(rpId).digest(), Buffer.from([flags]), counter];
    if (attested) parts.push(Buffer.from(attested));
    return Buffer.concat(parts);
  }

  #clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), "utf8");
  }

  /** The browser's answer to registration options. `origin` overrides the page's origin. */
  register(options: PublicKeyCredentialCreationOptionsJSON, origin?: string): RegistrationResponseJSON {
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.#cosePublicKey()]);
    const authData = this.#authData(
      options.rp.id ?? new URL(this.origin).hostname,
      FLAG_UP | FLAG_UV | FLAG_AT,
      attested,
    );
    const attestation = new Map<string, string | Uint8Array | Map<string, string>>();
    attestation.set("fmt", "none").set("attStmt", new Map()).set("authData", authData);
    const attestationObject = isoCBOR.encode(attestation);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: this.#clientData("webauthn.create", options.challenge, origin).toString("base64url"),
        attestationObject: Buffer.from(attestationObject).toString("base64url"),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** The browser's answer to authentication options; the counter goes up by one first. */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: { origin?: string; rpId?: string } = {},
  ): AuthenticationResponseJSON {
    this.counter++;
    const authData = this.#authData(overrides.rpId ?? options.rpId!, FLAG_UP | FLAG_UV);
    const clientData = this.#clientData("webauthn.get", options.challenge, overrides.origin);
    const signed = Buffer.concat([authData, createHash("sha256").update(clientData).digest()]);
    const signature = sign(this.algorithm === "ES256" ? "sha256" : null, signed, this.#privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: clientData.toString("base64url"),
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}
