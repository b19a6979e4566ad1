import type { CnnArchitecture, LlmArchitecture, PartitionedArchitecture } from '../architecture.js';
import type { Rng } from '../rng.js';
import type { Gene, Genes, SearchSpace } from '../space.js';

/**
 * Cut positions a split gene may take, as fractions of the model's units: 0, 1/32, …, 1. A fraction, not a unit
 * index, because the number of units changes with the architecture (layers per block, decoder depth).
 */
export const CUT_STEPS = 32;
const CUT_CHOICES = Array.from({ length: CUT_STEPS + 1 }, (_, i) => i / CUT_STEPS);

/**
 * `base` with the split over `devices` devices as genes (`cut1`…`cut(k−1)`, ordinal), so that a search co-designs
 * the architecture and where it is cut. Cut genes are sorted when decoded (a contiguous partition); the base
 * space's own sampling, mutation and crossover act on its genes, the cut genes mutate by a step or a new draw.
 */
export function withPartitionGenes(base: SearchSpace, devices: number): SearchSpace<PartitionedArchitecture> {
  if (!Number.isInteger(devices) || devices < 2) throw new Error(`a split needs at least 2 devices, got ${devices}`);
  const n = base.genes.length;
  const cuts = devices - 1;
  const cutGenes: Gene[] = Array.from({ length: cuts }, (_, i) => ({ name: `cut${i + 1}`, choices: CUT_CHOICES, ordinal: true }));
  const genes = [...base.genes, ...cutGenes];
  const own = (g: Genes) => g.slice(0, n);
  const cutOf = (g: Genes) => g.slice(n);
  const drawCut = (rng: Rng) => rng.int(CUT_CHOICES.length);
  /** A different cut: a step to a neighbour (half the time) or any other choice. */
  const mutateCut = (c: number, rng: Rng) => {
    if (rng.next() < 0.5) return c + (c === 0 ? 1 : c === CUT_STEPS ? -1 : rng.next() < 0.5 ? -1 : 1);
    const other = rng.int(CUT_STEPS);
    return other >= c ? other + 1 : other;
  };
  const model = (g: Genes): LlmArchitecture | CnnArchitecture => {
    const arch = base.decode(own(g));
    if (arch.family === 'partitioned') throw new Error(`space ${base.id} is already partitioned`);
    return arch;
  };
  return {
    id: `${base.id}+split${devices}`,
    description: `${base.description}, split over ${devices} devices (cut genes: fractions of the model's units in steps of 1/${CUT_STEPS})`,
    genes,
    size: () => base.size() * CUT_CHOICES.length ** cuts,
    sample: (rng) => [...base.sample(rng), ...cutGenes.map(() => drawCut(rng))],
    mutate(g, rng) {
      // Each gene as likely to move as in the base space: a cut gene with probability cuts / genes.
      if (rng.next() < cuts / genes.length) {
        const out = g.slice();
        const i = n + rng.int(cuts);
        out[i] = mutateCut(out[i], rng);
        return out;
      }
      return [...base.mutate(own(g), rng), ...cutOf(g)];
    },
    crossover(a, b, rng) {
      const [x, y] = base.crossover(own(a), own(b), rng);
      const ca = cutOf(a).slice();
      const cb = cutOf(b).slice();
      for (let i = 0; i < cuts; i++) if (rng.next() < 0.5) [ca[i], cb[i]] = [cb[i], ca[i]];
      return [
        [...x, ...ca],
        [...y, ...cb],
      ];
    },
    encode: (g) => [...base.encode(own(g)), ...cutOf(g).map((c) => c / CUT_STEPS)],
    decode: (g) => ({ family: 'partitioned', model: model(g), cutFractions: cutOf(g).map((c) => CUT_CHOICES[c]).sort((x, y) => x - y) }),
    ...(base.enumerate
      ? {
          *enumerate() {
            for (const g of base.enumerate!()) {
              const c = new Array<number>(cuts).fill(0);
              while (true) {
                yield [...g, ...c];
                let i = cuts - 1;
                while (i >= 0 && c[i] === CUT_STEPS) c[i--] = 0;
                if (i < 0) break;
                c[i]++;
              }
            }
          },
        }
      : {}),
    key: (g) => `${base.key(own(g))}|${cutOf(g).join('.')}`,
    describe: (g) => ({ ...base.describe(own(g)), ...Object.fromEntries(cutOf(g).map((c, i) => [`cut${i + 1}`, CUT_CHOICES[c]])) }),
  };
}

/** Unit indices of the cuts of `arch` on a chain of `units` units (rounded, non-decreasing). */
export function cutIndices(arch: PartitionedArchitecture, units: number): number[] {
  return arch.cutFractions.map((f) => Math.round(f * units));
}
