/**
 * `serums user create-admin|enrol|list|disable|enrolment-code|rotate-key`: the site operator's
 * account commands.
 * Staff accounts are created with a one-time activation code (printed once) with which their
 * owner sets their keys (POST /auth/activate) and gets their authenticator's enrolment code.
 */
import {
  disableAccount,
  enrolStaff,
  getAccount,
  listAccounts,
  ROLES,
  type Role,
} from "../../auth/accounts/index.ts";
import { authMigrations } from "../../auth/auth-migrations.ts";
import { createEnrolmentCode, qrTerminal } from "../../auth/factors/index.ts";
import { recordAuthEvent } from "../../auth/login/index.ts";
import { KeyRing } from "../../auth/tokens/index.ts";
import { readConfig } from "../../config/index.ts";
import { SerumsError } from "../../errors/index.ts";
import { recordMigrations } from "../../record/index.ts";
import { createLoginContext } from "../../server/server-context.ts";
import { openStore } from "../../store/index.ts";
import { parse, requireFlag } from "../args.ts";
import { printJson } from "../context.ts";

export const USER_USAGE = `Usage: serums user <verb> [options]

  serums user create-admin --login L --site S --department D --country CC
      The first administrator of a site; prints their Serums ID and a one-time activation code
      (valid 72 hours) with which they set their keys (POST /auth/activate).
  serums user enrol --login L --role R --site S --department D --country CC
      A member of staff, from the command line (administrators use POST /auth/staff).
      R is one of: ${ROLES.filter((r) => r !== "patient").join(", ")}
  serums user list [--site S] [--role R] [--json]
      The accounts (no secrets).
  serums user disable SERUMS_ID
      The account can no longer log in; its sessions end now.
  serums user enrolment-code SERUMS_ID [--no-qr]
      A new one-time code (10 minutes) to enrol the user's authenticator, for someone who cannot
      log in to ask for one: their registration's code expired unused, or they lost their only
      authenticator. Check who they are first: the code lets its holder approve their logins.
  serums user rotate-key
      A new token-signing key signs from now on; the old one stays in the JWKS until its tokens expire.

  --db PATH|URL   the store (default ./data/serums.db, or DATABASE_URL)
  Signing keys live in SERUMS_AUTH_KEY_DIR (default ./data/auth-keys).`;

const OPTIONS = {
  login: { type: "string" },
  role: { type: "string" },
  site: { type: "string" },
  department: { type: "string" },
  country: { type: "string" },
  "no-qr": { type: "boolean", default: false },
} as const;

function role(value: string | undefined): Role {
  if (value === undefined || !(ROLES as readonly string[]).includes(value) || value === "patient") {
    throw new SerumsError(
      "BAD_USAGE",
      `--role ${JSON.stringify(value ?? "")} is not a staff role; valid: ${ROLES.filter((r) => r !== "patient").join(", ")}`,
      { path: "--role" },
    );
  }
  return value as Role;
}

export async function userCommand(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parse(rest, OPTIONS, USER_USAGE);
  if (values.help || verb === undefined || verb === "--help" || verb === "-h") {
    process.stdout.write(`${USER_USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  const config = readConfig(process.env, values.db === undefined ? {} : { db: values.db });
  if (verb === "rotate-key") {
    const ring = await KeyRing.open(config.auth.keyDir);
    const kid = await ring.rotate();
    if (values.json) printJson({ kid, keys: ring.list() });
    else
      process.stdout.write(`new signing key ${kid}; ${ring.list().length} key(s) in ${config.auth.keyDir}\n`);
    return 0;
  }
  if (!["create-admin", "enrol", "list", "disable", "enrolment-code"].includes(verb)) {
    throw new SerumsError(
      "BAD_USAGE",
      `unknown verb "${verb}"; valid: create-admin, enrol, list, disable, enrolment-code, rotate-key\n\n${USER_USAGE}`,
    );
  }
  const store = await openStore(config.store, { migrations: [...recordMigrations, ...authMigrations] });
  try {
    const context = await createLoginContext({ store, config });
    switch (verb) {
      case "create-admin":
      case "enrol": {
        const input = {
          login: requireFlag("login", values.login, USER_USAGE),
          role:
            verb === "create-admin"
              ? ("administrator" as const)
              : (role(values.role) as Exclude<Role, "patient">),
          site: requireFlag("site", values.site, USER_USAGE),
          department: requireFlag("department", values.department, USER_USAGE),
          country: requireFlag("country", values.country, USER_USAGE),
        };
        const enrolled = await enrolStaff(context, "cli", input);
        if (values.json) printJson(enrolled);
        else {
          const a = enrolled.account;
          process.stdout.write(
            `${a.role} ${a.loginName} (${a.serumsId}) at ${a.site}, ${a.department}, ${a.country}\n` +
              `activation code (give it to them once; valid until ${new Date(enrolled.activationExpiresAt).toISOString()}):\n` +
              `  ${enrolled.activationCode}\n`,
          );
        }
        return 0;
      }
      case "list": {
        const accounts = await listAccounts(store, {
          ...(values.site ? { site: values.site } : {}),
          ...(values.role ? { role: values.role as Role } : {}),
        });
        if (values.json) printJson({ accounts });
        else {
          for (const a of accounts) {
            process.stdout.write(
              `${a.serumsId}  ${a.loginName.padEnd(24)} ${a.role.padEnd(13)} ${[a.site, a.department, a.country].filter(Boolean).join(" / ")}${a.status === "disabled" ? "  [disabled]" : ""}\n`,
            );
          }
          process.stdout.write(`${accounts.length} account(s)\n`);
        }
        return 0;
      }
      case "enrolment-code": {
        if (positionals.length !== 1)
          throw new SerumsError("BAD_USAGE", `user enrolment-code takes one Serums ID\n\n${USER_USAGE}`);
        const serumsId = positionals[0]!;
        const account = await getAccount(store, serumsId);
        if (account?.status !== "active") {
          throw new SerumsError("NOT_FOUND", `no active account ${serumsId}; see serums user list`, {
            value: serumsId,
          });
        }
        const enrolment = await createEnrolmentCode(
          store,
          serumsId,
          config.auth.publicOrigin,
          context.factors,
        );
        await recordAuthEvent(
          store,
          { kind: "factor_change", outcome: "success", reason: "operator_enrolment_code", serumsId },
          { now: context.now },
        );
        if (values.json) printJson(enrolment);
        else {
          const until = new Date(enrolment.expiresAt).toISOString().replace("T", " ").slice(0, 19);
          process.stdout.write(
            `${values["no-qr"] ? "" : `${qrTerminal(enrolment.link)}\n\n`}Open:   ${enrolment.link}\nOr type: ${enrolment.code}  (serums authenticator enrol CODE --server URL)\nFor ${account.loginName} (${serumsId}); valid until ${until} UTC, once. Links name ${config.auth.publicOrigin} (SERUMS_PUBLIC_ORIGIN).\n`,
          );
        }
        return 0;
      }
      default: {
        if (positionals.length !== 1)
          throw new SerumsError("BAD_USAGE", `user disable takes one Serums ID\n\n${USER_USAGE}`);
        await disableAccount(context, positionals[0]!);
        if (values.json) printJson({ disabled: positionals[0] });
        else process.stdout.write(`disabled ${positionals[0]}; its sessions have ended\n`);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}
