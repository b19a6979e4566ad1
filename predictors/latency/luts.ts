/**
 * Per-source-device latency lookup tables: latency ≈ b + Σ_layers w[layer, choice], fitted by ridge least squares on
 * every measured architecture of each meta-training device. Latency in both benchmarks is close to additive over
 * layers (FBNet's is exactly a per-layer table), so these tables carry the source devices' knowledge to any
 * architecture of the space, including ones never measured. Their normalised predictions are encoder features:
 * a new device's latency is then close to a combination of them, which 10 samples can pin down.
 */
import type { Genes } from '../../core/space.js';
import type { LatencySpaceId, LatencyTable } from './data.js';
import { choicesPerGene, genesPerArch } from './encode.js';
import { deviceNormalisation, normaliseLatency, type DeviceNormalisation } from './normalise.js';

export interface SourceLut {
  readonly device: string;
  /** [intercept, then genes × choices weights], ms. */
  readonly weights: readonly number[];
  /** Normalisation of this device (from its reference architectures), applied to the table's predictions. */
  readonly normalisation: DeviceNormalisation;
}

/** Smallest latency a table prediction is clamped to before the log (ms). */
const MIN_LUT_MS = 1e-3;

export function lutPredictMs(space: LatencySpaceId, lut: SourceLut, g: Genes): number {
  const n = choicesPerGene(space);
  let s = lut.weights[0];
  for (let i = 0; i < g.length; i++) s += lut.weights[1 + i * n + g[i]];
  return Math.max(MIN_LUT_MS, s);
}

export function lutFeatures(space: LatencySpaceId, luts: readonly SourceLut[], g: Genes): number[] {
  return luts.map((l) => normaliseLatency(lutPredictMs(space, l, g), l.normalisation));
}

/** Solves (AᵀA + λI) w = Aᵀy for the one-hot design of `rows`; Cholesky on the small normal matrix. */
export function fitLut(table: LatencyTable, device: string, referenceRows: readonly number[], lambda = 1e-3): SourceLut {
  const lat = table.latencyMs[device];
  if (!lat) throw new Error(`unknown device '${device}' in ${table.file}`);
  const n = choicesPerGene(table.space);
  const k = 1 + genesPerArch(table.space) * n;
  const ata = new Float64Array(k * k);
  const aty = new Float64Array(k);
  const idx = new Int32Array(genesPerArch(table.space) + 1);
  table.genes.forEach((g, row) => {
    idx[0] = 0;
    for (let i = 0; i < g.length; i++) idx[i + 1] = 1 + i * n + g[i];
    for (const a of idx) {
      aty[a] += lat[row];
      for (const b of idx) ata[a * k + b] += 1;
    }
  });
  for (let i = 0; i < k; i++) ata[i * k + i] += lambda;
  const weights = choleskySolve(ata, aty, k);
  return { device, weights: Array.from(weights), normalisation: deviceNormalisation(referenceRows.map((r) => lat[r])) };
}

export function choleskySolve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j];
      for (let p = 0; p < j; p++) s -= l[i * k + p] * l[j * k + p];
      if (i === j) {
        if (s <= 0) throw new Error('fitLut: normal matrix is not positive definite');
        l[i * k + i] = Math.sqrt(s);
      } else l[i * k + j] = s / l[j * k + j];
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * k + p] * y[p];
    y[i] = s / l[i * k + i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < k; p++) s -= l[p * k + i] * x[p];
    x[i] = s / l[i * k + i];
  }
  return x;
}
