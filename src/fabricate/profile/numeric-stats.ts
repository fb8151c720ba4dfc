/**
 * The numeric summary of a column, built so that it reveals no individual value.
 *
 * The minimum and maximum of a column ARE values, and usually the rarest ones (the oldest
 * patient, the longest stay). So the profile never reports them. It reports the range bottom-
 * and top-coded at k instead: `lower` is the k-th smallest value and `upper` the k-th largest,
 * each rounded outward to a grid of about a hundredth of that range (`step`, a 1-2-5 number).
 * At least k rows lie between `lower` and the k-th smallest value, so the bound is a statement
 * about k rows, never about one, and the rounding stops it from being any row's exact value.
 * The fewer than k values outside are counted (belowLower, aboveUpper), not shown.
 *
 * The same reasoning covers the rest: a quantile is reported only when at least k sampled values
 * lie on each side of it, rounded to the grid; the mean and deviation are of the values clipped to
 * [lower, upper] (winsorised), so that an outlier cannot be recovered from how far it moved them;
 * the histogram has fixed bins over [lower, upper], neighbours merged until each holds at least
 * k values (so its edges may be irregular). A column with fewer than 2k values gets no
 * numeric summary at all.
 *
 * Rounding alone is not enough when a value sits on the grid (a date 500 days from the epoch, an
 * integer age): the k-th smallest value may itself be seen only once and be a grid point. So no
 * reported bound or quantile may equal a value seen fewer than k times in the sample: a bound
 * that does moves outward one step at a time, a quantile that does is withheld.
 */
import { formatDate, formatDateTime } from "../table-spec.ts";
import type { NumericUnit } from "./column-class.ts";
import { type NumericStats, QUANTILE_LEVELS, QUANTILE_NAMES, type QuantileName } from "./profile-types.ts";
import { clippedMoments, niceStep, quantileSorted, roundTo } from "./statistics.ts";

/** Bins of the histogram, about. */
export const HISTOGRAM_BINS = 20;
/** The grid is about this fraction of the coded range. */
const GRID_FRACTION = 1 / 100;

/** Renders a value of the unit as text for readers (dates and date-times), else undefined. */
export function unitText(value: number, unit: NumericUnit): string | undefined {
  if (unit === "days") return formatDate(value);
  if (unit === "seconds") return formatDateTime(value);
  return undefined;
}

/** Fixed-width bins covering [lower, upper], edges at multiples of width plus shift·width. */
function histogramOf(
  sorted: Float64Array,
  lower: number,
  upper: number,
  width: number,
  shift: number,
): { edges: number[]; counts: number[] } {
  const offset = shift * width;
  const start = roundTo(lower - offset, width, "floor") + offset;
  const end = roundTo(upper - offset, width, "floor") + offset + width;
  const bins = Math.max(1, Math.round((end - start) / width));
  const edges = Array.from({ length: bins + 1 }, (_, i) => Number((start + i * width).toPrecision(12)));
  const counts = new Array<number>(bins).fill(0);
  for (const value of sorted) {
    if (value < lower || value > upper) continue;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor((value - start) / width + 1e-9)));
    counts[bin]!++;
  }
  return { edges, counts };
}

/**
 * Adjacent bins merged, left to right, until each holds at least k values (the last too, by
 * joining its left neighbour): a narrow bin of one or two values would show those values as
 * surely as listing them (an integer column's bin [51, 52) is the value 51).
 */
function mergeSmallBins(
  histogram: { edges: number[]; counts: number[] },
  k: number,
): { edges: number[]; counts: number[] } {
  const edges = [histogram.edges[0]!];
  const counts: number[] = [];
  let pending = 0;
  histogram.counts.forEach((count, i) => {
    pending += count;
    if (pending >= k) {
      edges.push(histogram.edges[i + 1]!);
      counts.push(pending);
      pending = 0;
    }
  });
  const end = histogram.edges[histogram.edges.length - 1]!;
  if (counts.length === 0) return { edges: [edges[0]!, end], counts: [pending] };
  if (pending > 0 || edges[edges.length - 1] !== end) {
    counts[counts.length - 1]! += pending;
    edges[edges.length - 1] = end;
  }
  return { edges, counts };
}

/** How many times x occurs in sorted values (binary search). */
function occurrences(sorted: Float64Array, x: number): number {
  const first = (strict: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (strict ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return first(true) - first(false);
}

/** Numeric statistics of sorted present values, or undefined when there are fewer than 2k of them. */
export function numericStats(
  sorted: Float64Array,
  unit: NumericUnit,
  k: number,
  wholeNumbers: boolean,
): NumericStats | undefined {
  const n = sorted.length;
  if (n < 2 * k || n === 0) return undefined;
  const lowRaw = sorted[k - 1]!;
  const highRaw = sorted[n - k]!;
  const minStep = wholeNumbers || unit !== "number" ? 1 : 0;
  const spread = highRaw - lowRaw;
  const step = niceStep(spread > 0 ? spread * GRID_FRACTION : Math.abs(lowRaw) * GRID_FRACTION, minStep);
  const rare = (x: number) => {
    const seen = occurrences(sorted, x);
    return seen > 0 && seen < k;
  };
  let lower = roundTo(lowRaw, step, "floor");
  while (rare(lower)) lower = Number((lower - step).toPrecision(12));
  let upper = roundTo(highRaw, step, "ceil");
  if (upper <= lower) upper = Number((lower + step).toPrecision(12));
  while (rare(upper)) upper = Number((upper + step).toPrecision(12));

  let belowLower = 0;
  let aboveUpper = 0;
  for (const value of sorted) {
    if (value < lower) belowLower++;
    else if (value > upper) aboveUpper++;
  }
  const moments = clippedMoments(sorted, lower, upper);

  const quantiles: Partial<Record<QuantileName, number>> = {};
  for (const name of QUANTILE_NAMES) {
    const p = QUANTILE_LEVELS[name];
    if (p * n < k || (1 - p) * n < k) continue;
    const q = Math.min(upper, Math.max(lower, roundTo(quantileSorted(sorted, p), step, "nearest")));
    if (!rare(q)) quantiles[name] = q;
  }

  const width = niceStep((upper - lower) / HISTOGRAM_BINS, step);
  // Edges on the width's grid; if one lands on a rare value, the grid shifted by half a width.
  const histogram = [0, 0.5]
    .map((shift) => mergeSmallBins(histogramOf(sorted, lower, upper, width, shift), k))
    .find((h) => !h.edges.some(rare)) ?? { edges: [lower, upper], counts: [n - belowLower - aboveUpper] };

  const lowerText = unitText(lower, unit);
  const upperText = unitText(upper, unit);
  return {
    unit,
    step,
    lower,
    upper,
    ...(lowerText === undefined ? {} : { lowerText }),
    ...(upperText === undefined ? {} : { upperText }),
    belowLower,
    aboveUpper,
    mean: moments.mean,
    sd: moments.sd,
    quantiles,
    histogram,
    sampled: n,
  };
}
