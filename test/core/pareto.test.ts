import { describe, expect, it } from 'vitest';
import {
  boundsOf,
  constrainedDominates,
  crowdingDistance,
  dominance,
  dominates,
  hypervolume,
  hypervolumeWfg,
  igd,
  igdPlus,
  nonDominatedRanks,
  nonDominatedSort,
  normalise,
  normalisedHypervolume,
  paretoIndices,
} from '../../core/pareto.js';
import { createRng, type Rng } from '../../core/rng.js';

/** Random integer points in [0, k)^m: small k gives many ties and duplicates. */
function randomPoints(rng: Rng, n: number, m: number, k: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => rng.int(k)));
}

/** O(n³) reference: peel off the points no remaining point (constrained-)dominates. */
function referenceRanks(points: number[][], violations?: number[]): number[] {
  const ranks = new Array<number>(points.length).fill(-1);
  let remaining = points.map((_, i) => i);
  let r = 0;
  const v = (i: number) => (violations ? violations[i] : 0);
  while (remaining.length > 0) {
    const front = remaining.filter((i) => !remaining.some((j) => j !== i && constrainedDominates(points[j], v(j), points[i], v(i))));
    for (const i of front) ranks[i] = r;
    remaining = remaining.filter((i) => ranks[i] === -1);
    r++;
  }
  return ranks;
}

/** Exact HV of integer points in [0, k)^m with reference k: count the unit cells whose lower corner is dominated. */
function gridHypervolume(points: number[][], k: number, m: number): number {
  let count = 0;
  const cell = new Array<number>(m).fill(0);
  const total = k ** m;
  for (let c = 0; c < total; c++) {
    let rest = c;
    for (let j = 0; j < m; j++) {
      cell[j] = rest % k;
      rest = Math.floor(rest / k);
    }
    if (points.some((p) => p.every((v, j) => v <= cell[j]))) count++;
  }
  return count;
}

describe('dominance', () => {
  it('is strict in one objective and weak in the others', () => {
    expect(dominates([1, 2], [1, 3])).toBe(true);
    expect(dominates([1, 3], [1, 2])).toBe(false);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([0, 3], [1, 2])).toBe(false);
    expect(dominance([1, 2], [2, 2])).toBe(1);
    expect(dominance([2, 2], [1, 2])).toBe(-1);
    expect(dominance([2, 2], [2, 2])).toBe(0);
    expect(dominance([1, 3], [2, 2])).toBe(0);
  });

  it('constrained: feasible beats infeasible, smaller violation wins, equal violations tie', () => {
    expect(constrainedDominates([9, 9], 0, [1, 1], 0.1)).toBe(true);
    expect(constrainedDominates([1, 1], 0.1, [9, 9], 0)).toBe(false);
    expect(constrainedDominates([9, 9], 0.1, [1, 1], 0.2)).toBe(true);
    expect(constrainedDominates([1, 1], 0.2, [9, 9], 0.2)).toBe(false);
    expect(constrainedDominates([9, 9], 0.2, [1, 1], 0.2)).toBe(false);
    expect(constrainedDominates([1, 1], 0, [2, 2], 0)).toBe(true);
  });
});

describe('non-dominated sorting', () => {
  it('sorts a hand-worked set with a duplicate', () => {
    const pts = [
      [1, 5],
      [2, 3],
      [3, 1],
      [2, 4],
      [4, 4],
      [2, 3],
    ];
    expect(nonDominatedSort(pts)).toEqual([[0, 1, 2, 5], [3], [4]]);
    expect(Array.from(nonDominatedRanks(pts))).toEqual([0, 0, 0, 1, 2, 0]);
    expect(paretoIndices(pts)).toEqual([0, 1, 2, 5]);
  });

  it('puts infeasible points after the feasible fronts, by violation', () => {
    const pts = [
      [0, 0],
      [5, 5],
      [6, 6],
      [1, 1],
      [0, 9],
    ];
    const violations = [0.5, 0, 0, 0.2, 0.5];
    expect(nonDominatedSort(pts, violations)).toEqual([[1], [2], [3], [0, 4]]);
    expect(paretoIndices(pts, violations)).toEqual([1]);
    expect(paretoIndices(pts, [1, 1, 1, 1, 1])).toEqual([]);
  });

  it('agrees with an O(n³) reference on random data with ties and duplicates', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 150; trial++) {
      const m = 2 + (trial % 3);
      const n = 1 + rng.int(40);
      const pts = randomPoints(rng, n, m, 2 + rng.int(5));
      const violations = trial % 2 ? pts.map(() => (rng.next() < 0.3 ? rng.int(3) * 0.5 : 0)) : undefined;
      const ref = referenceRanks(pts, violations);
      expect(Array.from(nonDominatedRanks(pts, violations))).toEqual(ref);
      const front = ref.flatMap((r, i) => (r === 0 && (!violations || violations[i] <= 0) ? [i] : []));
      expect(paretoIndices(pts, violations)).toEqual(front);
    }
  });
});

