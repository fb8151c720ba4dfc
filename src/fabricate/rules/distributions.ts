/**
 * Drawing numbers from a distribution within an interval [lo, hi] (the column's domain after
 * propagation): uniform, normal, truncated normal, log-normal, exponential and empirical
 * histogram. Truncation is exact where cheap (inverse CDF for the exponential, per-bin weights
 * for the histogram, rejection then inverse CDF for the normal family), so a narrowed domain keeps
 * the shape of the distribution inside it.
 */
import type { Prng } from "../engine/prng.ts";

/** A continuous draw in [lo, hi] (lo <= hi, both finite). */
export type Draw = (rng: Prng, lo: number, hi: number) => number;

/** The distribution's parameters with values already in the engine's units (days, seconds). */
export type NumericDistribution =
  | { kind: "uniform"; min: number; max: number }
  | { kind: "normal"; mean: number; sd: number }
  | { kind: "truncated_normal"; mean: number; sd: number; min: number; max: number }
  | { kind: "lognormal"; mu: number; sigma: number; offset: number }
  | { kind: "exponential"; rate: number; offset: number }
  | { kind: "histogram"; edges: number[]; weights: number[] };

/** The interval a distribution can produce (its hard bounds), for the column's domain. */
export function distributionBounds(d: NumericDistribution): [number, number] {
  switch (d.kind) {
    case "uniform":
    case "truncated_normal":
      return [d.min, d.max];
    case "lognormal":
    case "exponential":
      return [d.offset, Number.POSITIVE_INFINITY];
    case "histogram":
      return [d.edges[0]!, d.edges[d.edges.length - 1]!];
    case "normal":
      return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  }
}

/** Φ, the standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Φ⁻¹ (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** A standard normal deviate in [za, zb]: rejection while likely, else the inverse CDF. */
function truncatedStandardNormal(rng: Prng, za: number, zb: number): number {
  if (za <= -1 && zb >= 1) {
    for (let i = 0; i < 8; i++) {
      const z = rng.gaussian();
      if (z >= za && z <= zb) return z;
    }
  }
  const pa = normalCdf(za);
  const pb = normalCdf(zb);
  if (pb - pa < 1e-12)
    return za === Number.NEGATIVE_INFINITY ? zb : za + rng.next() * (Math.min(zb, za + 1) - za);
  const z = normalQuantile(pa + rng.next() * (pb - pa));
  return Math.min(zb, Math.max(za, z));
}

const uniform: Draw = (rng, lo, hi) => lo + rng.next() * (hi - lo);

export function compileDistribution(d: NumericDistribution): Draw {
  switch (d.kind) {
    case "uniform":
      return uniform;
    case "normal":
    case "truncated_normal": {
      const { mean, sd } = d;
      return (rng, lo, hi) => mean + sd * truncatedStandardNormal(rng, (lo - mean) / sd, (hi - mean) / sd);
    }
    case "lognormal": {
      const { mu, sigma, offset } = d;
      return (rng, lo, hi) => {
        const a = lo - offset > 0 ? (Math.log(lo - offset) - mu) / sigma : Number.NEGATIVE_INFINITY;
        const b = hi - offset > 0 ? (Math.log(hi - offset) - mu) / sigma : Number.NEGATIVE_INFINITY;
        if (b === Number.NEGATIVE_INFINITY) return lo;
        return Math.min(hi, Math.max(lo, offset + Math.exp(mu + sigma * truncatedStandardNormal(rng, a, b))));
      };
    }
    case "exponential": {
      const { rate, offset } = d;
      return (rng, lo, hi) => {
        const fa = lo <= offset ? 0 : 1 - Math.exp(-rate * (lo - offset));
        const fb =
          hi === Number.POSITIVE_INFINITY ? 1 : hi <= offset ? 0 : 1 - Math.exp(-rate * (hi - offset));
        const u = fa + rng.next() * (fb - fa);
        const x = offset - Math.log(1 - u) / rate;
        return Math.min(hi, Math.max(lo, x));
      };
    }
    case "histogram": {
      const { edges, weights } = d;
      const n = weights.length;
      const clipped = new Float64Array(n);
      return (rng, lo, hi) => {
        let total = 0;
        for (let i = 0; i < n; i++) {
          const a = Math.max(lo, edges[i]!);
          const b = Math.min(hi, edges[i + 1]!);
          const width = edges[i + 1]! - edges[i]!;
          const w = b > a ? (weights[i]! * (b - a)) / width : b === a && width === 0 ? weights[i]! : 0;
          clipped[i] = w;
          total += w;
        }
        if (total <= 0) return uniform(rng, lo, hi);
        let r = rng.next() * total;
        for (let i = 0; i < n; i++) {
          r -= clipped[i]!;
          if (r < 0 || i === n - 1) {
            const a = Math.max(lo, edges[i]!);
            const b = Math.min(hi, edges[i + 1]!);
            return a + rng.next() * (b - a);
          }
        }
        return lo;
      };
    }
  }
}
