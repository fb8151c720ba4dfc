/**
 * Runs a compiled project into a writer: tables parents first, each table's rows streamed
 * straight to the writer (a row is one array, never kept), only the columns children need kept
 * (key-store.ts). Randomness comes from per-table streams of the seed (prng.ts), so the same
 * project and seed give the same rows, byte for byte, whatever else the project holds.
 *
 * Modes: new fabricates every row; reuse writes nothing and takes the table's existing rows from
 * the target database (for children to reference); mixed takes round(share × rows) existing rows
 * and fabricates the rest, its keys continuing after the existing ones. Appending to the target
 * (`append`, the CLI's --append, inflating a database): every written table's rows already in the
 * target are read once for their keys (solver.remember), so new rows neither repeat a unique key
 * nor restart a sequence.
 *
 * Avoiding copies (`avoid`, the CLI's --avoid-copies-of REAL): per written table, the solver
 * refuses finished records equal to a rare real row and makes them again (table-solver.ts); the
 * summary counts them (copies).
 */
import { isPostgresUrl } from "../../config/config.ts";
import { SerumsError } from "../../errors/index.ts";
import { openSource } from "../../sources/index.ts";
import type { CellValue, TableSpec } from "../table-spec.ts";
import type { FabricationWriter } from "../writers/writer-types.ts";
import { type CompiledProject, type CompiledTable, countOf } from "./compile-project.ts";
import { KeyStore } from "./key-store.ts";
import { ParentIndex } from "./parent-index.ts";
import { stream } from "./prng.ts";
import type { DroppedRule, RowAvoidance } from "./table-solver.ts";
import { describeType, toEngineValue } from "./values.ts";

/** Reads a table's existing rows (reuse and mixed modes), as column name → value. */
export type ExistingRows = (table: string, target: string) => AsyncIterable<Record<string, unknown>>;

export interface RunOptions {
  /** Wins over the project's seed; default the project's, else 1. */
  seed?: number;
  /** Replaces every row count given as a number (tables given per parent or as a ratio follow). */
  rows?: number;
  /** The database reuse/mixed tables read (wins over the project's target). */
  target?: string;
  /** Called every few thousand rows and at each table's end. */
  onProgress?: (table: string, done: number, total: number | undefined) => void;
  /** How existing rows are read; default: src/sources on `target#table`. */
  existingRows?: ExistingRows;
  /**
   * The rows are added to the target's own tables (inflating it, `--append`): every written
   * table's rows already there keep their keys — the new rows' unique keys avoid them and
   * sequence keys continue after them (a table the target lacks has none).
   */
  append?: boolean;
  /**
   * Per table, the finished records to refuse and make again (`--avoid-copies-of REAL`: those
   * equal to a rare real row; src/fabricate/privacy); undefined for a table: none refused.
   */
  avoid?: (table: string) => RowAvoidance | undefined;
}

export interface TableSummary {
  table: string;
  mode: string;
  /** Rows written. */
  rows: number;
  /** Existing rows taken from the target. */
  reused: number;
  /** Records that could not satisfy the mandatory rules within the search bound (not written). */
  failed: number;
  /** Rule checks evaluated. */
  checks: number;
  /** Per soft rule, the records made without it. */
  softDropped: Record<string, number>;
  /** Soft rules dropped for the whole run because they conflict with higher ones. */
  droppedUpFront: DroppedRule[];
  /** For failed records: the rules whose checks failed, and how often. */
  failures: Record<string, number>;
  /**
   * With `avoid` for this table: finished records refused as equal to a rare real row, and the
   * records made again after such a refusal (those still refused at the bound are in `failed`).
   */
  copies?: { refused: number; remade: number };
}

export interface RunSummary {
  project: string;
  seed: number;
  tables: TableSummary[];
  rows: number;
  seconds: number;
  checks: number;
  location: string;
}

const PROGRESS_EVERY = 4096;

