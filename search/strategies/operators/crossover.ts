/**
 * Crossover for discrete genes (a small pure function over two parents, as pymoo's operators/crossover).
 *
 * Ordinal genes: simulated binary crossover (SBX; Deb & Agrawal 1995, as pymoo 0.6's `cross_sbx`) of the choice
 * indices, rounded back to a choice (pymoo's RoundingRepair): children land near their parents and, when the
 * parents differ, between them, which is what ordered choices (depth, width, FFN ratio) reward. A gene is crossed
 * with probability `probabilityPerGene` (pymoo's prob_var, 0.5), and the two children's values are then swapped
 * with probability ½ (pymoo's prob_bin). A crossed categorical gene has no order to interpolate along: the two
 * children take the parents' values in random order.
 */
import type { Rng } from '../../../core/rng.js';
import type { Gene, Genes } from '../../../core/space.js';

export interface SbxOptions {
  /** Distribution index η: larger keeps children closer to their parents (pymoo's default 15). */
  readonly eta: number;
  readonly probabilityPerGene: number;
}

export const DEFAULT_SBX: SbxOptions = { eta: 15, probabilityPerGene: 0.5 };

/** Rounds a relaxed choice index to the nearest choice in [0, upper]. */
export function roundToChoice(x: number, upper: number): number {
  return Math.min(upper, Math.max(0, Math.round(x)));
}

/** SBX's spread β_q for the bound-limited spread factor `beta` and the uniform draw `u`. */
function betaQ(beta: number, u: number, eta: number): number {
  const alpha = 2 - Math.pow(beta, -(eta + 1));
  return u <= 1 / alpha ? Math.pow(u * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
}

/** Two children of parents `a` and `b`. */
export function discreteCrossover(genes: readonly Gene[], a: Genes, b: Genes, rng: Rng, o: SbxOptions = DEFAULT_SBX): [number[], number[]] {
  const c1 = a.slice();
  const c2 = b.slice();
  for (let i = 0; i < genes.length; i++) {
    if (a[i] === b[i] || rng.next() >= o.probabilityPerGene) continue;
    if (!genes[i].ordinal) {
      // No order to interpolate along: the crossed gene takes either parent's value (pymoo's exchange step).
      if (rng.next() < 0.5) [c1[i], c2[i]] = [b[i], a[i]];
      continue;
    }
    const upper = genes[i].choices.length - 1;
    const y1 = Math.min(a[i], b[i]);
    const y2 = Math.max(a[i], b[i]);
    const delta = y2 - y1;
    const u = rng.next();
    const low = 0.5 * (y1 + y2 - betaQ(1 + (2 * y1) / delta, u, o.eta) * delta);
    const high = 0.5 * (y1 + y2 + betaQ(1 + (2 * (upper - y2)) / delta, u, o.eta) * delta);
    // The lower child goes with the parent of the lower value, then the pair is swapped with probability ½.
    const swap = rng.next() < 0.5 !== a[i] > b[i];
    c1[i] = roundToChoice(swap ? high : low, upper);
    c2[i] = roundToChoice(swap ? low : high, upper);
  }
  return [c1, c2];
}
