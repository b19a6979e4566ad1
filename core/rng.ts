import seedrandom from 'seedrandom';

/** The saved state of a generator: plain data, safe to JSON-serialise and restore. */
export type RngState = { readonly c: number; readonly s0: number; readonly s1: number; readonly s2: number };

/** A seeded random generator (seedrandom's alea) whose state can be saved and restored exactly. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  state(): RngState;
}

export function createRng(seed: number | string, state?: RngState): Rng {
  const prng = seedrandom.alea(state ? '' : String(seed), { state: state ? { ...state } : true });
  const next = () => prng();
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    state: () => ({ ...prng.state() }),
  };
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
