/**
 * One table's rules as checks of a finished row, written apart from the solver on purpose: it
 * reads the project's rule definitions itself and shares with the engine only the expression
 * parser and evaluator and the parsing of project values, so a bug in how the solver draws or
 * prunes cannot hide itself here.
 *
 * A row is an array: the table's own columns (in column order), then the parent columns its
 * expressions read (`parent.column`), then `row_number()`. Each check returns null when the row
 * keeps the rule and a short message when it breaks it. A rule with `when` is checked only where
 * the condition is true; a constraint that is unknown (a null involved) holds, as SQL CHECK does.
 */
import type { KnowledgeTable } from "../engine/knowledge.ts";
import { describeType, toEngineNumber, toEngineValue } from "../engine/values.ts";
import { ruleId, ruleKind } from "../project/index.ts";
import type { DistributionDef, ProjectValue, RuleDef, TableDef } from "../project/project-types.ts";
import { compileExpr, type Evaluator, type ResolveVar } from "../rules/compile-expression.ts";
import { parseExpression } from "../rules/expression.ts";
import { FORMAT_PATTERNS, mod11CheckDigit } from "../rules/formats.ts";
import type { CellValue, ColumnSpec } from "../table-spec.ts";

export interface RowRule {
  id: string;
  soft: boolean;
  /** null when the row keeps the rule; else what is wrong. */
  check(v: CellValue[]): string | null;
}

export interface RowLayout {
  columns: readonly ColumnSpec[];
  columnIndex: ReadonlyMap<string, number>;
  resolve: ResolveVar;
}

const EPS = 1e-9;

function show(x: CellValue): string {
  return typeof x === "string" ? JSON.stringify(x) : String(x);
}

function bound(value: ProjectValue | undefined, column: ColumnSpec, fallback: number): number {
  if (value === undefined) return fallback;
  const n = toEngineNumber(value, column);
  return n === undefined ? fallback : n;
}

/** The interval a distribution's values lie in, from the project's own definition. */
function distributionInterval(d: DistributionDef, column: ColumnSpec): [number, number] {
  const inf = Number.POSITIVE_INFINITY;
  switch (d.kind) {
    case "uniform":
    case "truncated_normal":
      return [bound(d.min, column, -inf), bound(d.max, column, inf)];
    case "histogram":
      return [bound(d.edges[0], column, -inf), bound(d.edges[d.edges.length - 1], column, inf)];
    case "lognormal":
    case "exponential":
      return [bound(d.offset, column, 0), inf];
    case "normal":
      return [-inf, inf];
  }
}

function interval(c: number, lo: number, hi: number, what: string): (v: CellValue[]) => string | null {
  return (v) => {
    const x = v[c];
    if (x === null || x === undefined) return null;
    if (typeof x !== "number") return `${show(x)} is not a number`;
    return x >= lo - EPS && x <= hi + EPS ? null : `${x} is outside ${what} [${lo}, ${hi}]`;
  };
}

/** A named format: its pattern, plus the check digit where it has one. */
function formatCheck(format: keyof typeof FORMAT_PATTERNS): (text: string) => boolean {
  const pattern = FORMAT_PATTERNS[format];
  if (format === "chi" || format === "nhs_number")
    return (text) => pattern.test(text) && mod11CheckDigit(text.slice(0, 9)) === Number(text[9]);
  return (text) => pattern.test(text);
}

function lookupCheck(
  table: string,
  def: Extract<RuleDef, { lookup: unknown }>["lookup"],
  knowledge: KnowledgeTable,
  layout: RowLayout,
): (v: CellValue[]) => string | null {
  const mapped = Object.entries(def.columns).map(([column, kcol]) => ({
    c: layout.columnIndex.get(column)!,
    k: knowledge.columns.indexOf(kcol),
  }));
  const weight = def.weight === undefined ? -1 : knowledge.columns.indexOf(def.weight);
  // The knowledge rows that can be drawn, converted to this table's column types.
  const rows: CellValue[][] = [];
  for (const row of knowledge.rows) {
    if (weight >= 0 && !(Number(row[weight]) > 0)) continue;
    const values = mapped.map(({ c, k }) =>
      k < 0 ? undefined : toEngineValue(row[k] ?? "", layout.columns[c]!),
    );
    if (values.some((x) => x === undefined)) continue;
    rows.push(values as CellValue[]);
  }
  const key = (values: CellValue[]) => values.map((x) => `${typeof x}:${String(x)}`).join("\u0001");
  const whole = new Set(rows.map(key));
  const names = mapped.map(({ c }) => layout.columns[c]!.name).join(", ");
  return (v) => {
    const values = mapped.map(({ c }) => v[c] ?? null);
    if (!values.includes(null)) {
      return whole.has(key(values))
        ? null
        : `(${names}) = (${values.map(show).join(", ")}) is no row of ${knowledge.name}`;
    }
    // A null (a nulls rule) leaves the other columns to match some row.
    const ok = rows.some((row) => row.every((x, i) => values[i] === null || x === values[i]));
    return ok ? null : `(${names}) matches no row of ${knowledge.name} (${table})`;
  };
}

