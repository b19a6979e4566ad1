import { describe, expect, it } from 'vitest';
import { createRng, shuffled } from '../../../core/rng.js';
import type { LatencyTable } from '../../../predictors/latency/data.js';
import { helpQueryRows } from '../../../predictors/latency/evaluation.js';

describe("HELP's query set", () => {
  it('is indices 900–1899 less the 10% fastest and 10% slowest on the device, found by index value, not row', () => {
    // 3,000 architectures in shuffled row order; latency falls with the index, so within 900–1899 the slowest
    // are 900–999 and the fastest 1800–1899: HELP keeps 1000–1799 (800 architectures).
    const index = shuffled(Array.from({ length: 3000 }, (_, i) => i), createRng('query-set'));
    const table: LatencyTable = {
      space: 'nb201',
      file: 'synthetic.csv',
      genes: index.map(() => [0, 0, 0, 0, 0, 0]),
      index,
      devices: ['dev'],
      latencyMs: { dev: Float64Array.from(index, (v) => 5000 - v) },
      flaggedReferenceRows: [],
    };
    const kept = helpQueryRows(table, 'dev').map((row) => table.index[row]).sort((a, b) => a - b);
    expect(kept).toHaveLength(800);
    expect(kept[0]).toBe(1000);
    expect(kept[799]).toBe(1799);
    expect(() => helpQueryRows(table, 'nope')).toThrow(/unknown device 'nope'/);
  });
});
