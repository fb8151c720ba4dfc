// The Serums Authenticator's protocol in the browser: the exact bytes it signs (the same as
// src/auth/factors/authenticator-protocol.ts — a test checks both agree), Ed25519 keys with
// WebCrypto, and the calls to the server. No dependencies; runs in browsers and in Node 24.

const encoder = new TextEncoder();

/** @param {(string|number)[]} parts */
function encode(parts) {
  return encoder.encode(JSON.stringify(parts));
}

/** Proof of the new key at enrolment. */
export function enrolMessage(code, publicKey) {
  return encode(["serums/authenticator/enrol/v1", code, publicKey]);
}

/** A signed request (e.g. "list") over a server nonce and a timestamp. */
export function requestMessage(authenticatorId, action, nonce, timestamp) {
  return encode(["serums/authenticator/request/v1", authenticatorId, action, nonce, timestamp]);
}

/** The decision on a login: the number typed, approve or deny, and where the login comes from. */
export function decisionMessage(challengeId, number, decision, origin) {
  return encode([
    "serums/authenticator/decision/v1",
    challengeId,
    number,
    decision,
    origin.address,
    origin.userAgent,
    origin.site,
    origin.time,
  ]);
}

/** A typed code in canonical form (lower case, no spaces or dashes, o→0, i/l→1). */
export function normalizeCode(text) {
  return text
    .toLowerCase()
    .replace(/[\s-]+/g, "")
    .replace(/o/g, "0")
    .replace(/[il]/g, "1");
}

export function toBase64url(bytes) {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A new Ed25519 key pair; the private key cannot be exported (it stays in this browser). */
export async function generateKeys() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicKey = toBase64url(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

export async function sign(privateKey, message) {
  return toBase64url(await crypto.subtle.sign({ name: "Ed25519" }, privateKey, message));
}

/**
 * What was pasted, scanned or typed → { code, server }: the companion page's link
 * ("https://site/app/authenticator/#enrol=CODE", whose origin is the server), a
 * "serums-authenticator://enrol?server=…&code=…" link, or a bare code (for `fallbackServer`).
 * Throws when a link carries no code. (src/auth/factors/enrolment-link.ts reads the same forms.)
 */
export function parseEnrolment(text, fallbackServer) {
  const trimmed = text.trim();
  if (trimmed.startsWith("serums-authenticator:")) {
    const query = trimmed.slice(trimmed.indexOf("?") + 1);
    const params = new URLSearchParams(query);
    const code = params.get("code");
    if (!code) throw new Error("This link has no enrolment code.");
    return { code, server: params.get("server") ?? fallbackServer };
  }
  if (/^https?:\/\//i.test(trimmed)) {
    let url;
    try {
      url = new URL(trimmed);
    } catch {
      throw new Error("This link is not a valid address.");
    }
    const code = new URLSearchParams(url.hash.slice(1)).get("enrol");
    if (!code) throw new Error("This link has no enrolment code (…/app/authenticator/#enrol=CODE).");
    return { code, server: url.origin };
  }
  return { code: trimmed, server: fallbackServer };
}

async function call(server, route, body) {
  const response = await fetch(new URL(route, server.endsWith("/") ? server : `${server}/`), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.detail ?? `the server answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Enrols a new key with an enrolment code; returns what the app keeps. */
export async function enrol(server, code, label) {
  const keys = await generateKeys();
  const signature = await sign(keys.privateKey, enrolMessage(normalizeCode(code), keys.publicKey));
  const result = await call(server, "authenticator/enrol", {
    code,
    publicKey: keys.publicKey,
    label,
    signature,
  });
  return {
    server,
    authenticatorId: result.authenticatorId,
    label: result.label,
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
  };
}

/** The pending logins of the authenticator's user (a signed request over a fresh nonce). */
export async function pendingLogins(app) {
  const { nonce } = await call(app.server, "authenticator/nonce", { authenticatorId: app.authenticatorId });
  const timestamp = Date.now();
  const signature = await sign(app.privateKey, requestMessage(app.authenticatorId, "list", nonce, timestamp));
  const { challenges } = await call(app.server, "authenticator/challenges", {
    authenticatorId: app.authenticatorId,
    nonce,
    timestamp,
    signature,
  });
  return challenges;
}

/** Approves (with the number typed) or denies a login. */
export async function decide(app, login, number, decision) {
  const signature = await sign(
    app.privateKey,
    decisionMessage(login.challengeId, number, decision, login.origin),
  );
  return call(app.server, `authenticator/challenges/${encodeURIComponent(login.challengeId)}/decision`, {
    authenticatorId: app.authenticatorId,
    number,
    decision,
    signature,
  });
}
