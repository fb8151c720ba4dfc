/**
 * How many children each parent has along a foreign key, as a distribution that names no parent:
 * the counts (0 for a parent without children) grouped into bins of consecutive counts, each bin
 * holding at least k parents, the last one open-ended ("from and more", with its mean instead of
 * its maximum — the largest family is as identifying as any other extreme).
 */
import type { ForeignKeyProfile } from "./profile-types.ts";
import { clippedMoments } from "./statistics.ts";

export function childrenPerParent(
  parentKeys: ReadonlyMap<string, number>,
  childCounts: ReadonlyMap<string, number>,
  k: number,
): Pick<ForeignKeyProfile, "parents" | "children" | "orphans" | "childrenPerParent"> {
  const counts = new Float64Array(parentKeys.size);
  let i = 0;
  let children = 0;
  for (const key of parentKeys.keys()) {
    const n = childCounts.get(key) ?? 0;
    counts[i++] = n;
    children += n;
  }
  let orphans = 0;
  for (const [key, n] of childCounts) if (!parentKeys.has(key)) orphans += n;
  counts.sort();
  const { mean, sd } = clippedMoments(counts);

  // Parents per distinct count, ascending.
  const runs: [number, number][] = [];
  for (const n of counts) {
    const last = runs[runs.length - 1];
    if (last && last[0] === n) last[1]++;
    else runs.push([n, 1]);
  }
  const bins: ForeignKeyProfile["childrenPerParent"]["bins"] = [];
  let current: { from: number; to: number; parents: number; sum: number } | undefined;
  for (const [n, parents] of runs) {
    current ??= { from: n, to: n, parents: 0, sum: 0 };
    current.to = n;
    current.parents += parents;
    current.sum += n * parents;
    if (current.parents >= k) {
      bins.push({
        from: current.from,
        to: current.to,
        parents: current.parents,
        mean: current.sum / current.parents,
      });
      current = undefined;
    }
  }
  if (current) {
    // Fewer than k parents left at the top: they join the last bin (or are withheld if there is none).
    const last = bins.pop();
    if (last) {
      const parents = last.parents + current.parents;
      bins.push({
        from: last.from,
        to: current.to,
        parents,
        mean: (last.mean * last.parents + current.sum) / parents,
      });
    }
  }
  const top = bins[bins.length - 1];
  if (top) delete top.to;
  for (const bin of bins) bin.mean = Math.round(bin.mean * 1000) / 1000;
  return {
    parents: parentKeys.size,
    children,
    orphans,
    childrenPerParent: {
      mean: Number.isNaN(mean) ? 0 : Math.round(mean * 1000) / 1000,
      sd: Math.round(sd * 1000) / 1000,
      bins,
    },
  };
}