/** The row checks of one table's rules (mandatory and soft). */
export function rowRules(
  table: string,
  def: TableDef,
  layout: RowLayout,
  knowledge: ReadonlyMap<string, KnowledgeTable>,
): RowRule[] {
  const out: RowRule[] = [];
  (def.rules ?? []).forEach((rule, index) => {
    const id = ruleId(table, index, rule);
    const when: Evaluator | null =
      rule.when === undefined ? null : compileExpr(parseExpression(rule.when), layout.resolve).fn;
    const col = (name: string) => layout.columnIndex.get(name)!;
    let check: ((v: CellValue[]) => string | null) | null = null;
    switch (ruleKind(rule)) {
      case "range": {
        const r = (rule as Extract<RuleDef, { range: unknown }>).range;
        const column = layout.columns[col(r.column)]!;
        const inf = Number.POSITIVE_INFINITY;
        check = interval(col(r.column), bound(r.min, column, -inf), bound(r.max, column, inf), "the range");
        break;
      }
      case "distribution": {
        const d = (rule as Extract<RuleDef, { distribution: unknown }>).distribution;
        const column = layout.columns[col(d.column)]!;
        const [lo, hi] = distributionInterval(d, column);
        if (lo > Number.NEGATIVE_INFINITY || hi < Number.POSITIVE_INFINITY)
          check = interval(col(d.column), lo, hi, "the distribution's support");
        break;
      }
      case "categories": {
        const d = (rule as Extract<RuleDef, { categories: unknown }>).categories;
        const c = col(d.column);
        const column = layout.columns[c]!;
        const entries: [unknown, number][] = d.values
          ? d.values.map((x) => [x, 1])
          : Object.entries(d.weights ?? {}).map(([k, w]) => [k, w]);
        const allowed = new Set<CellValue>();
        for (const [raw, w] of entries) {
          if (!(w > 0)) continue;
          const value = column.type === "string" ? String(raw) : toEngineValue(raw, column);
          if (value !== undefined && value !== null) allowed.add(value);
        }
        check = (v) => {
          const x = v[c];
          if (x === null || x === undefined || allowed.has(x)) return null;
          return `${show(x)} is not one of the rule's values`;
        };
        break;
      }
      case "pattern": {
        const p = (rule as Extract<RuleDef, { pattern: unknown }>).pattern;
        const c = col(p.column);
        const test =
          p.format !== undefined
            ? formatCheck(p.format)
            : (
                (re: RegExp) => (t: string) =>
                  re.test(t)
              )(new RegExp(`^(?:${p.regex})$`, "u"));
        const what = p.format ?? `/${p.regex}/`;
        check = (v) => {
          const x = v[c];
          if (x === null || x === undefined) return null;
          return test(String(x)) ? null : `${show(x)} does not match ${what}`;
        };
        break;
      }
      case "constraint": {
        const text = (rule as Extract<RuleDef, { constraint: unknown }>).constraint;
        const fn = compileExpr(parseExpression(text), layout.resolve).fn;
        check = (v) => (fn(v) === false ? `${text} is false` : null);
        break;
      }
      case "lookup": {
        const l = (rule as Extract<RuleDef, { lookup: unknown }>).lookup;
        const k = knowledge.get(l.table);
        if (k !== undefined) check = lookupCheck(table, l, k, layout);
        break;
      }
      case "nulls": {
        const n = (rule as Extract<RuleDef, { nulls: unknown }>).nulls;
        const c = col(n.column);
        const column = layout.columns[c]!;
        // A share is a statistic, not a per-row rule; what a row must keep: a share of 0 means never null.
        if (n.share <= 0 || !column.nullable)
          check = (v) => (v[c] === null ? `${column.name} is null (${describeType(column)} expected)` : null);
        break;
      }
      default:
        // unique: checked over the whole table (rule-checker.ts).
        break;
    }
    if (check === null) return;
    const inner = check;
    out.push({
      id,
      soft: rule.soft === true,
      check: when === null ? inner : (v) => (when(v) === true ? inner(v) : null),
    });
  });
  return out;
}
