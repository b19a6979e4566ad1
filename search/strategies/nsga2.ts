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
 *   population only): mating repeats, at most 100 rounds as in pymoo, until `offspringSize` (default
 *   populationSize) new children exist. So every ask is a new candidate, and the strategy is done only when the
 *   space is used up;
 * - survival (operators/survival.ts): rank and crowding with infeasible filtering; the population keeps a first
 *   front larger than `populationSize` whole, up to `maxPopulation` (default 4 × populationSize).
 * Generational: the next offspring are created once every child of the current generation has been told.
 *
 * Once mating stalls. In a long study the population settles on the front and stops changing (llm-hybrid: from
 * about 20,000 candidates all 100 members are on the first front, 54 distinct architectures, the whole reference
 * frontier). Its children are then recombinations of a fixed set of genes — mutation at η = 20 rarely moves a gene
 * of 2 to 5 choices: 1.5% of llm-hybrid's children get any change from it — and by 40,000 candidates 99% of them
 * are known. pymoo's 100 rounds then breed some 100 children per new one, and what they leave unfilled used to be
 * filled with random candidates (86% of the children at 200,000), far from the front. So, with `fill: 'nearby'`
 * (the default):
 * - mating also stops once it has bred MATING_EFFORT (20) children per child wanted. No generation at the budgets of
 *   bench/strategy-quality.bench.ts needs that many, so there this is pymoo's mating unchanged;
 * - each child still missing comes from a known child of the last round, walked a neighbour step at a time
 *   (operators/mutation.ts neighbourStep: one gene to a neighbouring choice) until it is new: new candidates a few
 *   steps from the children mating makes, so the study keeps searching beside the front;
 * - only where walks of MAX_WALK_STEPS (32) find nothing new — a finite space far into its use (llm-codesign past
 *   half) — random new candidates fill the rest.
 * `fill: 'random'` is the former behaviour: 100 rounds, then random candidates. The state counts the children of
 * each origin (`childOrigins`); bench/nsga2-late.bench.ts measures both fills in long studies.
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
import { discreteMutation, neighbourStep } from './operators/mutation.js';
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
  /**
   * Where the children come from that mating cannot supply: 'nearby' (default) walks mating's known children a
   * neighbour step at a time to new candidates; 'random' keeps mating for its 100 rounds and then draws random new candidates (the
   * behaviour before, kept for comparison: bench/nsga2-late.bench.ts).
   */
  fill: oneOf(['nearby', 'random']).default('nearby'),
});

/** How each child of the generations so far was made. */
export interface ChildOrigins {
  /** By mating (selection, crossover, mutation), new at once. */
  readonly mated: number;
  /** By walking a known child of mating to a new candidate (fill 'nearby'). */
  readonly walked: number;
  /** Drawn at random among the candidates not asked yet. */
  readonly random: number;
}

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
  /** Absent in states saved before it was kept. */
  readonly childOrigins?: ChildOrigins;
}

/** pymoo's bound on mating rounds (Mating's n_max_iterations). */
const MAX_MATING_ROUNDS = 100;
/**
 * With fill 'nearby', mating stops once it has bred this many children per child wanted (an overall yield of new
 * children under 5%). At the budgets of bench/strategy-quality.bench.ts no generation needs more than 17 (the
 * most, llm-codesign at 5%, 10 seeds), so those runs are pymoo's mating unchanged; late in a long study, when the
 * population has stopped changing, 99% of bred children are known and the rest are found faster by the walk.
 */
const MATING_EFFORT = 20;
/** Steps of the walk from one known child before it is given up for the next. */
const MAX_WALK_STEPS = 32;

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
    const step = neighbourStep(space.genes);
    const rng = createRng(ctx.seed, saved?.rng);
    let generation = saved?.generation ?? 0;
    let population: Member[] = (saved?.population ?? []).map((s) => member(loadIndividual(s, space), s.r, loadNumber(s.c)));
    const pending = new PendingQueue(space, objectiveCount, saved?.pending);
    const asked = new AskedSet(space, saved?.asked);
    let queue: Genes[] = saved ? saved.queue : initialPopulation(populationSize, space, asked, rng);
    let finished = saved?.finished ?? false;
    const origins = { mated: 0, walked: 0, random: 0, ...saved?.childOrigins };

    const advance = () => {
      const told = pending.drain().map((d) => d.individual);
      population = rankAndCrowdingSurvival([...population, ...told], populationSize, rng, maxPopulation);
      generation++;
      queue = mate(population, offspringSize);
      if (queue.length === 0) finished = true;
    };

    /** A new candidate a few neighbour steps from the known `child`, or undefined after MAX_WALK_STEPS. */
    const walk = (child: Genes): Genes | undefined => {
      let g = child;
      for (let s = 0; s < MAX_WALK_STEPS; s++) {
        g = step(g, rng);
        if (asked.add(g)) return g;
      }
      return undefined;
    };

    /** `wanted` children new to the study (fewer only when the space is used up). */
    const mate = (pop: Member[], wanted: number): Genes[] => {
      const out: Genes[] = [];
      const effort = o.fill === 'nearby' ? MATING_EFFORT * wanted : Infinity;
      let bred = 0;
      // The last round's children that were known already: at least as many as the children still missing.
      let known: Genes[] = [];
      for (let round = 0; round < MAX_MATING_ROUNDS && out.length < wanted && bred < effort; round++) {
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
        bred += children.length;
        known = [];
        for (const child of children) {
          if (out.length >= wanted) break;
          if (asked.add(child)) out.push(child);
          else known.push(child);
        }
      }
      origins.mated += out.length;
      // Mating has stalled (the population has stopped changing and its neighbourhood is asked): walk its known
      // children to new candidates a few steps away, which keeps them near the front.
      if (o.fill === 'nearby') {
        for (const child of known) {
          if (out.length >= wanted) break;
          const g = walk(child);
          if (!g) continue;
          out.push(g);
          origins.walked++;
        }
      }
      // Walks fail where a finite space is far into its use: random new candidates fill the rest.
      while (out.length < wanted) {
        const g = asked.randomUnasked(rng);
        if (!g) break;
        asked.add(g);
        out.push(g);
        origins.random++;
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
        childOrigins: { ...origins },
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
