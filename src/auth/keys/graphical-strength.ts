/**
 * The strength of graphical keys: the theoretical space less what makes a choice predictable,
 * in guesses and bits, scored 0–4 on zxcvbn's scale (key-strength.ts), with feedback.
 *
 * Recognition (k images in a grid of n): at most C(n, k). Then, for an attacker who sees the grid:
 * - a shared theme: if j of the user's images carry a term t that m grid images carry, an attacker
 *   who tries themes in order of how common they are in the grid needs about
 *   rank(t) × C(m, j) × C(n − m, k − j) guesses (for j ≥ 2; uploads stand out even alone, since
 *   decoys are never uploads, so the pseudo-term "source:upload" counts from j = 1);
 * - popularity: once the population model has MIN_POPULATION_CHOICES choices, an attacker who tries
 *   selections in order of how often other users chose their images needs the number of
 *   selections at least as popular as the user's (ties counted half).
 * Gestures: at most ∏ 3 × (S for a tap, S² for a line, S × R for a circle), S the squares of side
 * 2r on the frame, R the radius bands. Then each point on a hot spot (cells of the background other
 * users chose, once it has MIN_POPULATION_POINTS points) counts only its rank among cells, and a
 * point repeating an earlier one counts as a handful.
 */
import type { ImageLibrary } from "../images/index.ts";
import type { Gesture } from "./gesture-geometry.ts";
import { pointsOf } from "./gesture-geometry.ts";
import { assertStrength, binomial, bitsOf, type KeyStrength, scoreFromGuesses } from "./key-strength.ts";
import {
  type CellPopulation,
  GESTURE_FRAME,
  type ImagePopulation,
  POPULATION_CELL,
  populationCell,
} from "./population.ts";

export const MIN_POPULATION_CHOICES = 50;
export const MIN_POPULATION_POINTS = 30;
/** Above this many selections the popularity rank is estimated by sampling. */
const ENUMERATION_LIMIT = 500_000;
const SAMPLES = 100_000;

export { assertStrength };

interface Finding {
  guesses: number;
  warning: string;
  suggestion: string;
}

function themeFinding(
  library: ImageLibrary,
  grid: readonly string[],
  own: ReadonlySet<string>,
): Finding | undefined {
  const n = grid.length;
  const k = own.size;
  const holders = new Map<string, string[]>();
  for (const id of grid) {
    // Photos (the site's, or uploads) among drawings are a tell of their own: a pseudo-term each.
    const source = library.get(id)?.source ?? "openmoji";
    const terms = [...(source === "openmoji" ? [] : [`source:${source}`]), ...library.termsOf(id).keys()];
    for (const t of terms) {
      const list = holders.get(t);
      if (list) list.push(id);
      else holders.set(t, [id]);
    }
  }
  const ranked = [...holders].sort(
    (a, b) =>
      Number(b[0].startsWith("source:")) - Number(a[0].startsWith("source:")) ||
      b[1].length - a[1].length ||
      a[0].localeCompare(b[0]),
  );
  const sources = ranked.filter(([t]) => t.startsWith("source:")).length;
  let best: Finding | undefined;
  ranked.forEach(([term, ids], index) => {
    const m = ids.length;
    const j = ids.filter((id) => own.has(id)).length;
    const isSource = term.startsWith("source:");
    if (j < (term === "source:upload" ? 1 : 2)) return;
    const rank = isSource ? 1 : index + 1 - sources;
    const guesses = rank * binomial(m, j) * binomial(n - m, k - j);
    if (best && guesses >= best.guesses) return;
    best =
      term === "source:upload"
        ? {
            guesses,
            warning: "Your uploaded images stand out: the grid's decoys are never other people's uploads.",
            suggestion:
              "Choose library images as well as your own, or ask your site to add photos like yours.",
          }
        : {
            guesses,
            warning: `${j} of your images share "${isSource ? term.slice(7) : term}", and only ${m - j} other image${m - j === 1 ? "" : "s"} in the grid ${m - j === 1 ? "does" : "do"}: someone who guesses the theme picks them out.`,
            suggestion: "Choose images that illustrate different parts of your secret.",
          };
  });
  return best;
}

/** Selections at least as popular as the user's (ties half), by enumeration or sampling. */
function popularityRank(weights: readonly number[], ownWeight: number, k: number): number {
  const n = weights.length;
  const total = binomial(n, k);
  let higher = 0;
  let equal = 0;
  if (total <= ENUMERATION_LIMIT) {
    const walk = (start: number, left: number, sum: number) => {
      if (left === 0) {
        if (sum > ownWeight) higher++;
        else if (sum === ownWeight) equal++;
        return;
      }
      for (let i = start; i <= n - left; i++) walk(i + 1, left - 1, sum + weights[i]!);
    };
    walk(0, k, 0);
    return 1 + higher + Math.floor(Math.max(0, equal - 1) / 2);
  }
  // Deterministic sampling (a fixed linear congruential stream: the estimate must not flicker).
  let state = 0x2545f491;
  const next = (bound: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % bound;
  };
  const index = Array.from({ length: n }, (_, i) => i);
  for (let s = 0; s < SAMPLES; s++) {
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const j = i + next(n - i);
      [index[i], index[j]] = [index[j]!, index[i]!];
      sum += weights[index[i]!]!;
    }
    if (sum > ownWeight) higher++;
    else if (sum === ownWeight) equal++;
  }
  return Math.max(1, Math.round(((higher + equal / 2) / SAMPLES) * total));
}