describe('crowding distance', () => {
  it('matches a hand-worked front, boundary points infinite', () => {
    const pts = [
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
    ];
    // (1,2): f1 gap (2-0)/4 = 0.5, f2 gap (4-1)/4 = 0.75 -> 1.25 / 2 objectives.
    expect(Array.from(crowdingDistance(pts, [0, 1, 2, 3]))).toEqual([Infinity, 0.625, 0.625, Infinity]);
  });

  it('treats duplicates like other points (pymoo cd), or gives later copies 0 when filtering; small fronts Infinity', () => {
    const pts = [
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
      [1, 2],
    ];
    // Unfiltered: f1 order 0,1,4,2,3 and f2 order 3,2,1,4,0 (stable): row 1 gets (1−0)/4 + (2−1)/4, row 4 gets
    // (2−1)/4 + (4−2)/4, row 2 gets (4−1)/4 + (2−0)/4, each halved.
    expect(Array.from(crowdingDistance(pts, [0, 1, 2, 3, 4]))).toEqual([Infinity, 0.25, 0.625, Infinity, 0.375]);
    expect(Array.from(crowdingDistance(pts, [0, 1, 2, 3, 4], { filterDuplicates: true }))).toEqual([Infinity, 0.625, 0.625, Infinity, 0]);
    expect(Array.from(crowdingDistance(pts, [1, 2]))).toEqual([Infinity, Infinity]);
  });
});

describe('hypervolume', () => {
  it('matches hand-worked 2-D and 3-D values', () => {
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBe(6);
    expect(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4])).toBe(6);
    expect(hypervolume([[1, 1, 1]], [2, 2, 2])).toBe(1);
    expect(hypervolume([[0, 0, 1], [1, 1, 0]], [2, 2, 2])).toBe(5);
    expect(hypervolume([[0, 0, 0, 1], [1, 1, 1, 0]], [2, 2, 2, 2])).toBe(8 + 2 - 1);
    expect(hypervolume([[2]], [5])).toBe(3);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('equals the exact grid count on small integer sets (2-D, 3-D, 4-D), by every method', () => {
    const rng = createRng(11);
    for (const [m, k] of [
      [2, 8],
      [3, 6],
      [4, 5],
    ] as const) {
      for (let trial = 0; trial < 25; trial++) {
        const pts = randomPoints(rng, 1 + rng.int(12), m, k);
        const ref = new Array<number>(m).fill(k);
        const exact = gridHypervolume(pts, k, m);
        expect(hypervolume(pts, ref)).toBe(exact);
        expect(hypervolumeWfg(pts, ref)).toBe(exact);
      }
    }
  });

  it('never drops when a point is added, and is unchanged by a dominated one', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 60; trial++) {
      const m = 2 + (trial % 3);
      const pts = Array.from({ length: 1 + rng.int(10) }, () => Array.from({ length: m }, () => rng.next()));
      const ref = new Array<number>(m).fill(1.1);
      const before = hypervolume(pts, ref);
      const extra = Array.from({ length: m }, () => rng.next());
      expect(hypervolume([...pts, extra], ref)).toBeGreaterThanOrEqual(before);
      // A copy of an existing point made worse in every objective is dominated.
      const base = pts[rng.int(pts.length)];
      const dominated = base.map((v) => v + 0.01 + 0.1 * rng.next());
      expect(hypervolume([...pts, dominated], ref)).toBeCloseTo(before, 12);
      expect(hypervolume([...pts, base.slice()], ref)).toBeCloseTo(before, 12);
    }
  });
});

describe('normalisation and distance indicators', () => {
  it('maps ideal to 0 and nadir to 1 and uses the 1.1 reference', () => {
    const front = [
      [10, 300],
      [20, 100],
    ];
    const bounds = boundsOf(front);
    expect(bounds).toEqual({ ideal: [10, 100], nadir: [20, 300] });
    expect(normalise([[15, 200]], bounds)).toEqual([[0.5, 0.5]]);
    // Normalised front (0,1),(1,0), reference (1.1,1.1): strips 1.1·0.1 + 0.1·1 = 0.21.
    expect(normalisedHypervolume(front, bounds)).toBeCloseTo(0.21, 12);
  });

  it('IGD and IGD+ on a hand-worked case', () => {
    const ref = [
      [0, 1],
      [1, 0],
    ];
    expect(igd([[0.5, 0.5]], ref)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(igdPlus([[0.5, 0.5]], ref)).toBeCloseTo(0.5, 12);
    // A point better than the reference in every objective has IGD+ 0 but IGD > 0.
    expect(igdPlus([[-1, -1]], ref)).toBe(0);
    expect(igd(ref, ref)).toBe(0);
    expect(igd([], ref)).toBe(Infinity);
  });
});
