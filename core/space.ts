import type { Architecture } from './architecture.js';
import type { Rng } from './rng.js';

/** A candidate in gene form: one choice index per gene. */
export type Genes = readonly number[];

/** One searchable choice. Ordinal genes have ordered choices, so mutation may step to a neighbour. */
export interface Gene {
  readonly name: string;
  readonly choices: readonly (number | string)[];
  readonly ordinal: boolean;
}

/**
 * A space of architectures. Pure: every random choice takes the caller's generator, so that a search is
 * reproducible from its seed and its state can be checkpointed.
 */
export interface SearchSpace<A extends Architecture = Architecture> {
  readonly id: string;
  readonly description: string;
  readonly genes: readonly Gene[];
  /** Number of distinct gene vectors (may exceed 2^53 for huge spaces: then an approximation). */
  size(): number;
  sample(rng: Rng): Genes;
  /** Changes at least one gene. */
  mutate(genes: Genes, rng: Rng): Genes;
  crossover(a: Genes, b: Genes, rng: Rng): [Genes, Genes];
  /** Numeric features in [0, 1] per gene (ordinal: rank / (n - 1); categorical: one-hot). */
  encode(genes: Genes): number[];
  decode(genes: Genes): A;
  /** Every gene vector in a fixed order; only for spaces where that is practical. */
  enumerate?(): Iterable<Genes>;
  /** A stable text key of the candidate, used for de-duplication and content hashes. */
  key(genes: Genes): string;
  /** The gene values by name, for exports and reports. */
  describe(genes: Genes): Record<string, number | string>;
}

/**
 * The candidate's number in the grid (mixed radix over the genes' choice counts, first gene most significant, the
 * order of `enumerate`), or -1 when a gene is out of range. Exact while the space has at most 2^53 candidates.
 */
export function gridIndex(g: Genes, radix: readonly number[]): number {
  if (g.length !== radix.length) return -1;
  let k = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if (!(v >= 0 && v < radix[i] && Number.isInteger(v))) return -1;
    k = k * radix[i] + v;
  }
  return k;
}

/** The genes of grid number `index` (the inverse of gridIndex). */
export function gridGenes(index: number, radix: readonly number[]): number[] {
  const g = new Array<number>(radix.length);
  for (let i = radix.length - 1; i >= 0; i--) {
    g[i] = index % radix[i];
    index = Math.floor(index / radix[i]);
  }
  return g;
}

/** Builds a SearchSpace over independent genes from a decode function: the shared mechanics live here. */
export function defineGridSpace<A extends Architecture>(spec: {
  id: string;
  description: string;
  genes: readonly Gene[];
  decode: (values: Record<string, number | string>, genes: Genes) => A;
  /** Probability that each gene mutates; at least one always does. Default 1 / genes. */
  mutationRate?: number;
}): SearchSpace<A> {
  const { genes } = spec;
  const rate = spec.mutationRate ?? 1 / genes.length;
  const describe = (g: Genes): Record<string, number | string> => {
    const out: Record<string, number | string> = {};
    for (let i = 0; i < genes.length; i++) out[genes[i].name] = genes[i].choices[g[i]];
    return out;
  };
  const mutateOne = (g: number[], i: number, rng: Rng) => {
    const n = genes[i].choices.length;
    if (n < 2) return;
    if (genes[i].ordinal && rng.next() < 0.5) {
      // Step to a neighbour: local moves matter for ordered choices such as width and depth.
      const step = rng.next() < 0.5 ? -1 : 1;
      g[i] = Math.min(n - 1, Math.max(0, g[i] + step));
    } else {
      const other = rng.int(n - 1);
      g[i] = other >= g[i] ? other + 1 : other;
    }
  };
  return {
    id: spec.id,
    description: spec.description,
    genes,
    size: () => genes.reduce((p, g) => p * g.choices.length, 1),
    sample: (rng) => genes.map((g) => rng.int(g.choices.length)),
    mutate(g0, rng) {
      const g = g0.slice();
      let changed = false;
      for (let i = 0; i < genes.length; i++) {
        if (rng.next() < rate) {
          const before = g[i];
          mutateOne(g, i, rng);
          changed ||= g[i] !== before;
        }
      }
      while (!changed && genes.some((x) => x.choices.length > 1)) {
        const i = rng.int(genes.length);
        const before = g[i];
        mutateOne(g, i, rng);
        changed = g[i] !== before;
      }
      return g;
    },
    crossover(a, b, rng) {
      const c1 = a.slice();
      const c2 = b.slice();
      for (let i = 0; i < genes.length; i++) {
        if (rng.next() < 0.5) {
          c1[i] = b[i];
          c2[i] = a[i];
        }
      }
      return [c1, c2];
    },
    encode(g) {
      const out: number[] = [];
      for (let i = 0; i < genes.length; i++) {
        const n = genes[i].choices.length;
        if (genes[i].ordinal) out.push(n > 1 ? g[i] / (n - 1) : 0);
        else for (let k = 0; k < n; k++) out.push(k === g[i] ? 1 : 0);
      }
      return out;
    },
    decode: (g) => spec.decode(describe(g), g),
    *enumerate() {
      const g = new Array<number>(genes.length).fill(0);
      const total = genes.reduce((p, x) => p * x.choices.length, 1);
      for (let k = 0; k < total; k++) {
        yield g.slice();
        for (let i = genes.length - 1; i >= 0; i--) {
          if (++g[i] < genes[i].choices.length) break;
          g[i] = 0;
        }
      }
    },
    key: (g) => g.join('.'),
    describe,
  };
}
