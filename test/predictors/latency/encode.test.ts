import { describe, expect, it } from 'vitest';
import { getDevice } from '../../../hardware/devices.js';
import { encodeArch, encodedLength, rooflineFeatures } from '../../../predictors/latency/encode.js';

describe('architecture features', () => {
  const device = getDevice('raspberry-pi-5');

  it('one-hot per edge, share of edges per op, then standardised roofline features and extras', () => {
    const rf = rooflineFeatures('nb201', [3, 3, 0, 1, 1, 1], device);
    const stats = { mean: [Math.log(rf.flops), 0, 0, 0], std: [1, 1, 1, 1] };
    const x = encodeArch('nb201', [3, 3, 0, 1, 1, 1], rf, stats, [0.5]);
    expect(x).toHaveLength(encodedLength('nb201', 1));
    expect(x.slice(0, 10)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
    expect(x.slice(30, 35)).toEqual([1 / 6, 3 / 6, 0, 2 / 6, 0]);
    expect(x[35]).toBeCloseTo(0, 12); // log FLOPs minus its mean
    expect(x[39]).toBe(0.5);
    expect(() => encodeArch('nb201', [5, 0, 0, 0, 0, 0], rf, stats)).toThrow(/0\.\.4/);
  });

  it('roofline time lies between the larger and the sum of compute and memory time on the reference device', () => {
    const rf = rooflineFeatures('nb201', [3, 3, 3, 3, 3, 3], device);
    const compute = rf.flops / 154e9; // Raspberry Pi 5 fp32 peak in its profile
    const memory = rf.bytes / 17e9;
    expect(rf.rooflineS).toBeGreaterThanOrEqual(Math.max(compute, memory) * (1 - 1e-12));
    expect(rf.rooflineS).toBeLessThanOrEqual(compute + memory);
    expect(rf.intensity).toBeCloseTo(rf.flops / rf.bytes, 12);
  });
});
