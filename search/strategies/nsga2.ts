/**
 * NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002) as pymoo 0.6 implements it, with the space's own crossover and
 * mutation:
 * - initial population: `populationSize` distinct random samples;
 * - mating (pymoo `Mating` + `TournamentSelection`): parents by binary tournaments over concatenated random
 *   permutations of the population; a tournament with an infeasible contestant goes to the smaller constraint
 *   violation, otherwise to the lower rank (option `tournament: 'rank'`, Deb's crowded comparison, default) or to
 *   the dominating one (`'dominance'`, pymoo's default), then the larger crowding distance, then a coin flip;
 *   crossover with probability `crossoverProbability` (0.9), mutation with `mutationProbability` (1.0);
 *   offspring equal to a population member, to an earlier offspring or to each other are dropped and mating
 *   repeats (at most 100 rounds) until `offspringSize` (default populationSize) distinct children exist;
 * - survival (pymoo `RankAndCrowding` with infeasible filtering): feasible candidates front by front, the last
 *   front cut by crowding distance (descending, ties in random order); remaining places go to infeasible
 *   candidates in order of increasing violation.
 * Generational: the next offspring are created once every child of the current generation has been told.
 */
import { createRng, shuffled, type Rng, type RngState } from '../../core/rng.js';
import { z } from 'zod';
import type { Genes } from '../../core/space.js';
import { crowdingDistance, dominance, nonDominatedSort } from '../../core/pareto.js';
import type { Strategy, StrategyFactory } from '../strategy.js';
import {
  loadIndividual,
  loadNumber,
  numberIn,
  oneOf,
  PendingQueue,
  parseOptions,
  sizeOption,
  saveIndividual,
  saveNumber,
  type Individual,
  type SavedIndividual,
  type SavedNumber,
  type SavedPending,
} from './common.js';

/** A population member with its survival rank and crowding distance. */
interface Member extends Individual {
  rank: number;
  crowding: number;
}

export interface Nsga2State {
  readonly rng: RngState;
  readonly generation: number;
  readonly population: (SavedIndividual & { readonly r: number; readonly c: SavedNumber })[];
  /** Children of the current generation not yet asked for. */
  readonly queue: number[][];
  readonly pending: SavedPending;
  readonly finished: boolean;
}

const MAX_MATING_ROUNDS = 100;

const NSGA2_OPTIONS = z.strictObject({
  populationSize: sizeOption(2).default(100),
  /** Children per generation; the population size by default. */
  offspringSize: sizeOption(1).optional(),
  crossoverProbability: numberIn(0, 1).default(0.9),
  mutationProbability: numberIn(0, 1).default(1),
  tournament: oneOf(['rank', 'dominance']).default('rank'),
});

