/**
 * Gestures and centered discretization (Chiasson, Srinivasan, Biddle and van Oorschot, "Centered
 * Discretization with Application to Graphical Passwords", UPSEC 2008).
 *
 * A gesture key is a sequence of taps, lines and circles drawn on a background image, in a frame of
 * GESTURE_FRAME × GESTURE_FRAME units (the client scales: x = px / width × 1000). Every coordinate
 * v (x, y, a line's ends, a circle's centre and radius) is discretized on its own axis with
 * tolerance r: at enrolment its offset d = (v − r) mod 2r is chosen so v sits at the CENTRE of its
 * segment [v − r, v + r) of the grid shifted by d, and the index i = (v − d) / 2r is what gets
 * hashed. At login the same d gives the same i exactly when v' ∈ [v − r, v + r): within r on each
 * axis, as promised, with no point ever stored. The offsets (d ∈ [0, 2r)) reveal only v mod 2r.
 *
 * To hide which kinds were drawn, every gesture has four offset slots; the ones a kind does not
 * use (a tap's two, a circle's one) are filled at random.
 */
import { z } from "zod";
import { SerumsError } from "../../errors/index.ts";
import { GESTURE_FRAME } from "./population.ts";

export const MAX_GESTURES = 8;
export const SLOTS_PER_GESTURE = 4;

export type Gesture =
  | { kind: "tap"; x: number; y: number }
  | { kind: "line"; x: number; y: number; x2: number; y2: number }
  | { kind: "circle"; x: number; y: number; radius: number };

export type GestureKind = Gesture["kind"];
export const GESTURE_KINDS: readonly GestureKind[] = ["tap", "line", "circle"];

const coordinate = z.number().finite().min(0).max(GESTURE_FRAME);
const gestureSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("tap"), x: coordinate, y: coordinate }),
  z.strictObject({ kind: z.literal("line"), x: coordinate, y: coordinate, x2: coordinate, y2: coordinate }),
  z.strictObject({
    kind: z.literal("circle"),
    x: coordinate,
    y: coordinate,
    radius: z
      .number()
      .finite()
      .min(1)
      .max(GESTURE_FRAME / 2),
  }),
]);
const gesturesSchema = z.array(gestureSchema).min(1).max(MAX_GESTURES);

/** JSON Schema of a gesture list, for HTTP routes (login/finish and enrolment). */
export const gesturesJsonSchema = {
  type: "array",
  minItems: 1,
  maxItems: MAX_GESTURES,
  description: `taps, lines and circles in a ${GESTURE_FRAME}×${GESTURE_FRAME} frame over the background`,
  items: {
    oneOf: [
      {
        type: "object",
        additionalProperties: false,
        required: ["kind", "x", "y"],
        properties: { kind: { const: "tap" }, x: { type: "number" }, y: { type: "number" } },
      },
      {
        type: "object",
        additionalProperties: false,
        required: ["kind", "x", "y", "x2", "y2"],
        properties: {
          kind: { const: "line" },
          x: { type: "number" },
          y: { type: "number" },
          x2: { type: "number" },
          y2: { type: "number" },
        },
      },
      {
        type: "object",
        additionalProperties: false,
        required: ["kind", "x", "y", "radius"],
        properties: {
          kind: { const: "circle" },
          x: { type: "number" },
          y: { type: "number" },
          radius: { type: "number" },
        },
      },
    ],
  },
} as const;

/** Checks unknown input as a gesture list; SerumsError BAD_REQUEST names the field and the rule. */
export function parseGestures(input: unknown, field = "gestures"): Gesture[] {
  const result = gesturesSchema.safeParse(input);
  if (result.success) return result.data as Gesture[];
  const issue = result.error.issues[0]!;
  const at = [field, ...issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))].join("");
  throw new SerumsError(
    "BAD_REQUEST",
    `${at}: ${issue.message}; valid: 1 to ${MAX_GESTURES} gestures, each {kind:"tap",x,y}, {kind:"line",x,y,x2,y2} or {kind:"circle",x,y,radius}, coordinates 0–${GESTURE_FRAME}`,
    { path: at },
  );
}

/** The values a gesture's kind discretizes, in slot order. */
export function scalarsOf(g: Gesture): number[] {
  switch (g.kind) {
    case "tap":
      return [g.x, g.y];
    case "line":
      return [g.x, g.y, g.x2, g.y2];
    case "circle":
      return [g.x, g.y, g.radius];
  }
}

/** The points of a gesture (for hot spots): a tap, a line's two ends, a circle's centre. */
export function pointsOf(g: Gesture): [number, number][] {
  return g.kind === "line"
    ? [
        [g.x, g.y],
        [g.x2, g.y2],
      ]
    : [[g.x, g.y]];
}

const mod = (a: number, m: number) => ((a % m) + m) % m;

/** The offset that centres `v` in its segment of side 2r. */
export function centringOffset(v: number, r: number): number {
  return mod(v - r, 2 * r);
}

/** The index of `v`'s segment on the grid shifted by `offset`. */
export function segmentIndex(v: number, offset: number, r: number): number {
  return Math.floor((v - offset) / (2 * r));
}

/** Offsets for a key: SLOTS_PER_GESTURE per gesture, unused slots random in [0, 2r). */
export function gestureOffsets(gestures: readonly Gesture[], r: number, random: () => number): number[] {
  const offsets: number[] = [];
  for (const g of gestures) {
    const scalars = scalarsOf(g);
    for (let slot = 0; slot < SLOTS_PER_GESTURE; slot++) {
      const v = scalars[slot];
      offsets.push(v === undefined ? Math.round(random() * 2 * r * 1000) / 1000 : centringOffset(v, r));
    }
  }
  return offsets;
}

/**
 * The canonical text of a gesture attempt as the hash sees it: background, tolerance, and each
 * gesture's kind and segment indices in order. `offsets` are the key's (or zeros for a dummy).
 */
export function discretizedGestures(
  background: string,
  r: number,
  gestures: readonly Gesture[],
  offsets: readonly number[],
): string {
  const parts = gestures.map((g, i) => {
    const indices = scalarsOf(g).map((v, slot) =>
      segmentIndex(v, offsets[i * SLOTS_PER_GESTURE + slot] ?? 0, r),
    );
    return `${g.kind}:${indices.join(",")}`;
  });
  return `gesture/v1|bg=${background}|r=${r}|${parts.join("|")}`;
}
