/**
 * Aging (regularized) evolution, Real et al. 2019 (Algorithm 1):
 * - the population is a queue of the last `populationSize` evaluated candidates; it starts with that many
 *   uniform random samples;
 * - each child: draw `sampleSize` members uniformly at random (with replacement, as in the paper's pseudocode),
 *   take the best as parent, mutate it with the space's mutation (no crossover); when the child's result is
 *   consumed it joins the queue and the OLDEST member leaves.
 * "Best" with several objectives: the sample's members that no other sample member constrained-dominates (Deb:
 * feasible beats infeasible, smaller violation between infeasible ones), and among those one picked uniformly at
 * random. With one objective that is simply the best (ties at random). No scalarisation, so no weights to choose.
 * Steady state: children are created from the queue as it is when asked; results are consumed in ask order.
 * No repeated asks (operators/duplicates.ts): a child already asked is drawn again (a new tournament and
 * mutation, at most 32 times), then replaced by a random candidate never asked. Without it MnasNet's search on
 * llm-codesign asked 14,629 candidates to reach 1,890 distinct ones.
 */
import { constrainedDominates } from '../../core/pareto.js';
import { createRng, type Rng, type RngState } from '../../core/rng.js';
import { z } from 'zod';
import type { Genes } from '../../core/space.js';
import type { Evaluated, Strategy, StrategyContext, StrategyFactory } from '../strategy.js';
import { AskedSet, type SavedAskedSet } from './operators/duplicates.js';
import {
  loadIndividual,
  parseOptions,
  sizeOption,
  PendingQueue,
  saveIndividual,
  type Individual,
  type SavedIndividual,
  type SavedPending,
} from './common.js';

export interface AgingState {
  readonly rng: RngState;
  /** Random initial candidates asked so far (up to populationSize). */
  readonly initialAsked: number;
  /** Oldest first. */
  readonly population: SavedIndividual[];
  readonly pending: SavedPending;
  /** Every candidate asked so far. */
  readonly asked: SavedAskedSet;
}

/** Picks the parent among the sampled members (indices into the population). */
export function bestOfSample(population: readonly Individual[], sample: readonly number[], rng: Rng): number {
  const winners: number[] = [];
  for (let a = 0; a < sample.length; a++) {
    const p = population[sample[a]];
    let dominated = false;
    for (let b = 0; b < sample.length && !dominated; b++) {
      if (b === a) continue;
      const q = population[sample[b]];
      dominated = constrainedDominates(q.objectives, q.violation, p.objectives, p.violation);
    }
    // The same member drawn twice must not count twice.
    if (!dominated && !winners.includes(sample[a])) winners.push(sample[a]);
  }
  return winners.length === 1 ? winners[0] : winners[rng.int(winners.length)];
}

/**
 * The aging-evolution engine. `rescore` maps a told result to the objectives the tournament compares (MnasNet
 * uses it to turn metrics into its single reward).
 */
export function createAging(
  id: string,
  ctx: StrategyContext,
  sizes: AgingSizes,
  saved: AgingState | undefined,
  objectiveCount: number,
  rescore?: (r: Evaluated) => { objectives: number[]; violation: number },
): Strategy<AgingState> {
  const { space } = ctx;
  const { populationSize, sampleSize } = sizes;
  const rng = createRng(ctx.seed, saved?.rng);
  let initialAsked = saved?.initialAsked ?? 0;
  const population: Individual[] = (saved?.population ?? []).map((s) => loadIndividual(s, space));
  const pending = new PendingQueue(space, objectiveCount, saved?.pending);
  const sample: number[] = new Array(sampleSize);
  const asked = new AskedSet(space, saved?.asked);
  const MAX_REDRAWS = 32;

  const consume = () => {
    for (const { individual } of pending.drain()) {
      population.push(individual);
      if (population.length > populationSize) population.shift();
    }
  };

  return {
    id,
    ask(n) {
      const out: Genes[] = [];
      while (out.length < n) {
        let child: Genes | undefined;
        if (initialAsked < populationSize) {
          child = asked.randomUnasked(rng);
          initialAsked++;
        } else if (population.length > 0) {
          for (let redraw = 0; redraw < MAX_REDRAWS && (child === undefined || asked.has(child)); redraw++) {
            for (let k = 0; k < sampleSize; k++) sample[k] = rng.int(population.length);
            child = space.mutate(population[bestOfSample(population, sample, rng)].genes, rng);
          }
          if (asked.has(child!)) child = asked.randomUnasked(rng);
        } else break; // every initial candidate is still being evaluated
        if (!child) break; // the space is used up
        asked.add(child);
        pending.add(child);
        out.push(child);
      }
      return out;
    },
    tell(results) {
      pending.resolve(results, rescore);
      consume();
    },
    done: () => asked.exhausted() && pending.size === 0,
    state: () => ({
      rng: rng.state(),
      initialAsked,
      population: population.map(saveIndividual),
      pending: pending.save(),
      asked: asked.save(),
    }),
  };
}

/** The population P and the tournament sample S of aging evolution (its options, shared with mnas). */
export const AGING_OPTIONS = {
  populationSize: sizeOption(2).default(50),
  sampleSize: sizeOption(1).default(10),
};
export type AgingSizes = { readonly populationSize: number; readonly sampleSize: number };
const AGING_SCHEMA = z.strictObject(AGING_OPTIONS);

export const agingStrategy: StrategyFactory<AgingState> = {
  id: 'aging',
  description: 'aging (regularized) evolution, Real et al. 2019: tournament of S from a queue of P, mutate, drop the oldest',
  options: AGING_SCHEMA,
  create: (ctx, saved) => createAging('aging', ctx, parseOptions('aging', AGING_SCHEMA, ctx.options), saved, ctx.objectiveCount),
};