function popularityFinding(
  grid: readonly string[],
  own: ReadonlySet<string>,
  population: ImagePopulation,
): Finding | undefined {
  if (population.total < MIN_POPULATION_CHOICES) return undefined;
  const weight = (id: string) => Math.round(1000 * Math.log1p(population.counts.get(id) ?? 0));
  const weights = grid.map(weight);
  const ownWeight = [...own].reduce((sum, id) => sum + weight(id), 0);
  return {
    guesses: popularityRank(weights, ownWeight, own.size),
    warning: "Your images are among those other users choose most.",
    suggestion: "Pick less obvious images for your secret.",
  };
}

/** The strength of a recognition key: `own` (the user's images) within `grid`. */
export function recognitionStrength(
  library: ImageLibrary,
  grid: readonly string[],
  own: readonly string[],
  population: ImagePopulation = { counts: new Map(), total: 0 },
): KeyStrength {
  const ownSet = new Set(own);
  const theoretical = binomial(grid.length, ownSet.size);
  const findings = [themeFinding(library, grid, ownSet), popularityFinding(grid, ownSet, population)]
    .filter((f): f is Finding => f !== undefined)
    .filter((f) => f.guesses < theoretical)
    .sort((a, b) => a.guesses - b.guesses);
  const guesses = Math.max(1, Math.min(theoretical, findings[0]?.guesses ?? theoretical));
  const worst = findings[0];
  return {
    kind: "recognition",
    score: scoreFromGuesses(guesses),
    guesses,
    bits: bitsOf(guesses),
    theoreticalBits: bitsOf(theoretical),
    feedback: {
      warning: worst && worst.guesses < theoretical / 4 ? worst.warning : null,
      suggestions: worst && worst.guesses < theoretical / 4 ? [worst.suggestion] : [],
    },
  };
}

/** Squares of side 2r per frame, and radius bands. */
export function gestureSpace(r: number): { squares: number; radiusBands: number } {
  const side = GESTURE_FRAME / (2 * r);
  return { squares: side * side, radiusBands: Math.ceil(GESTURE_FRAME / 2 / (2 * r)) };
}

/** How many guesses a point in `cell` takes an attacker who tries hot cells first. */
function hotSpotGuesses(cell: string, population: CellPopulation, squares: number, r: number): number {
  const mine = population.counts.get(cell) ?? 0;
  const cells = (GESTURE_FRAME / POPULATION_CELL) ** 2;
  let higher = 0;
  let equal = 0;
  for (const count of population.counts.values()) {
    if (count > mine) higher++;
    else if (count === mine) equal++;
  }
  if (mine === 0) equal = cells - population.counts.size;
  const rank = 1 + higher + Math.floor(Math.max(0, equal - 1) / 2);
  const squaresPerCell = Math.max(1, (POPULATION_CELL / (2 * r)) ** 2);
  return Math.min(squares, rank * squaresPerCell);
}

/** The strength of a gesture key drawn with tolerance `r` on a background with `population`. */
export function gestureStrength(
  gestures: readonly Gesture[],
  r: number,
  population: CellPopulation = { counts: new Map(), total: 0 },
): KeyStrength {
  const { squares, radiusBands } = gestureSpace(r);
  const useHotSpots = population.total >= MIN_POPULATION_POINTS;
  let theoretical = 1;
  let effective = 1;
  let repeats = 0;
  let hotLoss = 0;
  const earlier: [number, number][] = [];
  for (const g of gestures) {
    let space = 3;
    let guesses = 3;
    for (const [x, y] of pointsOf(g)) {
      space *= squares;
      const repeat = earlier.some(([ex, ey]) => Math.abs(ex - x) < 2 * r && Math.abs(ey - y) < 2 * r);
      let point = squares;
      if (repeat) {
        point = Math.max(1, earlier.length);
        repeats++;
      } else if (useHotSpots) {
        point = hotSpotGuesses(populationCell(x, y), population, squares, r);
        hotLoss += Math.log2(squares / point);
      }
      guesses *= point;
      earlier.push([x, y]);
    }
    if (g.kind === "circle") {
      space *= radiusBands;
      guesses *= radiusBands;
    }
    theoretical *= space;
    effective *= guesses;
  }
  const guesses = Math.max(1, Math.min(theoretical, effective));
  const suggestions: string[] = [];
  let warning: string | null = null;
  if (repeats > 0) warning = "Some of your points are in the same place as earlier ones.";
  else if (hotLoss > 0.25 * Math.log2(theoretical))
    warning = "Your points are on this picture's hot spots, where many people tap.";
  if (gestures.length < 3) suggestions.push("Add gestures: three or more.");
  if (gestures.every((g) => g.kind === "tap")) suggestions.push("Mix lines and circles with taps.");
  if (warning?.startsWith("Your points")) suggestions.push("Use less obvious places in the picture.");
  return {
    kind: "gesture",
    score: scoreFromGuesses(guesses),
    guesses,
    bits: bitsOf(guesses),
    theoreticalBits: bitsOf(theoretical),
    feedback: { warning, suggestions },
  };
}