async function* readExisting(table: string, target: string): AsyncIterable<Record<string, unknown>> {
  const source = await openSource(targetTable(target, table));
  try {
    for await (const row of source.rows()) yield row.values;
  } finally {
    await source.close();
  }
}

/** Table specs of the tables a run writes (not those only reused). */
export function writtenSpecs(compiled: CompiledProject): TableSpec[] {
  return compiled.tables.filter((t) => t.mode !== "reuse").map((t) => t.shape.spec);
}

export async function runProject(
  compiled: CompiledProject,
  writer: FabricationWriter,
  options: RunOptions = {},
): Promise<RunSummary> {
  const started = performance.now();
  const { project } = compiled;
  const seed = (options.seed ?? project.seed ?? 1) >>> 0;
  const target = options.target ?? project.target;
  const existing: ExistingRows =
    options.existingRows ?? ((table, at) => writer.existingRows?.(table, at) ?? readExisting(table, at));
  const stores = new Map<string, KeyStore>();
  const counts = new Map<string, number>();
  const summaries: TableSummary[] = [];
  await writer.begin(writtenSpecs(compiled));
  try {
    for (const table of compiled.tables) {
      const summary = await runTable(table);
      summaries.push(summary);
    }
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  const written = await writer.finish();
  return {
    project: project.name ?? "project",
    seed,
    tables: summaries,
    rows: summaries.reduce((sum, s) => sum + s.rows, 0),
    seconds: (performance.now() - started) / 1000,
    checks: summaries.reduce((sum, s) => sum + s.checks, 0),
    location: written.location,
  };

  async function runTable(table: CompiledTable): Promise<TableSummary> {
    const { shape, solver } = table;
    const spec = shape.spec;
    const store = new KeyStore(table.name, spec.columns, table.keep);
    stores.set(table.name, store);
    const plan = table.plan;
    const override = options.rows;
    let total: number | undefined;
    if (plan.kind === "total") total = override ?? plan.rows;
    else if (plan.kind === "ratio") total = Math.round(plan.ratio * counts.get(plan.of)!);
    // Existing rows first (reuse, mixed).
    let reused = 0;
    if (table.mode !== "new") {
      if (target === undefined) {
        throw new SerumsError(
          "BAD_USAGE",
          `table ${table.name} is in mode ${table.mode}: give the target database (--target, or target: in the project)`,
          { path: `fabricate.${table.name}.mode` },
        );
      }
      const want =
        table.mode === "reuse" ? (total ?? Number.POSITIVE_INFINITY) : Math.round(table.share * (total ?? 0));
      let line = 0;
      for await (const record of existing(table.sourceTable, target)) {
        line++;
        if (reused >= want) {
          // Appending: the rows not taken are still the table's; their keys are kept out.
          if (options.append !== true) break;
          solver.remember(engineRow(spec, record, target, table.sourceTable, line));
          continue;
        }
        const row = engineRow(spec, record, target, table.sourceTable, line);
        store.add(row);
        solver.remember(row);
        reused++;
      }
    } else if (options.append === true && target !== undefined) {
      let line = 0;
      try {
        for await (const record of existing(table.sourceTable, target)) {
          line++;
          solver.remember(engineRow(spec, record, target, table.sourceTable, line));
        }
      } catch (error) {
        if (!(line === 0 && isMissingTable(error))) throw error;
      }
    }
    if (table.mode === "reuse") {
      counts.set(table.name, reused);
      return summarize(table, 0, reused);
    }
    const avoidance = options.avoid?.(table.name);
    solver.avoid(avoidance ?? null);
    const out = writer.table(table.name);
    const rowsRng = stream(seed, table.name, "rows");
    const parentsRng = stream(seed, table.name, "parents");
    const countsRng = stream(seed, table.name, "counts");
    const v = solver.values;
    const fks = shape.def.foreign_keys ?? [];
    const parentStores = fks.map((fk) => stores.get(fk.table)!);
    const fills = fks.map((_, k) => {
      const parent = parentStores[k]!;
      const slots = shape.slots.filter((s) => s.fk === k);
      const readers = slots.map((s) =>
        parent.reader(compiled.byName.get(s.table)!.shape.columnIndex.get(s.column)!),
      );
      const indexes = slots.map((s) => s.index);
      // Parent slots are written by fills only: a parent already filled is still there.
      let filled = -1;
      return (p: number) => {
        if (p === filled) return;
        filled = p;
        for (let i = 0; i < indexes.length; i++) v[indexes[i]!] = readers[i]!(p);
      };
    });
    for (const [k, fk] of fks.entries()) {
      if (parentStores[k]!.rows === 0) {
        throw new SerumsError(
          "BAD_PROJECT",
          `${compiled.source.file}: ${table.name} references ${fk.table}, which has no rows; give ${fk.table} rows (or existing rows in the target)`,
          { path: `fabricate.${table.name}` },
        );
      }
    }
    const drivingFk = plan.kind === "per" ? plan.fk : -1;
    /** The driving parent whose children are being made (per plans), else -1. */
    let currentParent = -1;
    // Foreign keys after the first: a key sharing columns with an earlier one takes a parent
    // whose key matches them (the treatment's regime is its cycle's regime); others a random one.
    const chosen: number[] = drivingFk >= 0 ? [drivingFk] : [];
    const choosers: (() => boolean)[] = [];
    for (let k = 0; k < fks.length; k++) {
      if (k === drivingFk) continue;
      const fk = fks[k]!;
      const parent = parentStores[k]!;
      const overlap = fk.columns.filter((column) => chosen.some((j) => fks[j]!.columns.includes(column)));
      const fill = fills[k]!;
      if (overlap.length === 0) {
        choosers.push(() => {
          fill(Math.floor(parentsRng.next() * parent.rows));
          return true;
        });
      } else {
        const sources = overlap.map((column) => {
          const j = chosen.find((x) => fks[x]!.columns.includes(column))!;
          return shape.fkSlots[j]![fks[j]!.columns.indexOf(column)]!;
        });
        const parentShape = compiled.byName.get(fk.table)!.shape;
        const readers = overlap.map((column) =>
          parent.reader(parentShape.columnIndex.get(fk.references[fk.columns.indexOf(column)]!)!),
        );
        const index = new ParentIndex(parent.rows, readers);
        const listOf = (): number[] | undefined => index.find(v, sources);
        // All its columns in the driving key: the same parents for all of a driving parent's
        // children, found once per driving parent (the draw is still made, for the same rows).
        const perDriving =
          drivingFk >= 0 && fk.columns.every((column) => fks[drivingFk]!.columns.includes(column));
        let memoParent = -1;
        let memo: number[] | undefined;
        choosers.push(() => {
          let list: number[] | undefined;
          if (perDriving) {
            if (memoParent !== currentParent || currentParent < 0) {
              memo = listOf();
              memoParent = currentParent;
            }
            list = memo;
          } else list = listOf();
          if (list === undefined) return false;
          fill(list[Math.floor(parentsRng.next() * list.length)]!);
          return true;
        });
      }
      chosen.push(k);
    }
    const rowSlot = shape.rowSlot;
    let written = 0;
    const toMake = total === undefined ? undefined : total - reused;
    const progress = options.onProgress;
    // One array for every row when the writer is done with each before write returns (the key
    // store copies what it keeps; the copy test only reads).
    const rowArray: CellValue[] | undefined =
      out.keepsNoRow === true ? new Array(spec.columns.length).fill(null) : undefined;
    // Synchronous per row: a promise only when the writer needs to be waited for.
    const makeOne = (): void | Promise<void> => {
      for (let k = 0; k < choosers.length; k++) {
        if (!choosers[k]!()) {
          solver.failedRecords++;
          return;
        }
      }
      const row = solver.solve(rowsRng, rowArray);
      if (row === null) return;
      const pending = out.write(row);
      if (table.keep.length > 0) store.add(row);
      written++;
      if (progress !== undefined && written % PROGRESS_EVERY === 0) progress(table.name, written, toMake);
      return pending;
    };
    if (plan.kind === "per") {
      const parentStore = parentStores[plan.fk]!;
      const parentRows = parentStore.rows;
      const fill = fills[plan.fk]!;
      let count = (_p: number): number => plan.count(countsRng);
      if (plan.fromParent !== null) {
        // The count from the parent row: its columns read into a small array, then the closure.
        const { fn, columns } = plan.fromParent;
        const readers = columns.map((c) => parentStore.reader(c));
        const row: CellValue[] = new Array(columns.length).fill(null);
        count = (p) => {
          for (let i = 0; i < readers.length; i++) row[i] = readers[i]!(p);
          return countOf(fn(row));
        };
      }
      for (let p = 0; p < parentRows; p++) {
        const n = count(p);
        fill(p);
        currentParent = p;
        solver.startParent();
        for (let i = 0; i < n; i++) {
          v[rowSlot] = i + 1;
          const pending = makeOne();
          if (pending !== undefined) await pending;
        }
      }
    } else {
      const n = toMake ?? 0;
      for (let i = 0; i < n; i++) {
        v[rowSlot] = i + 1;
        const pending = makeOne();
        if (pending !== undefined) await pending;
      }
    }
    await out.end();
    // The filter's sets are the caller's to drop; the solver lets go of its test.
    solver.avoid(null);
    progress?.(table.name, written, toMake);
    counts.set(table.name, written + reused);
    const summary = summarize(table, written, reused);
    if (avoidance !== undefined)
      summary.copies = { refused: solver.copyRefusals, remade: solver.remadeRecords };
    return summary;
  }
}

/**
 * The source spec of `table` in the target database: `FILE#table` for a SQLite file; for a
 * PostgreSQL URL (bare or `postgres:`-prefixed, as --out takes it) with `#schema`, the table in
 * that schema (`URL#schema.table`), else in the URL's search path.
 */
export function targetTable(target: string, table: string): string {
  const bare = target.replace(/^postgres(?:ql)?:(?=postgres(?:ql)?:\/\/)/i, "");
  if (!isPostgresUrl(bare)) return `${target}#${table}`;
  const hash = bare.lastIndexOf("#");
  const schema = hash < 0 ? "" : bare.slice(hash + 1);
  return `${hash < 0 ? bare : bare.slice(0, hash)}#${schema === "" ? "" : `${schema}.`}${table}`;
}

/** An existing row of the target as engine values, or a BAD_SOURCE error naming the cell. */
function engineRow(
  spec: TableSpec,
  record: Record<string, unknown>,
  target: string,
  sourceTable: string,
  line: number,
): CellValue[] {
  return spec.columns.map((column) => {
    const value = toEngineValue(record[column.name], column);
    if (value === undefined || (value === null && !column.nullable && record[column.name] !== undefined)) {
      throw new SerumsError(
        "BAD_SOURCE",
        `${target}#${sourceTable}, row ${line}, column ${column.name}: ${JSON.stringify(record[column.name])} is not ${describeType(column)}`,
        { file: target, line, column: column.name, value: record[column.name] },
      );
    }
    return value;
  });
}

/** The source's error for a table the database does not have (src/sources: `no table "…"`). */
function isMissingTable(error: unknown): boolean {
  return error instanceof SerumsError && error.code === "BAD_SOURCE" && /: no table "/.test(error.message);
}

function summarize(table: CompiledTable, rows: number, reused: number): TableSummary {
  const { solver } = table;
  return {
    table: table.name,
    mode: table.mode,
    rows,
    reused,
    failed: solver.failedRecords,
    checks: solver.checks,
    softDropped: Object.fromEntries(solver.softDrops),
    droppedUpFront: solver.droppedUpFront,
    failures: Object.fromEntries(solver.failures),
  };
}
