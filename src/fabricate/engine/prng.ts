/**
 * The engine's seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic
 * generator, 128-bit state, passes PractRand to 2^40+), seeded through splitmix32 from a 32-bit
 * seed and a stream name. Each table draws from its own streams (`stream(seed, "admissions/rows")`),
 * so adding a table, or reordering tables, changes no other table's values. Never Math.random.
 */

/** FNV-1a of a text, 32 bits. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream = "") {
    const mix = splitmix32((seed >>> 0) ^ hashText(stream));
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** 32 random bits as an unsigned integer. */
  u32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1) with 32 random bits. */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [min, max], both included (max - min < 2^32 for exact uniformity). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A standard normal deviate (Box–Muller; one of the pair is dropped to keep no hidden state). */
  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** The stream of a table's part, e.g. `stream(seed, "admissions", "rows")`. */
export function stream(seed: number, table: string, part: string): Prng {
  return new Prng(seed, `${table}\u0000${part}`);
}
