/**
 * The population model: what users tend to choose, kept as counts only — how many recognition
 * keys have included each image, and how many gesture points fell in each cell of each
 * background. No row names a user, a key or a time; a count is incremented at enrolment and never
 * linked back. Graphical strength uses it to discount popular images and hot spots.
 *
 * Cells are a fixed POPULATION_CELL × POPULATION_CELL grid on the 1000 × 1000 gesture frame,
 * the same for everyone (unlike each key's own discretization offsets, which are never pooled).
 */
import type { Executor } from "../../store/index.ts";

export const GESTURE_FRAME = 1000;
export const POPULATION_CELL = 50;
export const CELLS_PER_SIDE = GESTURE_FRAME / POPULATION_CELL;

/** The population cell of a point: "col:row". */
export function populationCell(x: number, y: number): string {
  const col = Math.min(CELLS_PER_SIDE - 1, Math.max(0, Math.floor(x / POPULATION_CELL)));
  const row = Math.min(CELLS_PER_SIDE - 1, Math.max(0, Math.floor(y / POPULATION_CELL)));
  return `${col}:${row}`;
}

/** Counts one recognition key's images (each once). */
export async function countImageChoices(db: Executor, imageIds: readonly string[]): Promise<void> {
  for (const id of [...new Set(imageIds)].sort()) {
    await db.run(
      `INSERT INTO auth_image_choice_count (image_id, chosen) VALUES ($1, 1)
       ON CONFLICT (image_id) DO UPDATE SET chosen = auth_image_choice_count.chosen + 1`,
      [id],
    );
  }
}

export interface ImagePopulation {
  /** Choices counted for each asked image (0 when none). */
  counts: Map<string, number>;
  /** All choices ever counted, over all images. */
  total: number;
}

export async function imageChoiceCounts(db: Executor, imageIds: readonly string[]): Promise<ImagePopulation> {
  const counts = new Map<string, number>(imageIds.map((id) => [id, 0]));
  const total = await db.get<{ n: number | string | null }>(
    "SELECT SUM(chosen) AS n FROM auth_image_choice_count",
  );
  if (imageIds.length > 0) {
    const placeholders = imageIds.map((_, i) => `$${i + 1}`).join(", ");
    const rows = await db.all<{ image_id: string; chosen: number }>(
      `SELECT image_id, chosen FROM auth_image_choice_count WHERE image_id IN (${placeholders})`,
      imageIds,
    );
    for (const row of rows) counts.set(row.image_id, Number(row.chosen));
  }
  return { counts, total: Number(total?.n ?? 0) };
}

/** Counts the cells of one gesture key's points on `background`. */
export async function countGestureCells(
  db: Executor,
  background: string,
  cells: readonly string[],
): Promise<void> {
  const tally = new Map<string, number>();
  for (const cell of cells) tally.set(cell, (tally.get(cell) ?? 0) + 1);
  for (const [cell, n] of [...tally].sort()) {
    await db.run(
      `INSERT INTO auth_gesture_cell_count (background, cell, chosen) VALUES ($1, $2, $3)
       ON CONFLICT (background, cell) DO UPDATE SET chosen = auth_gesture_cell_count.chosen + excluded.chosen`,
      [background, cell, n],
    );
  }
}

export interface CellPopulation {
  counts: Map<string, number>;
  total: number;
}

export async function gestureCellCounts(db: Executor, background: string): Promise<CellPopulation> {
  const rows = await db.all<{ cell: string; chosen: number }>(
    "SELECT cell, chosen FROM auth_gesture_cell_count WHERE background = $1",
    [background],
  );
  const counts = new Map(rows.map((r) => [r.cell, Number(r.chosen)]));
  let total = 0;
  for (const n of counts.values()) total += n;
  return { counts, total };
}
