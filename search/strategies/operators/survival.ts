/**
 * Rank-and-crowding survival with infeasible filtering (pymoo's RankAndCrowding): feasible candidates front by
 * front, the last front that fits only in part cut by crowding distance (descending, ties in random order); the
 * places left go to infeasible candidates in order of increasing violation.
 *
 * One widening: when the first front alone holds more distinct points than `size`, the population grows to keep
 * it whole, up to `maxSize`. A frontier larger than the population (llm-codesign's has 188 points) is otherwise
 * forgotten point by point as crowding cuts it, and its neighbourhoods go unexplored.
 */
import { crowdingDistance, nonDominatedSort } from '../../../core/pareto.js';
import { shuffled, type Rng } from '../../../core/rng.js';
import type { Individual } from '../common.js';
import type { Member } from './selection.js';

/** Explicit construction: object spread over these shapes is an order of magnitude slower in V8. */
export function member(ind: Individual, rank: number, crowding: number): Member {
  return { genes: ind.genes, key: ind.key, objectives: ind.objectives, violation: ind.violation, rank, crowding };
}

/** Distinct objective vectors among the points `front` (indices into `points`). */
function distinctCount(points: readonly (readonly number[])[], front: readonly number[]): number {
  return new Set(front.map((i) => points[i].join(','))).size;
}

/**
 * The survivors of `candidates`, with rank and crowding set; infeasible survivors get the rank after the last
 * feasible front (the tournament decides them by violation anyway).
 */
export function rankAndCrowdingSurvival(candidates: readonly Individual[], size: number, rng: Rng, maxSize = size): Member[] {
  const feasible: Individual[] = [];
  const infeasible: Individual[] = [];
  for (const c of candidates) (c.violation <= 0 ? feasible : infeasible).push(c);
  const points = feasible.map((c) => c.objectives);
  const fronts = nonDominatedSort(points);
  const widen = maxSize > size;
  if (widen && fronts.length > 0) size = Math.max(size, Math.min(maxSize, distinctCount(points, fronts[0])));
  const survivors: Member[] = [];
  for (let r = 0; r < fronts.length && survivors.length < size; r++) {
    const front = fronts[r];
    // Copies of one objective vector get no crowding credit beyond the first: they are cut first.
    const crowding = crowdingDistance(points, front, { filterDuplicates: widen });
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
