import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { measuredRows, trimmedPool } from '../../../predictors/latency/measurements.js';
import { chooseMethod, ruleFor, type RuleEntry } from '../../../predictors/latency/selection.js';

describe('default adaptation method per number of measurements', () => {
  it('takes the best mean meta-validation ρ', () => {
    // Means: ridge-only 0.85, ridge-prior 0.855, meta-learned 0.90.
    const e = chooseMethod(5, { 'ridge-only': [0.9, 0.8], 'ridge-prior': [0.85, 0.86], 'meta-learned': [0.9, 0.9] });
    expect(e.method).toBe('meta-learned');
    expect(e.validSpearman['ridge-prior']).toBeCloseTo(0.855, 12);
    // Means 0.85 vs 0.84: the ridge stays.
    expect(chooseMethod(10, { 'ridge-only': [0.9, 0.8], 'meta-learned': [0.88, 0.8] }).method).toBe('ridge-only');
  });

  it('gives a tie to the simpler method', () => {
    expect(chooseMethod(10, { 'ridge-only': [0.9, 0.7], 'ridge-prior': [0.7, 0.9], 'meta-learned': [0.8, 0.8] }).method).toBe('ridge-only');
    expect(() => chooseMethod(1, {})).toThrow(/no candidate/);
  });

  it("applies the entry of the largest grid count not above the user's", () => {
    const rule: RuleEntry[] = [1, 3, 5, 10, 20].map((measurements, i) => ({ measurements, method: i < 2 ? 'ridge-prior' : 'ridge-only', validSpearman: {} }));
    expect([1, 2, 3, 4, 9, 10, 19, 20, 500].map((n) => ruleFor(rule, n).measurements)).toEqual([1, 1, 3, 3, 5, 10, 10, 20, 20]);
    expect(ruleFor(rule, 2).method).toBe('ridge-prior');
    expect(ruleFor(rule, 4).method).toBe('ridge-prior');
    expect(ruleFor(rule, 7).method).toBe('ridge-only');
  });
});

describe('measurement draws', () => {
  const refs = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109];
  const pool = Array.from({ length: 50 }, (_, i) => 90 + i); // overlaps the references on purpose
  it('n ≤ 10: n distinct references; 10: all of them; beyond: all 10 plus others, never a reference twice', () => {
    const rng = createRng(1);
    const three = measuredRows(refs, 3, rng, pool);
    expect(new Set(three).size).toBe(3);
    expect(three.every((r) => refs.includes(r))).toBe(true);
    expect([...measuredRows(refs, 10, rng, pool)].sort()).toEqual(refs);
    const twelve = measuredRows(refs, 12, rng, pool);
    expect(twelve.slice(0, 10)).toEqual(refs);
    expect(new Set(twelve).size).toBe(12);
    expect(() => measuredRows(refs, 0, rng, pool)).toThrow(/≥ 1/);
    expect(() => measuredRows(refs, 60, rng, pool)).toThrow(/only 40/);
  });

  it("draws extra measurements from HELP's trimmed pool: the device's 10% fastest and slowest dropped", () => {
    // 20 rows; latency of row r is (r * 7) % 20 + 1, so every value 1..20 once. Trim 10%: drop the 2 fastest (1, 2)
    // and the 2 slowest (19, 20).
    const rows = Array.from({ length: 20 }, (_, r) => r);
    const lat = rows.map((r) => ((r * 7) % 20) + 1);
    const kept = trimmedPool(rows, lat);
    expect(kept).toHaveLength(16);
    expect(kept.map((r) => lat[r]).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 3));
  });
});
