// The companion page: enrols with a code (scanned from its QR code with the camera where the
// browser has BarcodeDetector, opened from the QR code's link, pasted or typed), keeps the
// authenticator (its id, server and non-extractable Ed25519 key) in IndexedDB, lists pending
// logins every few seconds while the page is visible, and approves one when the user types the
// number the login page shows — or denies it.
import { decide, enrol, parseEnrolment, pendingLogins } from "./protocol.js";

const DB = "serums-authenticator";
const STORE = "app";
const POLL_MS = 5000;

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
  });
}

const load = () => withStore("readonly", (s) => s.get("authenticator"));
const save = (app) => withStore("readwrite", (s) => s.put(app, "authenticator"));
const forget = () => withStore("readwrite", (s) => s.delete("authenticator"));

const $ = (id) => document.getElementById(id);

function say(text, isError = false) {
  $("message").textContent = text;
  $("message").className = isError ? "error" : "";
}

let app;
let timer;

function render(logins) {
  const list = $("list");
  list.replaceChildren();
  if (logins.length === 0) {
    const none = document.createElement("p");
    none.className = "muted";
    none.textContent = "No login is waiting.";
    list.append(none);
  }
  for (const login of logins) {
    const node = $("login-template").content.cloneNode(true);
    node.querySelector(".site").textContent = login.origin.site;
    node.querySelector(".address").textContent = login.origin.address;
    node.querySelector(".agent").textContent = login.origin.userAgent;
    node.querySelector(".time").textContent = new Date(login.origin.time).toLocaleString();
    node.querySelector(".expires").textContent = new Date(login.expiresAt).toLocaleTimeString();
    const number = node.querySelector(".number");
    node
      .querySelector(".approve")
      .addEventListener("click", () => answer(login, number.value.trim(), "approve"));
    node.querySelector(".deny").addEventListener("click", () => answer(login, "", "deny"));
    list.append(node);
  }
}

async function answer(login, number, decision) {
  if (decision === "approve" && !/^\d{2}$/.test(number)) {
    say("Type the two-digit number the login page shows.", true);
    return;
  }
  try {
    const result = await decide(app, login, number, decision);
    if (result.status === "approved") say("Approved: the login can go on.");
    else if (result.reason === "wrong_number")
      say(
        "That was not the number on the login page: the login is denied. If it was you, start again.",
        true,
      );
    else say("Denied.");
  } catch (error) {
    say(error.message, true);
  }
  await refresh();
}

async function refresh() {
  if (!app) return;
  try {
    render(await pendingLogins(app));
  } catch (error) {
    say(
      error.status === 401
        ? "This authenticator is no longer enrolled (revoked?). Forget it and enrol again."
        : error.message,
      true,
    );
  }
}

function poll() {
  clearInterval(timer);
  timer = setInterval(() => {
    if (document.visibilityState === "visible") refresh();
  }, POLL_MS);
}

async function show() {
  app = await load();
  $("enrol").hidden = Boolean(app);
  $("logins").hidden = !app;
  if (app) {
    $("who").textContent = `"${app.label}" at ${app.server}`;
    await refresh();
    poll();
  } else {
    clearInterval(timer);
    stopScan();
    const fromLink = new URLSearchParams(location.hash.slice(1)).get("enrol");
    if (fromLink) $("code").value = fromLink;
  }
}

$("enrol-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  stopScan();
  try {
    const { code, server } = parseEnrolment($("code").value, location.origin);
    if (server !== location.origin) {
      say(`This code is for ${server}: open its authenticator page at ${server}/app/authenticator/.`, true);
      return;
    }
    const enrolled = await enrol(server, code, $("label").value.trim());
    await save(enrolled);
    history.replaceState(null, "", location.pathname);
    say(`Enrolled as "${enrolled.label}".`);
    await show();
  } catch (error) {
    say(error.message, true);
  }
});

// Scanning: where the browser reads QR codes (BarcodeDetector) and has a camera; elsewhere the
// user pastes the link or types the code. Frames are read in this browser only, a few per second.
const SCAN_EVERY_MS = 250;
let scanning;

async function canScan() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return false;
  try {
    return (await BarcodeDetector.getSupportedFormats()).includes("qr_code");
  } catch {
    return false;
  }
}

function stopScan() {
  if (scanning) {
    scanning.stopped = true;
    for (const track of scanning.stream.getTracks()) track.stop();
    scanning = undefined;
  }
  $("camera").srcObject = null;
  $("camera").hidden = true;
  $("stop-scan").hidden = true;
  $("scan").hidden = false;
}

function readsAsEnrolment(text) {
  try {
    return parseEnrolment(text, location.origin).code.length > 0;
  } catch {
    return false;
  }
}

async function startScan() {
  stopScan();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
  } catch (error) {
    say(`The camera is not available (${error.name}): paste the link or type the code instead.`, true);
    return;
  }
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  const video = $("camera");
  const session = { stream, stopped: false, warned: false };
  scanning = session;
  video.srcObject = stream;
  video.hidden = false;
  $("scan").hidden = true;
  $("stop-scan").hidden = false;
  say("Point the camera at the QR code Serums shows.");
  await video.play().catch(() => {});
  const tick = async () => {
    if (session.stopped) return;
    try {
      const values = (await detector.detect(video)).map((code) => code.rawValue);
      const found = values.find(readsAsEnrolment);
      if (found) {
        stopScan();
        $("code").value = found;
        say("Code read. Check the name, then press Enrol.");
        $("enrol-submit").focus();
        return;
      }
      if (values.length > 0 && !session.warned) {
        session.warned = true;
        say("That QR code is not a Serums enrolment code; point the camera at the one Serums shows.", true);
      }
    } catch {
      // no frame yet: try again
    }
    setTimeout(tick, SCAN_EVERY_MS);
  };
  tick();
}

$("scan").addEventListener("click", startScan);
$("stop-scan").addEventListener("click", () => {
  stopScan();
  say("");
});
canScan().then((yes) => {
  $("scan-area").hidden = !yes;
});

$("refresh").addEventListener("click", refresh);
$("forget").addEventListener("click", async () => {
  if (!confirm("Forget this authenticator? Its key is deleted; you will need a new enrolment code.")) return;
  await forget();
  say("Forgotten.");
  await show();
});

if (!crypto.subtle || !window.indexedDB)
  say("This browser lacks WebCrypto or IndexedDB; use another browser.", true);
else show().catch((error) => say(error.message, true));