export const nsga2Strategy: StrategyFactory<Nsga2State> = {
  id: 'nsga2',
  description: 'NSGA-II (Deb et al. 2002, as in pymoo): tournament on feasibility, rank and crowding; survival front by front',
  options: NSGA2_OPTIONS,
  create(ctx, saved) {
    const { space, objectiveCount } = ctx;
    const o = parseOptions('nsga2', NSGA2_OPTIONS, ctx.options);
    const { populationSize, crossoverProbability, mutationProbability, tournament } = o;
    const offspringSize = o.offspringSize ?? populationSize;
    const rng = createRng(ctx.seed, saved?.rng);
    let generation = saved?.generation ?? 0;
    let population: Member[] = (saved?.population ?? []).map((s) => member(loadIndividual(s, space), s.r, loadNumber(s.c)));
    let queue: Genes[] = saved ? saved.queue : initialPopulation(populationSize, space, rng);
    const pending = new PendingQueue(space, objectiveCount, saved?.pending);
    let finished = saved?.finished ?? false;

    const advance = () => {
      const told = pending.drain().map((d) => d.individual);
      population = survive([...population, ...told], populationSize, rng);
      generation++;
      queue = mate(population, offspringSize);
      if (queue.length === 0) finished = true;
    };

    /** Binary tournament winner between population members a and b (pymoo's binary_tournament). */
    const winner = (a: Member, b: Member): Member => {
      if (a.violation > 0 || b.violation > 0) {
        if (a.violation < b.violation) return a;
        if (b.violation < a.violation) return b;
        return rng.next() < 0.5 ? a : b;
      }
      if (tournament === 'rank') {
        if (a.rank < b.rank) return a;
        if (b.rank < a.rank) return b;
      } else {
        const rel = dominance(a.objectives, b.objectives);
        if (rel === 1) return a;
        if (rel === -1) return b;
      }
      if (a.crowding > b.crowding) return a;
      if (b.crowding > a.crowding) return b;
      return rng.next() < 0.5 ? a : b;
    };

    /** Parents for `matings` matings: tournaments over concatenated random permutations (pymoo). */
    const selectParents = (pop: Member[], matings: number): Member[] => {
      const needed = matings * 2 * 2;
      const contestants: number[] = [];
      const indices = pop.map((_, i) => i);
      while (contestants.length < needed) contestants.push(...shuffled(indices, rng));
      const parents: Member[] = new Array(matings * 2);
      for (let t = 0; t < matings * 2; t++) parents[t] = winner(pop[contestants[2 * t]], pop[contestants[2 * t + 1]]);
      return parents;
    };

    const mate = (pop: Member[], wanted: number): Genes[] => {
      const seen = new Set(pop.map((m) => m.key));
      const out: Genes[] = [];
      for (let round = 0; round < MAX_MATING_ROUNDS && out.length < wanted; round++) {
        const remaining = wanted - out.length;
        const matings = Math.ceil(remaining / 2);
        const parents = selectParents(pop, matings);
        const children: Genes[] = [];
        for (let k = 0; k < matings; k++) {
          const a = parents[2 * k].genes;
          const b = parents[2 * k + 1].genes;
          if (rng.next() < crossoverProbability) children.push(...space.crossover(a, b, rng));
          else children.push(a.slice(), b.slice());
        }
        for (let k = 0; k < children.length; k++) {
          if (rng.next() < mutationProbability) children[k] = space.mutate(children[k], rng);
        }
        // Duplicate elimination against the population, earlier offspring and each other, then truncation.
        for (const child of children) {
          if (out.length >= wanted) break;
          const key = space.key(child);
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(child);
        }
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
      done: () => finished && queue.length === 0 && pending.size === 0,
      state: () => ({
        rng: rng.state(),
        generation,
        population: population.map((m) => {
          const saved = saveIndividual(m);
          return { g: saved.g, f: saved.f, v: saved.v, r: m.rank, c: saveNumber(m.crowding) };
        }),
        queue: queue.map((g) => g.slice()),
        pending: pending.save(),
        finished,
      }),
    };
    return strategy;
  },
};

/** Explicit construction: object spread over these shapes is an order of magnitude slower in V8. */
function member(ind: Individual, rank: number, crowding: number): Member {
  return { genes: ind.genes, key: ind.key, objectives: ind.objectives, violation: ind.violation, rank, crowding };
}

/** Up to `size` distinct random samples (fewer only when the space is smaller or sampling keeps repeating). */
function initialPopulation(size: number, space: { sample(rng: Rng): Genes; key(g: Genes): string }, rng: Rng): Genes[] {
  const seen = new Set<string>();
  const out: Genes[] = [];
  for (let attempt = 0; attempt < 100 * size && out.length < size; attempt++) {
    const g = space.sample(rng);
    const key = space.key(g);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(g);
  }
  return out;
}

/**
 * Rank-and-crowding survival with infeasible filtering (pymoo). Sets rank and crowding on the survivors; the
 * infeasible survivors get rank after the last feasible front (the tournament decides them by violation anyway).
 */
export function survive(candidates: readonly Individual[], size: number, rng: Rng): Member[] {
  const feasible: Individual[] = [];
  const infeasible: Individual[] = [];
  for (const c of candidates) (c.violation <= 0 ? feasible : infeasible).push(c);
  const survivors: Member[] = [];
  const points = feasible.map((c) => c.objectives);
  const fronts = nonDominatedSort(points);
  for (let r = 0; r < fronts.length && survivors.length < size; r++) {
    const front = fronts[r];
    const crowding = crowdingDistance(points, front);
    let order = front.map((_, k) => k);
    if (survivors.length + front.length > size) {
      // Random order first, then a stable sort: equal crowding distances are cut at random, as pymoo does.
      order = shuffled(order, rng).sort((a, b) => (crowding[a] === crowding[b] ? 0 : crowding[a] > crowding[b] ? -1 : 1));
      order.length = size - survivors.length;
    }
    for (const k of order) survivors.push(member(feasible[front[k]], r, crowding[k]));
  }
  if (survivors.length < size && infeasible.length > 0) {
    const rank = fronts.length;
    const byViolation = infeasible.map((c, i) => ({ c, i })).sort((a, b) => a.c.violation - b.c.violation || a.i - b.i);
    for (const { c } of byViolation.slice(0, size - survivors.length)) survivors.push(member(c, rank, 0));
  }
  return survivors;
}
