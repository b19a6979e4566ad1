/**
 * Mutation for discrete genes (pymoo's operators/mutation style).
 *
 * Each gene is picked with probability `probabilityPerGene` (default 1 / genes, pymoo's prob_var). A picked ordinal
 * gene takes polynomial mutation (Deb & Goyal 1996, as pymoo 0.6's `mut_pm`, η = 20) of its choice index, rounded
 * back to a choice: mostly it stays or steps to a neighbouring choice, now and then it jumps further (the fewer
 * its choices, the more often it stays). A picked categorical gene has no neighbours: it is reset to another choice,
 * uniformly, with the probability that polynomial mutation moves an ordinal gene of as many choices
 * (`changeProbability`), so both kinds of gene change equally often.
 *
 * Mutation is deliberately weak, and nothing forces a change: a child equal to a known candidate is a duplicate,
 * and duplicate elimination asks for another one. The space's own mutation (a change on every child, half of them
 * random resets, and a categorical gene reset at 1 / genes) kept NSGA-II away from the frontier on every quality
 * problem of bench/strategy-quality.bench.ts.
 */
import type { Rng } from '../../../core/rng.js';
import type { Gene, Genes } from '../../../core/space.js';
import { roundToChoice } from './crossover.js';

export interface MutationOptions {
  /** Distribution index η of polynomial mutation (pymoo's default 20). */
  readonly eta: number;
  /** Per gene; undefined: 1 / number of genes. */
  readonly probabilityPerGene?: number;
}

export const DEFAULT_MUTATION: MutationOptions = { eta: 20 };

/** Polynomial mutation's δ_q for a value at relative position `x` in [0, 1], from the uniform draw `u`. */
function deltaQ(x: number, u: number, eta: number): number {
  const p = 1 / (eta + 1);
  if (u <= 0.5) return Math.pow(2 * u + (1 - 2 * u) * Math.pow(1 - x, eta + 1), p) - 1;
  return 1 - Math.pow(2 * (1 - u) + 2 * (u - 0.5) * Math.pow(x, eta + 1), p);
}

/**
 * The probability that polynomial mutation moves an ordinal gene of `choices` choices, at a uniformly random
 * choice, to another choice after rounding. From δ_q: from relative position x a move down needs
 * δ_q < −d with d = ½ / (choices − 1), which happens for u < ((1 − d)^(η+1) − (1 − x)^(η+1)) / (2 (1 − (1 − x)^(η+1)));
 * a move up is the mirror image.
 */
export function changeProbability(choices: number, eta: number): number {
  if (choices < 2) return 0;
  const upper = choices - 1;
  const reach = Math.pow(1 - 0.5 / upper, eta + 1);
  const side = (a: number) => (a >= 1 ? 0 : Math.max(0, (reach - a) / (2 * (1 - a))));
  let total = 0;
  for (let c = 0; c <= upper; c++) {
    const x = c / upper;
    total += side(Math.pow(1 - x, eta + 1)) + side(Math.pow(x, eta + 1));
  }
  return total / choices;
}

/** A mutation operator for these genes (the categorical change probabilities computed once). */
export function discreteMutation(genes: readonly Gene[], o: MutationOptions = DEFAULT_MUTATION): (parent: Genes, rng: Rng) => number[] {
  const rate = o.probabilityPerGene ?? 1 / genes.length;
  const reset = genes.map((g) => (g.ordinal ? 0 : changeProbability(g.choices.length, o.eta)));
  return (parent, rng) => {
    const g = parent.slice();
    for (let i = 0; i < genes.length; i++) {
      if (rng.next() >= rate) continue;
      const upper = genes[i].choices.length - 1;
      if (upper < 1) continue;
      if (genes[i].ordinal) g[i] = roundToChoice(g[i] + deltaQ(g[i] / upper, rng.next(), o.eta) * upper, upper);
      else if (rng.next() < reset[i]) {
        const other = rng.int(upper);
        g[i] = other >= g[i] ? other + 1 : other;
      }
    }
    return g;
  };
}

/**
 * The smallest change to a candidate: one gene, chosen uniformly among those with two or more choices, moves to a
 * neighbouring choice — an ordinal gene one step up or down (inward at either end), a categorical gene to another
 * choice, uniformly (all its choices are equally far apart). This is what polynomial mutation does when it changes
 * a gene at all (a step of one, nearly always), made certain: NSGA-II walks a known child with it until it is new
 * (nsga2.ts), so the child stays as close to its parents as the candidates asked so far allow.
 */
export function neighbourStep(genes: readonly Gene[]): (g: Genes, rng: Rng) => number[] {
  const movable = genes.flatMap((gene, i) => (gene.choices.length > 1 ? [i] : []));
  return (parent, rng) => {
    const g = parent.slice();
    if (movable.length === 0) return g;
    const i = movable[rng.int(movable.length)];
    const upper = genes[i].choices.length - 1;
    if (!genes[i].ordinal) {
      const other = rng.int(upper);
      g[i] = other >= g[i] ? other + 1 : other;
    } else if (g[i] === 0) g[i] = 1;
    else if (g[i] === upper) g[i] = upper - 1;
    else g[i] += rng.next() < 0.5 ? -1 : 1;
    return g;
  };
}
