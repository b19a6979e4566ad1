import { describe, expect, it } from 'vitest';
import { hardwareEmbedding } from '../../../predictors/latency/hardware-embedding.js';
import { deviceNormalisation } from '../../../predictors/latency/normalise.js';

const missing = <T>(values: T[]) => [...values, ...Array<null>(10 - values.length).fill(null)];

describe('hardware embedding', () => {
  it("HELP's: the reference latencies min–max normalised; unmeasured ones 0 with mask bit 0", () => {
    expect(hardwareEmbedding(missing([2, 4, 6]), 'help')).toEqual([0, 0.5, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('log: the same on log latencies — (ln 4 − ln 2) / (ln 6 − ln 2) = 0.6309', () => {
    const e = hardwareEmbedding(missing([2, 4, 6]), 'log');
    expect(e[1]).toBeCloseTo(Math.log(2) / Math.log(3), 12);
    expect(e[1]).toBeCloseTo(0.6309, 4);
  });

  it('one measured reference carries no spread: value 0, mask 1', () => {
    const e = hardwareEmbedding([null, 5, null, null, null, null, null, null, null, null], 'help');
    expect(e.slice(0, 10).every((v) => v === 0)).toBe(true);
    expect(e.slice(10)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => hardwareEmbedding([1, 2], 'help')).toThrow(/expected 10/);
  });
});

describe('normalisation of a device’s latencies', () => {
  it('shrinks the spread toward the prior: logs 1 and 3, prior 0.5 with weight 2 → √((2 + 2·0.25) / 3)', () => {
    const n = deviceNormalisation([Math.E, Math.E ** 3], { logStd: 0.5, weight: 2 });
    expect(n.logMean).toBeCloseTo(2, 12);
    expect(n.logStd).toBeCloseTo(Math.sqrt(2.5 / 3), 12);
    // No prior: the population standard deviation (1).
    expect(deviceNormalisation([Math.E, Math.E ** 3]).logStd).toBeCloseTo(1, 12);
    // One measurement: the prior spread itself.
    expect(deviceNormalisation([7], { logStd: 0.5, weight: 2 }).logStd).toBeCloseTo(0.5, 12);
  });
});
