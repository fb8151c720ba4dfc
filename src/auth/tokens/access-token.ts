/**
 * Access tokens: JWTs signed with EdDSA (Ed25519) by the site's active key, valid 10 minutes,
 * carrying the Serums ID (`sub`), role, site, department, country, the authentication methods
 * (`amr`) and the session (`sid`, the refresh-token family). Verification pins the algorithm, the
 * issuer, the audience, the type, the expiry (with a few seconds of leeway) and the key id
 * against the ring's JWKS; anything else is refused as UNAUTHENTICATED.
 */
import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { SerumsError } from "../../errors/index.ts";
import { ROLES, type Role } from "../accounts/account-schema.ts";
import { type AccessClaims, AMR_VALUES, type AuthMethod } from "./access-claims.ts";
import { ACCESS_TOKEN_TTL_SECONDS, CLOCK_LEEWAY_SECONDS, type KeyRing } from "./signing-keys.ts";
import { recallVerified, rememberVerified, settingsKey } from "./verified-tokens.ts";

export interface TokenSettings {
  issuer: string;
  audience: string;
  now?: () => number;
}

/** Who a token is for: the account's identity as the token carries it. */
export interface TokenSubject {
  serumsId: string;
  role: Role;
  site: string | null;
  department: string | null;
  country: string | null;
}

const TOKEN_TYPE = "at+jwt";

const claimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(ROLES),
  site: z.string().nullable(),
  department: z.string().nullable(),
  country: z.string().nullable(),
  amr: z.array(z.enum(AMR_VALUES)).min(1),
  sid: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
});

/** Signs an access token for `subject`; returns it with its id and expiry (ms). */
export async function signAccessToken(
  ring: KeyRing,
  subject: TokenSubject,
  amr: readonly AuthMethod[],
  sessionId: string,
  settings: TokenSettings,
): Promise<{ token: string; jti: string; expiresAt: number }> {
  const nowSeconds = Math.floor((settings.now ?? Date.now)() / 1000);
  const { kid, privateKey } = ring.active();
  const jti = randomUUID();
  const token = await new SignJWT({
    role: subject.role,
    site: subject.site,
    department: subject.department,
    country: subject.country,
    amr: [...amr],
    sid: sessionId,
  })
    .setProtectedHeader({ alg: "EdDSA", kid, typ: TOKEN_TYPE })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(subject.serumsId)
    .setJti(jti)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ACCESS_TOKEN_TTL_SECONDS)
    .sign(privateKey);
  return { token, jti, expiresAt: (nowSeconds + ACCESS_TOKEN_TTL_SECONDS) * 1000 };
}

function headerAlg(token: string): string {
  try {
    return String(decodeProtectedHeader(token).alg);
  } catch {
    return "(unreadable)";
  }
}

function refused(reason: string, cause?: unknown): SerumsError {
  return new SerumsError("UNAUTHENTICATED", `the access token is not valid: ${reason}`, {}, { cause });
}

/** Verifies an access token and returns its claims, or throws SerumsError UNAUTHENTICATED. */
export async function verifyAccessToken(
  ring: KeyRing,
  token: string,
  settings: TokenSettings,
): Promise<AccessClaims> {
  const now = (settings.now ?? Date.now)();
  // The same token verified in full a moment ago: its signature and claims are not redone, its
  // key and time window are (see verified-tokens.ts).
  const verifiedFor = settingsKey(settings.issuer, settings.audience);
  const recalled = recallVerified(ring, token, verifiedFor, now);
  if (recalled) return recalled;
  let usedKid = "";
  let result: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    result = await jwtVerify(
      token,
      (header) => {
        if (header.alg !== "EdDSA") throw refused(`the algorithm ${String(header.alg)} is not accepted`);
        const key = typeof header.kid === "string" ? ring.verificationKey(header.kid, now) : undefined;
        if (!key) throw refused("it names no key of this site's JWKS");
        usedKid = header.kid!;
        return key;
      },
      {
        algorithms: ["EdDSA"],
        issuer: settings.issuer,
        audience: settings.audience,
        typ: TOKEN_TYPE,
        currentDate: new Date(now),
        clockTolerance: CLOCK_LEEWAY_SECONDS,
        maxTokenAge: ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS,
        requiredClaims: ["sub", "exp", "iat", "jti"],
      },
    );
  } catch (error) {
    if (error instanceof SerumsError) throw error;
    if (error instanceof errors.JWTExpired) {
      throw refused(error.claim === "iat" ? "it was issued too long ago (iat)" : "it has expired", error);
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      throw refused(`the algorithm ${headerAlg(token)} is not accepted`);
    if (error instanceof errors.JWTClaimValidationFailed)
      throw refused(`claim ${error.claim} ${error.reason}`, error);
    if (error instanceof errors.JWSSignatureVerificationFailed)
      throw refused("its signature does not verify", error);
    throw refused("it is malformed or not signed as required", error);
  }
  const parsed = claimsSchema.safeParse(result.payload);
  if (!parsed.success) throw refused(`its claims are malformed (${parsed.error.issues[0]?.path.join(".")})`);
  const c = parsed.data;
  if (c.role !== "patient" && (c.site === null || c.department === null || c.country === null)) {
    throw refused("a staff token must name a site, department and country");
  }
  const claims: AccessClaims = {
    serumsId: c.sub,
    role: c.role,
    site: c.site,
    department: c.department,
    country: c.country,
    amr: c.amr,
    jti: c.jti,
    iat: c.iat,
    exp: c.exp,
    kid: usedKid,
    sessionId: c.sid,
  };
  // The window in which jose accepts it, as it checked above (seconds, with the leeway).
  const nbf = typeof result.payload.nbf === "number" ? result.payload.nbf : c.iat;
  rememberVerified(ring, token, verifiedFor, claims, {
    validFrom: (Math.max(c.iat, nbf) - CLOCK_LEEWAY_SECONDS) * 1000,
    validUntil: (Math.min(c.exp, c.iat + ACCESS_TOKEN_TTL_SECONDS) + CLOCK_LEEWAY_SECONDS) * 1000,
  });
  return claims;
}
