/**
 * NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002) as pymoo 0.6 runs it on integer variables, composed from the
 * operators in ./operators:
 * - initial population: `populationSize` distinct random samples;
 * - mating (pymoo `Mating`): parents by binary tournaments (operators/selection.ts: feasibility, then rank —
 *   `tournament: 'rank'`, default — or dominance — `'dominance'`, pymoo's default —, then crowding); crossover with
 *   probability `crossoverProbability` (0.9), SBX on ordinal genes and uniform on categorical ones
 *   (operators/crossover.ts, η = `crossoverEta`, 15); mutation with probability `mutationProbability` (1.0),
 *   polynomial on ordinal genes and reset on categorical ones, 1/genes per gene (operators/mutation.ts,
 *   η = `mutationEta`, 20);
 * - duplicate elimination against every candidate asked so far (operators/duplicates.ts; pymoo compares with the
 *   population only): mating repeats, at most 100 rounds, until `offspringSize` (default populationSize) new
 *   children exist; what mating cannot fill late in a study is filled with random unasked candidates. So every
 *   ask is a new candidate, and the strategy is done only when the space is used up;
 * - survival (operators/survival.ts): rank and crowding with infeasible filtering; the population keeps a first
 *   front larger than `populationSize` whole, up to `maxPopulation` (default 4 × populationSize).
 * Generational: the next offspring are created once every child of the current generation has been told.
 *
 * Against pymoo's NSGA-II on llm-codesign this is at least as good (bench/strategy-quality.bench.ts,
 * experiments/search-peers). The space's own mutation (every child changed, half of the ordinal changes random
 * resets) and uniform crossover used before found 65% of the exact frontier at 5% of the space; these operators,
 * which keep children near and between their parents, find over 80%.
 */
import { z } from 'zod';
import { createRng, type Rng, type RngState } from '../../core/rng.js';
import { SIZE_LIMITS } from '../../core/size-limits.js';
import type { Genes, SearchSpace } from '../../core/space.js';
import type { Strategy, StrategyFactory } from '../strategy.js';
import {
  sizeOption,
  loadIndividual,
  loadNumber,
  numberIn,
  parseOptions,
  oneOf,
  PendingQueue,
  saveIndividual,
  saveNumber,
  type SavedIndividual,
  type SavedNumber,
  type SavedPending,
} from './common.js';
import { discreteCrossover } from './operators/crossover.js';
import { AskedSet, type SavedAskedSet } from './operators/duplicates.js';
import { discreteMutation } from './operators/mutation.js';
import { selectParents, type Member } from './operators/selection.js';
import { member, rankAndCrowdingSurvival } from './operators/survival.js';

export const nsga2Options = z.strictObject({
  populationSize: sizeOption(2).default(100),
  /** Default: populationSize. */
  offspringSize: sizeOption(1).optional(),
  /** Default: 4 × populationSize (at most SIZE_LIMITS.population). */
  maxPopulation: sizeOption(2).optional(),
  crossoverProbability: numberIn(0, 1).default(0.9),
  mutationProbability: numberIn(0, 1).default(1),
  crossoverEta: numberIn(0, 1000).default(15),
  mutationEta: numberIn(0, 1000).default(20),
  tournament: oneOf(['rank', 'dominance']).default('rank'),
});

export interface Nsga2State {
  readonly rng: RngState;
  readonly generation: number;
  readonly population: (SavedIndividual & { readonly r: number; readonly c: SavedNumber })[];
  /** Children of the current generation not yet asked for. */
  readonly queue: number[][];
  readonly pending: SavedPending;
  readonly finished: boolean;
  /** Every candidate proposed so far (queued, asked or told). */
  readonly asked: SavedAskedSet;
}

const MAX_MATING_ROUNDS = 100;

