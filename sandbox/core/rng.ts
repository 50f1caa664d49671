/**
 * Deterministic pseudo-random streams. Every simulator draws from its own labelled
 * stream so that adding a draw in one place never shifts the sequence elsewhere:
 * the same seed replays the same faults, orders and catalogues.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  int(min: number, maxInclusive: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

/** FNV-1a over the text, folded to 32 bits; only used to derive stream seeds. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // a final avalanche so that labels differing in one character diverge at once
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

export function createRng(seed: number, label = ''): Rng {
  let state = hash32(`${seed}\u0000${label}`);
  // mulberry32: tiny, fast, good enough statistics for simulation
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(min, maxInclusive) {
      if (maxInclusive < min) throw new RangeError(`int(${min}, ${maxInclusive}): empty range`);
      return min + Math.floor(next() * (maxInclusive - min + 1));
    },
    chance(p) {
      if (p <= 0) return false;
      if (p >= 1) return true;
      return next() < p;
    },
    pick(xs) {
      if (xs.length === 0) throw new RangeError('pick from an empty list');
      return xs[Math.floor(next() * xs.length)] as (typeof xs)[number];
    },
  };
}

/** A version-4-shaped UUID drawn from the stream, so ids replay with the seed. */
export function uuidFrom(rng: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rng.next() * 16).toString(16)).join('');
  const variant = (8 + Math.floor(rng.next() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}
