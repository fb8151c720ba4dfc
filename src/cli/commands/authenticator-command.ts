/**
 * `serums authenticator <verb>`: the Serums Authenticator on the command line. It holds an
 * Ed25519 key pair in a file of mode 0600 (SERUMS_AUTHENTICATOR_FILE, default
 * ~/.config/serums/authenticator.json; the private key is never printed), enrols it with a
 * one-time code, lists the pending logins of its user with a signed, replay-proof request, and
 * approves one — the user types the number the login page shows — or denies it, by signature.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import {
  decisionMessage,
  enrolMessage,
  generateAuthenticatorKeys,
  type LoginOrigin,
  normalizeCode,
  type PushDecision,
  parseEnrolmentText,
  qrTerminal,
  requestMessage,
  signEd25519,
} from "../../auth/factors/index.ts";
import { type ErrorCode, SerumsError } from "../../errors/index.ts";
import { chooseVerb, type Options, parseVerb } from "../args.ts";
import { printJson } from "../context.ts";

const FILE =
  "  --file F         the key file (default SERUMS_AUTHENTICATOR_FILE, or ~/.config/serums/authenticator.json)";

const VERBS: Record<string, { usage: string; options: Options }> = {
  enrol: {
    usage: `Usage: serums authenticator enrol CODE --server URL [--label L] [--file F] [--force] [--json]

Creates a key pair and enrols its public key with the one-time CODE that Serums showed you (or
its link, …/app/authenticator/#enrol=CODE or serums-authenticator://enrol?…, which names the
server). The private key is
written to F with mode 0600 and never printed.
  --server URL     the Serums server, e.g. https://serums.example.org
  --label L        how this authenticator is listed (default: this machine's name)
  --force          replace an existing key file
${FILE}`,
    options: {
      server: { type: "string" },
      label: { type: "string" },
      file: { type: "string" },
      force: { type: "boolean", default: false },
    },
  },
  pending: {
    usage: `Usage: serums authenticator pending [--file F] [--json]

The logins waiting for your approval: where each comes from (site, address, browser, time) and
when it expires. The number to match is on the login page only.
${FILE}`,
    options: { file: { type: "string" } },
  },
  approve: {
    usage: `Usage: serums authenticator approve [ID] [--number N] [--file F] [--json]

Approves login ID (or the only pending one). You type the number the login page shows; a wrong
number denies the login for good. Without --number, asks for it.
  --number N       the number on the login page
${FILE}`,
    options: { number: { type: "string" }, file: { type: "string" } },
  },
  deny: {
    usage: `Usage: serums authenticator deny ID [--file F] [--json]

Denies login ID: it can then never be approved.
${FILE}`,
    options: { file: { type: "string" } },
  },
  "enrolment-code": {
    usage: `Usage: serums authenticator enrolment-code --server URL [--no-qr] [--json]

Asks Serums for a one-time code (valid 10 minutes) to enrol an authenticator — your phone, for
example — and prints it as text, as the companion page's link and as a QR code to scan with the
phone's camera. An earlier unused code stops working.
Needs your access token in SERUMS_ACCESS_TOKEN and, since a token alone must not add an
authenticator, your text key again: asked for on the terminal (not shown as you type), or read
from the first line of stdin when stdin is not a terminal. Never give it as an argument.
  --server URL     the Serums server, e.g. https://serums.example.org
  --no-qr          print the code and the link only`,
    options: { server: { type: "string" }, "no-qr": { type: "boolean", default: false } },
  },
  show: {
    usage: `Usage: serums authenticator show [--file F] [--json]

This authenticator: its server, id, label and public key (never the private key).
${FILE}`,
    options: { file: { type: "string" } },
  },
};

export const AUTHENTICATOR_USAGE = `Usage: serums authenticator <verb> [options]     (each verb has --help)

  enrol CODE --server URL      enrol this machine as your authenticator (a key pair, mode 0600)
  pending                      logins waiting for your approval, with where they come from
  approve [ID] [--number N]    approve a login: type the number the login page shows
  deny ID                      deny a login
  show                         this authenticator's server, id and public key
  enrolment-code --server URL  a code to enrol another authenticator, with its QR code
                               (needs SERUMS_ACCESS_TOKEN and your text key, asked for)

${FILE}
  --json           machine output`;

interface KeyFile {
  version: 1;
  server: string;
  authenticatorId: string;
  label: string;
  publicKey: string;
  privateKey: string;
  enrolledAt: string;
}

export function authenticatorFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return (
    flag ?? (env.SERUMS_AUTHENTICATOR_FILE || path.join(homedir(), ".config", "serums", "authenticator.json"))
  );
}

function readKeyFile(file: string): KeyFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new SerumsError(
      "NOT_FOUND",
      `no authenticator key file ${file}; run serums authenticator enrol first`,
      { file },
    );
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SerumsError(
      "BAD_CONFIG",
      `${file} has mode 0${mode.toString(8)}: others can read the private key; run chmod 600 ${file}`,
      { file },
    );
  }
  const data = JSON.parse(text) as Partial<KeyFile>;
  for (const field of ["server", "authenticatorId", "publicKey", "privateKey"] as const) {
    if (typeof data[field] !== "string") {
      throw new SerumsError("BAD_CONFIG", `${file} has no ${field}; enrol again with --force`, {
        file,
        path: field,
      });
    }
  }
  return data as KeyFile;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  429: "RATE_LIMITED",
};

async function call<T>(
  server: string,
  route: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const url = new URL(route, server.endsWith("/") ? server : `${server}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        accept: "application/json",
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new SerumsError(
      "BAD_CONFIG",
      `cannot reach ${url.origin}: ${(error as Error).message}; check --server`,
      {
        path: "--server",
        value: server,
      },
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text.slice(0, 200);
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
    } catch {
      // not problem+json: keep the text
    }
    throw new SerumsError(
      STATUS_CODES[response.status] ?? "BAD_CONFIG",
      `the server refused (${response.status}): ${detail}`,
    );
  }
  return JSON.parse(text) as T;
}

interface Pending {
  challengeId: string;
  origin: LoginOrigin;
  expiresAt: number;
}

async function fetchPending(keys: KeyFile): Promise<Pending[]> {
  const { nonce } = await call<{ nonce: string }>(keys.server, "authenticator/nonce", {
    authenticatorId: keys.authenticatorId,
  });
  const timestamp = Date.now();
  const signature = signEd25519(
    keys.privateKey,
    requestMessage(keys.authenticatorId, "list", nonce, timestamp),
  );
  const { challenges } = await call<{ challenges: Pending[] }>(keys.server, "authenticator/challenges", {
    authenticatorId: keys.authenticatorId,
    nonce,
    timestamp,
    signature,
  });
  return challenges;
}

function describeLogin(login: Pending, now = Date.now()): string {
  const left = Math.max(0, Math.round((login.expiresAt - now) / 1000));
  const when = new Date(login.origin.time).toISOString().replace("T", " ").slice(0, 19);
  return `${login.challengeId}  at ${login.origin.site} from ${login.origin.address}, ${login.origin.userAgent} — ${when} UTC, expires in ${left} s`;
}

async function decide(keys: KeyFile, login: Pending, number: string, decision: PushDecision) {
  return call<{ status: "approved" | "denied"; reason?: string }>(
    keys.server,
    `authenticator/challenges/${encodeURIComponent(login.challengeId)}/decision`,
    {
      authenticatorId: keys.authenticatorId,
      number,
      decision,
      signature: signEd25519(
        keys.privateKey,
        decisionMessage(login.challengeId, number, decision, login.origin),
      ),
    },
  );
}

function pick(pending: Pending[], id: string | undefined, usage: string): Pending {
  if (id === undefined) {
    if (pending.length === 1) return pending[0]!;
    throw new SerumsError(
      "BAD_USAGE",
      pending.length === 0
        ? "no login is waiting for approval"
        : `${pending.length} logins are waiting; name one:\n${pending.map((p) => `  ${describeLogin(p)}`).join("\n")}\n\n${usage}`,
    );
  }
  const found = pending.find((p) => p.challengeId === id);
  if (!found)
    throw new SerumsError("NOT_FOUND", `no pending login ${id} (approved, denied or expired already?)`, {
      value: id,
    });
  return found;
}

async function askNumber(login: Pending): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new SerumsError(
      "BAD_USAGE",
      "give --number N: the number the login page shows (stdin is not a terminal)",
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    process.stderr.write(`Login ${describeLogin(login)}\n`);
    return (await prompt.question("Type the number shown on the login page (empty to cancel): ")).trim();
  } finally {
    prompt.close();
  }
}

/** "CODE", the companion page's link (…/app/authenticator/#enrol=CODE) or serums-authenticator://enrol?…; --server wins. */
function parseEnrolment(argument: string, server: string | undefined): { code: string; server: string } {
  const parsed = parseEnrolmentText(argument);
  const chosen = server ?? parsed.server;
  if (!chosen)
    throw new SerumsError("BAD_USAGE", `--server is required with a bare code\n\n${VERBS.enrol!.usage}`, {
      path: "--server",
    });
  return { code: parsed.code, server: chosen };
}

