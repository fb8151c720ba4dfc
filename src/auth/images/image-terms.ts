/**
 * Words to terms, the one vocabulary of the image library: tags, titles, search queries and a
 * user's secret all become terms the same way, so "Places we visited in Europe" meets the tag
 * "europe" and "cats" meets "cat".
 *
 * A term is a word of letters or digits, NFC, lower-cased, its accents removed (for matching only;
 * the textual key keeps them), common English stop words dropped, and a light plural/past-tense
 * stemming ("places" → "place", "visited" → "visit", "berries" → "berry").
 */

const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by do for from had has have he her his i if in into is it its " +
    "me my of on or our she so than that the their them then there these they this those to too " +
    "us was we were what when where which while who will with you your"
  ).split(" "),
);

/** Words of a text: runs of unicode letters, marks and digits; apostrophes inside words dropped. */
export function wordsOf(text: string): string[] {
  return (
    text
      .normalize("NFC")
      .replace(/(\p{L})['’](\p{L})/gu, "$1$2")
      .match(/[\p{L}\p{M}\p{N}]+/gu) ?? []
  );
}

/** "Visited" → "visit", "Cafés" → "cafe". */
export function stem(word: string): string {
  let w = word
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ss|x|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ed") && !w.endsWith("eed")) w = w.slice(0, -2);
  return w;
}

/** The distinct terms of a text, in order of first appearance; stop words are not terms. */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const word of wordsOf(text)) {
    const lower = word.toLowerCase();
    if (STOP_WORDS.has(lower)) continue;
    const term = stem(word);
    if (term.length === 0 || seen.has(term)) continue;
    seen.add(term);
    terms.push(term);
  }
  return terms;
}

/** A tag as shown and stored: trimmed, NFC, lower-case, inner spaces collapsed; "" if empty. */
export function normaliseTag(tag: string): string {
  return tag.normalize("NFC").trim().toLowerCase().replace(/\s+/g, " ");
}

/** The distinct terms of several texts (tags, a title). */
export function termsOfAll(texts: readonly string[]): string[] {
  const all = new Set<string>();
  for (const text of texts) for (const term of termsOf(text)) all.add(term);
  return [...all];
}
