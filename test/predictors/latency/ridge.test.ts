import { describe, expect, it } from 'vitest';
import { encodedLength } from '../../../predictors/latency/encode.js';
import { applyRidge, fitRidge, ridgeSmoother } from '../../../predictors/latency/ridge.js';

// nb201 rows with one lookup-table feature: ψ = [1, share of each of the 5 ops, LUT], at columns 30–34 and 39.
const width = encodedLength('nb201', 1);
function row(shares: number[], lut: number): Float32Array {
  const x = new Float32Array(width);
  shares.forEach((v, j) => (x[30 + j] = v));
  x[39] = lut;
  return x;
}
const rows = [
  row([1, 0, 0, 0, 0], 0.5),
  row([0, 1, 0, 0, 0], -1),
  row([0, 0, 1, 0, 0], 0.25),
  row([0, 0, 0, 1, 0], 2),
  row([0, 0, 0, 0, 1], -0.5),
  row([0.5, 0.5, 0, 0, 0], 1),
  row([0, 0, 0.5, 0.5, 0], -2),
  row([0.5, 0, 0, 0, 0.5], 0),
];
const x = new Float32Array(rows.length * width);
rows.forEach((r, i) => x.set(r, i * width));
const wTrue = [0.3, 1, -1, 0.5, 2, 0, 0.7];

describe('ridge head', () => {
  it('recovers exact linear targets with a vanishing penalty, with or without a prior', () => {
    const z = applyRidge('nb201', x, width, wTrue);
    // Intercept plus shares is collinear (shares sum to 1): compare predictions, not weights.
    for (const prior of [undefined, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]) {
      const fit = applyRidge('nb201', x, width, fitRidge('nb201', x, width, z, 1e-9, prior));
      fit.forEach((v, i) => expect(v).toBeCloseTo(z[i], 5));
    }
  });

  it('with one measurement: toward zero it predicts a constant; around a prior, the prior shifted through the measurement', () => {
    const prior = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const one = x.slice(0, width); // ψ·prior = 0.1 + 0.6·0.5 = 0.4
    const z = [1.5];
    const zero = applyRidge('nb201', x, width, fitRidge('nb201', one, width, z, 0.1));
    zero.forEach((v) => expect(v).toBeCloseTo(1.5, 6)); // the intercept carries a 1e-9 penalty
    // Around the prior the free intercept absorbs the residual 1.5 − 0.4 = 1.1 and the penalty keeps the rest at the
    // prior: row 2 (ψ·prior = 0.2 + 0.6·(−1) = −0.4) → −0.4 + 1.1 = 0.7.
    const w = fitRidge('nb201', one, width, z, 0.1, prior);
    expect(applyRidge('nb201', x.slice(width, 2 * width), width, w)[0]).toBeCloseTo(0.7, 6);
  });

  it('as a linear map of its targets: the smoother matrix times z is the fit of z', () => {
    const fitRows = x.slice(0, 5 * width);
    const applyRows = x.slice(3 * width);
    const z = [0.2, -1, 0.7, 1.5, 0.1];
    const p = ridgeSmoother('nb201', fitRows, applyRows, width, 0.3);
    const direct = applyRidge('nb201', applyRows, width, fitRidge('nb201', fitRows, width, z, 0.3));
    direct.forEach((v, i) => expect(z.reduce((s, zj, j) => s + p[i * 5 + j] * zj, 0)).toBeCloseTo(v, 5));
  });
});