/** The access token for `enrolment-code`: SERUMS_ACCESS_TOKEN, never a flag (flags show in `ps`). */
function accessToken(env: NodeJS.ProcessEnv = process.env): string {
  const token = env.SERUMS_ACCESS_TOKEN?.trim();
  if (!token) {
    throw new SerumsError(
      "BAD_USAGE",
      `set SERUMS_ACCESS_TOKEN to your access token (from logging in)\n\n${VERBS["enrolment-code"]!.usage}`,
      { path: "SERUMS_ACCESS_TOKEN" },
    );
  }
  return token;
}

/** Reads a line from the terminal without echoing it (the text key). */
async function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === "\r" || char === "\n") {
            input.off("data", onData);
            resolve(typed);
            return;
          }
          if (char === "\u0003") {
            input.off("data", onData);
            reject(new SerumsError("BAD_USAGE", "cancelled; nothing was sent"));
            return;
          }
          if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
          else typed += char;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write("\n");
  }
}

/** All of stdin (a pipe or a file), as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The holder's text key, proving to the server that a factor change is theirs and not only their
 * token's: asked for on a terminal without echo, else the first line of stdin. Never a flag
 * (flags show in `ps` and in shell histories).
 */
export async function readTextKey(): Promise<string> {
  const key = process.stdin.isTTY
    ? await askHidden("Your text key (not shown): ")
    : ((await readStdin()).split(/\r?\n/)[0] ?? "");
  if (key === "") {
    throw new SerumsError(
      "BAD_USAGE",
      "no text key: type it when asked, or give it on the first line of stdin (e.g. from a password manager)",
      { path: "stdin" },
    );
  }
  return key;
}

