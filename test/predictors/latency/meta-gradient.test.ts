import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { initTf, tf } from '../../../hardware/tf-backend.js';
import { HW_EMBEDDING_SIZE } from '../../../predictors/latency/hardware-embedding.js';
import { metaGradient, queryLoss, type TaskTensors } from '../../../predictors/latency/meta-gradient.js';
import { innerLoop } from '../../../predictors/latency/model.js';
import { forward, helpShape, initParams, mseLoss, paramSpecs } from '../../../predictors/latency/network.js';

const shape = helpShape(6);
const specs = paramSpecs(shape);
let theta: Float32Array[];
let alpha: Float32Array[];
let task: TaskTensors;

beforeAll(async () => {
  await initTf();
  // A point where the loss after two steps is smooth within ±1e-2 along the checked coordinates (a ReLU switching inside
  // that range would put a jump in ∇L_support and so in the meta-loss).
  const rng = createRng('mg-2');
  theta = initParams(shape, rng);
  // Non-zero output and skip weights, so every layer gets a gradient.
  for (const p of theta.slice(-3)) for (let i = 0; i < p.length; i++) p[i] = 0.3 * (2 * rng.next() - 1);
  alpha = specs.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1)).fill(0.02));
  const data = (rows: number) => tf.tensor2d(Array.from({ length: rows * 6 }, () => 2 * rng.next() - 1), [rows, 6]);
  const target = (rows: number) => tf.tensor1d(Array.from({ length: rows }, () => 2 * rng.next() - 1));
  task = { hw: tf.tensor2d([Array.from({ length: HW_EMBEDDING_SIZE }, (_, i) => (i < 10 ? i / 9 : 1))]), xs: data(4), ys: target(4), xq: data(5), yq: target(5) };
});

const tensors = (values: readonly Float32Array[]) => specs.map((s, i) => tf.tensor(values[i], s.shape as number[]));

/** Query loss after `steps` inner steps, as a plain number (float32). */
function metaLoss(th: readonly Float32Array[], al: readonly Float32Array[], steps: number, t: TaskTensors = task): number {
  return tf.tidy(() => {
    const adapted = innerLoop(shape, tensors(th), tensors(al), t.xs, t.hw, t.ys, steps).adapted;
    // Written out here (not queryLoss) so that the test checks the gradient against an independent loss.
    if (!t.correction) return mseLoss(shape, adapted, t.xq, t.hw, t.yq).dataSync()[0];
    const fq = forward(shape, adapted, t.xq, t.hw).arraySync() as number[];
    const fs = forward(shape, adapted, t.xs, t.hw).arraySync() as number[];
    const p = t.correction.arraySync() as number[][];
    const ys = t.ys.arraySync() as number[];
    const yq = t.yq.arraySync() as number[];
    const pred = fq.map((f, i) => f + p[i].reduce((s, pij, j) => s + pij * (ys[j] - fs[j]), 0));
    return pred.reduce((s, v, i) => s + (v - yq[i]) ** 2, 0) / pred.length;
  });
}

function centralDifference(which: 'theta' | 'alpha', param: number, index: number, steps: number, eps: number, t: TaskTensors = task): number {
  const shifted = (delta: number) => {
    const th = theta.map((p) => p.slice());
    const al = alpha.map((p) => p.slice());
    (which === 'theta' ? th : al)[param][index] += delta;
    return metaLoss(th, al, steps, t);
  };
  return (shifted(eps) - shifted(-eps)) / (2 * eps);
}

describe('Meta-SGD meta-gradient', () => {
  it('second order: matches central finite differences of the query loss after two inner steps', () => {
    const g = metaGradient(shape, tensors(theta), tensors(alpha), task, 2, true);
    const out = specs.findIndex((s) => s.name === 'out/kernel');
    const skip = specs.findIndex((s) => s.name === 'skip/kernel');
    const checks: ['theta' | 'alpha', number, number][] = [['theta', out, 3], ['theta', out, 17], ['theta', 0, 5], ['theta', skip, 2], ['alpha', out, 3], ['alpha', skip, 2]];
    for (const [which, param, index] of checks) {
      const analytic = (which === 'theta' ? g.theta : g.alpha)[param].dataSync()[index];
      const numeric = centralDifference(which, param, index, 2, 1e-2);
      expect(Math.abs(analytic - numeric)).toBeLessThan(0.03 * Math.abs(numeric) + 1e-5);
    }
  });

  it('through a correcting ridge: the query prediction f(X_q) + P(y_s − f(X_s)) differentiates as written out', () => {
    const withCorrection: TaskTensors = { ...task, correction: tf.tensor2d(Array.from({ length: 5 * 4 }, (_, i) => ((i * 7) % 5) / 10 - 0.1), [5, 4]) };
    expect(queryLoss(shape, tensors(theta), withCorrection).dataSync()[0]).toBeCloseTo(metaLoss(theta, alpha.map((a) => a.map(() => 0)), 1, withCorrection), 5);
    const g = metaGradient(shape, tensors(theta), tensors(alpha), withCorrection, 2, true);
    const out = specs.findIndex((s) => s.name === 'out/kernel');
    const skip = specs.findIndex((s) => s.name === 'skip/kernel');
    for (const [which, param, index] of [['theta', out, 3], ['theta', skip, 2], ['alpha', skip, 2]] as const) {
      const analytic = (which === 'theta' ? g.theta : g.alpha)[param].dataSync()[index];
      const numeric = centralDifference(which, param, index, 2, 1e-2, withCorrection);
      expect(Math.abs(analytic - numeric)).toBeLessThan(0.03 * Math.abs(numeric) + 1e-5);
    }
  });

  it('first order: with one inner step the α-gradient −∇L_query(θ′) ⊙ ∇L_support(θ) is exact, the θ-gradient is not', () => {
    const first = metaGradient(shape, tensors(theta), tensors(alpha), task, 1, false);
    const second = metaGradient(shape, tensors(theta), tensors(alpha), task, 1, true);
    for (let p = 0; p < specs.length; p++) {
      const a = first.alpha[p].dataSync();
      const b = second.alpha[p].dataSync();
      for (let i = 0; i < a.length; i += 97) expect(a[i]).toBeCloseTo(b[i], 5);
    }
    // θ: second order adds −α ⊙ H ∇L_query, which is not zero here.
    const diff = first.theta.reduce((s, t, p) => s + tf.sum(tf.abs(tf.sub(t, second.theta[p]))).dataSync()[0], 0);
    expect(diff).toBeGreaterThan(1e-4);
  });
});
