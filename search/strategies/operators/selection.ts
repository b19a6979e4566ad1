/**
 * Parent selection by binary tournaments (pymoo's TournamentSelection with NSGA-II's binary_tournament): the
 * contestants come from concatenated random permutations of the population, so every member enters about as
 * often; an infeasible contestant loses to a smaller violation; between feasible ones the lower rank wins
 * (`'rank'`, Deb's crowded comparison) or the dominating one (`'dominance'`, pymoo's default), then the larger
 * crowding distance, then a coin.
 */
import { dominance } from '../../../core/pareto.js';
import { shuffled, type Rng } from '../../../core/rng.js';
import type { Individual } from '../common.js';

/** A population member with its survival rank and crowding distance. */
export interface Member extends Individual {
  rank: number;
  crowding: number;
}

export type TournamentKind = 'rank' | 'dominance';

/** The winner of one binary tournament. */
export function tournamentWinner(a: Member, b: Member, kind: TournamentKind, rng: Rng): Member {
  if (a.violation > 0 || b.violation > 0) {
    if (a.violation < b.violation) return a;
    if (b.violation < a.violation) return b;
    return rng.next() < 0.5 ? a : b;
  }
  if (kind === 'rank') {
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
}

/** 2 · `matings` parents, in mating order. */
export function selectParents(population: readonly Member[], matings: number, kind: TournamentKind, rng: Rng): Member[] {
  const contestants: number[] = [];
  const indices = population.map((_, i) => i);
  while (contestants.length < 4 * matings) contestants.push(...shuffled(indices, rng));
  const parents: Member[] = new Array(2 * matings);
  for (let t = 0; t < 2 * matings; t++) parents[t] = tournamentWinner(population[contestants[2 * t]], population[contestants[2 * t + 1]], kind, rng);
  return parents;
}