export async function authenticatorCommand(argv: string[]): Promise<number> {
  const chosen = chooseVerb("authenticator", argv, VERBS, AUTHENTICATOR_USAGE);
  if ("exit" in chosen) return chosen.exit;
  const { verb, entry: spec, rest } = chosen;
  const parsed = parseVerb(rest, spec);
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const v = values as Record<string, string | boolean | undefined>;
  const json = v.json === true;
  const out = (data: unknown, text: string) => {
    if (json) printJson(data);
    else process.stdout.write(text);
  };
  const maxPositionals = verb === "enrol" || verb === "approve" || verb === "deny" ? 1 : 0;
  if (positionals.length > maxPositionals) {
    throw new SerumsError("BAD_USAGE", `too many arguments: ${positionals.join(" ")}\n\n${spec.usage}`);
  }
  const file = authenticatorFile(v.file as string | undefined);

  switch (verb) {
    case "enrol": {
      if (positionals.length !== 1)
        throw new SerumsError("BAD_USAGE", `enrol takes the CODE\n\n${spec.usage}`);
      const { code, server } = parseEnrolment(positionals[0]!, v.server as string | undefined);
      if (!v.force) {
        try {
          statSync(file);
          throw new SerumsError(
            "BAD_USAGE",
            `${file} exists already; use --force to replace it (the old key stops working here)`,
            {
              file,
            },
          );
        } catch (error) {
          if (error instanceof SerumsError) throw error;
        }
      }
      const pair = generateAuthenticatorKeys();
      const label = (v.label as string | undefined) ?? `serums cli on ${hostname()}`.slice(0, 64);
      const normalized = normalizeCode(code);
      const enrolled = await call<{ authenticatorId: string; label: string }>(server, "authenticator/enrol", {
        code,
        publicKey: pair.publicKey,
        label,
        signature: signEd25519(pair.privateKey, enrolMessage(normalized, pair.publicKey)),
      });
      const keys: KeyFile = {
        version: 1,
        server,
        authenticatorId: enrolled.authenticatorId,
        label: enrolled.label,
        publicKey: pair.publicKey,
        privateKey: pair.privateKey,
        enrolledAt: new Date().toISOString(),
      };
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
      writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
      const shown = {
        server,
        authenticatorId: keys.authenticatorId,
        label: keys.label,
        publicKey: keys.publicKey,
        file,
      };
      out(
        shown,
        `Enrolled "${keys.label}" (${keys.authenticatorId}) with ${server}; key in ${file} (mode 0600).\n`,
      );
      return 0;
    }
    case "enrolment-code": {
      const server = v.server as string | undefined;
      if (!server)
        throw new SerumsError("BAD_USAGE", `--server is required\n\n${spec.usage}`, { path: "--server" });
      const token = accessToken();
      const current = { kind: "text", value: await readTextKey() };
      const enrolment = await call<{ code: string; uri: string; link: string; expiresAt: number }>(
        server,
        "factors/authenticators/enrolment",
        { current },
        { authorization: `Bearer ${token}` },
      );
      const shown = {
        code: enrolment.code,
        link: enrolment.link,
        uri: enrolment.uri,
        expiresAt: enrolment.expiresAt,
      };
      const until = new Date(enrolment.expiresAt).toISOString().replace("T", " ").slice(0, 19);
      out(
        shown,
        `${v["no-qr"] ? "" : `Scan with your phone's camera:\n\n${qrTerminal(enrolment.link)}\n\n`}Or open:    ${enrolment.link}\nOr type:    ${enrolment.code}\nValid until ${until} UTC, once.\n`,
      );
      return 0;
    }
    case "show": {
      const keys = readKeyFile(file);
      const shown = {
        server: keys.server,
        authenticatorId: keys.authenticatorId,
        label: keys.label,
        publicKey: keys.publicKey,
        enrolledAt: keys.enrolledAt,
        file,
      };
      out(
        shown,
        `Server:      ${shown.server}\nId:          ${shown.authenticatorId}\nLabel:       ${shown.label}\nPublic key:  ${shown.publicKey}\nEnrolled:    ${shown.enrolledAt}\nKey file:    ${file}\n`,
      );
      return 0;
    }
    case "pending": {
      const pending = await fetchPending(readKeyFile(file));
      out(
        { pending },
        pending.length === 0
          ? "No login is waiting for approval.\n"
          : `${pending.length} login${pending.length > 1 ? "s" : ""} waiting:\n${pending.map((p) => `  ${describeLogin(p)}\n`).join("")}`,
      );
      return 0;
    }
    case "approve":
    case "deny": {
      const keys = readKeyFile(file);
      if (verb === "deny" && positionals.length !== 1)
        throw new SerumsError("BAD_USAGE", `deny takes the login's ID\n\n${spec.usage}`);
      const login = pick(await fetchPending(keys), positionals[0], spec.usage);
      const number = verb === "deny" ? "" : ((v.number as string | undefined) ?? (await askNumber(login)));
      if (verb === "approve" && number === "")
        throw new SerumsError("BAD_USAGE", "no number typed; nothing was sent");
      const result = await decide(keys, login, number, verb === "approve" ? "approve" : "deny");
      out(
        { challengeId: login.challengeId, ...result },
        result.status === "approved"
          ? "Approved: the login can go on.\n"
          : result.reason === "wrong_number"
            ? "Denied: that was not the number on the login page. If it was you, start the login again.\n"
            : "Denied.\n",
      );
      return result.status === "approved" || verb === "deny" ? 0 : 1;
    }
    default:
      return 2;
  }
}
