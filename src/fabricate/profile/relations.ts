/**
 * Relations that hold in every sampled row (every row when the table fits the sample): orderings
 * of dates (a <= b), equalities of columns, differences (c = b − a, as length_of_stay =
 * discharge_date − admission_date) and functional dependencies (a determines b). Each needs
 * `minSupport` rows where its columns are all present, and a dependency needs its determining
 * column to have at most rows / k values (k rows per value on average), so that chance does not
 * pass for a rule. Identifier-like columns take no part. Names only: a relation shows no value.
 */
import type { Relation } from "./profile-types.ts";
import type { TypedColumn } from "./typed-table.ts";

const SECONDS_PER_DAY = 86_400;

function seconds(t: TypedColumn): Float64Array {
  const numbers = t.numbers!;
  if (t.column.unit !== "days") return numbers;
  return numbers.map((d) => d * SECONDS_PER_DAY);
}

type Order = Extract<Relation, { kind: "order" }>;

/** Orderings and equalities of temporal columns, transitively reduced. */
function temporalOrders(columns: readonly TypedColumn[], minSupport: number): Relation[] {
  const temporal = columns.filter((t) => t.column.kind === "temporal" && t.numbers);
  const values = temporal.map(seconds);
  const orders: Order[] = [];
  const equal: Relation[] = [];
  for (let i = 0; i < temporal.length; i++) {
    for (let j = 0; j < temporal.length; j++) {
      if (i === j) continue;
      const a = values[i]!;
      const b = values[j]!;
      let support = 0;
      let holds = true;
      let strict = true;
      let same = true;
      for (let r = 0; r < a.length; r++) {
        const x = a[r]!;
        const y = b[r]!;
        if (Number.isNaN(x) || Number.isNaN(y)) continue;
        support++;
        if (x > y) {
          holds = false;
          break;
        }
        if (x === y) strict = false;
        else same = false;
      }
      if (!holds || support < minSupport) continue;
      const left = temporal[i]!.column.name;
      const right = temporal[j]!.column.name;
      if (same) {
        if (i < j) equal.push({ kind: "equal", left, right, support });
        continue;
      }
      orders.push({ kind: "order", left, right, strict, support });
    }
  }
  // Drop a <= c when a <= b <= c says it (unless only a <= c is strict).
  const has = (l: string, r: string) => orders.find((o) => o.left === l && o.right === r);
  const reduced = orders.filter(
    (ac) =>
      !orders.some((ab) => {
        if (ab.left !== ac.left || ab.right === ac.right) return false;
        const bc = has(ab.right, ac.right);
        return bc !== undefined && (!ac.strict || ab.strict || bc.strict);
      }),
  );
  return [...equal, ...reduced];
}

/** Equalities of numeric columns and differences target = minuend − subtrahend. */
function arithmetic(columns: readonly TypedColumn[], minSupport: number): Relation[] {
  const numeric = columns.filter((t) => t.column.kind === "numeric" && t.numbers);
  const temporal = columns.filter((t) => t.column.kind === "temporal" && t.numbers);
  const relations: Relation[] = [];
  for (let i = 0; i < numeric.length; i++) {
    for (let j = i + 1; j < numeric.length; j++) {
      const support = check(numeric[i]!.numbers!, numeric[j]!.numbers!, undefined, 1, minSupport);
      if (support > 0)
        relations.push({
          kind: "equal",
          left: numeric[i]!.column.name,
          right: numeric[j]!.column.name,
          support,
        });
    }
  }
  const seen = new Set<string>();
  const operands: [TypedColumn, TypedColumn, "number" | "days" | "seconds", number][] = [];
  for (const group of [numeric, temporal]) {
    for (const a of group) {
      for (const b of group) {
        if (a === b) continue;
        if (group === numeric) operands.push([b, a, "number", 1]);
        else if (a.column.unit === b.column.unit) {
          if (a.column.unit === "days") operands.push([b, a, "days", 1]);
          else {
            operands.push([b, a, "seconds", 1]);
            operands.push([b, a, "days", SECONDS_PER_DAY]);
          }
        }
      }
    }
  }
  for (const target of numeric) {
    for (const [minuend, subtrahend, unit, divisor] of operands) {
      if (target === minuend || target === subtrahend) continue;
      const key = [target, minuend, subtrahend]
        .map((t) => t.column.name)
        .sort()
        .join("\u0000");
      if (unit === "number" && seen.has(key)) continue;
      const support = check(target.numbers!, minuend.numbers!, subtrahend.numbers!, divisor, minSupport);
      if (support === 0) continue;
      seen.add(key);
      relations.push({
        kind: "difference",
        target: target.column.name,
        minuend: minuend.column.name,
        subtrahend: subtrahend.column.name,
        unit,
        support,
      });
    }
  }
  return relations;
}

/**
 * Rows supporting c = (b − a) / divisor (c = b when `a` is undefined), or 0 when a row breaks it,
 * support is under `minSupport`, or c is constant (then the relation says nothing).
 */
function check(
  c: Float64Array,
  b: Float64Array,
  a: Float64Array | undefined,
  divisor: number,
  minSupport: number,
): number {
  let support = 0;
  let first = Number.NaN;
  let varies = false;
  for (let r = 0; r < c.length; r++) {
    const z = c[r]!;
    const y = b[r]!;
    const x = a === undefined ? 0 : a[r]!;
    if (Number.isNaN(z) || Number.isNaN(y) || Number.isNaN(x)) continue;
    const expected = (y - x) / divisor;
    if (Math.abs(z - expected) > 1e-9 * Math.max(1, Math.abs(y), Math.abs(x))) return 0;
    support++;
    if (support === 1) first = z;
    else if (z !== first) varies = true;
  }
  return support >= minSupport && varies ? support : 0;
}

/** Functional dependencies from columns with at most rows / k values to any other column. */
function dependencies(columns: readonly TypedColumn[], k: number, minSupport: number): Relation[] {
  const rows = columns[0]?.codes.length ?? 0;
  if (rows < minSupport) return [];
  const relations: Relation[] = [];
  const usable = columns.filter((t) => t.column.kind !== "empty" && t.dictionary.length >= 2);
  for (const from of usable) {
    const groups = from.dictionary.length + 1;
    if (from.column.kind === "text" || groups - 1 > rows / k) continue;
    for (const to of usable) {
      if (to === from) continue;
      const seen = new Int32Array(groups).fill(-2);
      let holds = true;
      for (let r = 0; r < rows; r++) {
        const x = from.codes[r]! < 0 ? groups - 1 : from.codes[r]!;
        const y = to.codes[r]!;
        if (seen[x] === -2) seen[x] = y;
        else if (seen[x] !== y) {
          holds = false;
          break;
        }
      }
      if (holds)
        relations.push({
          kind: "determines",
          from: from.column.name,
          to: to.column.name,
          groups: from.dictionary.length,
          support: rows,
        });
    }
  }
  return relations;
}

export function findRelations(typed: readonly TypedColumn[], k: number, minSupport: number): Relation[] {
  const columns = typed.filter((t) => !t.column.identifier);
  return [
    ...temporalOrders(columns, minSupport),
    ...arithmetic(columns, minSupport),
    ...dependencies(columns, k, minSupport),
  ];
}
