/**
 * The statistics the profiler and the quality report share, as pure functions over typed arrays.
 * Missing values are NaN in numeric arrays and -1 in code arrays; every function skips them
 * (pairwise: a row counts only when both of its values are present).
 */

/** The smallest "nice" step (1, 2 or 5 times a power of ten) at least `x`; `min` when larger. */
export function niceStep(x: number, min = 0): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.max(min, 1);
  const power = 10 ** Math.floor(Math.log10(x));
  const fraction = x / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  // Round off the binary noise of power * nice (0.1 * 3 and the like).
  const step = Number((nice * power).toPrecision(12));
  return Math.max(step, min);
}

/** `value` rounded to a multiple of `step`, without binary noise. */
export function roundTo(value: number, step: number, mode: "floor" | "ceil" | "nearest"): number {
  const units = value / step;
  const whole =
    mode === "floor"
      ? Math.floor(units + 1e-9)
      : mode === "ceil"
        ? Math.ceil(units - 1e-9)
        : Math.round(units);
  return Number((whole * step).toPrecision(12));
}

/** The p-quantile (0..1) of sorted values, interpolating between neighbours (R's type 7). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The present (non-NaN) values, sorted ascending. */
export function sortedPresent(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[j++] = values[i]!;
  return out.sort();
}

export interface Moments {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for fewer than two values. */
  sd: number;
}

/** Mean and standard deviation of the present values, each first clipped to [lower, upper]. */
export function clippedMoments(values: ArrayLike<number>, lower = -Infinity, upper = Infinity): Moments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const raw = values[i]!;
    if (Number.isNaN(raw)) continue;
    const value = raw < lower ? lower : raw > upper ? upper : raw;
    n++;
    const delta = value - mean;
    mean += delta / n;
    m2 += delta * (value - mean);
  }
  return { n, mean: n === 0 ? Number.NaN : mean, sd: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0 };
}

export interface Correlation {
  /** NaN when undefined (fewer than two pairs, or a constant column). */
  r: number;
  /** Rows where both values are present. */
  n: number;
}

/** Pearson's r over the rows where both values are present. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  let n = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    n++;
    mx += a;
    my += b;
  }
  if (n < 2) return { r: Number.NaN, n };
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) ** 2;
    syy += (b - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return { r: Number.NaN, n };
  return { r: Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy))), n };
}

/** Ranks (1-based, ties get their average rank); NaN stays NaN. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) order.push(i);
  order.sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(values.length).fill(Number.NaN);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k]!] = rank;
    start = end + 1;
  }
  return out;
}

/** Spearman's ρ: Pearson's r of the ranks, ranked over the rows where both values are present. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) continue;
    xs.push(x[i]!);
    ys.push(y[i]!);
  }
  return pearson(ranks(xs), ranks(ys));
}

/**
 * Cramér's V of two coded columns (codes 0..levels-1, -1 missing): √(χ² / (n·(min(r, c) − 1))),
 * over the levels that occur. 0 when either column has a single level present.
 */
export function cramersV(
  a: ArrayLike<number>,
  levelsA: number,
  b: ArrayLike<number>,
  levelsB: number,
): Correlation {
  const table = new Float64Array(levelsA * levelsB);
  const rowTotals = new Float64Array(levelsA);
  const colTotals = new Float64Array(levelsB);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < 0 || y < 0) continue;
    table[x * levelsB + y]!++;
    rowTotals[x]!++;
    colTotals[y]!++;
    n++;
  }
  const r = rowTotals.filter((t) => t > 0).length;
  const c = colTotals.filter((t) => t > 0).length;
  if (n === 0 || r < 2 || c < 2) return { r: 0, n };
  let chi2 = 0;
  for (let i = 0; i < levelsA; i++) {
    if (rowTotals[i] === 0) continue;
    for (let j = 0; j < levelsB; j++) {
      if (colTotals[j] === 0) continue;
      const expected = (rowTotals[i]! * colTotals[j]!) / n;
      chi2 += (table[i * levelsB + j]! - expected) ** 2 / expected;
    }
  }
  return { r: Math.min(1, Math.sqrt(chi2 / (n * (Math.min(r, c) - 1)))), n };
}

/** The two-sample Kolmogorov–Smirnov statistic of two sorted arrays: the largest gap of their ECDFs. */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return 0;
  if (n === 0 || m === 0) return 1;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return d;
}

/** Total variation distance of two count vectors over the same categories: ½ Σ |p − q|. */
export function totalVariation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) sa += a[i]!;
  for (let i = 0; i < b.length; i++) sb += b[i]!;
  if (sa === 0 && sb === 0) return 0;
  if (sa === 0 || sb === 0) return 1;
  let sum = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) sum += Math.abs((a[i] ?? 0) / sa - (b[i] ?? 0) / sb);
  return sum / 2;
}
