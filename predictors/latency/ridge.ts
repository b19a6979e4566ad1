/**
 * The closed-form part of adaptation: ridge regression of normalised latency on the low-dimensional tail of the
 * encoding (per-choice counts and the source devices' lookup-table features). With 10 samples this pins down how a
 * new device weighs the source devices; the meta-learned network then predicts what the ridge misses.
 * With a prior (the source devices' mean weights, `ridgePrior`), the penalty pulls the weights toward it instead of
 * toward zero — closed-form meta-learning "around a common mean" (Denevi et al., NeurIPS 2018): with one measurement
 * the prediction is the average source device's, and more measurements move it toward the new device.
 */
import type { LatencySpaceId } from './data.js';
import { choicesPerGene, genesPerArch } from './encode.js';
import { choleskySolve } from './luts.js';

/** Where ψ starts in an encoded row and how long it is: counts (n), skipping the 4 roofline features, then LUTs. */
export function ridgeLayout(space: LatencySpaceId, inputSize: number): { countsAt: number; counts: number; lutsAt: number; luts: number } {
  const n = choicesPerGene(space);
  const countsAt = genesPerArch(space) * n;
  const lutsAt = countsAt + n + 4;
  return { countsAt, counts: n, lutsAt, luts: inputSize - lutsAt };
}

function psi(x: Float32Array, row: number, inputSize: number, layout: ReturnType<typeof ridgeLayout>): number[] {
  const base = row * inputSize;
  const out = [1];
  for (let j = 0; j < layout.counts; j++) out.push(x[base + layout.countsAt + j]);
  for (let j = 0; j < layout.luts; j++) out.push(x[base + layout.lutsAt + j]);
  return out;
}

/**
 * Ridge weights [intercept, counts…, luts…] minimising Σ (z − ψ·w)² + λ |w − prior|² over all but the intercept,
 * which is not penalised. No prior: shrink toward zero.
 */
export function fitRidge(space: LatencySpaceId, x: Float32Array, inputSize: number, z: ArrayLike<number>, lambda: number, prior?: readonly number[]): number[] {
  if (prior) {
    // w = prior + v, v the ridge toward zero on what the prior leaves unexplained.
    const fit = applyRidge(space, x, inputSize, prior);
    const v = fitRidge(space, x, inputSize, Float64Array.from(fit, (f, i) => z[i] - f), lambda);
    return v.map((vi, i) => vi + prior[i]);
  }
  const layout = ridgeLayout(space, inputSize);
  const k = 1 + layout.counts + layout.luts;
  const ata = new Float64Array(k * k);
  const aty = new Float64Array(k);
  for (let r = 0; r < z.length; r++) {
    const a = psi(x, r, inputSize, layout);
    for (let i = 0; i < k; i++) {
      aty[i] += a[i] * z[r];
      for (let j = 0; j < k; j++) ata[i * k + j] += a[i] * a[j];
    }
  }
  // A tiny ridge on the intercept too keeps the system positive definite.
  for (let i = 0; i < k; i++) ata[i * k + i] += i === 0 ? 1e-9 : lambda;
  return Array.from(choleskySolve(ata, aty, k));
}

export function applyRidge(space: LatencySpaceId, x: Float32Array, inputSize: number, w: readonly number[]): Float64Array {
  const layout = ridgeLayout(space, inputSize);
  const k = 1 + layout.counts + layout.luts;
  if (w.length !== k) throw new Error(`ridge: ${w.length} weights for ${k} features`);
  const rows = x.length / inputSize;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = psi(x, r, inputSize, layout);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * w[i];
    out[r] = s;
  }
  return out;
}

/**
 * The ridge fit as a linear map of its targets: P [rows of xApply × rows of xFit] with P·z = the fit's predictions at
 * xApply for targets z at xFit. Lets a meta-gradient flow through the closed-form ridge (its matrix does not depend on
 * the network), as in differentiable closed-form solvers (Bertinetto et al., ICLR 2019).
 */
export function ridgeSmoother(space: LatencySpaceId, xFit: Float32Array, xApply: Float32Array, inputSize: number, lambda: number): Float32Array {
  const n = xFit.length / inputSize;
  const m = xApply.length / inputSize;
  const p = new Float32Array(m * n);
  const unit = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    unit.fill(0);
    unit[j] = 1;
    const fit = applyRidge(space, xApply, inputSize, fitRidge(space, xFit, inputSize, unit, lambda));
    for (let i = 0; i < m; i++) p[i * n + j] = fit[i];
  }
  return p;
}
