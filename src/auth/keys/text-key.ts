/**
 * The textual key: proposed from the user's secret ("Places that we visited in Europe" →
 * "PlacesThatWeVisitedInEurope"), accepted or edited by the user, rated with zxcvbn, stored only as
 * an argon2id hash. The secret itself is never stored.
 *
 * Proposal: words are runs of unicode letters and digits; each word's first letter is upper-cased
 * and the rest kept as typed ("NHS" stays "NHS"); punctuation and spaces are dropped, apostrophes
 * inside words too ("Mum's garden" → "MumsGarden"). Accents are KEPT ("Café in Zürich" →
 * "CaféInZürich"): stripping them would shrink the key and surprise the user who typed them; a user
 * whose keyboard lacks them edits the proposal. Keys are normalised to NFC before hashing and
 * before every comparison, so a precomposed "é" and "e" + combining acute are the same key.
 */
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as zxcvbnCommon from "@zxcvbn-ts/language-common";
import * as zxcvbnEn from "@zxcvbn-ts/language-en";
import { SerumsError } from "../../errors/index.ts";
import type { Executor } from "../../store/index.ts";
import { type Argon2Function, hashSecret, verifySecret } from "./argon2-hash.ts";
import { DEFAULT_KEY_POLICY, type KeyOptions } from "./key-policy.ts";
import { requireUser } from "./key-settings.ts";
import { assertStrength, bitsOf, type KeyStrength, type Score } from "./key-strength.ts";

export const MIN_TEXT_KEY_LENGTH = 8;
export const MAX_TEXT_KEY_LENGTH = 256;

export interface TextKeyOptions extends KeyOptions {
  argon2?: Argon2Function;
}

/** Words of a secret, in order: letters (any script, with their marks) and digits. */
export function secretWords(secret: string): string[] {
  return (
    secret
      .normalize("NFC")
      .replace(/(\p{L}\p{M}*)['’](\p{L})/gu, "$1$2")
      .match(/[\p{L}\p{M}\p{N}]+/gu) ?? []
  );
}

/** The proposed textual key of a secret (see the file's comment); "" when it has no words. */
export function proposeTextKey(secret: string): string {
  return secretWords(secret)
    .map((word) => {
      const [first = "", ...rest] = [...word];
      return first.toLocaleUpperCase("und") + rest.join("");
    })
    .join("")
    .normalize("NFC");
}

/** A key as compared and hashed: NFC. */
export function canonicalTextKey(key: string): string {
  return key.normalize("NFC");
}

let factory: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
  });
  return factory;
}

/**
 * The strength of a text key, by zxcvbn with the common and English dictionaries. The secret's
 * words (and any `userInputs`, such as the login name) count as known to the attacker.
 */
export function textKeyStrength(
  key: string,
  context: { secret?: string; userInputs?: readonly string[] } = {},
): KeyStrength {
  const inputs = [
    ...(context.secret ? secretWords(context.secret).map((w) => w.toLowerCase()) : []),
    ...(context.userInputs ?? []),
  ];
  const result = zxcvbn().check(canonicalTextKey(key), inputs);
  return {
    kind: "text",
    score: result.score as Score,
    guesses: result.guesses,
    bits: bitsOf(result.guesses),
    feedback: { warning: result.feedback.warning ?? null, suggestions: [...result.feedback.suggestions] },
  };
}

function checkLength(key: string): void {
  const length = [...canonicalTextKey(key)].length;
  if (length < MIN_TEXT_KEY_LENGTH || length > MAX_TEXT_KEY_LENGTH) {
    throw new SerumsError(
      "BAD_REQUEST",
      `the text key has ${length} characters; valid: ${MIN_TEXT_KEY_LENGTH} to ${MAX_TEXT_KEY_LENGTH}`,
      { path: "key", value: { length } },
    );
  }
}

/**
 * Sets (or replaces) a user's text key: checks its length and its strength against
 * `minTextScore` (SerumsError BAD_REQUEST naming the score and the minimum), then stores its
 * argon2id hash. Returns the strength.
 */
export async function enrolTextKey(
  db: Executor,
  serumsId: string,
  key: string,
  options: TextKeyOptions & { secret?: string; userInputs?: readonly string[] } = {},
): Promise<KeyStrength> {
  checkLength(key);
  await requireUser(db, serumsId);
  const strength = textKeyStrength(key, options);
  assertStrength(strength, options.minTextScore ?? DEFAULT_KEY_POLICY.minTextScore);
  const hash = await hashSecret(canonicalTextKey(key), options);
  const now = (options.now ?? Date.now)();
  await db.run(
    `INSERT INTO auth_text_key (serums_id, hash, created_at, updated_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (serums_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
    [serumsId, hash, now],
  );
  return strength;
}

/**
 * Whether `value` is the user's text key. One argon2id computation whatever happens: for an
 * unknown user (`serumsId` undefined or without a text key) a dummy is verified and the answer is
 * false. A right key stored with parameters below the site's current ones is rehashed.
 */
export async function verifyTextKey(
  db: Executor,
  serumsId: string | undefined,
  value: string,
  options: TextKeyOptions = {},
): Promise<boolean> {
  const row =
    serumsId === undefined
      ? undefined
      : await db.get<{ hash: string }>("SELECT hash FROM auth_text_key WHERE serums_id = $1", [serumsId]);
  const tooLong = value.length > 4 * MAX_TEXT_KEY_LENGTH;
  const message = canonicalTextKey(tooLong ? value.slice(0, 4 * MAX_TEXT_KEY_LENGTH) : value);
  const result = await verifySecret(row?.hash, message, options);
  if (result.ok && result.needsRehash && serumsId !== undefined && row) {
    const hash = await hashSecret(message, options);
    await db.run("UPDATE auth_text_key SET hash = $1, updated_at = $2 WHERE serums_id = $3 AND hash = $4", [
      hash,
      (options.now ?? Date.now)(),
      serumsId,
      row.hash,
    ]);
  }
  return result.ok && !tooLong;
}
