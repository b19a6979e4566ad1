import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { compileExpressionForm } from '../../../predictors/loss/expression.js';
import type { FitData } from '../../../predictors/loss/fit.js';
import { bootstrap, compileObjective, fitForm, holdoutEvaluation, startGrid } from '../../../predictors/loss/fit.js';
import { CHINCHILLA_FORM, CODESIGN_FORM, evaluatePowerSum, formLayout, toTheta } from '../../../predictors/loss/forms.js';
import { PUBLISHED_LAWS } from '../../../predictors/loss/index.js';

const HOFFMANN = PUBLISHED_LAWS.chinchilla.coefficients;

/** Noise-free points of the Chinchilla law with Hoffmann's coefficients on a 6×6 grid of N and D. */
function synthetic(noise = 0, seed = 1): FitData {
  const rng = createRng(seed);
  const N: number[] = [];
  const D: number[] = [];
  const L: number[] = [];
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      const n = 1e8 * 3 ** i;
      const d = 2e9 * 3 ** j;
      N.push(n);
      D.push(d);
      L.push(evaluatePowerSum(CHINCHILLA_FORM, HOFFMANN, { activeParams: n, trainingTokens: d }) * Math.exp(noise * rng.normal()));
    }
  }
  return { inputs: { activeParams: Float64Array.from(N), trainingTokens: Float64Array.from(D) }, loss: Float64Array.from(L) };
}

function numericGradient(f: (x: Float64Array, g: Float64Array) => number, x: Float64Array): number[] {
  const g = new Float64Array(x.length);
  return Array.from(x, (_, i) => {
    const h = 1e-6;
    const p = Float64Array.from(x);
    p[i] += h;
    const fp = f(p, g);
    p[i] -= 2 * h;
    const fm = f(p, g);
    return (fp - fm) / (2 * h);
  });
}

describe('the fitting objective', () => {
  it('has exact gradients (Chinchilla form, log and linear residuals)', () => {
    const data = synthetic(0.02);
    for (const space of ['log', 'linear'] as const) {
      const obj = compileObjective(CHINCHILLA_FORM, data, 1e-3, undefined, space);
      const theta = Float64Array.from([0.4, 6.5, 0.3, 6.2, 0.3]);
      const g = new Float64Array(5);
      obj.f(theta, g);
      const num = numericGradient(obj.f, theta);
      num.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
    }
  });

  it('has exact gradients for the co-design form (multi-factor terms, exponent shared by two terms)', () => {
    const rng = createRng(3);
    const n = 40;
    const col = (f: () => number) => Float64Array.from({ length: n }, f);
    const data: FitData = {
      inputs: {
        depth: col(() => 4 + rng.int(29)),
        width: col(() => 768 + 256 * rng.int(10)),
        ffnRatio: col(() => 0.5 + 7.5 * rng.next()),
        kvDim: col(() => 64 * (1 + rng.int(16))),
        moeActivationRate: col(() => [1, 0.125, 0.25, 0.0625][rng.int(4)]),
      },
      loss: col(() => 3 + rng.next()),
    };
    const obj = compileObjective(CODESIGN_FORM, data, 1e-3);
    const theta = toTheta(formLayout(CODESIGN_FORM), PUBLISHED_LAWS.codesign.coefficients);
    const g = new Float64Array(theta.length);
    obj.f(theta, g);
    numericGradient(obj.f, theta).forEach((v, i) => expect(g[i]).toBeCloseTo(v, 5));
  });

  it('weights each point’s Huber loss, and agrees with the law’s own evaluation at every point', () => {
    const base = synthetic(0.02);
    const weight = Float64Array.from({ length: base.loss.length }, (_, i) => 0.5 + (i % 3));
    const data: FitData = { ...base, weight };
    const theta = Float64Array.from([0.4, 6.5, 0.3, 6.2, 0.3]);
    const coef = { E: Math.exp(0.4), A: Math.exp(6.5), alpha: 0.3, B: Math.exp(6.2), beta: 0.3 };
    let expected = 0;
    for (let i = 0; i < data.loss.length; i++) {
      const pred = evaluatePowerSum(CHINCHILLA_FORM, coef, { activeParams: data.inputs.activeParams![i], trainingTokens: data.inputs.trainingTokens![i] });
      const r = Math.abs(Math.log(pred / data.loss[i]));
      expected += weight[i] * (r <= 1e-3 ? 0.5 * r * r : 1e-3 * (r - 0.5e-3));
    }
    const obj = compileObjective(CHINCHILLA_FORM, data, 1e-3);
    const g = new Float64Array(5);
    expect(obj.f(theta, g)).toBeCloseTo(expected, 12);
    numericGradient(obj.f, theta).forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
  });

  it('is the summed Huber loss of log residuals: hand-worked for two points', () => {
    // Law L̂ = E only (A, B → 0): residuals log(2) − log(2.001) and log(2) − log(1.5).
    const data: FitData = { inputs: { activeParams: Float64Array.of(1e9, 1e9), trainingTokens: Float64Array.of(1e10, 1e10) }, loss: Float64Array.of(2.001, 1.5) };
    const obj = compileObjective(CHINCHILLA_FORM, data, 1e-3);
    const theta = Float64Array.from([Math.log(2), -800, 0, -800, 0]);
    const r1 = Math.log(2 / 2.001);
    const r2 = Math.log(2 / 1.5);
    expect(obj.f(theta, new Float64Array(5))).toBeCloseTo(0.5 * r1 * r1 + 1e-3 * (Math.abs(r2) - 0.5e-3), 15);
  });
});

