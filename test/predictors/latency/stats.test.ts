import { describe, expect, it } from 'vitest';
import { fitLine, mape, ranks, spearman, withinShare } from '../../../predictors/latency/stats.js';

describe('latency metrics', () => {
  it('gives tied values their average rank', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });

  it('Spearman ρ: 1 for any monotone map, −1 reversed, hand-worked with ties', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x = 1,2,3,4 and y = 1,2.5,2.5,4 → cov 1.5/… : ρ = Σdxdy / √(Σdx² Σdy²) = 4.5 / √(5 · 4.5) = 0.9487
    expect(spearman([1, 2, 3, 4], [1, 5, 5, 9])).toBeCloseTo(4.5 / Math.sqrt(5 * 4.5), 12);
  });

  it('MAPE and the ±10% share', () => {
    expect(mape([110, 90, 100], [100, 100, 100])).toBeCloseTo(20 / 3, 12);
    expect(withinShare([110, 89, 100, 120], [100, 100, 100, 100])).toBe(0.5);
  });

  it('fits a line exactly through collinear points', () => {
    const { a, b } = fitLine([1, 2, 3], [5, 7, 9]);
    expect(a).toBeCloseTo(2, 12);
    expect(b).toBeCloseTo(3, 12);
  });
});
