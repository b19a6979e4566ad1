import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crowdingDistance, hypervolume, igd, igdPlus, nonDominatedSort } from '../../core/pareto.js';

/** Random sets (ties, duplicates, 2–4 objectives) with the results pymoo 0.6.2 gives for them. */
interface Case {
  points: number[][];
  fronts: number[][];
  frontsAsPymooOrders: number[][];
  crowding: (number | 'Infinity')[][];
  reference: number[];
  hypervolume: number;
  referenceSet: number[][];
  igd: number;
  igdPlus: number;
}
const fixture = JSON.parse(readFileSync(new URL('./pareto-pymoo.fixture.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('agreement with pymoo 0.6.2', () => {
  it.each(fixture.cases.map((c, i) => [i, c] as const))('case %i: fronts, crowding, hypervolume, IGD, IGD+', (_i, c) => {
    expect(nonDominatedSort(c.points)).toEqual(c.fronts);
    c.frontsAsPymooOrders.forEach((front, k) => {
      const ours = Array.from(crowdingDistance(c.points, front));
      const theirs = c.crowding[k].map(Number);
      ours.forEach((v, j) => (Number.isFinite(theirs[j]) ? expect(v).toBeCloseTo(theirs[j], 12) : expect(v).toBe(theirs[j])));
    });
    expect(hypervolume(c.points, c.reference)).toBeCloseTo(c.hypervolume, 9);
    expect(igd(c.points, c.referenceSet)).toBeCloseTo(c.igd, 12);
    expect(igdPlus(c.points, c.referenceSet)).toBeCloseTo(c.igdPlus, 12);
  });
});