describe('fitting', () => {
  it('Hoffmann’s grid has 4,500 starts; a subset strides through every axis', () => {
    expect(startGrid(CHINCHILLA_FORM)).toHaveLength(4500);
    const sub = startGrid(CHINCHILLA_FORM, undefined, 50);
    expect(sub).toHaveLength(50);
    expect(new Set(sub.map((s) => s[0])).size).toBeGreaterThan(1);
  });

  it('recovers the coefficients that generated noise-free data', () => {
    const fit = fitForm(CHINCHILLA_FORM, synthetic(), { maxStarts: 150 });
    for (const [k, v] of Object.entries(HOFFMANN)) expect(fit.coefficients[k] / v).toBeCloseTo(1, 4);
    expect(fit.objective).toBeLessThan(1e-14);
    expect(fit.r2Loss).toBeCloseTo(1, 10);
    expect(fit.rmseLogLoss).toBeLessThan(1e-7);
    expect(fit.residuals).toHaveLength(36);
  });

  it('fits a user formula (numeric gradients) to the same answer as the built-in form (exact gradients)', () => {
    const data = synthetic(0.01);
    const start = [1.5, 300, 0.3, 300, 0.3];
    const builtin = fitForm(CHINCHILLA_FORM, data, { starts: [start.map((v, i) => (i === 2 || i === 4 ? v : Math.log(v)))] });
    const form = compileExpressionForm({ id: 'mine', formula: 'E + A / N^alpha + B / D^beta', params: ['E', 'A', 'alpha', 'B', 'beta'] });
    const user = fitForm(form, data, { starts: [start] });
    expect(user.objective).toBeCloseTo(builtin.objective, 8);
    expect(user.coefficients.alpha).toBeCloseTo(builtin.coefficients.alpha, 3);
    expect(user.coefficients.E).toBeCloseTo(builtin.coefficients.E, 3);
  });

  it('bootstrap intervals are seeded, bracket the estimate and widen with noise', () => {
    const data = synthetic(0.01);
    const fit = fitForm(CHINCHILLA_FORM, data, { maxStarts: 100 });
    const a = bootstrap(CHINCHILLA_FORM, data, fit, createRng(7), { count: 40 });
    const b = bootstrap(CHINCHILLA_FORM, data, fit, createRng(7), { count: 40 });
    expect(a).toEqual(b);
    const [lo, hi] = a.ci.alpha;
    expect(lo).toBeLessThan(fit.coefficients.alpha);
    expect(hi).toBeGreaterThan(fit.coefficients.alpha);
    const noisy = synthetic(0.05);
    const fitNoisy = fitForm(CHINCHILLA_FORM, noisy, { maxStarts: 100 });
    const c = bootstrap(CHINCHILLA_FORM, noisy, fitNoisy, createRng(7), { count: 40 });
    expect(c.sd.alpha).toBeGreaterThan(a.sd.alpha);
  });

  it('held-out evaluation: noise-free data extrapolates exactly; k-fold uses every point once', () => {
    const data = synthetic();
    const largest = holdoutEvaluation(CHINCHILLA_FORM, data, { kind: 'largest', fraction: 0.2, by: 'activeParams' }, createRng(1), { maxStarts: 60 });
    expect(largest.folds[0].test).toBe(7);
    expect(largest.maxAbsRelError).toBeLessThan(1e-5);
    const kfold = holdoutEvaluation(CHINCHILLA_FORM, synthetic(0.01), { kind: 'kfold', k: 4 }, createRng(1), { maxStarts: 30 });
    expect(kfold.folds.reduce((s, f) => s + f.test, 0)).toBe(36);
    expect(kfold.meanAbsRelError).toBeGreaterThan(0);
    expect(kfold.meanAbsRelError).toBeLessThan(0.03);
  });

  it('leave-one-group-out holds out each data set in turn', () => {
    const data = synthetic();
    const grouped = { ...data, groups: Array.from({ length: 36 }, (_, i) => (i % 2 === 0 ? 'pile' : 'c4')) };
    const h = holdoutEvaluation(CHINCHILLA_FORM, grouped, { kind: 'group' }, createRng(1), { maxStarts: 60 });
    expect(h.folds.map((f) => [f.group, f.test, f.train])).toEqual([
      ['pile', 18, 18],
      ['c4', 18, 18],
    ]);
    expect(h.maxAbsRelError).toBeLessThan(1e-4);
    expect(() => holdoutEvaluation(CHINCHILLA_FORM, data, { kind: 'group' }, createRng(1))).toThrow(/no group column/);
  });
});