export const nsga2Strategy: StrategyFactory<Nsga2State> = {
  id: 'nsga2',
  description: 'NSGA-II (Deb et al. 2002, as in pymoo): SBX and polynomial mutation on ordinal genes, no repeated asks, rank-and-crowding survival',
  options: nsga2Options,
  create(ctx, saved) {
    const { space, objectiveCount } = ctx;
    const o = parseOptions('nsga2', nsga2Options, ctx.options);
    const populationSize = o.populationSize;
    const offspringSize = o.offspringSize ?? populationSize;
    // The default stays within the limit on what a strategy keeps (core/size-limits.ts).
    const maxPopulation = Math.max(populationSize, o.maxPopulation ?? Math.min(4 * populationSize, SIZE_LIMITS.population));
    const sbx = { eta: o.crossoverEta, probabilityPerGene: 0.5 };
    const mutate = discreteMutation(space.genes, { eta: o.mutationEta });
    const rng = createRng(ctx.seed, saved?.rng);
    let generation = saved?.generation ?? 0;
    let population: Member[] = (saved?.population ?? []).map((s) => member(loadIndividual(s, space), s.r, loadNumber(s.c)));
    const pending = new PendingQueue(space, objectiveCount, saved?.pending);
    const asked = new AskedSet(space, saved?.asked);
    let queue: Genes[] = saved ? saved.queue : initialPopulation(populationSize, space, asked, rng);
    let finished = saved?.finished ?? false;

    const advance = () => {
      const told = pending.drain().map((d) => d.individual);
      population = rankAndCrowdingSurvival([...population, ...told], populationSize, rng, maxPopulation);
      generation++;
      queue = mate(population, offspringSize);
      if (queue.length === 0) finished = true;
    };

    /** `wanted` children new to the study (fewer only when the space is used up). */
    const mate = (pop: Member[], wanted: number): Genes[] => {
      const out: Genes[] = [];
      for (let round = 0; round < MAX_MATING_ROUNDS && out.length < wanted; round++) {
        const matings = Math.ceil((wanted - out.length) / 2);
        const parents = selectParents(pop, matings, o.tournament, rng);
        const children: Genes[] = [];
        for (let k = 0; k < matings; k++) {
          const a = parents[2 * k].genes;
          const b = parents[2 * k + 1].genes;
          if (rng.next() < o.crossoverProbability) children.push(...discreteCrossover(space.genes, a, b, rng, sbx));
          else children.push(a.slice(), b.slice());
        }
        for (let k = 0; k < children.length; k++) {
          if (rng.next() < o.mutationProbability) children[k] = mutate(children[k], rng);
        }
        for (const child of children) {
          if (out.length >= wanted) break;
          if (asked.add(child)) out.push(child);
        }
      }
      // Late in a study of a small space mating keeps finding known candidates: random new ones fill the rest.
      while (out.length < wanted) {
        const g = asked.randomUnasked(rng);
        if (!g) break;
        asked.add(g);
        out.push(g);
      }
      return out;
    };

    const strategy: Strategy<Nsga2State> = {
      id: 'nsga2',
      ask(n) {
        const out: Genes[] = [];
        while (out.length < n && queue.length > 0) {
          const g = queue.shift()!;
          pending.add(g);
          out.push(g);
        }
        return out;
      },
      tell(results) {
        pending.resolve(results);
        if (queue.length === 0 && pending.size > 0 && pending.unresolved === 0) advance();
      },
      done: () => (finished || asked.exhausted()) && queue.length === 0 && pending.size === 0,
      state: () => ({
        rng: rng.state(),
        generation,
        population: population.map((m) => {
          const s = saveIndividual(m);
          return { g: s.g, f: s.f, v: s.v, r: m.rank, c: saveNumber(m.crowding) };
        }),
        queue: queue.map((g) => g.slice()),
        pending: pending.save(),
        finished,
        asked: asked.save(),
      }),
    };
    return strategy;
  },
};

/** Up to `size` distinct random samples, each added to `asked` (fewer only when the space is smaller). */
function initialPopulation(size: number, space: SearchSpace, asked: AskedSet, rng: Rng): Genes[] {
  const out: Genes[] = [];
  while (out.length < size) {
    const g = asked.randomUnasked(rng);
    if (!g) break;
    asked.add(g);
    out.push(g);
  }
  return out;
}
